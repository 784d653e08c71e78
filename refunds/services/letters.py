"""Letters: the notice of apology and refund, reminders, and the contact attempt each records.

Letters are printed in Japanese whatever the operator's language: the texts are the admin's
``LetterTemplate`` rows (Django template syntax over plain strings), laid out by
``templates/letters/letter.html`` and turned into one PDF by WeasyPrint with a Japanese font
from Debian's packages (Noto Sans CJK JP, else IPAexGothic).
"""

import datetime
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import ALL_ROLES
from refunds import checks, claimcodes
from refunds.hours import OpeningHours
from refunds.localtime import japanese_date, japanese_month, local_date
from refunds.models import (
    Case,
    CaseStatus,
    Claim,
    ContactAttempt,
    ContactKind,
    LetterKind,
    LetterRun,
    LetterTemplate,
    Member,
    PayoutMethod,
    ReturnedMail,
    ReturnReason,
)
from refunds.models.audit import AuditAction
from refunds.policies import notices_due, reminders_due
from refunds.services.audit import audit_record
from refunds.services.portal import IssuedCode, claim_codes_issue
from refunds.services.transitions import CaseRow, cases_move, lock_cases

S = CaseStatus


def _payout_text(case: Case, claim: Claim | None) -> tuple[str, str]:
    """How the refund comes, and what the member has to do (in Japanese, for the letter).

    The text follows the case: a paid refund is told as paid, one on its way as on its way."""
    by_transfer = claim is not None and claim.method == PayoutMethod.BANK_TRANSFER
    if case.status == S.PAID and case.paid_at is not None:
        how = "ご指定の口座へのお振り込み" if by_transfer else "ご利用料金からの差し引き"
        return (
            f"ご返金は{japanese_date(local_date(case.paid_at))}に{how}にて完了しております。",
            "お手続きは不要です。",
        )
    if case.status == S.IN_PAYMENT:
        return (
            "ご返金のお手続きは完了しており、近日中にお支払いいたします。",
            "お手続きは不要です。",
        )
    if by_transfer and claim is not None:
        return (
            f"ご指定の口座（{claim.bank_name} {claim.branch_name}）へお振り込みいたします。",
            "お手続きは不要です。",
        )
    if claim is not None or (case.category == 1 and case.member and case.member.is_active):
        return (
            "今後のご利用料金のご請求から差し引いてご返金いたします。",
            "お手続きは不要です。口座へのお振り込みをご希望の場合は、下記フリーダイヤルまで"
            "ご連絡ください。",
        )
    where = "お振込先（金融機関名・支店名・預金種目・口座番号・口座名義（カナ））を、"
    if needs_claim_form(case, claim):  # the claim form follows the letter
        where += "同封の返金請求書にご記入のうえご返送いただくか、"
    return (
        "ご指定の銀行口座へお振り込みいたします。",
        where + "下記フリーダイヤルにてお知らせください。",
    )


def needs_claim_form(case: Case, claim: Claim | None) -> bool:
    """The member must still tell us where to pay: the letter encloses a claim form."""
    if claim is not None or case.status not in (S.DETECTED, S.NOTIFIED, S.AWAITING_CLAIM):
        return False
    return not (case.category == 1 and case.member is not None and case.member.is_active)


def sender() -> dict[str, str]:
    """The letters' sender block, and the claim form's return address (from settings)."""
    if settings.LETTER_SENDER_REQUIRED and checks.letter_sender_missing():
        raise ValidationError(
            _("Letters cannot be printed before the sender is set: %(names)s.")
            % {"names": ", ".join(checks.letter_sender_missing())}
        )
    return {
        "company": settings.LETTER_SENDER_COMPANY,
        "department": settings.LETTER_SENDER_DEPARTMENT,
        "postal_code": settings.LETTER_SENDER_POSTAL_CODE,
        "address": settings.LETTER_SENDER_ADDRESS,
    }


def letter_context(case: Case, claim: Claim | None) -> dict[str, str]:
    member = case.member
    months = case.billed_months()
    payout, how_to_claim = _payout_text(case, claim)
    program = case.program
    return {
        "member_name": member.name if member else "",
        "contract_no": case.contract.contract_no if case.contract else "",
        "months": "、".join(japanese_month(m) for m in months) or "—",
        "amount": f"{case.amount_yen or 0:,}円",
        "payout": payout,
        "how_to_claim": how_to_claim,
        "free_dial_number": program.line_number(),
        "free_dial_hours": str(OpeningHours.for_program(program)),
        "case_no": case.case_no,
        "program_name": program.name,
    }


def _paragraphs(text: str) -> list[list[str]]:
    return [
        block.splitlines() for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()
    ]


def _portal_block(issued: IssuedCode | None) -> dict[str, str] | None:
    """What a letter prints for the member portal: the code, until when, the address and a QR
    code of the address with the code (segno, as an SVG the PDF keeps sharp)."""
    if issued is None:
        return None
    import segno  # loaded when a letter is made

    url = claimcodes.portal_url(issued.code)
    until = local_date(issued.expires_at - datetime.timedelta(seconds=1))
    return {
        "code": issued.code,
        "until": japanese_date(until),
        "url": claimcodes.portal_url(),
        "qr": segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2),
    }


def render_letters_html(
    cases: Sequence[Case], kind: str, codes: Mapping[int, IssuedCode] | None = None
) -> str:
    """The letters of ``kind`` for these cases as one HTML document (a page each, and the
    claim form after each letter whose member must still give bank details). ``codes``: the
    claim codes issued for this printing; without them (a preview, a reprint to read) the
    letter says where its code will be."""
    from_ = sender()
    template = LetterTemplate.objects.get(kind=kind)
    body = Template(template.body)
    claims = {c.case_id: c for c in Claim.objects.filter(case__in=cases)}
    today = timezone.localdate()
    letters = []
    for case in cases:
        claim = claims.get(case.pk)
        context = letter_context(case, claim)
        letters.append(
            {
                "case": case,
                "member": case.member,
                "subject": template.subject,
                # Plain text: letter.html escapes it, once.
                "paragraphs": _paragraphs(body.render(Context(context, autoescape=False))),
                "date": japanese_date(today),
                "claim_form": needs_claim_form(case, claim),
                "context": context,
                "portal": _portal_block(codes.get(case.pk)) if codes is not None else None,
                "preview": codes is None,
            }
        )
    return render_to_string("letters/letter.html", {"letters": letters, "sender": from_})


def letters_pdf(
    cases: Sequence[Case], kind: str, codes: Mapping[int, IssuedCode] | None = None
) -> bytes:
    from weasyprint import HTML  # heavy: loaded when a letter is made

    html = render_letters_html(cases, kind, codes)
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return pdf


def _cases_for(ids: Sequence[int]) -> list[Case]:
    return list(
        Case.objects.filter(pk__in=ids)
        .select_related("member", "contract", "program")
        .prefetch_related("evidence")
        .order_by("pk")
    )


@dataclass(frozen=True)
class Selection:
    """Which due letters a run prints: their kind, program and category, at most ``limit``."""

    kind: str
    program_code: str = ""
    category: int | None = None
    limit: int = 0  # 0: LETTER_RUN_LIMIT

    def due(self) -> QuerySet[Case]:
        cases = notices_due() if self.kind == LetterKind.NOTICE else reminders_due()
        if self.program_code:
            cases = cases.filter(program_code=self.program_code)
        if self.category is not None:
            cases = cases.filter(category=self.category)
        return cases

    def case_ids(self) -> list[int]:
        limit = min(self.limit or settings.LETTER_RUN_LIMIT, settings.LETTER_RUN_LIMIT)
        return list(self.due().order_by("pk").values_list("pk", flat=True)[:limit])


def selection_key(case_ids: Sequence[int]) -> str:
    """A short fingerprint of a run's cases: the preview's list is the one printed, or none."""
    return hashlib.sha256(",".join(map(str, sorted(case_ids))).encode()).hexdigest()[:16]


def letters_preview(case_ids: Sequence[int], kind: str, pages: int = 3) -> bytes:
    """The first letters of a run as a PDF, to read before printing (nothing is recorded)."""
    return letters_pdf(_cases_for(sorted(case_ids)[:pages]), kind)


@transaction.atomic
def letters_send(
    *,
    case_ids: Sequence[int],
    user: User,
    kind: str,
    printout: Callable[[Sequence[Case], str, Mapping[int, IssuedCode]], bytes] = letters_pdf,
    selection: Selection | None = None,
) -> LetterRun:
    """Print the letters of ``kind`` for these cases (one PDF, or what ``printout`` makes of
    them), keep the printout as a ``LetterRun`` (to print again without recording again) and
    record each letter as a contact attempt; a notice moves a detected case to ``notified``."""
    if not user.has_role(*ALL_ROLES):
        raise PermissionDenied
    if kind not in LetterKind.values:
        raise ValidationError(_("Unknown letter."))
    ids = sorted(set(case_ids))[: settings.LETTER_RUN_LIMIT]
    lock_cases(ids)
    cases = _cases_for(ids)
    if kind == LetterKind.NOTICE:
        cases = [c for c in cases if c.status in (S.DETECTED, S.NOTIFIED, S.AWAITING_CLAIM)]
    else:
        due = set(reminders_due().filter(pk__in=ids).values_list("pk", flat=True))
        cases = [c for c in cases if c.pk in due]
    if not cases:
        raise ValidationError(_("No case in the selection is due for this letter."))
    now = timezone.now()
    # Each letter carries a new claim code for the member portal (the old one is replaced).
    codes = claim_codes_issue(cases=cases, letter_kind=kind, now=now)
    pdf = printout(cases, kind, codes)
    contact = ContactKind.LETTER if kind == LetterKind.NOTICE else ContactKind.REMINDER
    ContactAttempt.objects.bulk_create(
        [
            ContactAttempt(case=c, member=c.member, kind=contact, sent_at=now, sent_by=user)
            for c in cases
        ]
    )
    cases_move(
        cases=[CaseRow(c.pk, c.case_no, c.status) for c in cases if c.status == S.DETECTED],
        to=S.NOTIFIED,
        actor=user,
        action=AuditAction.CASE_NOTIFIED,
        changes={"letter": kind},
    )
    digest = hashlib.sha256(pdf).hexdigest()
    run = LetterRun(
        kind=kind,
        program_code=selection.program_code if selection else "",
        category=selection.category if selection else None,
        count=len(cases),
        case_ids=[c.pk for c in cases],
        sha256=digest,
        created_by=user,
    )
    suffix = "pdf" if pdf.startswith(b"%PDF") else "html"
    run.file.save(f"{kind}-{now:%Y%m%d-%H%M%S}-{digest[:8]}.{suffix}", ContentFile(pdf), save=False)
    run.save()
    audit_record(
        actor=user,
        action=AuditAction.LETTER_RUN_PRINTED,
        obj=run,
        changes={"kind": kind, "count": run.count, "sha256": digest},
    )
    return run


@transaction.atomic
def mail_returned_record(
    *, member: Member, user: User, reason: str, case: Case | None = None, note: str = ""
) -> ReturnedMail:
    """A letter came back: the member is unreachable by letter at this address until it changes
    (left out of letter runs, listed for address tracing, counted by the progress report)."""
    if not user.has_role(*ALL_ROLES):
        raise PermissionDenied
    if reason not in ReturnReason.values:
        raise ValidationError({"reason": _("Say why the letter came back.")})
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not member.address.strip():
        raise ValidationError(_("The member has no address a letter could have gone to."))
    returned = ReturnedMail.objects.create(
        member=member,
        case=case,
        reason=reason,
        address=member.address,
        note=note.strip()[:300],
        recorded_by=user,
    )
    audit_record(
        actor=user,
        action=AuditAction.MEMBER_MAIL_RETURNED,
        obj=member,
        changes={"reason": reason, "case": case.case_no if case else None},
        reason=note.strip(),
    )
    return returned
