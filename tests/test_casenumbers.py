"""Case numbers sort as text in the order they were handed out, at any width."""

import pytest
from django.db import connection
from django.urls import reverse

from refunds.casenumbers import case_no_sql, format_case_no, normalise, parse_case_no

NUMBERS = [0, 1, 82, 999_999, 1_000_000, 1_000_001, 9_999_999, 10_000_000, 123_456_789_012]


def test_the_text_order_is_the_number_order_at_every_width():
    written = [format_case_no("SH10", n) for n in NUMBERS]
    assert written[:5] == [
        "SH10-000000", "SH10-000001", "SH10-000082", "SH10-999999", "SH10-A1000000"
    ]  # fmt: skip
    assert written[7] == "SH10-B10000000"
    assert sorted(written) == written
    assert [parse_case_no(w) for w in written] == [("SH10", n) for n in NUMBERS]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("SH10-82", "SH10-000082"),
        ("SH10-000082", "SH10-000082"),
        ("SH10-1000000", "SH10-A1000000"),
        ("SH10-A1000000", "SH10-A1000000"),
        ("　ｓｈ１０－８２ ", "SH10-000082"),  # full width, lower case, spaces around
        ("SH10", None),
        ("SH10-", None),
        ("M000123", None),
    ],
)
def test_a_number_typed_without_its_zeros_or_letter_is_read(typed, meant):
    assert normalise(typed) == meant


def test_a_negative_number_is_refused():
    with pytest.raises(ValueError):
        format_case_no("SH10", -1)


@pytest.mark.django_db
def test_the_sql_writes_what_python_writes():
    """Detection numbers its new cases in SQL: the same text on SQLite and PostgreSQL."""
    with connection.cursor() as cursor:
        for n in NUMBERS:
            cursor.execute(f"SELECT {case_no_sql(str(n))}", ["SH10-"])
            assert cursor.fetchone()[0] == format_case_no("SH10", n)


@pytest.mark.django_db
def test_the_case_list_and_the_search_find_a_number_typed_short(staff_client):
    from tests.factories import CaseFactory

    case = CaseFactory(case_no="SH10-A1000000")
    response = staff_client.get(reverse("refunds:case_list"), {"case_no": "sh10-1000000"})
    assert case.case_no in response.content.decode()
    response = staff_client.get(reverse("refunds:search"), {"q": "SH10-1000000"})
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
