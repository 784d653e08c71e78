from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from refunds.links import object_url


class ImportKind(models.TextChoices):
    MEMBERS = "members", _("Members")
    CONTRACTS = "contracts", _("Contracts")
    BILLING = "billing", _("Billing lines")
    TARIFFS = "tariffs", _("Tariffs")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Imported")
    PARTIAL = "partial", _("Imported in part")
    REJECTED = "rejected", _("Rejected (nothing imported)")
    FAILED = "failed", _("Failed")

    @classmethod
    def open_values(cls) -> list[str]:
        return [cls.QUEUED, cls.RUNNING]


class ImportBatch(models.Model):
    """One delivery of one CSV file: who sent it, what it held and what became of its rows."""

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.BigIntegerField(_("file size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    requested_encoding = models.CharField(_("requested encoding"), max_length=16, default="auto")
    encoding = models.CharField(_("encoding detected"), max_length=16, blank=True)
    partial = models.BooleanField(_("import the good rows"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    message = models.TextField(_("message"), blank=True)
    rows_total = models.IntegerField(_("rows"), default=0)
    created = models.IntegerField(_("created"), default=0)
    updated = models.IntegerField(_("updated"), default=0)
    unchanged = models.IntegerField(_("unchanged"), default=0)
    rejected = models.IntegerField(_("rejected"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "-created_at"], name="importbatch_kind_created")]
        constraints = [
            # The import lock: at most one queued or running import per kind.
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(status__in=["queued", "running"]),
                name="importbatch_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ImportKind.values), name="importbatch_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="importbatch_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    def get_absolute_url(self) -> str:
        return object_url("refunds:import_detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in ImportStatus.open_values()

    @property
    def taken(self) -> int:
        return self.created + self.updated + self.unchanged


class ImportRowError(models.Model):
    """A rejected row: where it is in the file and why."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    line = models.IntegerField(_("line"))
    column = models.CharField(_("column"), max_length=64)
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        verbose_name = _("row error")
        verbose_name_plural = _("row errors")
        ordering = ["batch", "line", "id"]
        indexes = [models.Index(fields=["batch", "line"], name="importrowerror_batch_line")]

    def __str__(self) -> str:
        return f"{self.line}: {self.column}: {self.reason}"
