"""The remediation rule as SQL: which contracts a program finds, with category and net overcharge.

One aggregate over billing lines joined to contracts and members computes the whole result set
(remediation-rules.md, "Which contracts are affected" and "Categories"): ``findings_sql``, which
dry runs and the scope test use. A live run works a chunk of contracts at a time and reads its
billing lines once (``lines_after_end_sql``), then takes from them the same findings together
with one of the data problems (``totals_sql``) and the evidence of its new cases; the tests hold
both ways to the same result. All of it runs on PostgreSQL and SQLite alike.
"""

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from refunds.models import Category


@dataclass(frozen=True)
class Parameters:
    """A snapshot of the parameters of a program, as a run uses and stores them."""

    courses: tuple[str, ...]
    applied_on_or_after: datetime.date
    cancel_requested_on_or_before: datetime.date
    overcharge_items: tuple[str, ...]
    offset_items: tuple[str, ...]
    recent_leaver_from: datetime.date

    @classmethod
    def of(cls, program: Any) -> "Parameters":
        return cls(
            courses=tuple(program.courses),
            applied_on_or_after=program.applied_on_or_after,
            cancel_requested_on_or_before=program.cancel_requested_on_or_before,
            overcharge_items=tuple(program.overcharge_items),
            offset_items=tuple(program.offset_items),
            recent_leaver_from=program.recent_leaver_from,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "courses": list(self.courses),
            "applied_on_or_after": self.applied_on_or_after.isoformat(),
            "cancel_requested_on_or_before": self.cancel_requested_on_or_before.isoformat(),
            "overcharge_items": list(self.overcharge_items),
            "offset_items": list(self.offset_items),
            "recent_leaver_from": self.recent_leaver_from.isoformat(),
        }

    @property
    def counted_items(self) -> tuple[str, ...]:
        return self.overcharge_items + self.offset_items


@dataclass(frozen=True)
class Finding:
    contract_id: int
    member_id: int
    category: int
    amount_yen: int
    tariff_mismatch: bool


def _in(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _scope(p: Parameters) -> tuple[str, list[Any]]:
    """Rules 1 and 2: the course is in scope, applied and cancel-requested inside the dates."""
    return (
        f"c.course IN ({_in(p.courses)}) AND c.applied_on >= %s "
        "AND c.cancel_requested_on IS NOT NULL AND c.cancel_requested_on <= %s",
        [*p.courses, p.applied_on_or_after, p.cancel_requested_on_or_before],
    )


def _tariff_fee() -> str:
    """The monthly fee of the contract's course, plan and area in the month of line ``b``."""
    return (
        "(SELECT MIN(t.monthly_fee_yen) FROM refunds_tariff t WHERE t.course = c.course "
        "AND t.plan = c.plan AND t.area = c.area AND t.valid_from <= b.period "
        "AND (t.valid_to IS NULL OR t.valid_to >= b.period))"
    )


def _window(contract_range: tuple[int, int] | None) -> tuple[str, list[Any]]:
    if contract_range is None:
        return "", []
    return "AND c.id BETWEEN %s AND %s", [*contract_range]


def scope_ids_sql(p: Parameters) -> tuple[str, list[Any]]:
    """Ids of the contracts that pass rules 1 and 2 (what a run has to look at), as SQL."""
    scope, params = _scope(p)
    return f"SELECT c.id FROM refunds_contract c WHERE {scope}", params


def findings_sql(
    p: Parameters, contract_range: tuple[int, int] | None = None
) -> tuple[str, list[Any]]:
    """The affected contracts: (contract, member, category, net overcharge, tariff mismatch).

    A billing period is stored as the first day of its month, so ``b.period > c.ended_on``
    is exactly "a month after the month of the end date".
    """
    scope, params = _scope(p)
    window, window_params = _window(contract_range)
    params = [*params, *window_params]
    sql = f"""
        SELECT c.id, c.member_id,
               CASE WHEN m.status = 'active' THEN {Category.CURRENT}
                    WHEN c.ended_on >= %s THEN {Category.RECENT_LEAVER}
                    ELSE {Category.EARLIER_LEAVER} END AS category,
               SUM(b.amount_yen) AS amount,
               MAX(CASE WHEN b.item IN ({_in(p.overcharge_items)})
                         AND COALESCE({_tariff_fee()}, -1) <> b.amount_yen
                        THEN 1 ELSE 0 END) AS mismatch
        FROM refunds_contract c
        JOIN refunds_member m ON m.id = c.member_id
        JOIN refunds_billingline b ON b.contract_id = c.id
        WHERE {scope} AND c.ended_on IS NOT NULL {window}
          AND b.item IN ({_in(p.counted_items)}) AND b.period > c.ended_on
        GROUP BY c.id, c.member_id, m.status, c.ended_on
        HAVING SUM(b.amount_yen) > 0
    """
    return sql, [p.recent_leaver_from, *p.overcharge_items, *params, *p.counted_items]


def findings(p: Parameters, contract_range: tuple[int, int] | None = None) -> Iterator[Finding]:
    sql, params = findings_sql(p, contract_range)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            for contract_id, member_id, category, amount, mismatch in rows:
                yield Finding(contract_id, member_id, int(category), int(amount), bool(mismatch))


def evidence_lines_sql(p: Parameters) -> tuple[str, str, list[Any], list[Any]]:
    """The evidence lines of a contract ``c`` among billing lines ``b``: what to select, when.

    Returns (columns, condition, column parameters, condition parameters): the line, its period,
    item and amount, and the tariff of its month for overcharge items; the counted items billed
    after the month of the end date.
    """
    columns = (
        "b.id, b.period, b.item, b.amount_yen, "
        f"CASE WHEN b.item IN ({_in(p.overcharge_items)}) THEN {_tariff_fee()} END"
    )
    condition = f"b.item IN ({_in(p.counted_items)}) AND b.period > c.ended_on"
    return columns, condition, [*p.overcharge_items], [*p.counted_items]


def evidence_rows(p: Parameters, contract_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """The lines that make the amounts of these contracts, with the tariff of their month."""
    if not contract_ids:
        return []
    columns, condition, column_params, condition_params = evidence_lines_sql(p)
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(contract_ids), 500):
            chunk = list(contract_ids[start : start + 500])
            cursor.execute(
                f"""
                SELECT b.contract_id, {columns}
                FROM refunds_billingline b
                JOIN refunds_contract c ON c.id = b.contract_id
                WHERE b.contract_id IN ({_in(chunk)}) AND {condition}
                ORDER BY b.contract_id, b.period, b.item
                """,
                [*column_params, *chunk, *condition_params],
            )
            rows.extend(cursor.fetchall())
    return rows


def contract_problems_sql(
    p: Parameters, contract_range: tuple[int, int] | None = None
) -> tuple[str, list[Any]]:
    """The data problems the contracts show by themselves: (contract, kind, detail).

    A cancellation request without an end date (the detail is the date of the request) and a
    course, plan and area without a tariff, among the contracts that pass rules 1 and 2.
    """
    scope, params = _scope(p)
    window, window_params = _window(contract_range)
    sql = f"""
        SELECT c.id, 'no_end_date', CAST(c.cancel_requested_on AS VARCHAR(10))
        FROM refunds_contract c WHERE {scope} AND c.ended_on IS NULL {window}
        UNION ALL
        SELECT c.id, 'no_tariff', c.course || '/' || c.plan || '/' || c.area
        FROM refunds_contract c
        WHERE {scope} {window} AND NOT EXISTS (SELECT 1 FROM refunds_tariff t
          WHERE t.course = c.course AND t.plan = c.plan AND t.area = c.area)
    """
    return sql, [*params, *window_params, *params, *window_params]


def problems_sql(p: Parameters) -> tuple[str, list[Any]]:
    """Data problems among the contracts that pass rules 1 and 2: (contract, kind, detail).

    Those of ``contract_problems_sql`` and the contracts billed after the end month with no
    overcharge item among those lines (the detail is the first item billed).
    """
    scope, params = _scope(p)
    contract_sql, contract_params = contract_problems_sql(p)
    sql = f"""
        {contract_sql}
        UNION ALL
        SELECT c.id, 'no_overcharge_item', MIN(b.item)
        FROM refunds_contract c
        JOIN refunds_billingline b ON b.contract_id = c.id AND b.period > c.ended_on
        WHERE {scope} AND c.ended_on IS NOT NULL
        GROUP BY c.id
        HAVING SUM(CASE WHEN b.item IN ({_in(p.overcharge_items)}) THEN 1 ELSE 0 END) = 0
    """
    return sql, [*contract_params, *params, *p.overcharge_items]


def lines_after_end_sql(p: Parameters, contract_range: tuple[int, int]) -> tuple[str, list[Any]]:
    """Every line billed after the end month of the contracts of a range that pass rules 1 to 3.

    Per line: (contract, member, end date, line, period, item, amount, the tariff of its month
    for an overcharge item, 1 if its item is counted, 1 if it is an overcharge item). A live run
    reads the billing lines of a chunk once, into a table of these, and takes both its totals
    (``totals_sql``) and the evidence of its new cases from it.
    """
    scope, params = _scope(p)
    over = _in(p.overcharge_items)
    sql = f"""
        SELECT c.id AS contract_id, c.member_id AS member_id, c.ended_on AS ended_on,
               b.id AS line_id, b.period AS period, b.item AS item, b.amount_yen AS amount_yen,
               CASE WHEN b.item IN ({over}) THEN {_tariff_fee()} END AS tariff_yen,
               CASE WHEN b.item IN ({_in(p.counted_items)}) THEN 1 ELSE 0 END AS counted,
               CASE WHEN b.item IN ({over}) THEN 1 ELSE 0 END AS overcharge
        FROM refunds_contract c
        JOIN refunds_billingline b ON b.contract_id = c.id AND b.period > c.ended_on
        WHERE {scope} AND c.ended_on IS NOT NULL AND c.id BETWEEN %s AND %s
    """
    return sql, [
        *p.overcharge_items,
        *p.counted_items,
        *p.overcharge_items,
        *params,
        *contract_range,
    ]


def totals_sql(p: Parameters, lines: str) -> tuple[str, list[Any]]:
    """Per contract of a table of ``lines_after_end_sql``: the rule and a data problem at once.

    (contract, member, category, net overcharge, tariff mismatch, overcharge lines, first
    item). The rows with a net overcharge above zero are exactly ``findings`` (same amounts,
    categories and mismatches); those with no overcharge line are the ``no_overcharge_item``
    problems of ``problems_sql``. The member's status is looked up for these rows only.
    """
    sql = f"""
        SELECT l.contract_id AS contract_id, l.member_id AS member_id,
               CASE WHEN (SELECT m.status FROM refunds_member m WHERE m.id = l.member_id)
                         = 'active' THEN {Category.CURRENT}
                    WHEN l.ended_on >= %s THEN {Category.RECENT_LEAVER}
                    ELSE {Category.EARLIER_LEAVER} END AS category,
               SUM(CASE WHEN l.counted = 1 THEN l.amount_yen ELSE 0 END) AS amount_yen,
               MAX(CASE WHEN l.overcharge = 1 AND COALESCE(l.tariff_yen, -1) <> l.amount_yen
                        THEN 1 ELSE 0 END) AS mismatch,
               SUM(l.overcharge) AS overcharge_lines,
               MIN(l.item) AS first_item
        FROM {lines} l
        GROUP BY l.contract_id, l.member_id, l.ended_on
        HAVING SUM(CASE WHEN l.counted = 1 THEN l.amount_yen ELSE 0 END) > 0
            OR SUM(l.overcharge) = 0
    """
    return sql, [p.recent_leaver_from]


def problems(p: Parameters) -> list[tuple[int, str, str]]:
    sql, params = problems_sql(p)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(cid, kind, detail) for cid, kind, detail in cursor.fetchall()]
