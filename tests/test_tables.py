"""The tables' fast path writes what django-tables2's own templates and columns write."""

import datetime
import functools
import inspect
import re

import django_tables2 as tables
import pytest
from django.apps import apps
from django.db import models
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.utils import timezone, translation
from django_tables2 import utils as tables_utils
from django_tables2.columns import library as column_library

from refunds import selectors
from refunds import tables as ours
from refunds.labels import choice_label
from refunds.models import AuditEvent, Case, Contract, Member
from tests.factories import CaseFactory, ClaimFactory, InquiryFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _part(table, template_name: str, user, part: str = "tbody", query: str = "") -> str:
    """A table's ``<tbody>`` or ``<thead>`` as ``template_name`` writes it, whitespace folded."""
    request = RequestFactory().get("/somewhere/" + query)
    request.user = user
    table.template_name = template_name
    page = Template("{% load django_tables2 %}{% render_table t %}").render(
        RequestContext(request, {"t": table})
    )
    found = re.search(rf"<{part}.*?</{part}>", page, re.S).group(0)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", found)).strip()


def _body(table, template_name: str, user) -> str:
    return _part(table, template_name, user)


@pytest.fixture
def rows(db):
    made = [
        CaseFactory(status=s, amount_yen=a)
        for s in ("detected", "rejected")
        for a in (0, None, 12345)
    ]
    made[0].member.name = "<script>alert(1)</script>"
    made[0].member.save()
    Case.objects.filter(pk=made[1].pk).update(flagged=True)
    AuditEvent.objects.create(
        action="case.prepared", object_type="refunds.case", object_id="1", changes={"a": "<b>"}
    )
    ClaimFactory(case=made[2]), ClaimFactory()
    InquiryFactory(member=made[2].member, case=made[2]), InquiryFactory(case=None)
    return made


@pytest.mark.parametrize(
    ("table_class", "queryset"),
    [
        (ours.CaseTable, lambda: Case.objects.select_related("member", "contract", "program")),
        (ours.MemberTable, lambda: Member.objects.all()),
        (ours.ContractTable, lambda: Contract.objects.select_related("member")),
        (ours.ClaimTable, selectors.claims),
        (ours.InquiryTable, selectors.inquiries),
        (ours.AuditEventTable, lambda: AuditEvent.objects.select_related("actor")),
    ],
)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_body_is_the_one_the_library_template_writes(
    rows, admin_user, table_class, queryset, language
):
    with translation.override(language):
        fast = _body(table_class(list(queryset())), "refunds/includes/table.html", admin_user)
        slow = _body(
            table_class(list(queryset())), "django_tables2/bootstrap5-responsive.html", admin_user
        )
    assert fast == slow
    assert "<script>" not in fast
    if table_class in (ours.ClaimTable, ours.InquiryTable, ours.ContractTable):
        assert "/members/" in fast  # the member's number links to the member's page
    if table_class in (ours.ClaimTable, ours.InquiryTable):
        assert "/cases/" in fast
    if table_class is ours.MemberTable:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fast


@pytest.mark.parametrize(
    ("table_class", "queryset"),
    [
        (ours.CaseTable, Case.objects.all),
        (ours.MemberTable, Member.objects.all),
        (ours.ClaimTable, selectors.claims),
        (ours.CallbackTable, selectors.inquiries),
        (ours.AuditEventTable, AuditEvent.objects.all),
    ],
)
@pytest.mark.parametrize(
    "query", ["", "?status=detected&sort=-amount_yen&page=2", "?q=%3Cb%3E&q=%26&sort=member"]
)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_header_is_the_one_the_library_template_writes(
    rows, admin_user, table_class, queryset, query, language
):
    """Headings and sort links (the page's other parameters kept, escaped) as the library's
    (the library's template puts spaces around a heading without a link; a cell's leading and
    trailing spaces are not shown)."""
    with translation.override(language):
        fast, slow = (
            _part(table_class(queryset()), name, admin_user, "thead", query)
            for name in ("refunds/includes/table.html", "django_tables2/bootstrap5-responsive.html")
        )
    fold = functools.partial(re.sub, r'(scope="col">) | (</th>)', r"\1\2")
    assert fast == fold(slow)
    assert "sort=" in fast and "<b>" not in fast


def test_an_empty_table_says_so(admin_user, db):
    fast = _body(
        ours.CaseTable([], empty_text="None <here>"), "refunds/includes/table.html", admin_user
    )
    slow = _body(
        ours.CaseTable([], empty_text="None <here>"),
        "django_tables2/bootstrap5-responsive.html",
        admin_user,
    )
    assert fast == slow and "colspan" in fast


def test_date_columns_write_what_the_library_columns_write(admin_user, db):
    MemberFactory(status="withdrawn", withdrawn_on=timezone.localdate())
    MemberFactory(withdrawn_on=None)

    class Library(tables.Table):
        changed = tables.DateTimeColumn(accessor="updated_at")
        withdrawn = tables.DateColumn(accessor="withdrawn_on")
        joined = tables.DateColumn(accessor="joined_on", short=False)

    class Ours(tables.Table):
        changed = ours.DateTimeColumn(accessor="updated_at")
        withdrawn = ours.DateColumn(accessor="withdrawn_on")
        joined = ours.DateColumn(accessor="joined_on", short=False)

    members = list(Member.objects.all())
    written = set()
    # Each table reads its zone and format once: one drawn in another zone or language after
    # it writes that one's (the times here are an hour apart or more between the zones).
    for zone in ("Asia/Tokyo", "UTC", "America/New_York"):
        for language in ("ja", "en"):
            with timezone.override(zone), translation.override(language):
                fast = _body(Ours(members), "refunds/includes/table.html", admin_user)
                assert fast == _body(Library(members), "django_tables2/bootstrap5.html", admin_user)
                written.add(fast)
    assert len(written) == 3
    assert isinstance(ours.MemberTable.base_columns["withdrawn_on"], ours.DateColumn)


def test_choice_labels_are_djangos(db):
    checked = 0
    for model in apps.get_app_config("refunds").get_models():
        for field in model._meta.get_fields():
            if not isinstance(field, models.Field) or not field.choices:
                continue
            for value in [*(v for v, _label in field.flatchoices), "no-such-value", None]:
                instance = model()
                setattr(instance, field.attname, value)
                for language in ("ja", "en"):
                    with translation.override(language):
                        expected = getattr(instance, f"get_{field.name}_display")()
                        assert choice_label(field, getattr(instance, field.attname)) == expected
                        checked += 1
    assert checked > 100


def _tables() -> list[type[ours.BaseTable]]:
    """Every table of the product, at any depth below ``BaseTable`` (not the tests' own)."""
    found, todo = [], [ours.BaseTable]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__ == ours.__name__:
                found.append(sub)
            todo.append(sub)
    return found


def test_every_date_column_is_ours():
    """The library's date columns compile a template per cell; every table declares ours."""
    library_dates = (tables.DateColumn, tables.DateTimeColumn)
    for klass in _tables():
        for name, column in klass.base_columns.items():
            assert type(column) not in library_dates, f"{klass.__name__}.{name}"


def test_a_link_to_a_rows_own_page_is_an_object_link():
    """A plain column linked with ``linkify=True`` composes its link through the library for
    every cell (the model's URL, the link's signature): a table links with ``_to_own_page``."""
    for klass in _tables():
        for name, column in klass.base_columns.items():
            linked = column.link is not None and not isinstance(column, ours.ObjectLinkColumn)
            assert not (linked and type(column) is tables.Column), f"{klass.__name__}.{name}"


def test_the_callers_cells_write_what_their_templates_wrote(admin_user):
    """The inquiry tables' number, caller and phone, written by the table's methods, are the
    cells the library's linked column and templates wrote (a member's name escaped)."""
    MemberFactory(name="<b>人</b>"), InquiryFactory(member=None, caller_name="折り返し <i>")
    InquiryFactory(caller_phone="03-1234-5678")
    InquiryFactory(member__name="", caller_name="名乗った名前")
    InquiryFactory(member=MemberFactory(name="<b>人</b>", phone="090-1111-2222"))
    InquiryFactory(member=None, caller_name="")
    InquiryFactory(member__name="会員の名前", caller_name="別の名前")

    class Templated(ours.CallbackTable):
        id = tables.Column(linkify=True, verbose_name="#")
        caller = tables.TemplateColumn(
            "{{ record.member.name|default:record.caller_name }}",
            verbose_name="caller",
            orderable=False,
        )
        phone = tables.TemplateColumn(
            "{% if record.caller_phone %}{{ record.caller_phone }}"
            "{% elif record.member %}{{ record.member.masked_phone }}{% endif %}",
            verbose_name="phone",
            orderable=False,
        )

        class Meta(ours.CallbackTable.Meta):
            fields = ("id", "caller", "phone")
            sequence = ("id", "caller", "phone")

    class Ours(ours.CallbackTable):
        class Meta(ours.CallbackTable.Meta):
            fields = ("id", "caller", "phone")
            sequence = ("id", "caller", "phone")

    inquiries = list(selectors.inquiries())
    ours_body = _body(Ours(inquiries), "refunds/includes/table.html", admin_user)
    assert ours_body == _body(Templated(inquiries), "refunds/includes/table.html", admin_user)
    assert "&lt;b&gt;人&lt;/b&gt;" in ours_body and "折り返し &lt;i&gt;" in ours_body
    assert "名乗った名前" in ours_body and "03-1234-5678" in ours_body
    assert "会員の名前" in ours_body and "別の名前" not in ours_body
    assert ours_body.count('<a href="/inquiries/') == 6


def test_every_yes_no_column_is_ours():
    """The library's ``BooleanColumn`` (what a table gets for a model's boolean field it does
    not declare) looks up the field and builds its ``<span>`` for every cell."""
    for klass in _tables():
        for name, column in klass.base_columns.items():
            if isinstance(column, tables.BooleanColumn):
                assert isinstance(column, ours.BooleanColumn), f"{klass.__name__}.{name}"


def test_the_review_cells_are_written_once_per_table(rf, db):
    """The review queue's evidence and decision cells: the labels and patterns read once per
    table, a refusal's reason escaped in its title, one CSRF token for the page's forms."""
    from refunds.models import CaseStatus
    from tests.factories import UserFactory

    preparer, supervisor = UserFactory(roles=["staff"]), UserFactory(roles=["supervisor"])
    mine = CaseFactory(status=CaseStatus.PREPARED, prepared_by=supervisor)
    theirs = CaseFactory(status=CaseStatus.PREPARED, prepared_by=preparer)
    request = rf.get("/review/")
    request.user = supervisor
    table = ours.ReviewTable([mine, theirs], request=request)
    with translation.override("en"):
        body = _body(table, "refunds/includes/table.html", supervisor)
    assert body.count('name="csrfmiddlewaretoken"') == 1
    assert f'action="/cases/{theirs.pk}/approve/"' in body
    assert f'action="/cases/{mine.pk}/approve/"' not in body
    assert f'hx-get="/cases/{mine.pk}/evidence/"' in body and ">show</summary>" in body
    assert f'href="/cases/{mine.pk}/reject/">Reject</a>' in body and ">Approve</button>" in body
    assert '<span class="badge text-bg-light border" title="You prepared' in body
    assert ">your preparation</span>" in body


def test_the_libraries_are_left_as_they_are():
    """Nothing of django-tables2 or of Django's models is replaced at run time."""
    assert inspect.getmodule(tables_utils.signature) is tables_utils
    assert all(c.__module__.startswith("django_tables2.") for c in column_library.columns)
    for model in apps.get_app_config("refunds").get_models():
        for field in model._meta.concrete_fields:
            if field.choices:
                method = vars(model)[f"get_{field.name}_display"]
                assert isinstance(method, functools.partialmethod), model
                assert method.func is models.Model._get_FIELD_display


def test_tables_share_the_base_options():
    for table in (ours.CaseTable, ours.QaTable, ours.CallbackTable, ours.PaymentItemTable):
        assert table._meta.template_name == "refunds/includes/table.html"
        assert table._meta.attrs["class"] == "table table-sm table-hover align-middle"
        assert table._meta.empty_text


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 12, 1, 9, 5, 7, tzinfo=datetime.UTC),
        datetime.datetime(2009, 7, 31, 23, 59),
        datetime.date(2010, 1, 2),
        datetime.date(999, 3, 4),
        None,
        "",
    ],
)
def test_dates_are_written_as_the_date_filter_writes_them(value):
    from django.template import defaultfilters

    from refunds.localtime import formatted

    formats = ("SHORT_DATE_FORMAT", "DATE_FORMAT", "SHORT_DATETIME_FORMAT", "DATETIME_FORMAT",
               "YEAR_MONTH_FORMAT", "Y-m-d H:i:s", "Y/m/d", r"\Y\e\a\r Y", "y%m", "j F Y", "N j")  # fmt: skip

    def written(write, name):  # a date's time: the filter raises, and so does ours
        try:
            return write(value, name)
        except TypeError as error:
            return type(error)

    for language in ("ja", "en"):
        with translation.override(language):
            for name in formats:
                expected = written(defaultfilters.date, name)
                assert written(formatted, name) == expected, (name, value)


@pytest.mark.parametrize("value", [0, 7, 999, 1000, 3402, -6720, 12221, 10_000_000])
def test_counts_and_amounts_are_grouped_as_intcomma_groups_them(value):
    from django.contrib.humanize.templatetags.humanize import intcomma

    from refunds.labels import grouped

    for language in ("ja", "en"):
        with translation.override(language):
            assert grouped(value) == intcomma(value)


def test_yes_no_cells_are_the_librarys(admin_user, db):
    flagged, plain = CaseFactory(flagged=True), CaseFactory(flagged=False)

    class Library(tables.Table):
        flagged = tables.BooleanColumn(yesno="⚑,")
        shown = tables.BooleanColumn(accessor="amounts_visible", attrs={"span": {"title": "<x>"}})

    class Ours(tables.Table):
        flagged = ours.BooleanColumn(yesno="⚑,")
        shown = ours.BooleanColumn(accessor="amounts_visible", attrs={"span": {"title": "<x>"}})

    cases = [flagged, plain]
    assert _body(Ours(cases), "refunds/includes/table.html", admin_user) == _body(
        Library(cases), "django_tables2/bootstrap5.html", admin_user
    )
    assert ours.CaseTable.base_columns["flagged"].cells  # the two cells written once


def test_status_badges_follow_the_language(db):
    from refunds.labels import status_badge

    case = CaseFactory(status="claim_received")
    for language in ("ja", "en", "ja"):
        with translation.override(language):
            assert status_badge(case) == (
                f'<span class="badge text-bg-primary">{case.get_status_display()}</span>'
            )


def test_billing_codes_read_in_the_language_of_the_page():
    from refunds.labels import CODE_LABELS, code_label

    for language in ("ja", "en", "ja"):
        with translation.override(language):
            for kind, labels in CODE_LABELS.items():
                for code, label in labels.items():
                    assert code_label(code, kind) == str(label)
            assert code_label("OTHER", "plan") == "OTHER" and code_label(None, "plan") == "—"
    with translation.override("en"):
        english = code_label("family", "plan")
    with translation.override("ja"):
        assert english == "family type" != code_label("family", "plan")


# The rows that grow with the members and their calls: a million and more at scale.
GROWING = {
    "Member", "Contract", "Case", "Claim", "Inquiry", "AuditEvent", "PaymentItem",
    "PortalAttempt", "PersonalDataAccess", "ReturnedMail", "BillingLine",
}  # fmt: skip


@pytest.mark.parametrize("table_class", _tables(), ids=lambda t: t.__name__)
def test_a_table_of_growing_rows_names_the_columns_that_sort(table_class):
    """Sorting by a column no index orders sorts the whole table for every page: a list of
    rows that grow says which columns sort (``BaseTable.sortable``), each one of its columns,
    its default order among them; ``make bench-pages`` times each of them at a million rows."""
    model = table_class._meta.model
    if model is None or model.__name__ not in GROWING or table_class._meta.orderable is False:
        return
    assert table_class.sortable is not None, f"{table_class.__name__} lists {model.__name__}"
    assert set(table_class.sortable) <= set(table_class.base_columns)
    defaults = table_class._meta.order_by or ()
    assert {tables_utils.OrderBy(o).bare for o in defaults} <= set(table_class.sortable)


def test_a_column_that_does_not_sort_has_no_link_and_its_sort_is_ignored(client, db):
    from accounts.roles import Role
    from tests.factories import UserFactory

    first, second = ClaimFactory(), ClaimFactory()
    client.force_login(UserFactory(roles=[Role.STAFF]))
    response = client.get("/claims/?case_status=&sort=member_no")
    table = response.context["table"]
    assert [c.name for c in table.columns if c.orderable] == ["case_no"]
    assert not table.order_by  # the member's number does not sort: the list's own order
    head = response.content.decode().split("<thead", 1)[1].split("</thead>", 1)[0]
    assert head.count("<a href=") == 1 and "sort=case_no" in head
    assert {first.case.case_no, second.case.case_no} <= set(
        r.record.case.case_no for r in table.paginated_rows
    )
    sorted_page = client.get("/claims/?case_status=&sort=-case_no").context["table"]
    assert [r.record.case.case_no for r in sorted_page.paginated_rows] == sorted(
        (first.case.case_no, second.case.case_no), reverse=True
    )
