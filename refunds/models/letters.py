"""Letters and every other attempt to reach a member about a case."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from refunds.localtime import local_date

from .cases import Case
from .members import Member


class LetterKind(models.TextChoices):
    NOTICE = "notice", _("Apology and refund notice")
    REMINDER = "reminder", _("Reminder")


class LetterTemplate(models.Model):
    """The text of a letter, edited by an admin: a Django template over the case's details."""

    kind = models.CharField(_("letter"), max_length=16, choices=LetterKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Plain text; a blank line starts a paragraph. Placeholders: {{ member_name }}, "
            "{{ contract_no }}, {{ months }}, {{ amount }}, {{ payout }}, {{ how_to_claim }}, "
            "{{ free_dial_number }}, {{ free_dial_hours }}, {{ case_no }}, {{ program_name }}."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [
            models.UniqueConstraint(fields=["kind"], name="letter_template_one_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=LetterKind.values), name="letter_template_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class ContactKind(models.TextChoices):
    LETTER = "letter", pgettext_lazy("contact attempt", "Letter")
    REMINDER = "reminder", _("Reminder letter")
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")


class ContactAttempt(models.Model):
    """One attempt to reach the member about a case: a letter sent, a call made."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="contact_attempts", verbose_name=_("case")
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="contact_attempts",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ContactKind.choices)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["case", "-sent_at"], name="contact_case_sent"),
            models.Index(fields=["member", "-sent_at"], name="contact_member_sent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ContactKind.values), name="contact_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {local_date(self.sent_at)}"


class LetterRun(models.Model):
    """A printed run of letters: what was chosen, the printout as it went out, who printed it.

    Printing it again gives the same file and records nothing."""

    kind = models.CharField(_("letter"), max_length=16, choices=LetterKind.choices)
    program_code = models.CharField(_("program"), max_length=40, blank=True)
    category = models.PositiveSmallIntegerField(_("category"), null=True, blank=True)
    count = models.PositiveIntegerField(_("letters"))
    case_ids = models.JSONField(_("cases"), default=list)
    file = models.FileField(_("file"), upload_to="letters/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("printed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("letter run")
        verbose_name_plural = _("letter runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return _("Letter run %(id)s") % {"id": self.pk}


class ReturnReason(models.TextChoices):
    ADDRESS_UNKNOWN = "address_unknown", _("Addressee unknown")
    MOVED = "moved", _("Moved, no forwarding address")
    REFUSED = "refused", _("Refused by the addressee")
    OTHER = "other", _("Other")


class ReturnedMail(models.Model):
    """A letter that came back. Its member is unreachable by letter at that address: left out
    of letter runs and listed for address tracing until the address changes."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="returned_mail", verbose_name=_("member")
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    reason = models.CharField(_("reason"), max_length=24, choices=ReturnReason.choices)
    # The address the letter went to: a member whose address is still this one is unreachable.
    address = models.CharField(_("address"), max_length=400)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("returned mail")
        verbose_name_plural = _("returned mail")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["member", "address"], name="returned_member_address")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=ReturnReason.values), name="returned_reason_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.get_reason_display()}"

    @staticmethod
    def current() -> "models.QuerySet[ReturnedMail]":
        """Returned letters whose member still has the address they were sent to: the one
        spelling of "unreachable by letter" (the queue, the member page, runs, the report)."""
        return ReturnedMail.objects.filter(address=F("member__address"))

    @staticmethod
    def at_current_address() -> Exists:
        """For a query over cases: their member is unreachable by letter (``current``)."""
        return Exists(ReturnedMail.current().filter(member=OuterRef("member_id")))
