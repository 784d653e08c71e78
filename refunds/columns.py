"""One definition of each list's columns: the table, the export and the API follow from it.

A ``Column`` names a value once: its name (the table column's and the API field's), where it
is (the ORM path an export reads, ``member__member_no``), its heading and, for personal data,
what a user who may not see it gets in an export. It says where it appears (``In.TABLE``,
``In.EXPORT``, ``In.API``); a model's ``Columns`` gives each of them its list, in one order:

* ``Columns.table``: the names a django-tables2 table's ``Meta.fields`` lists (the table's own
  declared columns say how a cell is drawn: a link, a badge, yen);
* ``Columns.export``: the export's columns (``refunds.exports.ExportColumn``), each written as
  its model field says: a choice as its label, a date-time in local time with the zone in its
  heading (``作成日時 (JST)``), a JSON value as text; ``code=True`` writes a choice's stored code;
* ``Columns.api``: a serializer's ``Meta.fields`` (the serializer declares how a related number
  or a masked value is read).

A heading left out is the model field's ``verbose_name``.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from refunds.exports import ExportColumn, hidden, label_of, local_time
from refunds.localtime import zone_name
from refunds.models import (
    AuditEvent,
    Case,
    Claim,
    Contract,
    Inquiry,
    Member,
    PaymentBatch,
    PaymentItem,
)
from refunds.privacy import (
    mask_account,
    mask_address,
    mask_birth_date,
    mask_email,
    mask_phone,
    mask_postal,
)


class In(enum.Flag):
    """Where a column appears."""

    TABLE = enum.auto()
    EXPORT = enum.auto()
    API = enum.auto()


EVERYWHERE = In.TABLE | In.EXPORT | In.API
LISTS = In.TABLE | In.EXPORT
SHOWN = In.TABLE | In.API  # a list without an export


@dataclass(frozen=True)
class Column:
    name: str
    label: Any = None
    path: str = ""
    where: In = EVERYWHERE
    # Written instead of the value in an export for a user who may not see personal data.
    mask: Callable[[Any], Any] | None = None
    # A choice written as its stored code rather than its label.
    code: bool = False

    @property
    def lookup(self) -> str:
        return self.path or self.name


class Columns:
    """The columns of one model's lists, in the order every list shows them."""

    def __init__(self, model: type[models.Model], *columns: Column) -> None:
        names = [column.name for column in columns if In.API in column.where]
        if len(set(names)) != len(names):
            raise ValueError(f"{model.__name__}: an API field is named twice")
        self.model = model
        self.columns = columns

    def label(self, name: str) -> Any:
        """The heading of column ``name`` (else its model field's ``verbose_name``)."""
        column = next(column for column in self.columns if column.name == name)
        if column.label is not None:
            return column.label
        field = _field(self.model, column.lookup)
        return getattr(field, "verbose_name", name)

    def _names(self, where: In) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if where in column.where)

    @functools.cached_property
    def table(self) -> tuple[str, ...]:
        return self._names(In.TABLE)

    @functools.cached_property
    def api(self) -> list[str]:
        return list(self._names(In.API))

    @functools.cached_property
    def export(self) -> tuple[ExportColumn, ...]:
        return tuple(self._export(column) for column in self.columns if In.EXPORT in column.where)

    def _export(self, column: Column) -> ExportColumn:
        field = _field(self.model, column.lookup)
        label = column.label if column.label is not None else getattr(field, "verbose_name", "")
        if isinstance(field, models.DateTimeField):
            zoned = format_lazy("{} ({})", label, lazy(zone_name, str)())
            return ExportColumn(zoned, column.lookup, local_time, column.mask)
        if field is not None and field.choices and not column.code:
            return ExportColumn(label, column.lookup, label_of(field.choices), column.mask)
        if isinstance(field, models.JSONField):
            return ExportColumn(label, column.lookup, str, column.mask)
        return ExportColumn(label, column.lookup, None, column.mask)


def _field(model: type[models.Model], lookup: str) -> models.Field[Any, Any] | None:
    """The model field at the end of ``lookup`` (``member__member_no``), None for another name."""
    *hops, last = lookup.split("__")
    try:
        for hop in hops:
            model = model._meta.get_field(hop).related_model  # type: ignore[assignment]
        field = model._meta.get_field(last)
    except (FieldDoesNotExist, AttributeError):
        return None
    return field if isinstance(field, models.Field) else None


C = Column

CASES = Columns(
    Case,
    C("id", where=In.API),
    C("case_no", _("case number")),
    C("program", where=In.API),
    C("program_code", _("program"), where=In.EXPORT | In.API),
    C("member", where=In.API),
    C("member_no", _("member number"), "member__member_no"),
    C("contract", where=In.API),
    C("contract_no", _("contract number"), "contract__contract_no"),
    C("category", _("category")),
    C("plan", _("plan"), "contract__plan", where=In.TABLE),
    C("area", _("area"), "contract__area", where=In.TABLE),
    # Staff see an amount only after a caller's identity check: none in an export.
    C("amount_yen", _("amount (yen)"), mask=hidden),
    C("computed_amount_yen", _("computed amount (yen)"), where=In.EXPORT | In.API, mask=hidden),
    C("paid_amount_yen", _("paid (yen)"), where=In.EXPORT | In.API, mask=hidden),
    C("compensation_yen", where=In.API),
    C("flag_difference_yen", where=In.API),
    C("status", _("status")),
    C("origin", where=In.API),
    C("flagged", _("flagged")),
    C("flag_reason", where=In.API),
    C("tariff_mismatch", where=In.API),
    C("amounts_visible", where=In.API),
    C("status_reason", where=In.API),
    C("hold_return_status", where=In.API),
    C("qa_status", where=In.API),
    C("prepared_by", where=In.API),
    C("prepared_at", where=In.API),
    C("approved_by", where=In.API),
    C("approved_at", where=In.API),
    C("second_approved_by", where=In.API),
    C("second_approved_at", where=In.API),
    C("created_at", _("created at"), where=In.EXPORT | In.API),
    C("paid_at", _("paid at"), where=In.EXPORT | In.API),
    C("updated_at", where=In.TABLE | In.API),
)

MEMBERS = Columns(
    Member,
    C("id", where=In.API),
    C("member_no", _("member number")),
    C("name", _("name")),
    C("name_kana", _("name (kana)")),
    C("birth_date", _("birth date"), where=In.EXPORT, mask=mask_birth_date),
    C("birth_year", where=In.API),
    C("phone", _("phone"), where=In.EXPORT, mask=mask_phone),
    C("phone_masked", where=In.API),
    C("email", _("email"), where=In.EXPORT, mask=mask_email),
    C("email_masked", where=In.API),
    C("postal_code", _("postal code"), where=LISTS, mask=mask_postal),
    C("postal_code_masked", where=In.API),
    C("address", _("address"), where=In.EXPORT, mask=mask_address),
    C("prefecture", where=In.API),
    C("status", _("status")),
    C("joined_on", _("joined on"), where=In.EXPORT | In.API),
    C("withdrawn_on", _("withdrawn on")),
    C("created_at", where=In.API),
    C("updated_at", where=In.API),
)

CONTRACTS = Columns(
    Contract,
    C("id", where=In.API),
    C("contract_no", where=SHOWN),
    C("member", where=In.API),
    C("member_no", _("member"), "member__member_no", where=SHOWN),
    C("course", where=SHOWN),
    C("plan", where=SHOWN),
    C("area", where=SHOWN),
    C("applied_on", where=SHOWN),
    C("started_on", where=In.API),
    C("cancel_requested_on", where=SHOWN),
    C("ended_on", where=SHOWN),
)

INQUIRIES = Columns(
    Inquiry,
    C("id", "#"),
    C("started_at", _("started at")),
    C("ended_at", _("ended at"), where=In.EXPORT | In.API),
    C("channel", _("channel")),
    C("direction", _("direction")),
    C("member", where=In.API),
    C("member_no", _("member number"), "member__member_no"),
    C("caller", where=In.TABLE),
    C("case", where=In.API),
    C("case_no", _("case number"), "case__case_no"),
    C("reason", _("reason")),
    C("outcome", _("outcome")),
    C("caller_name", _("caller's name"), where=In.EXPORT | In.API),
    C("caller_phone", _("caller's phone"), where=In.EXPORT, mask=mask_phone),
    C("caller_phone_masked", where=In.API),
    C("note", _("note"), where=In.EXPORT | In.API),
    C("caller_relation", where=In.API),
    C("identity_verified", where=In.API),
    C("confirmed_items", where=In.API),
    C("identity_mismatched", where=In.API),
    C("follow_up_needed", where=In.API),
    C("callback_due_at", _("callback due")),
    C("follow_up_done_at", where=In.API),
    C("complaint_due_at", where=In.API),
    C("complaint_closed_at", where=In.API),
    C("created_by", _("taken by"), "created_by__username"),
    C("created_at", where=In.API),
)

CLAIMS = Columns(
    Claim,
    C("id", where=In.API),
    C("received_at", _("received at")),
    C("case", where=In.API),
    C("case_no", _("case number"), "case__case_no"),
    C("member", where=In.API),
    C("member_no", _("member number"), "member__member_no"),
    C("status", where=In.TABLE),
    C("amount", where=In.TABLE),
    C("inquiry", where=In.API),
    C("channel", _("received by")),
    C("method", _("payout")),
    C("payee", where=In.TABLE),
    C("bank_code", _("bank code"), where=In.EXPORT | In.API),
    C("bank_name", _("bank"), where=In.EXPORT | In.API),
    C("branch_code", _("branch code"), where=In.EXPORT | In.API),
    C("branch_name", _("branch"), where=In.EXPORT | In.API),
    C("account_type", _("account type"), where=In.EXPORT | In.API),
    C("account_number", _("account number"), where=In.EXPORT, mask=mask_account),
    C("account_number_masked", where=In.API),
    C("holder_name", _("account holder (kana)"), where=In.EXPORT),
    C("credit_contract", where=In.API),
    C(
        "credit_contract_no",
        _("credited contract"),
        "credit_contract__contract_no",
        where=In.EXPORT | In.API,
    ),
    C("submission_key", where=In.API),
    C("created_by", _("taken by"), "created_by__username"),
    C("created_at", where=In.API),
    C("updated_at", where=In.API),
)

PAYMENT_BATCHES = Columns(
    PaymentBatch,
    C("id", "#"),
    C("method", _("payout")),
    C("status", _("status")),
    C("transfer_date", _("transfer date")),
    C("item_count", _("payments")),
    C("total_yen", _("total (yen)")),
    C("has_file", where=In.API),
    C("created_by", _("built by"), "created_by__username"),
    C("created_at", where=In.TABLE | In.API),
    C("exported_by", where=In.API),
    C("exported_at", _("exported at")),
    C("reconciled_at", _("reconciled at")),
)

PAYMENT_ITEMS = Columns(
    PaymentItem,
    C("id", where=In.API),
    C("case", where=In.API),
    C("case_no", _("case"), "case__case_no", where=SHOWN),
    C("amount_yen", where=SHOWN),
    C("compensation_yen", where=In.API),
    C("payee", where=In.TABLE),
    C("status", where=SHOWN),
    C("is_open", where=In.API),
    C("failure_reason", where=SHOWN),
    C("result_at", where=SHOWN),
    C("bank_code", where=In.API),
    C("bank_kana", where=In.API),
    C("branch_code", where=In.API),
    C("branch_kana", where=In.API),
    C("account_type", where=In.API),
    C("account_number_masked", where=In.API),
    C("holder_kana", where=In.API),
    C("member_no", where=In.API),
    C("contract_no", where=In.API),
)

AUDIT_EVENTS = Columns(
    AuditEvent,
    C("created_at", _("when"), where=LISTS),
    C("actor", _("who"), "actor__username", where=LISTS),
    C("action", _("action"), where=LISTS),
    C("action_code", _("event code"), "action", where=In.EXPORT, code=True),
    C("object_type", _("object type"), where=LISTS),
    C("object_id", _("object id"), where=In.EXPORT),
    C("object_repr", _("object"), where=LISTS),
    C("changes", _("changes"), where=LISTS),
    C("reason", _("reason"), where=LISTS),
)
