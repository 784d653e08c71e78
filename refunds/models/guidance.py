"""What the operators read out and look up: talk scripts per situation, and the FAQ."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Situation(models.TextChoices):
    CATEGORY_1 = "category_1", _("A current member (category 1)")
    CATEGORY_2 = "category_2", _("A recent leaver (category 2)")
    CATEGORY_3 = "category_3", _("A former member (category 3)")
    UNKNOWN_CALLER = "unknown", _("A caller the data does not know")
    COMPLAINT = "complaint", _("A complaint")
    THIRD_PARTY = "third_party", _("Someone calling for the member")
    FAQ = "faq", _("Frequently asked question")


class Guidance(models.Model):
    """A talk script for a situation, or a question and its answer (``Situation.FAQ``);
    admins edit them (audited), the call panel shows the one for the caller's situation."""

    situation = models.CharField(_("situation"), max_length=16, choices=Situation.choices)
    title = models.CharField(_("title or question"), max_length=200)
    body = models.TextField(_("text"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
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
        verbose_name = _("talk script or FAQ")
        verbose_name_plural = _("talk scripts and FAQ")
        ordering = ["situation", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(situation__in=Situation.values), name="guidance_situation_valid"
            )
        ]

    def __str__(self) -> str:
        return self.title
