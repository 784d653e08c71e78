"""One check for every text the product takes: control and direction characters are refused
naming the field, in the pages, the API and the imports; one length for a call's note."""

import pytest
from django.urls import reverse

from refunds.models import Inquiry, Member
from refunds.text import TEXT_LIMIT, unsafe
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

BIDI = "山田\u202e太郎"  # a right-to-left override
CONTROL = "山田\x1b太郎"


def test_the_check_names_the_character_and_lets_tabs_and_line_ends_through():
    assert "U+202E" in unsafe(BIDI) and "U+001B" in unsafe(CONTROL)
    assert unsafe("一行目\n二行目\tタブ\r\n") is None


@pytest.mark.parametrize("bad", [BIDI, CONTROL], ids=["bidi", "control"])
def test_a_page_refuses_it_naming_the_field(staff_client, bad):
    response = staff_client.post(
        reverse("refunds:inquiry_create"),
        {"reason": "amount", "note": bad, "channel": "phone", "direction": "in"},
    )
    assert response.status_code == 200 and not Inquiry.objects.exists()
    assert "U+" in response.content.decode()


def test_the_api_refuses_it_naming_the_field(supervisor_client):
    member = MemberFactory()
    response = supervisor_client.post(
        "/api/inquiries/",
        {"member_no": member.member_no, "reason": "amount", "note": BIDI},
        content_type="application/json",
    )
    assert response.status_code == 400 and "note" in response.json()
    assert not Inquiry.objects.exists()


def test_a_note_has_one_limit_in_the_page_and_the_api(staff_client, supervisor_client):
    long = "あ" * (TEXT_LIMIT + 1)
    page = staff_client.post(reverse("refunds:inquiry_create"), {"reason": "amount", "note": long})
    assert page.status_code == 200 and not Inquiry.objects.exists()
    member = MemberFactory()
    api = supervisor_client.post(
        "/api/inquiries/",
        {"member_no": member.member_no, "reason": "amount", "note": long},
        content_type="application/json",
    )
    assert api.status_code == 400 and not Inquiry.objects.exists()


def test_an_import_refuses_the_row_naming_line_and_column(tmp_path):
    from tests.test_imports import MEMBERS_HEADER, run_import, write

    path = write(
        tmp_path,
        "m.csv",
        MEMBERS_HEADER + "SN1,佐藤,サトウ,,,,,,active,,\n" + f"SN2,{BIDI},ヤマダ,,,,,,active,,\n",
    )
    code, out, err = run_import("members", path)
    assert code == 1 and "m.csv:3: name:" in err and "U+202E" in err
    assert Member.objects.count() == 0


def test_an_amount_beyond_32_bits_is_a_row_error_with_its_line(tmp_path):
    from tests.test_imports import run_import, write

    path = write(
        tmp_path,
        "b.csv",
        "contract_no,period,item,amount_yen\nC000000001,2009-06,base_fee,99999999999\n",
    )
    code, out, err = run_import("billing", path)
    assert code == 1 and "b.csv:2: amount_yen:" in err and "Traceback" not in err
