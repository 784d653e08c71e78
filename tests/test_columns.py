"""Each list's columns are defined once (refunds.columns): the table, export and API follow."""

import pytest
from django.urls import resolve, reverse

from refunds import columns, tables
from refunds.api import serializers
from refunds.columns import In

# A model's columns and the table, serializer and export view built from them.
FOLLOWERS = [
    (columns.CASES, tables.CaseTable, serializers.CaseSerializer, "refunds:case_list"),
    (columns.MEMBERS, tables.MemberTable, serializers.MemberSerializer, "refunds:member_list"),
    (columns.CONTRACTS, tables.ContractTable, serializers.ContractSerializer, None),
    (columns.INQUIRIES, tables.InquiryTable, serializers.InquirySerializer, "refunds:inquiry_list"),
    (columns.CLAIMS, tables.ClaimTable, serializers.ClaimSerializer, "refunds:claim_list"),
    (
        columns.PAYMENT_BATCHES,
        tables.BatchTable,
        serializers.PaymentBatchSerializer,
        "refunds:batch_list",
    ),
    (columns.PAYMENT_ITEMS, tables.PaymentItemTable, serializers.PaymentItemSerializer, None),
    (columns.AUDIT_EVENTS, tables.AuditEventTable, None, "refunds:audit_list"),
]


@pytest.mark.parametrize(("defined", "table", "serializer", "url_name"), FOLLOWERS)
def test_table_api_and_export_follow_the_definition(defined, table, serializer, url_name):
    assert tuple(column.name for column in table([]).columns) == defined.table
    if serializer is not None:
        assert list(serializer().fields) == defined.api
    if url_name is not None:
        view = resolve(reverse(url_name)).func.view_class
        assert view.export_columns == defined.export
        assert view.table_class is table


@pytest.mark.parametrize("defined", [f[0] for f in FOLLOWERS])
def test_every_exported_column_reads_a_model_field(defined):
    for column in defined.columns:
        if In.EXPORT in column.where:
            assert columns._field(defined.model, column.lookup) is not None, column


def test_an_api_field_is_named_once():
    with pytest.raises(ValueError, match="named twice"):
        columns.Columns(
            columns.Case, columns.Column("case_no"), columns.Column("case_no", path="id")
        )


def test_a_date_time_is_exported_in_local_time_with_its_zone():
    created = next(c for c in columns.CASES.export if c.path == "created_at")
    assert str(created.label).endswith(")") and created.transform is not None


def test_narrower_tables_show_only_their_columns():
    # django-tables2 adds a parent table's declared columns whatever Meta.fields says.
    for table in (tables.CallbackTable, tables.ComplaintTable):
        shown = tuple(column.name for column in table([]).columns)
        assert shown == table._meta.fields
    assert len(tables.CallbackTable([]).columns) == 9
