"""What the call center records: inquiries, claims with their payout, investigations, reveals."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

from refunds import privacy
from refunds.links import object_url
from refunds.localtime import stamp
from refunds.payee import AccountType
from refunds.text import TEXT_LIMIT

from .cases import Case
from .contracts import Contract
from .members import Member
from .programs import IDENTITY_ITEMS


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")
    WEB = "web", _("Web (member portal)")


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class InquiryReason(models.TextChoices):
    AFFECTED = "affected", _("Am I affected?")
    AMOUNT = "amount", _("How much?")
    WHEN_PAID = "when_paid", _("When is it paid?")
    CHANGE_PAYEE = "change_payee", _("Change payee")
    COMPLAINT = "complaint", _("Complaint")
    OTHER = "other", _("Other")


class InquiryOutcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    CLAIM_TAKEN = "claim_taken", _("Claim taken")
    CALLBACK_PROMISED = "callback", _("Callback promised")
    MESSAGE_TAKEN = "message", _("Message taken")
    ESCALATED = "escalated", _("Passed to a supervisor")
    NO_ANSWER = "no_answer", _("No answer")


class CallerRelation(models.TextChoices):
    """Who is calling about the member's refund (what may be said and done: policies)."""

    SELF = "self", _("the member")
    FAMILY = "family", _("family")
    AGENT = "agent", _("representative")
    HEIR = "heir", _("heir")
    OTHER = "other", _("someone else")


IDENTITY_LABELS = {
    "verified_name": _("name"),
    "verified_birth_date": _("birth date"),
    "verified_address": _("address"),
    "verified_phone": _("phone"),
}


class Inquiry(models.Model):
    """One contact with a caller (or an attempt to reach one), from its start to its outcome."""

    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # inquiry_member_started serves it
        related_name="inquiries",
        verbose_name=_("member"),
    )
    # The case the call was opened for (its program's hours and identity rule apply) ...
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("case"),
    )
    # ... and every case the call was about (the member's, chosen when it ends; with ``case``).
    cases = models.ManyToManyField(
        Case, blank=True, related_name="inquiries_about", verbose_name=_("about the cases")
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.PHONE
    )
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.INBOUND
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=16, choices=InquiryReason.choices, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=TEXT_LIMIT)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=InquiryOutcome.choices, blank=True
    )
    caller_name = models.CharField(_("caller's name"), max_length=200, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=40, blank=True)
    # Identity check: which items the caller confirmed, and whether that met the rule then.
    verified_name = models.BooleanField(_("name"), default=False)
    verified_birth_date = models.BooleanField(_("birth date"), default=False)
    verified_address = models.BooleanField(_("address"), default=False)
    verified_phone = models.BooleanField(_("phone"), default=False)
    identity_verified = models.BooleanField(_("identity confirmed"), default=False)
    # The items the caller answered that did not match (an identity check fails on any).
    identity_mismatched = models.JSONField(_("identity items not matched"), default=list)
    caller_relation = models.CharField(
        _("who is calling"), max_length=8, choices=CallerRelation.choices, blank=True
    )
    # The operator's last step in the call: the identity check lapses after a pause.
    active_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # "Transfer to a supervisor": the call waits for one, who takes it over.
    escalated_at = models.DateTimeField(_("passed to a supervisor at"), null=True, blank=True)
    escalation_note = models.CharField(_("why a supervisor"), max_length=500, blank=True)
    escalation_taken_at = models.DateTimeField(_("taken over at"), null=True, blank=True)
    # Follow-up: a callback has a due time; done closes the follow-up and the callback.
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    callback_due_at = models.DateTimeField(_("callback due"), null=True, blank=True)
    follow_up_done_at = models.DateTimeField(_("follow-up done at"), null=True, blank=True)
    follow_up_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("follow-up done by"),
    )
    # A complaint goes to the supervisors with a due date and gets its own outcome.
    complaint_due_at = models.DateTimeField(_("complaint due"), null=True, blank=True)
    complaint_outcome = models.TextField(_("complaint outcome"), blank=True, max_length=TEXT_LIMIT)
    complaint_closed_at = models.DateTimeField(_("complaint closed at"), null=True, blank=True)
    complaint_closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("complaint closed by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_index=False,  # inquiry_taker_started serves it
        related_name="inquiries",
        verbose_name=_("taken by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["member", "-started_at"], name="inquiry_member_started"),
            models.Index(fields=["created_by", "-started_at"], name="inquiry_taker_started"),
            models.Index(fields=["-started_at"], name="inquiry_started"),
            models.Index(
                fields=["callback_due_at"],
                name="inquiry_callback_open",
                condition=Q(callback_due_at__isnull=False, follow_up_done_at__isnull=True),
            ),
            models.Index(
                fields=["escalated_at"],
                name="inquiry_escalation_waiting",
                condition=Q(escalated_at__isnull=False, escalation_taken_at__isnull=True),
            ),
            models.Index(
                fields=["complaint_due_at"],
                name="inquiry_complaint_open",
                condition=Q(complaint_due_at__isnull=False, complaint_closed_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="inquiry_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="inquiry_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(reason="") | Q(reason__in=InquiryReason.values),
                name="inquiry_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=InquiryOutcome.values),
                name="inquiry_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="inquiry_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(callback_due_at__isnull=True) | Q(follow_up_needed=True),
                name="inquiry_callback_is_follow_up",
            ),
            models.CheckConstraint(
                condition=Q(complaint_closed_at__isnull=True) | Q(complaint_due_at__isnull=False),
                name="inquiry_complaint_closed_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return _("Inquiry %(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return object_url("refunds:inquiry_detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def confirmed_items(self) -> list[str]:
        return [str(IDENTITY_LABELS[name]) for name in IDENTITY_ITEMS if getattr(self, name)]

    @property
    def mismatched_items(self) -> list[str]:
        return [str(IDENTITY_LABELS[name]) for name in self.identity_mismatched]

    @property
    def complaint_open(self) -> bool:
        return self.complaint_due_at is not None and self.complaint_closed_at is None

    @property
    def escalation_waiting(self) -> bool:
        return self.escalated_at is not None and self.escalation_taken_at is None

    @property
    def callback_open(self) -> bool:
        return self.callback_due_at is not None and self.follow_up_done_at is None


class PayoutMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    BILL_CREDIT = "bill_credit", _("Bill credit")


class PayeeReason(models.TextChoices):
    """Why a transfer goes to an account not in the member's own name."""

    FAMILY_NAME = "family_name", _("an account in a family member's name")
    INHERITANCE = "inheritance", _("inheritance: the heir's account")
    OTHER = "other", _("another reason (in the note)")


ACCOUNT_DIGITS = RegexValidator(r"^[0-9]{7}$", _("An account number has 7 digits."))


class Claim(models.Model):
    """A member's request for the refund of one case, with how it is to be paid (the payee)."""

    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        db_index=False,  # claim_one_per_case serves it
        related_name="claims",
        verbose_name=_("case"),
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # claim_member_received serves it
        related_name="claims",
        verbose_name=_("member"),
    )
    inquiry = models.ForeignKey(
        Inquiry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("inquiry"),
    )
    channel = models.CharField(
        _("received by"), max_length=16, choices=Channel.choices, default=Channel.PHONE
    )
    received_at = models.DateTimeField(_("received at"))
    method = models.CharField(_("payout"), max_length=16, choices=PayoutMethod.choices)
    bank_code = models.CharField(_("bank code"), max_length=4, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    branch_code = models.CharField(_("branch code"), max_length=3, blank=True)
    branch_name = models.CharField(_("branch"), max_length=100, blank=True)
    account_type = models.CharField(
        _("account type"), max_length=1, choices=AccountType.choices, blank=True
    )
    # Encrypted at rest (Fernet, keys from FIELD_ENCRYPTION_KEYS): the database holds a token;
    # the digits are read in the payment file and on a logged reveal, masked everywhere else.
    # (An empty value is stored as NULL: the field writes no token for nothing.)
    account_number = EncryptedCharField(
        _("account number"), max_length=7, blank=True, null=True, validators=[ACCOUNT_DIGITS]
    )
    holder_name = models.CharField(_("account holder (kana)"), max_length=60, blank=True)
    # A bill credit goes on the member's next bill; a running contract may be named.
    credit_contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("credited contract"),
    )
    # Who claimed and on what grounds (CallerRelation and the policies' caller rules).
    caller_relation = models.CharField(
        _("claimed by"), max_length=8, choices=CallerRelation.choices, blank=True
    )
    documents_received = models.BooleanField(_("documents received"), default=False)
    payee_reason = models.CharField(
        _("why the account is in another name"),
        max_length=16,
        choices=PayeeReason.choices,
        blank=True,
    )
    # What the reviewer must look at before approving (bulk approval leaves such a case alone).
    review_flag = models.CharField(_("for the reviewer"), max_length=300, blank=True)
    # The form's one-time key: a second submission of the same form finds the first claim.
    submission_key = models.UUIDField(_("submission key"), default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("taken by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["member", "-received_at"], name="claim_member_received"),
            # The claims list, newest first, read in index order whatever case state it filters.
            models.Index(fields=["-received_at", "-id"], name="claim_received"),
        ]
        constraints = [
            # One claim per case: a changed payee updates it (audited), it is never doubled.
            models.UniqueConstraint(fields=["case"], name="claim_one_per_case"),
            models.UniqueConstraint(fields=["submission_key"], name="claim_submission_key"),
            models.CheckConstraint(
                condition=Q(method__in=PayoutMethod.values), name="claim_method_valid"
            ),
            models.CheckConstraint(
                condition=~Q(method=PayoutMethod.BANK_TRANSFER)
                | (
                    Q(account_type__in=AccountType.values)
                    & Q(bank_code__regex=r"^[0-9]{4}$")
                    & Q(branch_code__regex=r"^[0-9]{3}$")
                    & Q(account_number__isnull=False)
                    & ~Q(holder_name="")
                ),
                name="claim_bank_details_complete",
            ),
        ]

    def __str__(self) -> str:
        return _("Claim for %(case)s") % {"case": self.case}

    @property
    def masked_account(self) -> str:
        return privacy.mask_account(self.account_number)

    def payee_record(self) -> dict[str, str]:
        """The payee as an audit event records it: the account number masked (the log is
        kept for ever and read by supervisors; the number itself is encrypted at rest)."""
        return {**self.payee_values(), "account_number": self.masked_account}

    def payee_values(self) -> dict[str, str]:
        """The payee, every value (what a change compares)."""
        return {
            "method": self.method,
            "bank_code": self.bank_code,
            "branch_code": self.branch_code,
            "account_type": self.account_type,
            "account_number": self.account_number,
            "holder_name": self.holder_name,
            "credit_contract": self.credit_contract.contract_no if self.credit_contract else "",
        }


class Investigation(models.Model):
    """The caller's own account of a refund the data does not show; a supervisor settles it."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="investigation", verbose_name=_("case")
    )
    caller_name = models.CharField(_("caller's name"), max_length=200)
    caller_kana = models.CharField(_("caller's name (kana)"), max_length=200, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=40, blank=True)
    caller_postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    caller_address = models.CharField(_("address"), max_length=400, blank=True)
    stated_member_no = models.CharField(_("member number stated"), max_length=32, blank=True)
    stated_contract_no = models.CharField(_("contract number stated"), max_length=32, blank=True)
    story = models.TextField(_("what the caller says"), max_length=TEXT_LIMIT)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("settled by"),
    )
    settlement_reason = models.TextField(_("settlement reason"), blank=True, max_length=TEXT_LIMIT)

    class Meta:
        verbose_name = _("investigation")
        verbose_name_plural = _("investigations")
        indexes = [
            models.Index(
                fields=["case"],
                name="investigation_unsettled",
                condition=Q(settled_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return _("Investigation %(case)s") % {"case": self.case}


class ContactField(models.TextChoices):
    PHONE = "phone", _("phone")
    POSTAL_CODE = "postal_code", _("postal code")
    ADDRESS = "address", _("address")
    EMAIL = "email", _("email")


class MemberContactChange(models.Model):
    """A member's phone, postal code, address or email as a caller gave it: the member's row
    takes the new value (letters and search use it), this keeps what it was."""

    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="contact_changes",
        verbose_name=_("member"),
    )
    field = models.CharField(_("what"), max_length=16, choices=ContactField.choices)
    old_value = models.CharField(_("before"), max_length=400, blank=True)
    new_value = models.CharField(_("after"), max_length=400)
    inquiry = models.ForeignKey(
        Inquiry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inquiry"),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    changed_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact detail change")
        verbose_name_plural = _("contact detail changes")
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(field__in=ContactField.values), name="contact_change_field_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.field} {self.changed_at:%Y-%m-%d}"


class PersonalDataAccess(models.Model):
    """Who revealed whose masked personal data, and when (append-only)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        db_index=False,  # pda_member_when serves it
        related_name="+",
        verbose_name=_("whose"),
    )
    accessed_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    fields = models.JSONField(_("what"), default=list)
    reason = models.CharField(_("why"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-accessed_at", "-id"]
        indexes = [models.Index(fields=["member", "-accessed_at"], name="pda_member_when")]

    def __str__(self) -> str:
        return f"{stamp(self.accessed_at)} {self.user_id} → {self.member_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("personal data accesses are append-only")
        super().save(*args, **kwargs)
