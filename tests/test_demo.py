"""The demo data generator and the demo logins."""

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import User
from refunds.demo import generate
from refunds.models import BillingLine, Contract, Member

FILES = ("members.csv", "contracts.csv", "billing.csv", "tariffs.csv")
IMPORT_ORDER = ("members", "contracts", "tariffs", "billing")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("demo-small")
    generate(output, members=300, seed=7)
    return output


@pytest.fixture(scope="module")
def larger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("demo-larger")
    generate(output, members=3000, seed=2010)
    return output


def _import(kind: str, path: Path) -> str:
    out = io.StringIO()
    call_command("import_csv", kind, str(path), stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def _rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def test_generated_files_import_without_rejections(db, small: Path) -> None:
    for kind in IMPORT_ORDER:
        summary = _import(kind, small / f"{kind}.csv")
        assert summary.endswith("rejected=0"), (kind, summary)
    stats = json.loads((small / "expected_summary.json").read_text())
    assert Member.objects.count() == stats["members"] == 300
    assert Contract.objects.count() == stats["contracts"]
    assert BillingLine.objects.count() == stats["billing_lines"]


def test_members_file_is_cp932_with_slash_dates(small: Path) -> None:
    raw = (small / "members.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = _rows(small / "members.csv", "cp932")
    assert any("/" in row["joined_on"] for row in rows)
    assert not any("-" in row["joined_on"] for row in rows)
    for name in FILES[1:]:
        (small / name).read_bytes().decode("utf-8")


def test_expected_cases_follow_the_rules(db, small: Path) -> None:
    for kind in IMPORT_ORDER:
        _import(kind, small / f"{kind}.csv")
    net: dict[str, int] = defaultdict(int)
    lines = BillingLine.objects.filter(item__in=("base_fee", "refund")).values_list(
        "contract__contract_no", "period", "amount_yen", "contract__ended_on"
    )
    for contract_no, period, amount, ended_on in lines:
        if ended_on and (period.year, period.month) > (ended_on.year, ended_on.month):
            net[contract_no] += amount
    found = {}
    in_scope = Contract.objects.filter(
        course="HIKARI_FLETS",
        applied_on__gte="2005-04-01",
        cancel_requested_on__lte="2009-09-16",
        ended_on__isnull=False,
    ).select_related("member")
    for contract in in_scope:
        if net[contract.contract_no] > 0:
            category = (
                "1"
                if contract.member.status == "active"
                else "2"
                if str(contract.ended_on) >= "2009-06-01"
                else "3"
            )
            found[contract.contract_no] = (category, str(net[contract.contract_no]))
    expected = {
        row["contract_no"]: (row["category"], row["amount_yen"])
        for row in _rows(small / "expected_cases.csv")
    }
    assert found == expected
    assert expected


def test_same_seed_same_bytes(tmp_path: Path, small: Path) -> None:
    again = tmp_path / "again"
    generate(again, members=300, seed=7)
    for name in (*FILES, "expected_cases.csv", "expected_summary.json"):
        assert (again / name).read_bytes() == (small / name).read_bytes(), name
    other = tmp_path / "other"
    generate(other, members=300, seed=8)
    assert (other / "billing.csv").read_bytes() != (small / "billing.csv").read_bytes()


def test_billing_lines_target_sizes_the_scenario(tmp_path: Path) -> None:
    stats = generate(tmp_path, members=1, seed=1, billing_lines=5000)
    assert 5000 <= stats.billing_lines < 5200
    with (tmp_path / "billing.csv").open() as fh:
        assert sum(1 for _ in fh) - 1 == stats.billing_lines
    assert stats.members > 100


def test_scenario_has_the_messiness_and_the_distractors(larger: Path) -> None:
    members = _rows(larger / "members.csv", "cp932")
    kana = [row["name_kana"] for row in members]
    assert any("ｻ" <= ch <= "ﾝ" for k in kana for ch in k)  # half-width katakana
    assert any("ぁ" <= ch <= "ゖ" for k in kana for ch in k)  # hiragana
    assert len({row["phone"][:3] for row in members if row["phone"]}) > 5
    contracts = _rows(larger / "contracts.csv")
    assert {c["course"] for c in contracts} == {"HIKARI_FLETS", "ADSL_12M"}
    assert {c["plan"] for c in contracts} == {"family", "mansion"}
    assert {c["area"] for c in contracts} == {"east", "west"}
    assert any(c["cancel_requested_on"] == "2009-09-17" for c in contracts)
    assert any(c["cancel_requested_on"] == "2009-09-16" for c in contracts)
    assert any(c["applied_on"] == "2005-03-31" for c in contracts)
    assert any(c["ended_on"] == "2009-05-31" for c in contracts)
    assert any(c["ended_on"] == "2009-06-01" for c in contracts)
    assert any(c["cancel_requested_on"] and not c["ended_on"] for c in contracts)
    per_member: dict[str, int] = defaultdict(int)
    for c in contracts:
        per_member[c["member_no"]] += 1
    assert max(per_member.values()) == 2
    billing = _rows(larger / "billing.csv")
    assert any(row["item"] == "refund" and row["amount_yen"].startswith("-") for row in billing)
    assert any(row["item"] == "option" for row in billing)
    assert any("," in row["amount_yen"] for row in billing)
    assert any(len(row["period"]) == 6 for row in billing)
    assert any("/" in row["period"] for row in billing)


def test_demo_users_creates_one_login_per_role(db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass")
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    call_command("demo_users", stdout=io.StringIO())
    expected = {
        "staff": "staff",
        "supervisor": "supervisor",
        "supervisor2": "supervisor",
        "admin": "admin",
    }
    assert User.objects.count() == 4
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.check_password("another-demo-pass")
    assert Group.objects.get(name="supervisor").user_set.count() == 2
    assert "http://127.0.0.1:8000/" in out.getvalue()
    assert "supervisor2" in out.getvalue()


def test_demo_users_default_password(db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("demo_users", stdout=io.StringIO())
    assert User.objects.get(username="admin").check_password("refund-desk-demo")
