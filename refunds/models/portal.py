"""The member portal: claim codes printed on letters, every attempt to use them, and the
requests of former members who have no letter."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refunds.localtime import stamp

from .callcenter import Inquiry
from .cases import Case
from .letters import LetterKind
from .members import Member


class ClaimCode(models.Model):
    """The code on one letter: it opens the portal for its case until the program's claim
    deadline. Only its keyed hash is stored; a newer letter's code replaces it."""

    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        db_index=False,  # claim_code_case_issued serves it
        related_name="claim_codes",
        verbose_name=_("case"),
    )
    digest = models.CharField(_("code digest"), max_length=64, unique=True, editable=False)
    # The code's last characters, for staff to tell one letter's code from another's.
    hint = models.CharField(_("ends with"), max_length=4)
    letter_kind = models.CharField(_("letter"), max_length=16, choices=LetterKind.choices)
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("valid until"))
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    # Wrong birth dates given with this code; at ``PORTAL_CODE_FAILURE_LIMIT`` it locks until
    # the call center lifts the lock.
    failed_attempts = models.PositiveSmallIntegerField(_("wrong birth dates"), default=0)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim code")
        verbose_name_plural = _("claim codes")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["case", "-issued_at"], name="claim_code_case_issued")]
        constraints = [
            models.CheckConstraint(
                condition=Q(letter_kind__in=LetterKind.values), name="claim_code_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("issued_at")),
                name="claim_code_expires_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"…{self.hint} ({stamp(self.issued_at)})"

    def is_current(self, now: datetime.datetime | None = None) -> bool:
        """Neither replaced by a newer letter's code nor expired."""
        return self.replaced_at is None and self.expires_at > (now or timezone.now())

    def opens_portal(self, now: datetime.datetime | None = None) -> bool:
        """Current and not locked (its program may still be closed)."""
        return self.locked_at is None and self.is_current(now)

    @property
    def state(self) -> str:
        """``locked``, ``replaced``, ``expired`` or ``valid`` (now)."""
        if self.locked_at is not None:
            return "locked"
        if self.replaced_at is not None:
            return "replaced"
        return "valid" if self.is_current() else "expired"


class PortalAttemptKind(models.TextChoices):
    SIGN_IN = "sign_in", _("Code and birth date")
    CLAIM = "claim", _("Claim")
    REQUEST = "request", _("Request without a letter")


class PortalOutcome(models.TextChoices):
    """What became of one attempt on the portal."""

    SIGNED_IN = "signed_in", _("Signed in")
    WRONG = "wrong", _("Wrong code or birth date")
    CODE_LOCKED = "code_locked", _("Code locked")
    EXPIRED = "expired", _("Code expired or replaced")
    ADDRESS_LIMITED = "address_limited", _("Too many attempts from the address")
    PORTAL_LIMITED = "portal_limited", _("Too many attempts on the portal")
    CLOSED = "closed", _("Portal closed for the program")
    CLAIMED = "claimed", _("Claim recorded")
    ALREADY_CLAIMED = "already_claimed", _("Already claimed")
    INVALID = "invalid", _("Form not valid")
    REQUEST_FILED = "request_filed", _("Request filed")


class PortalAttempt(models.Model):
    """One use of the portal, success or not (append-only): the security log of the portal."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=PortalAttemptKind.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=PortalOutcome.choices)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    code = models.ForeignKey(
        ClaimCode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attempts",
        verbose_name=_("claim code"),
    )
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("portal attempt")
        verbose_name_plural = _("portal attempts")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PortalAttemptKind.values), name="portal_attempt_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=PortalOutcome.values),
                name="portal_attempt_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{stamp(self.at)} {self.kind} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("portal attempts are append-only")
        super().save(*args, **kwargs)


class PortalRequest(models.Model):
    """What a former member without a letter typed on the portal's request form; its inquiry
    is the call center's task to verify and call back."""

    inquiry = models.OneToOneField(
        Inquiry,
        on_delete=models.PROTECT,
        related_name="portal_request",
        verbose_name=_("inquiry"),
    )
    name = models.CharField(_("name"), max_length=100)
    name_kana = models.CharField(_("name (kana)"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("phone"), max_length=20)
    postal_code = models.CharField(_("postal code"), max_length=8)
    address = models.CharField(_("current address"), max_length=200)
    stated_member_no = models.CharField(_("member number stated"), max_length=32, blank=True)
    stated_contract_no = models.CharField(_("contract number stated"), max_length=32, blank=True)
    usage = models.TextField(_("how the service was used"), max_length=1000)
    # The members the operators' search finds for these details, for staff to verify.
    candidates = models.ManyToManyField(
        Member, blank=True, related_name="+", verbose_name=_("possible members")
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("request from the portal")
        verbose_name_plural = _("requests from the portal")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return _("Request %(id)s") % {"id": self.pk}
