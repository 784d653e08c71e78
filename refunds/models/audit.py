from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from refunds.localtime import stamp


class AuditAction(models.TextChoices):
    """Every name an audit event may carry: ``<what>.<what happened>``, in the past tense.

    Events of a case entering a state by a step with no name of its own carry the state's name
    (``case.notified``, ``case.paid``). Services write these members, never a bare string.
    """

    # A case's life
    CASE_CREATED = "case.created", _("Case opened")
    CASE_UPDATED = "case.updated", _("Case recomputed by detection")
    CASE_FLAGGED = "case.flagged", _("Case flagged by detection")
    CASE_REOPENED = "case.reopened", _("Case reopened")
    CASE_NO_LONGER_AFFECTED = "case.no_longer_affected", _("Case no longer affected")
    CASE_NOTIFIED = "case.notified", _("Member notified")
    CASE_CLAIM_RECEIVED = "case.claim_received", _("Claim received")
    CASE_PAYEE_CHANGED = "case.payee_changed", _("Payee changed")
    CASE_PREPARED = "case.prepared", _("Case prepared")
    CASE_APPROVED = "case.approved", _("Case approved")
    CASE_SECOND_APPROVED = "case.second_approved", _("Second approval given")
    CASE_REJECTED = "case.rejected", _("Case rejected")
    CASE_HELD = "case.held", _("Case put on hold")
    CASE_RELEASED = "case.released", _("Case released from hold")
    CASE_AMOUNT_CHANGED = "case.amount_changed", _("Amount changed")
    CASE_INVESTIGATION_OPENED = "case.investigation_opened", _("Investigation opened")
    CASE_INVESTIGATION_SETTLED = "case.investigation_settled", _("Investigation settled")
    CASE_QA_DRAWN = "case.qa_drawn", _("Drawn for quality check")
    CASE_QA_PASSED = "case.qa_passed", _("Quality check passed")
    CASE_QA_FAILED = "case.qa_failed", _("Quality check failed")
    CASE_QA_RETURNED = "case.qa_returned", _("Returned after a failed quality check")
    CASE_IN_PAYMENT = "case.in_payment", _("Sent for payment")
    CASE_PAID = "case.paid", _("Paid")
    CASE_PAYMENT_FAILED = "case.payment_failed", _("Payment failed")
    # Calls, claims and members
    INQUIRY_STARTED = "inquiry.started", _("Call started")
    GUIDANCE_CHANGED = "guidance.changed", _("Talk script or FAQ changed")
    INQUIRY_IDENTITY_CHECKED = "inquiry.identity_checked", _("Identity checked again")
    INQUIRY_ESCALATED = "inquiry.escalated", _("Call passed to a supervisor")
    INQUIRY_TAKEN_OVER = "inquiry.taken_over", _("Call taken over by a supervisor")
    INQUIRY_LOGGED = "inquiry.logged", _("Inquiry logged")
    INQUIRY_CLOSED = "inquiry.closed", _("Call ended")
    INQUIRY_FOLLOWED_UP = "inquiry.followed_up", _("Follow-up done")
    COMPLAINT_CLOSED = "complaint.closed", _("Complaint closed")
    CLAIM_RECORDED = "claim.recorded", _("Claim recorded")
    CLAIM_PAYEE_CHANGED = "claim.payee_changed", _("Claim's payee changed")
    CLAIM_CODE_LOCKED = "claim_code.locked", _("Claim code locked after wrong tries")
    CLAIM_CODE_UNLOCKED = "claim_code.unlocked", _("Claim code unlocked")
    MEMBER_REVEALED = "member.revealed", _("Personal data revealed")
    PERSONAL_DATA_EXPORTED = "personal_data.exported", _("Personal data exported")
    MEMBER_CONTACT_CHANGED = "member.contact_changed", _("Contact details changed")
    MEMBER_MAIL_RETURNED = "member.mail_returned", _("Letter returned")
    # Payments
    BATCH_CREATED = "batch.created", _("Payment batch built")
    BATCH_DISCARDED = "batch.discarded", _("Payment batch discarded")
    BATCH_CASES_EXCLUDED = "batch.cases_excluded", _("Cases taken out of a payment batch")
    BATCH_EXPORTED = "batch.exported", _("Payment file exported")
    BATCH_RECONCILED = "batch.reconciled", _("Bank result applied")
    # Programs, data, reports, letters and accounts
    PROGRAM_CREATED = "program.created", _("Program created")
    PROGRAM_UPDATED = "program.updated", _("Program changed")
    PROGRAM_VERSIONED = "program.versioned", _("Program's rule versioned")
    PROGRAM_PORTAL_CHANGED = "program.portal_changed", _("Member portal opened or closed")
    IMPORT_FINISHED = "import.finished", _("Import finished")
    JOB_TIMED_OUT = "job.timed_out", _("Background job failed: no worker took it")
    REPORT_GENERATED = "report.generated", _("Progress report generated")
    LETTER_TEMPLATE_CHANGED = "letter_template.changed", _("Letter text changed")
    LETTER_RUN_PRINTED = "letter_run.printed", _("Letter run printed")
    USER_LOGGED_OUT_EVERYWHERE = "user.logged_out_everywhere", _("Signed out everywhere")
    USER_SECOND_FACTOR_SET_UP = "user.second_factor_set_up", _("Authenticator set up")
    USER_SECOND_FACTOR_FAILED = "user.second_factor_failed", _("Wrong sign-in code")
    USER_RECOVERY_CODE_USED = "user.recovery_code_used", _("Recovery code used")
    USER_SECOND_FACTOR_RESET = "user.second_factor_reset", _("Second factor reset by an admin")
    # Refusals: who tried what, on which object, and why it was refused
    ATTEMPT_REFUSED = "attempt.refused", _("Attempt refused")


class AuditEvent(models.Model):
    """An append-only record of a change: who, when, what, from what to what, and why."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=64, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{stamp(self.created_at)} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("audit events are append-only")


class AuditSeal(models.Model):
    """One link of the audit log's hash chain: an event sealed after it was written.

    ``digest`` is the SHA-256 of the previous link's digest and of the event's content
    (``refunds.services.audit.event_content``); links are numbered in the order they were made
    (``seq``), so an event that commits late is sealed after the ones before it. A changed,
    removed or inserted event breaks the chain at that link (``manage.py audit_verify``). The
    table is append-only like the events.
    """

    seq = models.BigIntegerField(_("link"), primary_key=True)
    event = models.OneToOneField(
        AuditEvent, on_delete=models.PROTECT, related_name="seal", verbose_name=_("event")
    )
    digest = models.CharField(_("SHA-256"), max_length=64)
    sealed_at = models.DateTimeField(_("sealed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.seq} {self.digest[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("audit seals are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("audit seals are append-only")
