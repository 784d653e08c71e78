"""What the operators read out and look up: talk scripts per situation, and the FAQ."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
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
    # The same in English, for the English interface (the Japanese text when left empty).
    title_en = models.CharField(_("title or question (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
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
        return self.shown_title

    @property
    def shown_title(self) -> str:
        """The title in the interface's language (Japanese when no English is written)."""
        return self.title_en if self.title_en and _english() else self.title

    @property
    def shown_body(self) -> str:
        return self.body_en if self.body_en and _english() else self.body


def _english() -> bool:
    return (get_language() or "").startswith("en")
