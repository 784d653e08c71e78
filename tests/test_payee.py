"""Refund payee bank details: bank/branch lookup, code validation, holder name, Zengin form.

No database: everything here is pure Python over the ``zengin_code`` data.
"""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from refunds.payee import (
    AccountType,
    BankBranch,
    find_bank_name,
    find_branch,
    normalize_holder_name,
    validate_account_number,
    validate_bank_code,
    validate_branch,
    zengin_kana,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _message(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


# --- Account type ------------------------------------------------------------------------------


def test_account_types_carry_the_zengin_codes():
    assert [(choice.value, str(choice.label)) for choice in AccountType] == [
        ("1", "Ordinary"),
        ("2", "Current"),
        ("4", "Savings"),
    ]


# --- Lookup ------------------------------------------------------------------------------------


def test_find_bank_name_mizuho():
    assert find_bank_name("0001") == ("みずほ", "ミズホ")


def test_find_bank_name_mufg():
    name, kana = find_bank_name("0005") or ("", "")
    assert "三菱" in name
    assert kana.startswith("ミツビシ")


def test_find_bank_name_japan_post_bank():
    assert find_bank_name("9900") == ("ゆうちょ", "ユウチヨ")


@pytest.mark.parametrize("code", ["9999", "1", "00001", "０００１", "abcd", ""])
def test_find_bank_name_unknown_or_malformed(code):
    assert find_bank_name(code) is None


def test_find_branch_mizuho_tokyo():
    assert find_branch("0001", "001") == BankBranch(
        bank_code="0001",
        bank_name="みずほ",
        bank_kana="ミズホ",
        branch_code="001",
        branch_name="東京営業部",
        branch_kana="トウキヨウ",
    )


def test_find_branch_japan_post_bank():
    branch = find_branch("9900", "019")
    assert branch is not None
    assert branch.branch_name == "〇一九"


@pytest.mark.parametrize(
    ("bank", "branch"), [("0001", "999"), ("9999", "001"), ("0001", "1"), ("1", "001")]
)
def test_find_branch_unknown_or_malformed(bank, branch):
    assert find_branch(bank, branch) is None


# --- Bank and branch codes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [("0001", "0001"), ("０００５", "0005"), (" 9900 ", "9900")]
)
def test_validate_bank_code_accepts(value, expected):
    assert validate_bank_code(value) == expected


def test_validate_bank_code_unknown_bank():
    with pytest.raises(ValidationError) as exc:
        validate_bank_code("9999")
    assert exc.value.code == "unknown_bank"
    assert _message(exc) == "Unknown bank code 9999"


@pytest.mark.parametrize("value", ["1", "001", "00001", "abcd", "00-1", ""])
def test_validate_bank_code_needs_four_digits(value):
    with pytest.raises(ValidationError) as exc:
        validate_bank_code(value)
    assert exc.value.code == "invalid"
    assert "4 digits" in _message(exc)


def test_validate_branch_returns_the_branch():
    branch = validate_branch("０００１", "００１")
    assert (branch.bank_code, branch.branch_code, branch.branch_name) == (
        "0001",
        "001",
        "東京営業部",
    )


def test_validate_branch_mufg_head_office():
    branch = validate_branch("0005", "001")
    assert branch.bank_code == "0005"
    assert branch.branch_name == "本店"


def test_validate_branch_unknown_branch_names_both_codes():
    with pytest.raises(ValidationError) as exc:
        validate_branch("0001", "999")
    assert exc.value.code == "unknown_branch"
    assert "999" in _message(exc)
    assert "0001" in _message(exc)


def test_validate_branch_unknown_bank_is_reported_first():
    with pytest.raises(ValidationError) as exc:
        validate_branch("9999", "001")
    assert exc.value.code == "unknown_bank"


@pytest.mark.parametrize("value", ["1", "0001", "ab1", ""])
def test_validate_branch_needs_three_digits(value):
    with pytest.raises(ValidationError) as exc:
        validate_branch("0001", value)
    assert exc.value.code == "invalid"
    assert "3 digits" in _message(exc)


# --- Account number ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["1234567", "１２３４５６７", "123-4567", "123 4567", "１２３－４５６７", " 1234567 "]
)
def test_validate_account_number_accepts(value):
    assert validate_account_number(value) == "1234567"


@pytest.mark.parametrize(
    "value", ["12345678", "123456", "12345A7", "abcdefg", "", "１２３４５６７８"]
)
def test_validate_account_number_must_be_seven_digits(value):
    with pytest.raises(ValidationError) as exc:
        validate_account_number(value)
    assert exc.value.code == "invalid"
    assert "7 digits" in _message(exc)


# --- Holder name -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ\u3000タロウ"),
        ("やまだ\u3000たろう", "ヤマダ\u3000タロウ"),
        ("ヤマダ タロウ", "ヤマダ\u3000タロウ"),
        ("  ﾔﾏﾀﾞ \u3000 \tﾀﾛｳ  ", "ヤマダ\u3000タロウ"),
        ("ｷｯｼｬ", "キツシヤ"),
        ("きゅうよ いちろう", "キユウヨ\u3000イチロウ"),
        ("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ"),
        ("ゐゑを", "イエヲ"),
        ("ヰヱヲ", "イエヲ"),
        ("ｳﾞｨｯﾄ", "ヴイツト"),
        ("ゔ", "ヴ"),
        ("か゛ぱ", "ガパ"),
        ("ｶﾞﾊﾟ", "ガパ"),
        # Long vowel: ー after a kana, hyphen anywhere else.
        ("ﾀﾛｰ", "タロー"),
        ("タロ-", "タロー"),
        ("タロ−", "タロー"),
        ("タロ‐", "タロー"),
        ("タロ－", "タロー"),
        ("ABC-1", "ＡＢＣ－１"),
        ("ABCｰ1", "ＡＢＣ－１"),
        ("ﾔﾏﾀﾞ -ABC", "ヤマダ\u3000－ＡＢＣ"),
        # Companies: capitals, digits and the allowed symbols, half- or full-width.
        ("ABC ｼｮｳｼﾞ(ｶ", "ＡＢＣ\u3000シヨウジ（カ"),
        ("ｶ)ABC123", "カ）ＡＢＣ１２３"),
        ("ＡＢＣ　ショウジ（カ", "ＡＢＣ\u3000シヨウジ（カ"),
        ("ｶ)ﾔﾏﾀﾞ.ｴｰｼﾞｪﾝｼｰ", "カ）ヤマダ．エージエンシー"),
        ("ﾕ)A/B,C", "ユ）Ａ／Ｂ，Ｃ"),
        ("３Ｍ", "３Ｍ"),
    ],
)
def test_normalize_holder_name(typed, canonical):
    assert normalize_holder_name(typed) == canonical


def test_normalize_holder_name_is_idempotent():
    canonical = normalize_holder_name("ｶ)ABC ｼｮｳｼﾞ-ｰ ﾀﾛｰ")
    assert normalize_holder_name(canonical) == canonical


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("山田 ﾀﾛｳ", ["山", "田"]),
        ("山田太郎", ["山", "田", "太", "郎"]),
        ("yamada taro", ["y", "a", "m", "d", "t", "r", "o"]),
        ("Yamada", ["a", "m", "d"]),
        ("ＡＢＣ ｓｈｏｊｉ", ["s", "h", "o", "j", "i"]),
        ("ﾔﾏﾀﾞ・ﾀﾛｳ", ["・"]),
        ("ﾔﾏﾀﾞ&ｺ", ["&"]),
        ("ﾔﾏﾀﾞ「ﾀﾛｳ」", ["「", "」"]),
        ("ﾜﾞｲﾝ", ["ヷ"]),
    ],
)
def test_normalize_holder_name_rejects_and_names_characters(typed, named):
    with pytest.raises(ValidationError) as exc:
        normalize_holder_name(typed)
    assert exc.value.code == "invalid_characters"
    message = _message(exc)
    assert message.startswith("Use katakana, capital letters, digits")
    listed = message.rsplit("not allowed: ", 1)[1].split(" ")
    assert listed == named


def test_normalize_holder_name_names_an_invisible_character_by_code_point():
    with pytest.raises(ValidationError) as exc:
        normalize_holder_name("ﾔﾏﾀﾞ\u200bﾀﾛｳ")
    assert "U+200B" in _message(exc)


@pytest.mark.parametrize("typed", ["", "   ", "\u3000\u3000", "\t"])
def test_normalize_holder_name_rejects_empty(typed):
    with pytest.raises(ValidationError) as exc:
        normalize_holder_name(typed)
    assert exc.value.code == "required"


def test_normalize_holder_name_accepts_thirty_characters():
    name = normalize_holder_name("ｱ" * 30)
    assert name == "ア" * 30


def test_normalize_holder_name_rejects_thirty_one_characters():
    with pytest.raises(ValidationError) as exc:
        normalize_holder_name("ｱ" * 31)
    assert exc.value.code == "max_length"
    assert "31" in _message(exc)
    assert "30" in _message(exc)


def test_normalize_holder_name_counts_voiced_marks_towards_the_limit():
    assert normalize_holder_name("ガ" * 15) == "ガ" * 15  # 30 bytes: ｶﾞ x 15
    with pytest.raises(ValidationError) as exc:
        normalize_holder_name("ガ" * 16)  # 16 characters, but 32 in Zengin form
    assert exc.value.code == "max_length"
    assert "32" in _message(exc)


def test_normalize_holder_name_counts_collapsed_spaces_once():
    # 29 kana plus one (collapsed) space: exactly 30 in Zengin form.
    assert len(zengin_kana(normalize_holder_name("ｱ" * 14 + "   \u3000 " + "ｲ" * 15))) == 30


# --- Zengin form -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("canonical", "zengin"),
    [
        ("ヤマダ\u3000タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("キツシヤ", "ｷﾂｼﾔ"),
        ("ガパ\u3000ヴ", "ｶﾞﾊﾟ ｳﾞ"),
        ("タロー", "ﾀﾛ-"),
        ("ヲ", "ｦ"),
        ("ＡＢＣ\u3000シヨウジ（カ", "ABC ｼﾖｳｼﾞ(ｶ"),
        ("カ）ＡＢＣ－１２３", "ｶ)ABC-123"),
        ("ユ）Ａ／Ｂ，Ｃ．", "ﾕ)A/B,C."),
        # zengin_code's own kana, written with － and full-width capitals, also converts.
        ("ミツビシユ－エフジエイ", "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ"),
    ],
)
def test_zengin_kana(canonical, zengin):
    assert zengin_kana(canonical) == zengin


@pytest.mark.parametrize(
    "typed",
    [
        "ﾔﾏﾀﾞ ﾀﾛｳ",
        "やまだ　たろう",
        "ｷｯｼｬ ﾀﾛｰ",
        "ABC ｼｮｳｼﾞ(ｶ",
        "ｶ)ABC-123 ｴｲ/ｺﾞ,ﾊﾟ.",
        "ヴァイオリン　ヲ　ヱ",
        "ｱ" * 30,
    ],
)
def test_zengin_kana_round_trip_is_single_byte_cp932(typed):
    canonical = normalize_holder_name(typed)
    zengin = zengin_kana(canonical)
    encoded = zengin.encode("cp932")
    assert len(encoded) == len(zengin) <= 30
    assert all(ch.isascii() or "\uff61" <= ch <= "\uff9f" for ch in zengin)
    assert "ｰ" not in zengin
    # Reading the Zengin form back gives the same canonical name.
    assert normalize_holder_name(zengin) == canonical
    assert normalize_holder_name(encoded.decode("cp932")) == canonical


@pytest.mark.parametrize("value", ["山田", "yamada", "キッシャ", "ヤマダ・タロウ", "ｧ", "ヤマダ&"])
def test_zengin_kana_refuses_what_a_zengin_file_cannot_carry(value):
    with pytest.raises(ValueError):
        zengin_kana(value)


def test_every_zengin_code_kana_converts_to_single_byte():
    from zengin_code import Bank

    kana = [bank.kana for bank in Bank.banks.values()]
    kana += [branch.kana for bank in Bank.banks.values() for branch in bank.branches.values()]
    assert len(kana) > 10000
    for value in kana:
        zengin = zengin_kana(value)
        assert len(zengin.encode("cp932")) == len(zengin), value


# --- Import cost -------------------------------------------------------------------------------


def test_importing_the_module_does_not_load_zengin_code():
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings.test'); "
        "django.setup(); import refunds.payee, sys; print('zengin_code' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "False"


@pytest.mark.django_db
def test_account_numbers_are_encrypted_at_rest_and_old_keys_still_read(settings):
    """The database holds a Fernet token, not the digits; after a new key is put first the
    rows written with the old one still read, and ``encrypt_again`` rewrites them so the old
    key may go."""
    from django.core.management import call_command
    from django.db import connection

    from refunds.models import Claim
    from tests.factories import ClaimFactory

    field = Claim._meta.get_field("account_number")

    def keys_changed() -> None:  # the field derives its keys once per process
        for name in ("keys", "f"):
            field.__dict__.pop(name, None)

    claim = ClaimFactory(account_number="7654321")
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_number FROM refunds_claim WHERE id = %s", [claim.pk])
        stored = cursor.fetchone()[0]
    assert "7654321" not in stored and stored.startswith("gAAAA")
    try:
        settings.SALT_KEY = ["a-new-salt", *settings.SALT_KEY]
        keys_changed()
        assert Claim.objects.get(pk=claim.pk).account_number == "7654321"  # the old key reads
        call_command("encrypt_again", stdout=io.StringIO())
        settings.SALT_KEY = ["a-new-salt"]  # the old key removed
        keys_changed()
        assert Claim.objects.get(pk=claim.pk).account_number == "7654321"
    finally:
        keys_changed()
