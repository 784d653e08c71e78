from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .contracts import Area, Contract


class BillingLine(models.Model):
    """One amount billed to a contract for one month and item (key: contract, period, item).

    ``period`` is stored as the first day of the billed month; ``amount_yen`` is integer yen,
    tax included, and may be negative (a ``refund`` line).
    """

    # No index of its own: the unique key (contract, period, item) leads with the contract.
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="billing_lines",
        verbose_name=_("contract"),
        db_index=False,
    )
    period = models.DateField(_("period"))
    item = models.CharField(_("item"), max_length=32)
    amount_yen = models.IntegerField(_("amount (yen)"))

    class Meta:
        verbose_name = _("billing line")
        verbose_name_plural = _("billing lines")
        ordering = ["contract_id", "period", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period", "item"], name="billingline_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period:%Y-%m} {self.item} {self.amount_yen}"


class Tariff(models.Model):
    """The monthly fee of a course/plan/area from ``valid_from`` (key: all four)."""

    course = models.CharField(_("course"), max_length=64)
    plan = models.CharField(_("plan"), max_length=64)
    area = models.CharField(_("area"), max_length=8, choices=Area.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    monthly_fee_yen = models.IntegerField(_("monthly fee (yen)"))

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        ordering = ["course", "plan", "area", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "plan", "area", "valid_from"], name="tariff_key_unique"
            ),
            models.CheckConstraint(condition=Q(area__in=Area.values), name="tariff_area_valid"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="tariff_valid_range",
            ),
            models.CheckConstraint(condition=Q(monthly_fee_yen__gte=0), name="tariff_fee_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.course}/{self.plan}/{self.area} {self.valid_from} {self.monthly_fee_yen}"
