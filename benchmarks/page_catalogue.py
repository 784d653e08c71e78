"""Every named URL of the product, and how ``make bench-pages`` times it, or why it does not.

``tests/test_page_catalogue.py`` fails when the URL configuration names a URL that is missing
here (or this names one that is gone), as the permission matrix of ``tests/test_views.py`` does
for roles: a new page is timed at 1,000,000 cases from the day it exists.

A ``Timed`` URL is requested as the role that uses it (``anonymous`` for the sign-in page and
the liveness probe); its arguments (or the query string that names the row) come from
``Timed.of``, a kind of row the benchmark finds in its database (``bench_pages._arguments``):
rows spread over the table where there are many (members, cases, inquiries, claims), the one
or few of its kind otherwise. A ``File`` is a
download: read to its end, timed against its own goal (a PDF is drawn, not a page). A
``NotTimed`` URL carries the reason: a POST that changes state (timed by ``bench-runs``,
``bench-load`` and the tests), a redirect, or a URL timed by the named variants of
``bench_pages.pages``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Timed:
    role: str
    of: str = ""  # what fills the URL's arguments (a key of bench_pages.ARGUMENTS)
    query: str = ""  # the query string, if the page needs one
    statuses: tuple[int, ...] = (200,)
    goal_ms: float = 50.0


@dataclass(frozen=True)
class File(Timed):
    """A download, read to its end."""

    goal_ms: float = 1000.0


@dataclass(frozen=True)
class NotTimed:
    reason: str


POST = "POST only: a state change, timed by bench-runs and bench-load, tested by the suite"
VARIANTS = "timed by its named variants (bench_pages.pages)"

CATALOGUE: dict[str, Timed | NotTimed] = {
    # -- the site and accounts
    "home": Timed("staff"),
    "healthz": Timed("anonymous"),
    "readyz": Timed("supervisor"),
    "favicon": NotTimed("a redirect to the static icon"),
    "accounts:login": Timed("anonymous"),
    "accounts:logout": NotTimed(POST),
    "accounts:password_change": Timed("staff"),
    "accounts:password_change_done": Timed("staff"),
    "logout_everywhere": NotTimed(POST),
    "set_language": NotTimed(POST),
    "second_factor": Timed("supervisor"),
    "second_factor_setup": NotTimed(
        "its GET makes the authenticator being set up (a write); tests/test_second_factor.py"
    ),
    # -- the API (read routes as a supervisor; every action is a POST)
    "api:schema": Timed("supervisor"),
    "api:docs": Timed("supervisor"),
    "api:member-list": Timed("supervisor"),
    "api:member-detail": Timed("supervisor", of="member"),
    "api:member-identity-check": NotTimed(POST),
    "api:member-reveal": NotTimed(POST),
    "api:contract-list": Timed("supervisor"),
    "api:contract-detail": Timed("supervisor", of="contract"),
    "api:case-list": Timed("supervisor"),
    "api:case-detail": Timed("supervisor", of="case"),
    "api:case-approve": NotTimed(POST),
    "api:case-hold": NotTimed(POST),
    "api:case-prepare": NotTimed(POST),
    "api:case-reject": NotTimed(POST),
    "api:case-release": NotTimed(POST),
    "api:case-reopen": NotTimed(POST),
    "api:inquiry-list": Timed("supervisor"),
    "api:inquiry-detail": Timed("supervisor", of="inquiry"),
    "api:claim-list": Timed("supervisor"),
    "api:claim-detail": Timed("supervisor", of="claim"),
    "api:payment-list": Timed("supervisor"),
    "api:payment-detail": Timed("supervisor", of="payment_batch"),
    "api:payment-items": Timed("supervisor", of="payment_batch"),
    "api:payment-exclude": NotTimed(POST),
    "api:payment-file": File("supervisor", of="payment_batch"),
    "api:payment-release": NotTimed(POST),
    "api:payment-results": NotTimed(POST),
    "api:None": NotTimed("the JSON answer to an unknown API path"),
    # -- the call center
    "refunds:search": NotTimed(VARIANTS),
    "refunds:screen_pop": Timed("staff", of="caller_id", statuses=(200, 302)),
    "refunds:member_list": Timed("staff"),
    "refunds:member_detail": NotTimed(VARIANTS),
    "refunds:member_reveal": NotTimed(POST),
    "refunds:member_mail_returned": Timed("staff", of="member"),
    "refunds:member_contact_update": Timed("staff", of="member"),
    "refunds:returned_mail_list": Timed("staff"),
    "refunds:inquiry_start": Timed("staff", of="member"),
    "refunds:inquiry_list": Timed("staff"),
    "refunds:inquiry_create": Timed("staff"),
    "refunds:inquiry_detail": Timed("supervisor", of="inquiry"),
    "refunds:inquiry_close": Timed("staff", of="open_inquiry"),
    "refunds:inquiry_follow_up_done": Timed("staff", of="callback"),
    "refunds:complaint_close": Timed("supervisor", of="complaint"),
    "refunds:callback_list": Timed("staff"),
    "refunds:complaint_list": Timed("supervisor"),
    "refunds:escalation_list": Timed("supervisor"),
    "refunds:escalation_badge": Timed("supervisor"),
    "refunds:inquiry_escalate": NotTimed(POST),
    "refunds:inquiry_take_over": NotTimed(POST),
    "refunds:guidance": Timed("staff"),
    "refunds:guidance_create": Timed("admin"),
    "refunds:guidance_edit": Timed("admin", of="guidance"),
    "refunds:claim_list": Timed("staff"),
    "refunds:claim_create": Timed("supervisor", of="unclaimed_case"),
    "refunds:bank_lookup": Timed("staff", query="bank_code=0005&branch_code=001"),
    "refunds:payee_change": Timed("supervisor", of="claim"),
    "refunds:investigation_list": Timed("staff"),
    "refunds:investigation_create": Timed("staff"),
    "refunds:investigation_settle": Timed("supervisor", of="investigation"),
    "refunds:letters": Timed("staff"),
    "refunds:letter_run_file": File("staff", of="letter_run"),
    "refunds:case_letter": File("supervisor", of="case"),
    "refunds:letter_template": Timed("admin", of="letter_kind"),
    # -- cases, review and QA
    "refunds:case_list": NotTimed(VARIANTS),
    "refunds:case_detail": NotTimed(VARIANTS),
    "refunds:case_evidence": Timed("supervisor", of="case"),
    "refunds:case_prepare": Timed("staff", of="claimed_case"),
    "refunds:case_approve": Timed("supervisor", of="prepared_case"),
    "refunds:case_reject": Timed("supervisor", of="prepared_case"),
    "refunds:case_hold": Timed("supervisor", of="case"),
    "refunds:case_release": Timed("supervisor", of="held_case"),
    "refunds:case_reopen": Timed("supervisor", of="rejected_case"),
    "refunds:case_amount": Timed("supervisor", of="case"),
    "refunds:review_queue": Timed("supervisor"),
    "refunds:bulk_approve": Timed("supervisor"),
    "refunds:qa_queue": Timed("supervisor"),
    "refunds:qa_record": Timed("supervisor", of="qa_case"),
    # -- data, programs, detection and imports
    "refunds:contract_list": Timed("staff"),
    "refunds:tariff_list": Timed("staff"),
    "refunds:program_list": Timed("staff"),
    "refunds:program_create": Timed("admin"),
    "refunds:program_update": Timed("admin", of="program"),
    "refunds:program_portal": Timed("supervisor", of="program"),
    "refunds:claim_code_unlock": Timed("staff", of="case"),
    # -- the member portal (no staff login)
    "portal:start": Timed("anonymous"),
    "portal:request": Timed("anonymous"),
    "portal:request_sent": Timed("anonymous"),
    "portal:case": NotTimed(
        "needs a member's sign-in with a letter's code: timed by bench-load's portal claims"
    ),
    "portal:done": NotTimed(
        "needs a member's sign-in with a letter's code: timed by bench-load's portal claims"
    ),
    "portal:signout": NotTimed(POST),
    "refunds:detection": Timed("admin"),
    "refunds:scope_test": Timed("admin"),
    "refunds:detection_detail": Timed("supervisor", of="detection_run"),
    "refunds:import_list": Timed("supervisor"),
    "refunds:import_create": Timed("admin"),
    "refunds:import_detail": Timed("supervisor", of="import_batch"),
    "refunds:import_progress": Timed("supervisor", of="import_batch"),
    "refunds:import_errors_csv": File("supervisor", of="import_batch"),
    # -- payments
    "refunds:batch_list": Timed("supervisor"),
    "refunds:batch_create": Timed("supervisor"),
    "refunds:batch_detail": Timed("supervisor", of="payment_batch"),
    "refunds:batch_export": NotTimed(POST),
    "refunds:batch_discard": NotTimed(POST),
    "refunds:batch_exclude": NotTimed(POST),
    "refunds:batch_reconcile": NotTimed(POST),
    "refunds:batch_file": File("supervisor", of="payment_batch"),
    # -- reports, exports and the audit log
    "refunds:dashboard": NotTimed(VARIANTS),
    "refunds:report_list": Timed("supervisor"),
    "refunds:report_generate": NotTimed(POST),
    "refunds:report_detail": Timed("supervisor", of="report"),
    "refunds:report_download": File("supervisor", of="report_csv"),
    "refunds:export_detail": Timed("supervisor", of="export_job"),
    "refunds:export_file": File("supervisor", of="export_job"),
    "refunds:audit_list": Timed("supervisor"),
    "refunds:reveal_list": Timed("admin"),
    "refunds:portal_attempt_list": Timed("supervisor"),
}
