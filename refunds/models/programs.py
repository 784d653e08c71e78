from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("remediation program")
        verbose_name_plural = _("remediation programs")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="program_code_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="program_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"
