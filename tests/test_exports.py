"""Exports: what the filters show, as CSV (BOM or CP932) and XLSX, escaped and masked."""

import csv
import io

import pytest
from django.urls import reverse

from refunds.models import AuditEvent
from tests.factories import CaseFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv(response, encoding="utf-8-sig"):
    return list(csv.reader(io.StringIO(_body(response).decode(encoding))))


def test_member_csv_escapes_formulas_and_masks_for_staff(staff_client, supervisor_client):
    MemberFactory(name="=1+1", name_kana="ヤマダ", phone="03-1234-5678", address="東京都新宿区1-1")
    rows = _csv(staff_client.get(reverse("refunds:member_list"), {"export": "csv"}))
    header, row = rows[0], rows[1]
    assert row[header.index("name")] == "'=1+1"
    assert row[header.index("phone")] == "**-****-5678"
    assert row[header.index("address")] == "東京都 ***"
    full = _csv(supervisor_client.get(reverse("refunds:member_list"), {"export": "csv"}))
    assert full[1][header.index("phone")] == "03-1234-5678"


@pytest.fixture(autouse=True)
def english(staff_client, supervisor_client):
    for client in (staff_client, supervisor_client):
        client.cookies["django_language"] = "en"


def test_filters_that_match_nothing_give_only_the_header(supervisor_client):
    CaseFactory()
    rows = _csv(
        supervisor_client.get(reverse("refunds:case_list"), {"status": "paid", "export": "csv"})
    )
    assert len(rows) == 1 and rows[0][0] == "case number"


def test_xlsx_holds_the_filtered_rows(supervisor_client):
    from openpyxl import load_workbook

    CaseFactory(category=1)
    CaseFactory(category=3, status="awaiting_claim")
    CaseFactory(category=3, status="awaiting_claim")
    response = supervisor_client.get(
        reverse("refunds:case_list"), {"category": "3", "export": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(_body(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[0][0] == "case number"
    assert {row[4] for row in rows[1:]} == {"3 · earlier leaver"}


def test_staff_get_no_amounts_in_a_case_export(staff_client):
    CaseFactory(amount_yen=4321)
    rows = _csv(staff_client.get(reverse("refunds:case_list"), {"export": "csv"}))
    assert all("4321" not in row for row in rows)


def test_cp932_on_request(supervisor_client):
    MemberFactory(name="髙橋　一郎")
    response = supervisor_client.get(
        reverse("refunds:member_list"), {"export": "csv", "encoding": "cp932"}
    )
    assert "charset=cp932" in response["Content-Type"]
    assert "髙橋" in _body(response).decode("cp932")


@pytest.mark.parametrize(
    "name",
    [
        "refunds:case_list",
        "refunds:member_list",
        "refunds:inquiry_list",
        "refunds:claim_list",
        "refunds:batch_list",
        "refunds:audit_list",
    ],
)
def test_every_list_exports(supervisor_client, name):
    AuditEvent.objects.create(
        action="x", object_type="t", object_id="1", object_repr="=cmd|' /C calc'!A0"
    )
    response = supervisor_client.get(reverse(name), {"export": "csv"})
    body = _body(response)
    assert response.status_code == 200 and body.startswith("\ufeff".encode())
    if name == "refunds:audit_list":
        assert "'=cmd" in body.decode("utf-8-sig")


def test_a_large_export_runs_in_the_background(
    supervisor_client, settings, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook

    from refunds.models import ExportJob

    settings.EXPORT_SYNC_LIMIT = 2
    for _ in range(4):
        CaseFactory(category=2)
    CaseFactory(category=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.get(
            reverse("refunds:case_list"), {"category": "2", "export": "xlsx"}
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.status, job.rows_total, job.rows_done) == ("done", 4, 4)
    page = supervisor_client.get(job.get_absolute_url()).content.decode()
    assert 'id="export-download"' in page
    file = supervisor_client.get(reverse("refunds:export_file", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(_body(file))).active
    assert sheet.max_row == 5


def test_someone_elses_export_is_not_found(staff_client):
    from refunds.models import ExportJob
    from tests.factories import UserFactory

    job = ExportJob.objects.create(
        created_by=UserFactory(roles=["staff"]), list_name="refunds:case_list", format="csv"
    )
    assert staff_client.get(job.get_absolute_url()).status_code == 404


def test_control_characters_do_not_break_an_xlsx_export(supervisor_client):
    """Text the import, forms and API let in (a vertical tab, an escape) is written, visibly,
    instead of failing the file; the audit log's export with such a reason too."""
    from openpyxl import load_workbook

    from refunds.models import AuditEvent

    MemberFactory(name="山田\x0b太郎\x1b")
    AuditEvent.objects.create(action="case.held", object_type="refunds.case", object_id="1",
                              object_repr="SH10-1", reason="待ち\x0b=1+1")  # fmt: skip
    members = supervisor_client.get(reverse("refunds:member_list"), {"export": "xlsx"})
    names = [row[1] for row in load_workbook(io.BytesIO(_body(members))).active.iter_rows(
        min_row=2, values_only=True)]  # fmt: skip
    assert "山田\\x0b太郎\\x1b" in names
    audit = supervisor_client.get(reverse("refunds:audit_list"), {"export": "xlsx"})
    assert audit.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(_body(audit))).active.iter_rows(
        values_only=True) for c in row]  # fmt: skip
    assert "待ち\\x0b=1+1" in cells


def test_an_unmasked_export_of_personal_data_is_logged_with_its_list_filter_and_rows(
    supervisor_client, staff_client, settings
):
    from refunds.models import AuditEvent

    for _ in range(3):
        MemberFactory(status="active")
    staff_client.get(reverse("refunds:member_list"), {"export": "csv"})  # masked: not logged
    assert not AuditEvent.objects.filter(action="personal_data.exported").exists()
    response = supervisor_client.get(
        reverse("refunds:member_list"), {"status": "active", "export": "csv"}
    )
    assert len(_csv(response)) == 4
    event = AuditEvent.objects.get(action="personal_data.exported")
    assert event.changes == {
        "list": "refunds:member_list",
        "filter": "status=active",
        "rows": 3,
        "format": "csv",
    }
    # Above the limit the export asks why first, and keeps the reason with the event.
    settings.EXPORT_REASON_ABOVE = 2
    asked = supervisor_client.get(reverse("refunds:member_list"), {"export": "xlsx"})
    page = asked.content.decode()
    assert 'id="export-reason-form"' in page and 'name="export" value="xlsx"' in page
    assert AuditEvent.objects.filter(action="personal_data.exported").count() == 1
    given = supervisor_client.get(
        reverse("refunds:member_list"), {"export": "xlsx", "export_reason": "返送先の一括確認"}
    )
    assert given["Content-Type"].startswith("application/vnd.openxmlformats")
    last = AuditEvent.objects.filter(action="personal_data.exported").latest("pk")
    assert last.reason == "返送先の一括確認" and last.changes["rows"] == 3
    # The audit log reads it in words: the list's title, the labels of the changes.
    supervisor_client.cookies["django_language"] = "ja"
    log = supervisor_client.get(reverse("refunds:audit_list"), {"action": "personal_data"})
    table = log.content.decode().split("<tbody")[1].split("</tbody>")[0]
    assert "個人情報を出力" in table and "会員" in table and "行数: 3" in table
    assert "refunds:member_list" not in table and ">list<" not in table


def test_the_reason_for_an_export_is_not_read_as_a_filter(
    supervisor_user, supervisor_client, settings
):
    """My inquiries are filtered by their own reason: the reason given for an export of
    personal data (above the limit) is another parameter, and the file holds the rows."""
    from tests.factories import InquiryFactory

    settings.EXPORT_REASON_ABOVE = 2
    for _ in range(3):
        InquiryFactory(created_by=supervisor_user, caller_phone="090-1234-5678")
    url = reverse("refunds:inquiry_list")
    asked = supervisor_client.get(url, {"export": "csv"}).content.decode()
    assert 'name="export_reason"' in asked and 'name="reason"' not in asked
    given = supervisor_client.get(url, {"export": "csv", "export_reason": "苦情の集計"})
    rows = _csv(given)
    assert len(rows) == 1 + 3 and any("090-1234-5678" in cell for cell in rows[1])
