"""Lists page by cursor: every row once, in order, both ways, and a deep page costs the first's."""

import datetime
import html
import re

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from refunds.models import Case, Claim
from refunds.pagination import KeysetPaginator, encode_cursor, ordering_keys, seek
from tests.factories import CaseFactory, ClaimFactory, set_status

pytestmark = pytest.mark.django_db

ROW_RE = re.compile(r'href="/cases/(\d+)/"')
CASE_NO_RE = re.compile(r'href="/cases/\d+/">([^<]+)</a>')  # the case number a row links


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def _last(page: str) -> str:
    found = re.search(r'href="([^"]+)">Last', page)
    assert found, "no link to the last page"
    return html.unescape(found.group(1))


def _walk(client, url: str, rel: str) -> tuple[list[int], int]:
    """The case ids of every page from ``url`` following ``rel`` links, and the page count."""
    ids: list[int] = []
    pages = 0
    while url:
        page = client.get(url).content.decode()
        rows = [int(pk) for pk in ROW_RE.findall(page)]
        ids = ids + rows if rel == "next" else rows + ids
        pages += 1
        link = _link(page, rel)
        url = reverse("refunds:case_list") + link if link else ""
    return ids, pages


@pytest.fixture
def many_cases(db):
    statuses = ["detected", "notified", "claim_received", "awaiting_claim"]
    made = [CaseFactory(status=statuses[n % 4], category=1 + n % 3) for n in range(123)]
    set_status(
        Case.objects.filter(status="claim_received"),
        "paid",
        paid_at=timezone.now(),
        paid_amount_yen=F("amount_yen"),
    )
    return made


@pytest.fixture
def english(supervisor_client):
    supervisor_client.cookies["django_language"] = "en"
    return supervisor_client


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", ["case_no"]),
        ("status", ["status", "case_no"]),
        ("-status", ["-status", "-case_no"]),
        ("-updated_at", ["-updated_at", "-case_no"]),
    ],
)
def test_next_and_previous_walk_every_case_once_in_order(many_cases, english, sort, order):
    url = reverse("refunds:case_list") + (f"?sort={sort}" if sort else "")
    expected = list(Case.objects.order_by(*order).values_list("pk", flat=True))
    forwards, pages = _walk(english, url, "next")
    assert forwards == expected and pages == 3  # 50 + 50 + 23
    last = reverse("refunds:case_list") + _last(english.get(url).content.decode())
    backwards, _pages = _walk(english, last, "prev")
    assert backwards == expected


def test_the_first_page_has_no_previous_and_the_last_no_next(many_cases, english):
    first = english.get(reverse("refunds:case_list")).content.decode()
    assert _link(first, "prev") is None and _link(first, "next")
    last = english.get(reverse("refunds:case_list") + _last(first)).content.decode()
    assert _link(last, "next") is None and _link(last, "prev")
    assert len(ROW_RE.findall(last)) == 50  # the last page is full: the last 50 rows


def test_filters_and_cursor_together(many_cases, english):
    url = reverse("refunds:case_list") + "?status=paid"
    ids, _pages = _walk(english, url, "next")
    assert ids == list(
        Case.objects.filter(status="paid").order_by("case_no").values_list("pk", flat=True)
    )


def test_a_deep_page_runs_the_queries_of_the_first(many_cases, supervisor_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    keys = ordering_keys(Case.objects.order_by("case_no"))
    assert keys is not None and [k.path for k in keys] == ["case_no"]  # unique: no tie-break needed
    before = Case.objects.order_by("case_no")[99]
    deep = {"cursor": encode_cursor(keys, "n", [before.case_no])}
    supervisor_client.get(reverse("refunds:case_list"))
    with CaptureQueriesContext(connection) as first:
        supervisor_client.get(reverse("refunds:case_list"))
    with CaptureQueriesContext(connection) as later:
        page = supervisor_client.get(reverse("refunds:case_list"), deep)
    assert len(later.captured_queries) == len(first.captured_queries) <= 8
    shown = [int(pk) for pk in ROW_RE.findall(page.content.decode())]
    assert shown == [c.pk for c in sorted(many_cases, key=lambda c: c.case_no)[100:]]
    sql = next(q["sql"] for q in later.captured_queries if "refunds_case" in q["sql"])
    assert not re.search(r"\bOFFSET\s+\d", sql, re.IGNORECASE)


@pytest.mark.parametrize("cursor", ["garbage", "e30", encode_cursor([], "n", [])])
def test_a_cursor_that_does_not_fit_shows_the_first_page(many_cases, supervisor_client, cursor):
    page = supervisor_client.get(reverse("refunds:case_list"), {"cursor": cursor})
    assert page.status_code == 200
    first = Case.objects.order_by("case_no").first()
    assert ROW_RE.findall(page.content.decode())[0] == str(first.pk)


def test_a_cursor_of_another_sort_is_not_applied_to_this_one(many_cases, english):
    sorted_page = english.get(reverse("refunds:case_list") + "?sort=status").content.decode()
    cursor = _link(sorted_page, "next")
    plain = english.get(reverse("refunds:case_list") + cursor.replace("sort=status", "")).content
    first = Case.objects.order_by("case_no").first()
    assert ROW_RE.findall(plain.decode())[0] == str(first.pk)


def test_nulls_sort_last_ascending_and_first_descending_and_are_paged_through(many_cases):
    Case.objects.filter(pk__in=[c.pk for c in many_cases[::7]]).update(amount_yen=None)
    Case.objects.filter(pk__in=[c.pk for c in many_cases[3::11]]).update(amount_yen=100)
    for descending in (False, True):
        queryset = Case.objects.order_by(("-" if descending else "") + "amount_yen")
        keys = ordering_keys(queryset)
        assert keys is not None and [k.path for k in keys] == ["amount_yen", "case_no"]
        ordered = queryset.order_by(*(k.order() for k in keys))
        expected = list(ordered.values_list("pk", flat=True))
        amounts = list(ordered.values_list("amount_yen", flat=True))
        nulls = [a is None for a in amounts]
        assert nulls == sorted(nulls, reverse=descending)  # NULL is the greatest value
        seen: list[int] = []
        rows = list(ordered[:10])
        while rows:
            seen += [r.pk for r in rows]
            values = [k.value_of(rows[-1]) for k in keys]
            rows = list(seek(ordered, keys, values, reverse=False)[:10])
        assert seen == expected
        back: list[int] = []
        rows = list(queryset.order_by(*(k.order(reverse=True) for k in keys))[:10])
        while rows:
            back = [r.pk for r in reversed(rows)] + back
            values = [k.value_of(rows[-1]) for k in keys]
            rows = list(
                seek(queryset.order_by(*(k.order(reverse=True) for k in keys)), keys, values, True)[
                    :10
                ]
            )
        assert back == expected


def test_an_order_that_cannot_be_sought_falls_back_to_numbered_pages(many_cases):
    from refunds.tables import CaseTable

    table = CaseTable(Case.objects.order_by("program"))  # a relation: its model's own ordering
    assert ordering_keys(table.data.data) is None
    table.paginate(paginator_class=KeysetPaginator, per_page=50, page=2)
    assert len(list(table.paginated_rows)) == 50 and not getattr(table.page, "keyset", False)


def test_a_unique_column_of_a_row_that_is_one_per_row_ends_the_keys(db):
    # A claim's case is one per claim (claim_one_per_case): its id orders the claims totally.
    claims = ordering_keys(Claim.objects.order_by("-case__claimed_at", "-case__id"))
    assert claims is not None and [k.path for k in claims] == ["case__claimed_at", "case__id"]
    # A member has many claims: their member's number needs the claims' own order after it.
    by_member = ordering_keys(Claim.objects.order_by("member__member_no"))
    assert by_member is not None
    assert [k.path for k in by_member] == ["member__member_no", "received_at", "id"]


def test_the_claims_list_pages_through_claims_of_one_time_once_each(db, supervisor_client):
    moment = timezone.now()
    made = [ClaimFactory(received_at=moment) for _ in range(60)]
    made += [ClaimFactory(received_at=moment - datetime.timedelta(minutes=n)) for n in range(45)]
    url = reverse("refunds:claim_list")
    seen: list[str] = []
    while url:
        page = supervisor_client.get(url).content.decode()
        seen += CASE_NO_RE.findall(page)
        link = _link(page, "next")
        url = reverse("refunds:claim_list") + link if link else ""
    expected = sorted(made, key=lambda c: (c.case.claimed_at, c.case_id), reverse=True)
    assert seen == [claim.case.case_no for claim in expected]


def test_a_lists_default_filter_holds_on_every_page_sort_and_export(db, staff_client):
    """The claims list opens on the claims received and waiting to be prepared: its next page,
    its sort links and its export show those too, until a filter is chosen (even "---------")."""
    waiting = [ClaimFactory() for _ in range(55)]
    paid = [ClaimFactory().case_id for _ in range(4)]
    set_status(
        Case.objects.filter(pk__in=paid),
        "paid",
        paid_at=timezone.now(),
        paid_amount_yen=F("amount_yen"),
    )
    url = reverse("refunds:claim_list")
    first = staff_client.get(url).content.decode()
    following = staff_client.get(url + _link(first, "next")).content.decode()
    shown = CASE_NO_RE.findall(first + following)
    assert sorted(shown) == sorted(claim.case.case_no for claim in waiting)
    for query in ({"sort": "received_at"}, {"sort": "-case_no", "cursor": "garbage"}):
        page = staff_client.get(url, query).content.decode()
        assert len(ROW_RE.findall(page)) == 50
        assert '<option value="claim_received" selected>' in page

    def exported(query):
        response = staff_client.get(url, {**query, "export": "csv"})
        return b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()

    assert len(exported({})) == 1 + 55
    assert len(exported({"case_status": ""})) == 1 + 59


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("refunds:claim_list", {"case_status": "claim_received"}),
        ("refunds:inquiry_list", {"open": "true"}),
        ("refunds:investigation_list", {"settled": "false"}),
    ],
)
def test_every_list_with_a_default_filter_keeps_it_until_a_filter_is_given(
    db, staff_user, rf, name, default
):
    from django.urls import resolve

    view_class = resolve(reverse(name)).func.view_class
    assert view_class.default_filters == default

    def data(query):
        request = rf.get(reverse(name), query)
        request.user = staff_user
        view = view_class()
        view.setup(request)
        return view.get_filterset_kwargs(view.get_filterset_class())["data"]

    for query in ({}, {"sort": "x"}, {"cursor": "y", "export": "csv"}):
        assert {key: data(query).get(key) for key in default} == default
    field = next(iter(default))
    assert data({field: ""}).get(field) == ""
