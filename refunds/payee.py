"""A refund payee's bank details for a Zengin bulk transfer (総合振込), as plain Python.

Codes
    Bank codes are 4 digits, branch codes 3 and account numbers 7. Full-width digits are
    accepted (NFKC); account numbers may also be typed with hyphens or spaces. A shorter
    account number is rejected rather than zero-padded, so that a typo is not silently
    turned into somebody else's account. Banks and branches are checked against the
    ``zengin_code`` data, which is imported on the first lookup only (it loads every bank
    and branch: about 0.2 s and 30 MB) and cached.

Holder name: one canonical, full-width form
    ``normalize_holder_name`` turns whatever an operator typed into full-width katakana,
    full-width capital letters and digits (Ａ-Ｚ, ０-９), full-width symbols （ ） ． ，
    － ／ and single full-width spaces. Full width throughout, because that is how the
    ``zengin_code`` bank and branch names are written (``ミツビシユ－エフジエイ``) and how
    Japanese screens show a kana name. Hiragana become katakana; small kana are folded to
    large ones as banks record them (キッシャ → キツシヤ, ヵヶ → カケ); ヰ ヱ become イ エ;
    ヲ and ヴ stay. A dash of any kind becomes the prolonged-sound mark ー straight after a
    kana (or another ー) and the hyphen － anywhere else (``ＡＢＣ－１``). Kanji, lower-case
    letters, ・ and every other character are rejected with the offending characters named,
    so that nobody's name is guessed.

Zengin form
    ``zengin_kana`` converts the canonical name to what the transfer file carries: JIS X
    0201 single-byte characters, i.e. half-width katakana with ﾞ and ﾟ as separate
    characters, A-Z, 0-9, space and ( ) . , - /. The prolonged-sound mark is written as
    the hyphen ``-``: the half-width ``ｰ`` is refused by some banks, while ``-`` is what
    the Zengin bank and branch names themselves use (``ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ``). The bracket
    and yen symbols ｢ ｣ \\ of the full Zengin set are not accepted in a name, and the
    comma is kept (it is in the Zengin set and in the big banks' lists) although a few
    front-ends refuse it. The recipient-name field is 30 bytes, so a name is at most 30
    characters in this form, voiced marks counted separately.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

import jaconv
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

HOLDER_NAME_MAX_LENGTH = 30
"""Characters (= bytes) of the recipient-name field of a Zengin data record."""


class AccountType(models.TextChoices):
    """預金種目 with its Zengin code: 普通 1, 当座 2, 貯蓄 4."""

    ORDINARY = "1", _("Ordinary")
    CURRENT = "2", _("Current")
    SAVINGS = "4", _("Savings")


@dataclass(frozen=True)
class BankBranch:
    """A bank and one of its branches, names and kana as the ``zengin_code`` data has them."""

    bank_code: str
    bank_name: str
    bank_kana: str
    branch_code: str
    branch_name: str
    branch_kana: str


# --- Bank and branch lookup -------------------------------------------------------------------

_BANK_CODE_RE = re.compile(r"[0-9]{4}")
_BRANCH_CODE_RE = re.compile(r"[0-9]{3}")
_ACCOUNT_NUMBER_RE = re.compile(r"[0-9]{7}")


@lru_cache(maxsize=1)
def _banks() -> Mapping[str, Any]:
    # Loads every bank and branch (about 0.2 s and 30 MB), hence imported here, once.
    from zengin_code import Bank

    banks: Mapping[str, Any] = Bank.banks
    return banks


@lru_cache(maxsize=1024)
def find_bank_name(bank_code: str) -> tuple[str, str] | None:
    """``(name, kana)`` of the bank with this 4-digit code, or ``None``."""
    if not _BANK_CODE_RE.fullmatch(bank_code):
        return None
    bank = _banks().get(bank_code)
    if bank is None:
        return None
    return str(bank.name), str(bank.kana)


@lru_cache(maxsize=4096)
def find_branch(bank_code: str, branch_code: str) -> BankBranch | None:
    """The branch with this 3-digit code of the bank with this 4-digit code, or ``None``."""
    if not (_BANK_CODE_RE.fullmatch(bank_code) and _BRANCH_CODE_RE.fullmatch(branch_code)):
        return None
    bank = _banks().get(bank_code)
    if bank is None:
        return None
    branch = bank.branches.get(branch_code)
    if branch is None:
        return None
    return BankBranch(
        bank_code=str(bank.code),
        bank_name=str(bank.name),
        bank_kana=str(bank.kana),
        branch_code=str(branch.code),
        branch_name=str(branch.name),
        branch_kana=str(branch.kana),
    )


# --- Lookup by name (a member who knows the bank's name, not its code) ---------------------------

# How people write what the Zengin master abbreviates (横浜信用金庫 is 横浜信金 there).
_NAME_SUFFIXES = (
    ("信用金庫", "信金"),
    ("信用組合", "信組"),
    ("農業協同組合", "農協"),
    ("銀行", ""),
)


def _name_key(text: str) -> str:
    key = "".join(unicodedata.normalize("NFKC", text or "").split()).upper()
    for long, short in _NAME_SUFFIXES:
        if key.endswith(long):
            key = key[: -len(long)] + short
    return key


def _kana_key(text: str) -> str:
    try:
        return "".join(normalize_holder_name(text).split())
    except ValidationError:
        return ""


def _matches(typed: str, items: Any) -> list[tuple[str, str]]:
    """``(code, name)`` of the items whose name or kana is what was typed (suffixes folded)."""
    name, kana = _name_key(typed), _kana_key(typed)
    found = [
        (str(item.code), str(item.name))
        for item in items
        if name and (_name_key(str(item.name)) == name or (kana and str(item.kana) == kana))
    ]
    return sorted(found)


def find_banks_by_name(typed: str) -> list[tuple[str, str]]:
    """``(code, name)`` of the banks named so (``三井住友銀行``, ``みずほ``, ``ヨコハマ``)."""
    return _matches(typed.removesuffix("支店"), _banks().values())


def find_branches_by_name(bank_code: str, typed: str) -> list[tuple[str, str]]:
    """``(code, name)`` of the bank's branches named so (``渋谷支店``, ``渋谷``, ``シブヤ``)."""
    bank = _banks().get(bank_code)
    if bank is None:
        return []
    key = "".join(unicodedata.normalize("NFKC", typed or "").split())
    return _matches(key.removesuffix("支店").removesuffix("出張所"), bank.branches.values())


# --- Code validation ---------------------------------------------------------------------------

# Every dash an operator might type; after NFKC, ｰ is ー and － ﹣ are "-".
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d\u30fc\uff70")


def _nfkc(value: str | None) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def validate_bank_code(value: str) -> str:
    """The 4-digit code of a known bank, from full- or half-width digits."""
    code = _nfkc(value)
    if not _BANK_CODE_RE.fullmatch(code):
        raise ValidationError(_("Enter the bank code as 4 digits."), code="invalid")
    if find_bank_name(code) is None:
        raise ValidationError(
            _("Unknown bank code %(code)s"), code="unknown_bank", params={"code": code}
        )
    return code


def validate_branch(bank_code: str, branch_code: str) -> BankBranch:
    """The bank and branch, checking the bank code first and then the 3-digit branch code."""
    bank = validate_bank_code(bank_code)
    branch = _nfkc(branch_code)
    if not _BRANCH_CODE_RE.fullmatch(branch):
        raise ValidationError(_("Enter the branch code as 3 digits."), code="invalid")
    found = find_branch(bank, branch)
    if found is None:
        raise ValidationError(
            _("Unknown branch code %(branch)s for bank code %(bank)s"),
            code="unknown_branch",
            params={"bank": bank, "branch": branch},
        )
    return found


def validate_account_number(value: str) -> str:
    """Exactly 7 digits; full-width digits, hyphens and spaces are accepted and dropped."""
    text = "".join(ch for ch in _nfkc(value) if ch not in _DASHES and not ch.isspace())
    if not _ACCOUNT_NUMBER_RE.fullmatch(text):
        raise ValidationError(
            _("The account number must be exactly 7 digits."),
            code="invalid",
        )
    return text


# --- Holder name -------------------------------------------------------------------------------

# Large katakana a Zengin name may contain (ヲ and the voiced ones included, small ones not).
_KANA = frozenset(
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
    "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴ"
)
_LONG_VOWEL = "ー"
_ASCII_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789().,-/")
_KANA_FOLD = {
    "ァ": "ア",
    "ィ": "イ",
    "ゥ": "ウ",
    "ェ": "エ",
    "ォ": "オ",
    "ッ": "ツ",
    "ャ": "ヤ",
    "ュ": "ユ",
    "ョ": "ヨ",
    "ヮ": "ワ",
    "ヵ": "カ",
    "ヶ": "ケ",
    "ヰ": "イ",
    "ヱ": "エ",
}
# Spacing ゛ ゜ become combining marks so that NFKC joins them to the kana before them.
_SPACING_SOUND_MARKS = str.maketrans({"\u309b": "\u3099", "\u309c": "\u309a"})
_FULL_WIDTH = str.maketrans({ch: chr(ord(ch) + 0xFEE0) for ch in _ASCII_ALLOWED} | {" ": "\u3000"})
_HIRAGANA_TO_KATAKANA = 0x60


def _describe(ch: str) -> str:
    if ch == "\u3099":
        return "゛"
    if ch == "\u309a":
        return "゜"
    return ch if ch.isprintable() else f"U+{ord(ch):04X}"


def normalize_holder_name(value: str) -> str:
    """The account holder name in its canonical full-width form (see the module docstring).

    Raises ``ValidationError`` for an empty name, a name with characters a Zengin file cannot
    carry (named in the message) or one longer than 30 characters in Zengin form.
    """
    text = unicodedata.normalize("NFKC", (value or "").translate(_SPACING_SOUND_MARKS))
    out: list[str] = []
    bad: list[str] = []
    for ch in text:
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
            continue
        if "\u3041" <= ch <= "\u3096":
            ch = chr(ord(ch) + _HIRAGANA_TO_KATAKANA)
        ch = _KANA_FOLD.get(ch, ch)
        if ch in _DASHES:
            after_kana = bool(out) and (out[-1] in _KANA or out[-1] == _LONG_VOWEL)
            ch = _LONG_VOWEL if after_kana else "-"
        if ch in _KANA or ch == _LONG_VOWEL or ch in _ASCII_ALLOWED:
            out.append(ch)
        elif ch not in bad:
            bad.append(ch)
    if bad:
        raise ValidationError(
            _(
                "Use katakana, capital letters, digits, spaces and ( ) . , - / only; "
                "not allowed: %(chars)s"
            ),
            code="invalid_characters",
            params={"chars": " ".join(_describe(ch) for ch in bad)},
        )
    name = "".join(out).strip(" ")
    if not name:
        raise ValidationError(_("Enter the account holder name."), code="required")
    length = len(zengin_kana(name))
    if length > HOLDER_NAME_MAX_LENGTH:
        raise ValidationError(
            _(
                "The account holder name is %(length)d characters long in bank format "
                "(voiced sound marks count separately); at most %(limit)d are allowed."
            ),
            code="max_length",
            params={"length": length, "limit": HOLDER_NAME_MAX_LENGTH},
        )
    return name.translate(_FULL_WIDTH)


def same_holder(holder_name: str, member_kana: str) -> bool:
    """Whether an account holder name is the member's reading (spacing, width, small kana and
    hiragana aside): a transfer to someone else's account needs a reason."""

    def key(text: str) -> str:
        try:
            return zengin_kana(normalize_holder_name(text)).replace(" ", "")
        except (ValidationError, ValueError):
            return ""

    mine = key(member_kana)
    return bool(mine) and key(holder_name) == mine


# --- Zengin form -------------------------------------------------------------------------------

_ZENGIN_CHARS = frozenset(
    "ｦｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝﾞﾟABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ().,-/"
)
_TO_HALF_WIDTH = str.maketrans(
    {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
    | {"\u3000": " ", _LONG_VOWEL: "-", "\uff70": "-"}
)


def zengin_kana(value: str) -> str:
    """The half-width, single-byte form of a canonical name (or of a ``zengin_code`` kana).

    Raises ``ValueError`` if the result holds a character outside the Zengin set chosen here,
    e.g. for a name that did not go through ``normalize_holder_name``.
    """
    text = jaconv.z2h(value.translate(_TO_HALF_WIDTH), kana=True, ascii=False, digit=False)
    outside = sorted({ch for ch in text if ch not in _ZENGIN_CHARS})
    if outside:
        raise ValueError(f"not in the Zengin character set: {outside!r} in {value!r}")
    if len(text.encode("cp932")) != len(text):
        raise ValueError(f"not single-byte in CP932: {text!r}")
    return text


@dataclass(frozen=True)
class BankDetails:
    """A bank account as a caller gives it (validated by the claim service, not here)."""

    bank_code: str = ""
    branch_code: str = ""
    account_type: str = ""
    account_number: str = ""
    holder_name: str = ""

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> "BankDetails":
        """From a form's or a serializer's cleaned values (missing ones empty)."""
        return cls(**{name: values.get(name) or "" for name in BANK_FIELDS})


BANK_FIELDS = tuple(f.name for f in fields(BankDetails))
