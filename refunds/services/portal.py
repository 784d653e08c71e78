"""The member portal's writes: codes for letters, sign-in by code and birth date, the claim,
the request of a former member without a letter, and the staff's controls over them.

Every attempt on the portal, success or not, is one ``PortalAttempt`` row. The portal's claim
goes through ``claim_record`` (the call center's service) with the channel ``web`` and the
portal's own account as the one who took it; the code and birth date stand for the identity
check a call makes.
"""

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import ALL_ROLES
from refunds import claimcodes
from refunds.hours import OpeningHours
from refunds.models import (
    Case,
    Channel,
    Claim,
    ClaimCode,
    Direction,
    Inquiry,
    InquiryReason,
    Member,
    PortalAttempt,
    PortalAttemptKind,
    PortalOutcome,
    PortalRequest,
    RemediationProgram,
)
from refunds.models.audit import AuditAction
from refunds.payee import BankDetails
from refunds.policies import (
    is_supervisor,
    portal_payouts,
    require_supervisor,
    verified_inquiry,
)
from refunds.search.query import search
from refunds.services.audit import audit_record
from refunds.services.callcenter import claim_record

CANDIDATES_LIMIT = 10


def portal_actor() -> User:
    """The account the portal's claims and requests are recorded by: it has no password and
    is not active, so nobody can sign in with it."""
    user, created = User.objects.get_or_create(
        username=settings.PORTAL_ACTOR_USERNAME,
        defaults={"display_name": "会員ページ", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# -- codes on letters -----------------------------------------------------------------------


def _expiry(program: RemediationProgram, now: datetime.datetime) -> datetime.datetime:
    if program.claim_deadline is not None:
        end = datetime.datetime.combine(
            program.claim_deadline + datetime.timedelta(days=1), datetime.time.min
        )
        return timezone.make_aware(end, timezone.get_current_timezone())
    return now + datetime.timedelta(days=settings.PORTAL_CODE_DEFAULT_DAYS)


@dataclass(frozen=True)
class IssuedCode:
    """A code as its letter prints it, and until when it opens the portal."""

    code: str
    expires_at: datetime.datetime


def claim_codes_issue(
    *, cases: Sequence[Case], letter_kind: str, now: datetime.datetime
) -> dict[int, IssuedCode]:
    """A new code for each case's letter (the caller's transaction and case locks): the
    cases' earlier codes are replaced. Returns the codes to print, by case id; a case whose
    program's claim deadline has passed gets none."""
    ids = [case.pk for case in cases]
    ClaimCode.objects.filter(case_id__in=ids, replaced_at__isnull=True).update(replaced_at=now)
    codes: dict[int, IssuedCode] = {}
    rows = []
    for case in cases:
        expires = _expiry(case.program, now)
        if expires <= now:
            continue
        code = claimcodes.new_code()
        codes[case.pk] = IssuedCode(code, expires)
        rows.append(
            ClaimCode(
                case_id=case.pk,
                digest=claimcodes.digest(code),
                hint=claimcodes.fold(code)[-4:],
                letter_kind=letter_kind,
                issued_at=now,
                expires_at=expires,
            )
        )
    ClaimCode.objects.bulk_create(rows, batch_size=1000)
    return codes


# -- attempts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """Who is on the other end of a portal request, as far as the log keeps it."""

    ip: str | None
    user_agent: str = ""


def portal_attempt_log(
    *, kind: str, outcome: str, client: Client, code: ClaimCode | None = None
) -> PortalAttempt:
    return PortalAttempt.objects.create(
        kind=kind,
        outcome=outcome,
        ip=client.ip,
        code=code,
        user_agent=client.user_agent[:200],
    )


@dataclass(frozen=True)
class SignIn:
    outcome: str
    code: ClaimCode | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == PortalOutcome.SIGNED_IN

    @property
    def failed(self) -> bool:
        """A wrong guess (what the address and portal limits count)."""
        return self.outcome == PortalOutcome.WRONG


@transaction.atomic
def portal_sign_in(*, code: str, birth_date: datetime.date, client: Client) -> SignIn:
    """Check a letter's code and the member's birth date. A wrong code and a wrong birth date
    are one outcome; wrong birth dates on a real code count towards its lock."""
    now = timezone.now()
    folded = claimcodes.fold(code)
    found = None
    if claimcodes.well_formed(folded):
        found = (
            ClaimCode.objects.select_for_update()
            .filter(digest__in=claimcodes.digests(folded))
            .first()
        )

    def result(outcome: str, code_row: ClaimCode | None = found) -> SignIn:
        portal_attempt_log(
            kind=PortalAttemptKind.SIGN_IN, outcome=outcome, client=client, code=code_row
        )
        return SignIn(outcome, code_row)

    if found is None:
        return result(PortalOutcome.WRONG, None)
    if found.locked_at is not None:
        return result(PortalOutcome.CODE_LOCKED)
    case = Case.objects.select_related("member", "program").get(pk=found.case_id)
    member = case.member
    if member is None or member.birth_date is None or member.birth_date != birth_date:
        found.failed_attempts += 1
        fields = ["failed_attempts"]
        if found.failed_attempts >= settings.PORTAL_CODE_FAILURE_LIMIT:
            found.locked_at = now
            fields.append("locked_at")
            audit_record(
                actor=None,
                action=AuditAction.CLAIM_CODE_LOCKED,
                obj=case,
                changes={"code": f"…{found.hint}", "wrong": found.failed_attempts},
            )
        found.save(update_fields=fields)
        return result(PortalOutcome.WRONG)
    if not found.is_current(now):
        return result(PortalOutcome.EXPIRED)
    if case.program.portal_closed:
        return result(PortalOutcome.CLOSED)
    if found.failed_attempts:
        found.failed_attempts = 0
        found.save(update_fields=["failed_attempts"])
    return result(PortalOutcome.SIGNED_IN)


def portal_code_usable(code_id: int) -> ClaimCode | None:
    """The code a portal session holds, if it still opens the portal (not locked, replaced,
    expired, nor its program closed)."""
    code = ClaimCode.objects.select_related("case__program").filter(pk=code_id).first()
    if code is None or not code.opens_portal():
        return None
    if code.case.program.portal_closed:
        return None
    return code


@transaction.atomic
def portal_claim(
    *,
    code_id: int,
    method: str,
    bank: BankDetails | None,
    payee_reason: str,
    submission_key: uuid.UUID,
    client: Client,
) -> tuple[str, Claim | None]:
    """The member's claim from the portal: ``(outcome, claim)``. A case already claimed
    keeps its claim (``ALREADY_CLAIMED``, nothing changes); the same form sent twice finds
    its first claim."""
    code = ClaimCode.objects.select_for_update().filter(pk=code_id).first()
    if code is None or not code.opens_portal():
        if code is not None:
            portal_attempt_log(
                kind=PortalAttemptKind.CLAIM,
                outcome=PortalOutcome.EXPIRED,
                client=client,
                code=code,
            )
        raise PermissionDenied(_("This code no longer opens the claim page."))
    case = Case.objects.select_related("member", "program").get(pk=code.case_id)
    existing = Claim.objects.filter(case=case).first()
    if existing is not None and existing.submission_key != submission_key:
        portal_attempt_log(
            kind=PortalAttemptKind.CLAIM,
            outcome=PortalOutcome.ALREADY_CLAIMED,
            client=client,
            code=code,
        )
        return PortalOutcome.ALREADY_CLAIMED, existing
    if method not in portal_payouts(case):
        raise ValidationError({"method": _("Choose one of the payouts offered.")})
    claim, _created = claim_record(
        case=case,
        user=portal_actor(),
        method=method,
        bank=bank,
        channel=Channel.WEB,
        submission_key=submission_key,
        payee_reason=payee_reason,
        code=code,
    )
    portal_attempt_log(
        kind=PortalAttemptKind.CLAIM, outcome=PortalOutcome.CLAIMED, client=client, code=code
    )
    return PortalOutcome.CLAIMED, claim


# -- requests without a letter --------------------------------------------------------------


@dataclass(frozen=True)
class RequestDetails:
    name: str
    name_kana: str
    birth_date: datetime.date
    phone: str
    postal_code: str
    address: str
    usage: str
    member_no: str = ""
    contract_no: str = ""


def request_candidates(details: RequestDetails) -> list[Member]:
    """The members the operators' search finds for what the person typed: by a number they
    gave, their phone, their reading; those born on the day they gave come first."""
    found: dict[int, Member] = {}
    for text in (details.member_no, details.contract_no, details.phone, details.name_kana):
        if not text.strip():
            continue
        for hit in search(text, limit=CANDIDATES_LIMIT).hits:
            found.setdefault(hit.member.pk, hit.member)
    ranked = sorted(found.values(), key=lambda m: (m.birth_date != details.birth_date, m.member_no))
    return ranked[:CANDIDATES_LIMIT]


@transaction.atomic
def portal_request_file(*, details: RequestDetails, client: Client) -> PortalRequest:
    """A former member without a letter asks for their refund: an inquiry for the call center
    (channel ``web``, a callback due in the line's hours) with the details and the members
    the search finds for them. The person is told the same whatever is found."""
    actor = portal_actor()
    now = timezone.now()
    hours = OpeningHours.for_program(RemediationProgram.objects.filter(is_active=True).first())
    inquiry = Inquiry.objects.create(
        channel=Channel.WEB,
        direction=Direction.INBOUND,
        started_at=now,
        reason=InquiryReason.AFFECTED,
        note=_("Request from the member portal (no letter)."),
        caller_name=details.name,
        caller_phone=details.phone,
        follow_up_needed=True,
        callback_due_at=hours.callback_due(now),
        created_by=actor,
    )
    request = PortalRequest.objects.create(
        inquiry=inquiry,
        name=details.name,
        name_kana=details.name_kana,
        birth_date=details.birth_date,
        phone=details.phone,
        postal_code=details.postal_code,
        address=details.address,
        stated_member_no=details.member_no,
        stated_contract_no=details.contract_no,
        usage=details.usage,
    )
    candidates = request_candidates(details)
    request.candidates.set(candidates)
    audit_record(
        actor=actor,
        action=AuditAction.INQUIRY_LOGGED,
        obj=inquiry,
        changes={
            "channel": Channel.WEB,
            "portal_request": request.pk,
            "candidates": [m.member_no for m in candidates],
        },
    )
    portal_attempt_log(
        kind=PortalAttemptKind.REQUEST, outcome=PortalOutcome.REQUEST_FILED, client=client
    )
    return request


# -- the staff's side -----------------------------------------------------------------------


@transaction.atomic
def claim_code_unlock(*, case: Case, user: User, reason: str = "") -> list[ClaimCode]:
    """Lift the lock of the case's codes (the member called and the caller was checked, or a
    supervisor decided): their wrong tries start again."""
    if not user.has_role(*ALL_ROLES):
        raise PermissionDenied
    if not is_supervisor(user) and verified_inquiry(user=user, member=case.member) is None:
        raise PermissionDenied(_("Confirm the caller's identity before unlocking the code."))
    locked = list(
        ClaimCode.objects.select_for_update()
        .filter(case=case, locked_at__isnull=False)
        .order_by("pk")
    )
    if not locked:
        raise ValidationError(_("No code of this case is locked."))
    for code in locked:
        assert code.locked_at is not None
        audit_record(
            actor=user,
            action=AuditAction.CLAIM_CODE_UNLOCKED,
            obj=case,
            changes={"code": f"…{code.hint}", "locked_at": code.locked_at.isoformat()},
            reason=reason.strip(),
        )
        code.locked_at, code.failed_attempts = None, 0
        code.save(update_fields=["locked_at", "failed_attempts"])
    return locked


@transaction.atomic
def program_portal_set(
    *, program: RemediationProgram, user: User, closed: bool, message: str
) -> RemediationProgram:
    """Open or close the portal for a program's members (a supervisor's switch, no deploy);
    while it is closed members read ``message``."""
    require_supervisor(user)
    message = message.strip()
    if closed and not message:
        raise ValidationError({"portal_message": _("Say what members read while it is closed.")})
    program = RemediationProgram.objects.select_for_update().get(pk=program.pk)
    before = {"portal_closed": program.portal_closed, "portal_message": program.portal_message}
    program.portal_closed, program.portal_message = closed, message
    after = {"portal_closed": closed, "portal_message": message}
    if before == after:
        return program
    program.save(update_fields=["portal_closed", "portal_message"])
    audit_record(
        actor=user,
        action=AuditAction.PROGRAM_PORTAL_CHANGED,
        obj=program,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return program
