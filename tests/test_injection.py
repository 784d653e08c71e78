"""Hostile text stays text: in pages, in exports, in search and in filters."""

import io

import pytest
from django.urls import reverse

from refunds.services import callcenter
from tests.factories import CaseFactory, ContractFactory, MemberFactory

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","click")'
NASTY = ["'", '"', "%", "_", "%_%", "' OR '1'='1", "'; DROP TABLE refunds_case; --", "\\", SCRIPT]


@pytest.fixture
def hostile(staff_user):
    member = MemberFactory(name=SCRIPT, name_kana="ヤマダ", address=FORMULA)
    case = CaseFactory(contract=ContractFactory(member=member))
    callcenter.inquiry_log(
        user=staff_user, member=member, reason="other", note=SCRIPT, caller_name=FORMULA
    )
    return case


@pytest.mark.parametrize(
    "url",
    [
        lambda case: reverse("refunds:member_list"),
        lambda case: reverse("refunds:search") + "?q=ヤマダ",
        lambda case: case.member.get_absolute_url(),
        lambda case: case.member.inquiries.first().get_absolute_url(),
    ],
)
def test_a_script_in_a_name_is_shown_as_text(hostile, supervisor_client, url):
    page = supervisor_client.get(url(hostile)).content.decode()
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_formulas_are_escaped_in_csv_and_xlsx(hostile, supervisor_client):
    from openpyxl import load_workbook

    response = supervisor_client.get(reverse("refunds:member_list"), {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'" + FORMULA.replace('"', '""') in text
    response = supervisor_client.get(reverse("refunds:member_list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [
        cell
        for row in sheet.iter_rows()
        for cell in row
        if cell.value and "HYPERLINK" in str(cell.value)
    ]
    assert cells and all(
        cell.data_type == "s" and str(cell.value).startswith("'") for cell in cells
    )


@pytest.mark.parametrize("text", NASTY)
@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("refunds:search", "q"),
        ("refunds:member_list", "q"),
        ("refunds:case_list", "case_no"),
        ("refunds:contract_list", "contract_no"),
        ("refunds:audit_list", "action"),
        ("refunds:inquiry_list", "reason"),
    ],
)
def test_search_and_filters_take_any_text(hostile, supervisor_client, name, param, text):
    response = supervisor_client.get(reverse(name), {param: text})
    assert response.status_code == 200
    assert SCRIPT not in response.content.decode()
