"""Every page for every role, the upload flow, and constant query counts on list pages."""

import csv
import io

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from refunds.models import DetectionRun, ImportBatch, ImportStatus, RemediationProgram
from tests.factories import (
    CaseFactory,
    ClaimFactory,
    InquiryFactory,
    MemberFactory,
    PaymentBatchFactory,
    TariffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
User = get_user_model()

ALL = ("anonymous", "staff", "supervisor", "admin")
CALL_CENTER = ("staff", "supervisor", "admin")
SUPERVISORS = ("supervisor", "admin")


def _batch():
    return ImportBatch.objects.create(
        kind="members", file_name="m.csv", status=ImportStatus.SUCCEEDED
    )


# url name, args factory, roles allowed (others: 403; anonymous: redirect to login)
PAGES = [
    ("home", None, ("staff", "supervisor", "admin")),
    ("refunds:member_list", None, ("staff", "supervisor", "admin")),
    ("refunds:member_detail", lambda: [MemberFactory().pk], ("staff", "supervisor", "admin")),
    ("refunds:contract_list", None, ("staff", "supervisor", "admin")),
    ("refunds:tariff_list", None, ("staff", "supervisor", "admin")),
    ("refunds:import_list", None, ("supervisor", "admin")),
    ("refunds:import_create", None, ("admin",)),
    ("refunds:import_detail", lambda: [_batch().pk], ("supervisor", "admin")),
    ("refunds:import_progress", lambda: [_batch().pk], ("supervisor", "admin")),
    ("refunds:import_errors_csv", lambda: [_batch().pk], ("supervisor", "admin")),
    ("accounts:password_change", None, ("staff", "supervisor", "admin")),
    ("refunds:case_list", None, ("staff", "supervisor", "admin")),
    ("refunds:case_detail", lambda: [CaseFactory().pk], ("staff", "supervisor", "admin")),
    ("refunds:detection", None, ("admin",)),
    ("refunds:scope_test", None, ("admin",)),
    ("refunds:program_list", None, ("staff", "supervisor", "admin")),
    ("refunds:program_create", None, ("admin",)),
    ("refunds:program_update", lambda: [RemediationProgram.objects.first().pk], ("admin",)),
    ("refunds:program_portal", lambda: [RemediationProgram.objects.first().pk], SUPERVISORS),
    ("refunds:claim_code_unlock", lambda: [CaseFactory().pk], ("staff", "supervisor", "admin")),
    ("refunds:detection_detail", lambda: [_run().pk], ("supervisor", "admin")),
    ("refunds:search", None, CALL_CENTER),
    ("refunds:screen_pop", None, CALL_CENTER),
    ("refunds:member_contact_update", lambda: [MemberFactory().pk], CALL_CENTER),
    ("refunds:guidance", None, CALL_CENTER),
    ("refunds:guidance_create", None, ("admin",)),
    (
        "refunds:guidance_edit",
        lambda: [__import__("refunds.models", fromlist=["x"]).Guidance.objects.first().pk],
        ("admin",),
    ),
    ("refunds:escalation_list", None, SUPERVISORS),
    ("refunds:escalation_badge", None, SUPERVISORS),
    ("refunds:inquiry_start", lambda: [MemberFactory().pk], CALL_CENTER),
    ("refunds:inquiry_list", None, CALL_CENTER),
    ("refunds:inquiry_create", None, CALL_CENTER),
    ("refunds:inquiry_detail", lambda: [_inquiry().pk], CALL_CENTER),
    ("refunds:inquiry_close", lambda: [_inquiry(open_=True).pk], ("staff",)),
    ("refunds:inquiry_follow_up_done", lambda: [_inquiry().pk], CALL_CENTER),
    ("refunds:complaint_close", lambda: [_inquiry().pk], ("supervisor", "admin")),
    ("refunds:callback_list", None, CALL_CENTER),
    ("refunds:complaint_list", None, ("supervisor", "admin")),
    ("refunds:claim_list", None, CALL_CENTER),
    ("refunds:claim_create", lambda: [CaseFactory().pk], CALL_CENTER),
    ("refunds:payee_change", lambda: [_claim().pk], CALL_CENTER),
    ("refunds:bank_lookup", None, CALL_CENTER),
    ("refunds:investigation_list", None, CALL_CENTER),
    ("refunds:investigation_create", None, CALL_CENTER),
    ("refunds:investigation_settle", lambda: [_investigation().pk], ("supervisor", "admin")),
    ("refunds:review_queue", None, SUPERVISORS),
    ("refunds:bulk_approve", None, SUPERVISORS),
    ("refunds:case_evidence", lambda: [CaseFactory().pk], SUPERVISORS),
    ("refunds:case_prepare", lambda: [CaseFactory(status="claim_received").pk], CALL_CENTER),
    ("refunds:case_approve", lambda: [CaseFactory(status="prepared").pk], SUPERVISORS),
    ("refunds:case_reject", lambda: [CaseFactory(status="prepared").pk], SUPERVISORS),
    ("refunds:case_hold", lambda: [CaseFactory().pk], SUPERVISORS),
    ("refunds:case_release", lambda: [CaseFactory(status="on_hold").pk], SUPERVISORS),
    ("refunds:case_reopen", lambda: [CaseFactory(status="rejected").pk], SUPERVISORS),
    # Staff: only after the caller's identity check (tests/test_review.py).
    ("refunds:case_amount", lambda: [CaseFactory().pk], SUPERVISORS),
    ("refunds:batch_list", None, SUPERVISORS),
    ("refunds:batch_create", None, SUPERVISORS),
    ("refunds:batch_detail", lambda: [_batch_of_payments().pk], SUPERVISORS),
    ("refunds:batch_file", lambda: [_batch_of_payments().pk], SUPERVISORS),
    ("refunds:letters", None, CALL_CENTER),
    ("refunds:returned_mail_list", None, CALL_CENTER),
    ("refunds:member_mail_returned", lambda: [MemberFactory().pk], CALL_CENTER),
    ("refunds:letter_run_file", lambda: [_letter_run().pk], CALL_CENTER),
    ("refunds:qa_queue", None, SUPERVISORS),
    ("refunds:audit_list", None, SUPERVISORS),
    ("refunds:reveal_list", None, ("admin",)),
    ("refunds:portal_attempt_list", None, SUPERVISORS),
    ("refunds:dashboard", None, CALL_CENTER),
    ("refunds:export_detail", lambda: [_export().pk], CALL_CENTER),
    ("refunds:export_file", lambda: [_export().pk], CALL_CENTER),
    ("refunds:report_list", None, SUPERVISORS),
    ("refunds:report_detail", lambda: [_report().pk], SUPERVISORS),
    ("refunds:report_download", lambda: [_report().pk, "csv"], SUPERVISORS),
    (
        "refunds:qa_record",
        lambda: [CaseFactory(status="prepared", qa_status="pending").pk],
        SUPERVISORS,
    ),
    ("refunds:letter_template", lambda: ["notice"], ("admin",)),
    ("refunds:case_letter", lambda: [CaseFactory().pk], SUPERVISORS),
]
# POST-only actions: a GET is refused (405) for those allowed, like any other page otherwise.
POST_ONLY = [
    ("refunds:report_generate", None, SUPERVISORS),
    ("refunds:member_reveal", lambda: [MemberFactory().pk], CALL_CENTER),
    ("refunds:inquiry_escalate", lambda: [InquiryFactory().pk], CALL_CENTER),
    ("refunds:inquiry_take_over", lambda: [InquiryFactory().pk], SUPERVISORS),
    ("refunds:batch_export", lambda: [_batch_of_payments().pk], SUPERVISORS),
    ("refunds:batch_discard", lambda: [_batch_of_payments().pk], SUPERVISORS),
    ("refunds:batch_exclude", lambda: [_batch_of_payments().pk], SUPERVISORS),
    ("refunds:batch_reconcile", lambda: [_batch_of_payments().pk], SUPERVISORS),
]


def _export():
    from django.core.files.base import ContentFile

    from refunds.models import ExportJob

    owner = User.objects.filter(username="staff-user").first() or UserFactory(
        username="staff-user", roles=["staff"]
    )
    job = ExportJob.objects.create(
        created_by=owner, list_name="refunds:case_list", format="csv", status="done"
    )
    job.file.save("cases.csv", ContentFile(b"case number\r\n"))
    return job


def _report():
    from refunds.services.reporting import report_generate

    return report_generate()


def _letter_run():
    from django.core.files.base import ContentFile

    from refunds.models import LetterRun

    run = LetterRun(kind="notice", count=0, sha256="0" * 64, created_by=UserFactory())
    run.file.save("run.pdf", ContentFile(b"%PDF-1.7"), save=False)
    run.save()
    return run


def _batch_of_payments():
    from django.core.files.base import ContentFile

    batch = PaymentBatchFactory()
    batch.file.save("zengin-test.txt", ContentFile(b"1" * 120))
    return batch


def _inquiry(open_=False):
    """An inquiry taken by the staff user of the role fixtures."""
    user = User.objects.filter(username="staff-user").first() or UserFactory(
        username="staff-user", roles=["staff"]
    )
    now = timezone.now()
    return InquiryFactory(
        started_at=now,
        ended_at=None if open_ else now,
        reason="" if open_ else "amount",
        created_by=user,
    )


def _claim():
    return ClaimFactory()


def _investigation():
    from refunds.models import Investigation

    case = CaseFactory(
        contract=None, member=None, origin="investigation", status="claim_received", amount_yen=None
    )
    Investigation.objects.create(case=case, caller_name="佐藤", story="billed after cancelling")
    return case


def _run():
    return DetectionRun.objects.create(
        program=RemediationProgram.objects.first(), status="succeeded"
    )


@pytest.mark.parametrize("role_client", ALL, indirect=True)
@pytest.mark.parametrize(("name", "args", "allowed"), PAGES, ids=[p[0] for p in PAGES])
def test_page_permissions(role_client, request, name, args, allowed):
    role = request.node.callspec.params["role_client"]
    url = reverse(name, args=args() if args else None)
    response = role_client.get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role_client", ALL, indirect=True)
@pytest.mark.parametrize(("name", "args", "allowed"), POST_ONLY, ids=[p[0] for p in POST_ONLY])
def test_post_only_permissions(role_client, request, name, args, allowed):
    role = request.node.callspec.params["role_client"]
    url = reverse(name, args=args() if args else None)
    get, post = role_client.get(url), role_client.post(url)
    if role == "anonymous":
        assert get.status_code == post.status_code == 302
    elif role in allowed:
        assert get.status_code == 405 and post.status_code in (200, 302)
    else:
        assert get.status_code == post.status_code == 403


def test_login_page_is_japanese_by_default(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert 'lang="ja"' in response.content.decode()


def test_upload_runs_the_import_and_redirects_to_the_result(
    admin_client_role, data_dir, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("members.csv", (data_dir / "members.csv").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_role.post(
            reverse("refunds:import_create"),
            {"kind": "members", "file": upload, "encoding": "auto"},
        )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    assert batch.status == ImportStatus.SUCCEEDED and batch.created == 400
    page = admin_client_role.get(batch.get_absolute_url()).content.decode()
    # Finished: the import's progress no longer polls (the navigation's badge still does).
    assert 'hx-trigger="every 1s"' not in page


def test_upload_refused_while_another_import_of_the_kind_is_open(admin_client_role):
    ImportBatch.objects.create(kind="members", file_name="x.csv", status=ImportStatus.RUNNING)
    upload = SimpleUploadedFile("refused-by-the-lock.csv", b"member_no\n1\n")
    response = admin_client_role.post(
        reverse("refunds:import_create"), {"kind": "members", "file": upload, "encoding": "auto"}
    )
    assert response.status_code == 200
    assert ImportBatch.objects.count() == 1
    from pathlib import Path

    from django.conf import settings

    stored = [p.name for p in Path(settings.MEDIA_ROOT).rglob("refused-by-the-lock*")]
    assert stored == []  # the refused upload was not left on disk


def test_an_upload_over_the_limit_is_refused_with_its_size(admin_client_role, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    upload = SimpleUploadedFile("members.csv", b"member_no\n" + b"1\n" * 1000)
    response = admin_client_role.post(
        reverse("refunds:import_create"), {"kind": "members", "file": upload, "encoding": "auto"}
    )
    assert response.status_code == 200 and not ImportBatch.objects.exists()
    assert "0 MB" in response.content.decode()


def test_errors_download_is_a_csv_with_escaped_cells(supervisor_client):
    batch = _batch()
    batch.file_name = "=1+2+cmd|calc!A0.csv"
    batch.save()
    batch.row_errors.create(line=3, column="@SUM(1)", reason="=cmd|' /C calc'!A0")
    response = supervisor_client.get(reverse("refunds:import_errors_csv", args=[batch.pk]))
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufefffile,line,column,reason")
    row = list(csv.reader(io.StringIO(body)))[1]
    assert row == ["'=1+2+cmd|calc!A0.csv", "3", "'@SUM(1)", "'=cmd|' /C calc'!A0"]


@pytest.mark.parametrize(
    "name",
    ["refunds:member_list", "refunds:contract_list", "refunds:tariff_list", "refunds:case_list"],
)
def test_list_pages_run_a_constant_number_of_queries(
    staff_client, django_assert_max_num_queries, name
):
    for _ in range(60):
        CaseFactory()
    TariffFactory()
    with django_assert_max_num_queries(8):
        assert staff_client.get(reverse(name)).status_code == 200


def test_audit_log_is_searchable_and_runs_a_constant_number_of_queries(
    supervisor_client, django_assert_max_num_queries
):
    from refunds.models import AuditEvent

    for i in range(40):
        AuditEvent.objects.create(
            action="case.prepared",
            object_type="refunds.case",
            object_id=str(i),
            object_repr=f"SH10-{i:06d}",
        )
    with django_assert_max_num_queries(8):
        page = supervisor_client.get(reverse("refunds:audit_list"), {"object_repr": "SH10-000007"})
    assert page.status_code == 200 and page.content.decode().count(">SH10-0000") == 1


def test_import_list_runs_a_constant_number_of_queries(
    supervisor_client, django_assert_max_num_queries
):
    for i in range(30):
        ImportBatch.objects.create(kind="members", file_name=f"{i}.csv", status="succeeded")
    with django_assert_max_num_queries(8):
        assert supervisor_client.get(reverse("refunds:import_list")).status_code == 200


def test_japanese_whatever_the_browser_asks_and_english_on_request(client):
    url = reverse("accounts:login")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert "ログイン" in page
    client.post(reverse("set_language"), {"language": "en", "next": url})
    page = client.get(url).content.decode()
    assert 'lang="en"' in page and "Log in" in page


def test_admin_starts_a_run_and_sees_its_counts(
    admin_client_role, django_capture_on_commit_callbacks
):
    CaseFactory.reset_sequence()
    program = RemediationProgram.objects.get(code="SONET-HIKARI-2010")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_role.post(reverse("refunds:detection"), {"program": program.pk})
    run = DetectionRun.objects.get()
    assert response["Location"] == run.get_absolute_url()
    assert run.status == "succeeded"
    page = admin_client_role.get(run.get_absolute_url()).content.decode()
    assert "courses" in page


def test_dry_run_from_the_page_downloads_the_difference(admin_client_role):
    program = RemediationProgram.objects.get(code="SONET-HIKARI-2010")
    response = admin_client_role.post(
        reverse("refunds:detection"), {"program": program.pk, "dry_run": "on"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().startswith("action,contract_no")
    assert DetectionRun.objects.count() == 0


def test_case_detail_shows_evidence_and_history(supervisor_client):
    case = CaseFactory()
    case.evidence.create(period="2009-08-01", item="base_fee", amount_yen=7000, tariff_yen=6720)
    page = supervisor_client.get(case.get_absolute_url()).content.decode()
    assert "table-warning" in page and "280" in page


def test_every_page_is_in_the_permission_table():
    from django.urls import get_resolver

    def names(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                namespace = f"{pattern.namespace}:" if pattern.namespace else prefix
                yield from names(pattern, namespace)
            elif pattern.name:
                yield prefix + pattern.name

    listed = {name for name, _args, _roles in PAGES + POST_ONLY}
    exempt = {
        "logout_everywhere",  # POST only: tests/test_health.py
        "accounts:login",
        "accounts:logout",
        "accounts:password_change_done",
        "set_language",
        "healthz",  # public: tests/test_health.py
        "readyz",  # a session or the token: tests/test_health.py
        "second_factor",  # any signed-in user: tests/test_second_factor.py
        "second_factor_setup",  # any signed-in user: tests/test_second_factor.py
        "favicon",  # public: tests/test_health.py
        # The member portal: no staff login, its own sign-in (tests/test_portal.py).
        "portal:start",
        "portal:case",
        "portal:done",
        "portal:signout",
        "portal:request",
        "portal:request_sent",
    }
    # The API has its own route × role matrix in tests/test_api.py.
    pages = {name for name in names(get_resolver()) if not name.startswith("api:")}
    assert pages - listed - exempt == set()


def test_the_case_page_runs_the_same_queries_whatever_the_state(staff_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from refunds.models import Case

    fresh = CaseFactory(status="detected")
    approved = CaseFactory(status="detected")
    Case.objects.filter(pk=approved.pk).update(
        status="approved",
        prepared_by=UserFactory(),
        prepared_at=timezone.now(),
        approved_by=UserFactory(),
        approved_at=timezone.now(),
    )
    counts = []
    for case in (fresh, approved, fresh):
        with CaptureQueriesContext(connection) as ctx:
            assert (
                staff_client.get(reverse("refunds:case_detail", args=[case.pk])).status_code == 200
            )
        counts.append(len(ctx.captured_queries))
    assert counts[1] == counts[2]


def test_an_objects_link_is_the_one_reverse_gives():
    from django.urls import reverse

    from refunds.links import object_url

    for name in ("refunds:member_detail", "refunds:case_detail", "refunds:inquiry_detail"):
        for pk in (1, 42, 1_000_001):
            assert object_url(name, pk) == reverse(name, args=[pk])


# Pages with an object that staff may not open. (A case's letter is refused to staff only
# before the caller's identity check; which cases exist is no secret to staff, who list them.)
_NOT_FOR_STAFF = [
    p
    for p in PAGES + POST_ONLY
    if p[1] is not None and "staff" not in p[2] and p[0] != "refunds:case_letter"
]


@pytest.mark.parametrize(
    ("name", "args", "allowed"), _NOT_FOR_STAFF, ids=[p[0] for p in _NOT_FOR_STAFF]
)
def test_a_role_without_the_page_learns_nothing_of_which_objects_exist(
    staff_client, name, args, allowed
):
    """403 for an object that exists and for one that does not: no existence oracle."""
    real = args()
    missing = [999_999, *real[1:]]
    there = staff_client.get(reverse(name, args=real)).status_code
    absent = staff_client.get(reverse(name, args=missing)).status_code
    assert there == absent == 403


def test_the_navigation_is_drawn_per_language_and_roles(
    staff_client, supervisor_client, admin_client_role
):
    """The navigation is kept once drawn (the "fragments" cache), by language and roles: each
    role sees its own menu in its own language whatever was drawn before it."""
    review, detection = reverse("refunds:review_queue"), reverse("refunds:detection")
    for _round in range(2):  # the second round reads what the first one kept
        for client, sees_review, sees_detection in (
            (staff_client, False, False),
            (supervisor_client, True, False),
            (admin_client_role, True, True),
        ):
            for language, label in (("en", "Log an inquiry"), ("ja", "問い合わせを登録")):
                client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
                page = client.get(reverse("refunds:tariff_list")).content.decode()
                assert label in page
                assert (f'href="{review}"' in page) is sees_review
                assert (f'href="{detection}"' in page) is sees_detection
