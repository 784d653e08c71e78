from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .members import Member


class Area(models.TextChoices):
    EAST = "east", _("NTT East")
    WEST = "west", _("NTT West")


class Contract(models.Model):
    """One service contract of a member (key: ``contract_no``)."""

    contract_no = models.CharField(_("contract number"), max_length=32)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("member")
    )
    course = models.CharField(_("course"), max_length=64)
    plan = models.CharField(_("plan"), max_length=64)
    area = models.CharField(_("area"), max_length=8, choices=Area.choices)
    applied_on = models.DateField(_("applied on"))
    started_on = models.DateField(_("started on"), null=True, blank=True)
    cancel_requested_on = models.DateField(_("cancellation requested on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["contract_no"]
        indexes = [models.Index(fields=["course", "applied_on"], name="contract_course_applied")]
        constraints = [
            models.UniqueConstraint(fields=["contract_no"], name="contract_no_unique"),
            models.CheckConstraint(condition=Q(area__in=Area.values), name="contract_area_valid"),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True) | Q(started_on__gte=F("applied_on")),
                name="contract_started_after_applied",
            ),
            models.CheckConstraint(
                condition=Q(cancel_requested_on__isnull=True)
                | Q(cancel_requested_on__gte=F("applied_on")),
                name="contract_cancel_after_applied",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | (Q(started_on__isnull=False) & Q(ended_on__gte=F("started_on")))
                | (Q(started_on__isnull=True) & Q(ended_on__gte=F("applied_on"))),
                name="contract_ended_after_started",
            ),
        ]

    def __str__(self) -> str:
        return self.contract_no
