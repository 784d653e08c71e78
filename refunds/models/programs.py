import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The items of a caller's identity check (``refunds.identity``), as the inquiry records them.
IDENTITY_ITEMS = ("verified_name", "verified_birth_date", "verified_address", "verified_phone")


class RemediationProgram(models.Model):
    """A remediation rule with its parameters; a new version keeps the old one's cases intact."""

    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    case_prefix = models.CharField(_("case number prefix"), max_length=8)
    courses = models.JSONField(_("courses in scope"), default=list)
    applied_on_or_after = models.DateField(_("applied on or after"))
    cancel_requested_on_or_before = models.DateField(_("cancellation requested on or before"))
    overcharge_items = models.JSONField(_("charge items that can be overcharged"), default=list)
    offset_items = models.JSONField(_("items that offset an overcharge"), default=list)
    recent_leaver_from = models.DateField(_("recent-leaver window starts"))
    second_approval_threshold_yen = models.PositiveIntegerField(
        _("second approval above (yen)"), default=10_000
    )
    # The free-dial line printed in letters and used for callback due times; empty: settings.
    free_dial_number = models.CharField(_("free-dial number"), max_length=20, blank=True)
    opens_at = models.TimeField(_("line opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("line closes at"), null=True, blank=True)
    # Compensation for delay: simple interest per day on refunds paid after a date (off: empty).
    delay_rate_percent = models.DecimalField(
        _("compensation for delay (percent a year)"),
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
    )
    delay_from = models.DateField(_("compensation accrues from"), null=True, blank=True)
    # Quality sampling: share of prepared cases drawn for a QA re-check (0: off).
    qa_rate_percent = models.PositiveSmallIntegerField(
        _("QA sampling (percent of prepared cases)"), default=0
    )
    # The identity check on a call about this program: which answers count (empty: all of
    # ``IDENTITY_ITEMS``), how many must match.
    identity_items = models.JSONField(_("identity items asked"), default=list, blank=True)
    identity_required = models.PositiveSmallIntegerField(
        _("identity answers that must match"), default=2
    )
    # The service level a caller is promised: a claim is paid within so many bank business days.
    service_level_business_days = models.PositiveSmallIntegerField(
        _("refund within (business days of the claim)"), default=10
    )
    # The member portal: claims by letter code until the deadline (empty: the code is valid
    # for ``PORTAL_CODE_DEFAULT_DAYS`` after its letter); a supervisor may close it for the
    # program, and members then read the message.
    claim_deadline = models.DateField(_("claims accepted until"), null=True, blank=True)
    portal_closed = models.BooleanField(_("portal closed"), default=False)
    portal_message = models.CharField(
        _("message while the portal is closed"), max_length=500, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("remediation program")
        verbose_name_plural = _("remediation programs")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="program_code_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="program_version_positive"),
            models.CheckConstraint(
                condition=Q(delay_rate_percent__isnull=True) | Q(delay_from__isnull=False),
                name="program_delay_rate_has_a_start",
            ),
            models.CheckConstraint(
                condition=Q(qa_rate_percent__lte=100), name="program_qa_rate_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    def line_number(self) -> str:
        """The free-dial number members are given: the program's, else ``FREE_DIAL_NUMBER``."""
        return self.free_dial_number or settings.FREE_DIAL_NUMBER

    def delay_compensation_yen(self, amount_yen: int, paid_on: datetime.date) -> int:
        """Simple interest per day on ``amount_yen`` from ``delay_from`` to ``paid_on``, in
        whole yen (rounded down); 0 when the program pays none."""
        if self.delay_rate_percent is None or self.delay_from is None:
            return 0
        days = (paid_on - self.delay_from).days
        if days <= 0:
            return 0
        return int(Decimal(amount_yen) * self.delay_rate_percent * days / Decimal(36500))
