"""What each import kind looks like: its columns, key, references and cross-field checks."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from refunds.search import keys

from . import normalize as n


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    required: bool = False
    sql_type: str = "text"  # text | date | integer
    # Columns the file does not have but which are computed from this one (e.g. phone digits).
    derived: tuple[tuple[str, Callable[[str], Any]], ...] = ()


@dataclass(frozen=True)
class Reference:
    """A file column that names a row of another table; stored as that row's id."""

    column: str  # file column, e.g. member_no
    table: str  # e.g. refunds_member
    table_key: str  # e.g. member_no
    target_column: str  # e.g. member_id
    reason: Any


@dataclass(frozen=True)
class CrossCheck:
    """A row is rejected when ``condition`` (SQL over resolved values ``v.<col>``) holds."""

    column: str
    condition: str
    reason: Any
    uses: tuple[str, ...]


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    model: str  # app_label.ModelName
    key: tuple[str, ...]  # file columns forming the key
    columns: tuple[Column, ...]
    references: tuple[Reference, ...] = ()
    checks: tuple[CrossCheck, ...] = ()
    timestamps: bool = False

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def target_column(self, file_column: str) -> str:
        for ref in self.references:
            if ref.column == file_column:
                return ref.target_column
        return file_column

    @property
    def target_key(self) -> tuple[str, ...]:
        return tuple(self.target_column(c) for c in self.key)


MEMBERS = ImportSpec(
    kind="members",
    model="refunds.Member",
    key=("member_no",),
    timestamps=True,
    columns=(
        Column("member_no", n.parse_code, required=True),
        Column("name", n.parse_text, required=True, derived=(("name_key", keys.name_key),)),
        Column("name_kana", n.parse_kana, required=True, derived=(("kana_key", keys.kana_key),)),
        Column("birth_date", n.parse_date, sql_type="date"),
        Column(
            "phone",
            n.parse_plain,
            derived=(("phone_digits", keys.digits), ("phone_rev", keys.reversed_digits)),
        ),
        Column("email", n.parse_plain),
        Column("postal_code", n.parse_postal_code),
        Column("address", n.parse_text),
        Column("status", n.parse_member_status, required=True),
        Column("joined_on", n.parse_date, sql_type="date"),
        Column("withdrawn_on", n.parse_date, sql_type="date"),
    ),
    checks=(
        CrossCheck(
            "withdrawn_on",
            "v.withdrawn_on < v.joined_on",
            _("withdrawn_on is before joined_on"),
            ("withdrawn_on", "joined_on"),
        ),
        CrossCheck(
            "withdrawn_on",
            "v.status = 'active' AND v.withdrawn_on IS NOT NULL",
            _("an active member cannot have withdrawn_on"),
            ("status", "withdrawn_on"),
        ),
    ),
)

CONTRACTS = ImportSpec(
    kind="contracts",
    model="refunds.Contract",
    key=("contract_no",),
    timestamps=True,
    columns=(
        Column("contract_no", n.parse_code, required=True),
        Column("member_no", n.parse_code, required=True),
        Column("course", n.parse_code, required=True),
        Column("plan", n.parse_code, required=True),
        Column("area", n.parse_area, required=True),
        Column("applied_on", n.parse_date, required=True, sql_type="date"),
        Column("started_on", n.parse_date, sql_type="date"),
        Column("cancel_requested_on", n.parse_date, sql_type="date"),
        Column("ended_on", n.parse_date, sql_type="date"),
    ),
    references=(
        Reference(
            "member_no",
            "refunds_member",
            "member_no",
            "member_id",
            _("unknown member (import members first)"),
        ),
    ),
    checks=(
        CrossCheck(
            "started_on",
            "v.started_on < v.applied_on",
            _("started_on is before applied_on"),
            ("started_on", "applied_on"),
        ),
        CrossCheck(
            "cancel_requested_on",
            "v.cancel_requested_on < v.applied_on",
            _("cancel_requested_on is before applied_on"),
            ("cancel_requested_on", "applied_on"),
        ),
        CrossCheck(
            "ended_on",
            "v.started_on IS NOT NULL AND v.ended_on < v.started_on",
            _("ended_on is before started_on"),
            ("ended_on", "started_on"),
        ),
        CrossCheck(
            "ended_on",
            "v.started_on IS NULL AND v.ended_on < v.applied_on",
            _("ended_on is before applied_on"),
            ("ended_on", "started_on", "applied_on"),
        ),
    ),
)

BILLING = ImportSpec(
    kind="billing",
    model="refunds.BillingLine",
    key=("contract_no", "period", "item"),
    columns=(
        Column("contract_no", n.parse_code, required=True),
        Column("period", n.parse_period, required=True, sql_type="date"),
        Column("item", n.parse_code, required=True),
        Column("amount_yen", n.parse_amount, required=True, sql_type="integer"),
    ),
    references=(
        Reference(
            "contract_no",
            "refunds_contract",
            "contract_no",
            "contract_id",
            _("unknown contract (import contracts first)"),
        ),
    ),
)

TARIFFS = ImportSpec(
    kind="tariffs",
    model="refunds.Tariff",
    key=("course", "plan", "area", "valid_from"),
    columns=(
        Column("course", n.parse_code, required=True),
        Column("plan", n.parse_code, required=True),
        Column("area", n.parse_area, required=True),
        Column("valid_from", n.parse_date, required=True, sql_type="date"),
        Column("valid_to", n.parse_date, sql_type="date"),
        Column("monthly_fee_yen", n.parse_amount, required=True, sql_type="integer"),
    ),
    checks=(
        CrossCheck(
            "valid_to",
            "v.valid_to < v.valid_from",
            _("valid_to is before valid_from"),
            ("valid_to", "valid_from"),
        ),
        CrossCheck(
            "monthly_fee_yen",
            "v.monthly_fee_yen < 0",
            _("a monthly fee cannot be negative"),
            ("monthly_fee_yen",),
        ),
    ),
)

SPECS: dict[str, ImportSpec] = {s.kind: s for s in (MEMBERS, CONTRACTS, BILLING, TARIFFS)}
