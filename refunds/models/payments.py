"""Payment batches: a set of approved cases paid by one method, exported once, reconciled."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

from refunds.links import object_url

from .callcenter import PayoutMethod
from .cases import Case


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    EXPORTED = "exported", _("Exported")
    PARTLY_RECONCILED = "partly_reconciled", _("Partly reconciled")
    RECONCILED = "reconciled", _("Reconciled")


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the result")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")


class TransferResult(models.TextChoices):
    """The 振込結果コード of the bank's result file (``refunds.zengin.parse_result_file``)."""

    PAID = "0", _("Transferred")
    NO_ACCOUNT = "1", _("No such account")
    NAME_MISMATCH = "2", _("The account holder's name does not match")
    CLOSED = "3", _("The account is closed")
    ACCOUNT_TYPE = "4", _("The account type does not match")
    BRANCH = "5", _("Wrong branch (closed or merged)")
    STOPPED = "8", _("Stopped at the payer's request")
    OTHER = "9", _("Not transferred for another reason")


class PaymentBatch(models.Model):
    method = models.CharField(_("payout"), max_length=16, choices=PayoutMethod.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=BatchStatus.choices, default=BatchStatus.DRAFT
    )
    transfer_date = models.DateField(_("transfer date"))
    item_count = models.PositiveIntegerField(_("payments"), default=0)
    total_yen = models.BigIntegerField(_("total (yen)"), default=0)
    file = models.FileField(_("file"), upload_to="payments/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("built by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exported by"),
    )
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("results applied by"),
    )
    reconciled_at = models.DateTimeField(_("reconciled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="batch_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=PayoutMethod.values), name="batch_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=BatchStatus.values), name="batch_status_valid"
            ),
            # Separation of duties (refunds.policies.DUTIES): built, released, results applied
            # by different people.
            models.CheckConstraint(
                condition=~Q(exported_by=F("created_by")), name="batch_releaser_not_builder"
            ),
            models.CheckConstraint(
                condition=~Q(reconciled_by=F("exported_by")),
                name="batch_results_not_by_releaser",
            ),
        ]

    def __str__(self) -> str:
        return _("Payment batch %(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return object_url("refunds:batch_detail", self.pk)


class PaymentItem(models.Model):
    """One case in one batch, with the payee as it was exported (a later change never alters it)."""

    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.CASCADE, related_name="items", verbose_name=_("batch")
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="payment_items", verbose_name=_("case")
    )
    amount_yen = models.PositiveIntegerField(_("amount (yen)"))  # refund + compensation
    compensation_yen = models.PositiveIntegerField(
        _("compensation for delay (yen)"), default=0, db_default=0
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.PENDING
    )
    # Open while its batch may still pay it: a case has at most one open item.
    is_open = models.BooleanField(_("open"), default=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    result_at = models.DateTimeField(_("result at"), null=True, blank=True)
    # The payee, copied when the batch is built.
    bank_code = models.CharField(max_length=4, blank=True)
    bank_kana = models.CharField(max_length=15, blank=True)
    branch_code = models.CharField(max_length=3, blank=True)
    branch_kana = models.CharField(max_length=15, blank=True)
    account_type = models.CharField(max_length=1, blank=True)
    account_number = EncryptedCharField(max_length=7, blank=True, null=True)  # as the claim's
    holder_kana = models.CharField(max_length=30, blank=True)
    member_no = models.CharField(max_length=32, blank=True)
    contract_no = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["batch", "id"]
        # A run's payments a page at a time, in id order (its page and the API's items).
        indexes = [models.Index(fields=["batch", "id"], name="item_batch_id")]
        constraints = [
            models.UniqueConstraint(fields=["batch", "case"], name="item_case_once_per_batch"),
            # A case sits in at most one open batch, and is paid at most once.
            models.UniqueConstraint(
                fields=["case"], condition=Q(is_open=True), name="item_one_open_per_case"
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(status=ItemStatus.PAID), name="item_paid_once_per_case"
            ),
            models.CheckConstraint(condition=Q(amount_yen__gt=0), name="item_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="item_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(is_open=False), name="item_closed_with_result"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.case_id}"


class ResultFile(models.Model):
    """A result file uploaded for a batch, kept as it came: applied, or refused with why."""

    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, related_name="result_files", verbose_name=_("batch")
    )
    file = models.FileField(_("file"), upload_to="payment-results/")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    applied = models.BooleanField(_("applied"), default=False)
    paid = models.PositiveIntegerField(_("paid"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    errors = models.JSONField(_("why refused"), default=list, blank=True)

    class Meta:
        verbose_name = _("result file")
        verbose_name_plural = _("result files")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.sha256[:12]})"
