"""What the API keeps of a request sent with an ``Idempotency-Key`` (refunds.api.idempotency)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """One key of one user: the request it came with (a hash) and the answer it got."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("key"), max_length=255)
    request_sha256 = models.CharField(_("request SHA-256"), max_length=64)
    # Empty until the first request with the key has its answer.
    status_code = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    body = models.JSONField(_("body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return self.key
