import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refunds.casenumbers import format_case_no
from refunds.links import object_url

from .billing import BillingLine
from .contracts import Contract
from .members import Member
from .programs import RemediationProgram


class CaseStatus(models.TextChoices):
    DETECTED = "detected", _("Detected (to notify)")
    AWAITING_CLAIM = "awaiting_claim", _("Awaiting claim")
    NOTIFIED = "notified", _("Notified")
    CLAIM_RECEIVED = "claim_received", _("Claim received")
    PREPARED = "prepared", _("Prepared")
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval", _("Awaiting second approval")
    APPROVED = "approved", _("Approved")
    IN_PAYMENT = "in_payment", _("In payment")
    PAID = "paid", _("Paid")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    REJECTED = "rejected", _("Rejected")
    ON_HOLD = "on_hold", _("On hold")
    NO_LONGER_AFFECTED = "no_longer_affected", _("No longer affected")

    @classmethod
    def untouched(cls) -> tuple[str, str]:
        """States in which detection may still change amount and category."""
        return (cls.DETECTED, cls.AWAITING_CLAIM)


class Category(models.IntegerChoices):
    CURRENT = 1, _("1 · current member")
    RECENT_LEAVER = 2, _("2 · recent leaver")
    EARLIER_LEAVER = 3, _("3 · earlier leaver")

    @property
    def starting_status(self) -> str:
        return CaseStatus.AWAITING_CLAIM if self == Category.EARLIER_LEAVER else CaseStatus.DETECTED


class CaseOrigin(models.TextChoices):
    DETECTION = "detection", _("Detection")
    INVESTIGATION = "investigation", _("Investigation (caller not in the data)")


class QaStatus(models.TextChoices):
    NONE = "", _("Not sampled")
    PENDING = "pending", _("QA pending")
    PASSED = "pass", _("QA passed")
    FAILED = "fail", _("QA failed")


def _user_fk(verbose_name: Any) -> Any:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=verbose_name,
    )


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


class DetectionRun(models.Model):
    """One application of a program to the data, with the parameters it used and its counts."""

    program = models.ForeignKey(
        RemediationProgram, on_delete=models.PROTECT, related_name="runs", verbose_name=_("program")
    )
    program_code = models.CharField(_("program code"), max_length=40)
    dry_run = models.BooleanField(_("dry run"), default=False)
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    parameters = models.JSONField(_("parameters used"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    message = models.TextField(_("message"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created = models.IntegerField(_("created"), default=0)
    updated = models.IntegerField(_("updated"), default=0)
    unchanged = models.IntegerField(_("unchanged"), default=0)
    flagged = models.IntegerField(_("flagged"), default=0)
    no_longer_affected = models.IntegerField(_("no longer affected"), default=0)
    reopened = models.IntegerField(_("reopened"), default=0)
    problems = models.IntegerField(_("data problems"), default=0)

    class Meta:
        verbose_name = _("detection run")
        verbose_name_plural = _("detection runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            # The detection lock: one live run per program at a time.
            models.UniqueConstraint(
                fields=["program_code"],
                condition=Q(status="running", dry_run=False),
                name="detectionrun_one_running_per_program",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="detectionrun_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} #{self.pk}"

    def get_absolute_url(self) -> str:
        return object_url("refunds:detection_detail", self.pk)

    def summary(self) -> str:
        return (
            f"created={self.created} updated={self.updated} unchanged={self.unchanged} "
            f"flagged={self.flagged} no_longer_affected={self.no_longer_affected} "
            f"reopened={self.reopened} problems={self.problems}"
        )


class Case(models.Model):
    """One affected contract of one program: its amount, category, state and evidence."""

    case_no = models.CharField(_("case number"), max_length=24, unique=True)
    program = models.ForeignKey(
        RemediationProgram,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("program"),
    )
    # The program's code (shared by its versions): one case per code and contract.
    program_code = models.CharField(_("program code"), max_length=40)
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("contract"),
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("member"),
    )
    category = models.PositiveSmallIntegerField(
        _("category"), choices=Category.choices, null=True, blank=True
    )
    computed_amount_yen = models.IntegerField(_("computed amount (yen)"), null=True, blank=True)
    amount_yen = models.IntegerField(_("amount (yen)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=32, choices=CaseStatus.choices)
    origin = models.CharField(
        _("origin"),
        max_length=16,
        choices=CaseOrigin.choices,
        default=CaseOrigin.DETECTION,
        db_default=CaseOrigin.DETECTION,  # detection writes its cases with set-based SQL
    )
    flagged = models.BooleanField(_("flagged"), default=False)
    flag_reason = models.CharField(_("flag"), max_length=300, blank=True)
    flag_difference_yen = models.IntegerField(_("difference found (yen)"), null=True, blank=True)
    tariff_mismatch = models.BooleanField(_("billed amount differs from tariff"), default=False)
    # Review and payment (four-eyes: the database refuses the same person twice). Whoever
    # last set the amount by hand (a change, an investigation's settlement) approves it never.
    amount_set_by = _user_fk(_("amount set by"))
    amount_set_at = models.DateTimeField(_("amount set at"), null=True, blank=True)
    prepared_by = _user_fk(_("prepared by"))
    # When its claim was received (the claim's own time): the claims list filters by the
    # case's state and orders by this, which one index of the case table serves.
    claimed_at = models.DateTimeField(_("claim received at"), null=True, blank=True)
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    approved_by = _user_fk(_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    second_approved_by = _user_fk(_("second approval by"))
    second_approved_at = models.DateTimeField(_("second approval at"), null=True, blank=True)
    # Database defaults as well: detection writes its cases with set-based SQL.
    status_reason = models.CharField(_("reason"), max_length=500, blank=True, db_default="")
    hold_return_status = models.CharField(
        _("state before the hold"),
        max_length=32,
        choices=CaseStatus.choices,
        blank=True,
        db_default="",
    )
    qa_status = models.CharField(
        _("QA"),
        max_length=8,
        choices=QaStatus.choices,
        blank=True,
        default=QaStatus.NONE,
        db_default=QaStatus.NONE,
    )
    qa_drawn_at = models.DateTimeField(_("drawn for QA at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_amount_yen = models.IntegerField(_("paid (yen)"), null=True, blank=True)
    compensation_yen = models.IntegerField(_("compensation for delay (yen)"), null=True, blank=True)
    # The runs that opened and last touched the case: kept (a foreign key each), never looked
    # up by (a run is never deleted), so not indexed — every case a first run writes would
    # otherwise add to two more indexes, 9 % of a first run over 10,000,000 billing lines.
    created_by_run = models.ForeignKey(
        DetectionRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    last_run = models.ForeignKey(
        DetectionRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["case_no"]
        indexes = [
            models.Index(fields=["program", "status"], name="case_program_status"),
            models.Index(fields=["program", "category"], name="case_program_category"),
            models.Index(fields=["program", "amount_yen"], name="case_program_amount"),
            models.Index(fields=["status", "case_no"], name="case_status_no"),
            # The case list sorted by last change (the other sorted columns have theirs).
            models.Index(fields=["updated_at", "case_no"], name="case_updated_no"),
            models.Index(fields=["flagged"], name="case_flagged", condition=Q(flagged=True)),
            models.Index(
                fields=["qa_status"], name="case_qa_pending", condition=Q(qa_status="pending")
            ),
            # The review queue: the cases waiting for an approval, oldest preparation first.
            models.Index(
                fields=["prepared_at", "case_no"],
                name="case_awaiting_approval",
                condition=Q(status__in=["prepared", "awaiting_second_approval"]),
            ),
            # The claims list: claims whose case is in a state, the latest claim first (the
            # case's id after its time: the list's whole order, no sort of equal times).
            models.Index(fields=["status", "-claimed_at", "-id"], name="case_status_claimed_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["program_code", "contract"], name="case_program_contract"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CaseStatus.values), name="case_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__isnull=True) | Q(category__in=[1, 2, 3]),
                name="case_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(amount_yen__isnull=True) | Q(amount_yen__gte=0),
                name="case_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(origin__in=CaseOrigin.values), name="case_origin_valid"
            ),
            models.CheckConstraint(
                condition=~Q(approved_by=F("prepared_by")), name="case_approver_not_preparer"
            ),
            models.CheckConstraint(
                condition=~Q(second_approved_by=F("approved_by"))
                & ~Q(second_approved_by=F("prepared_by")),
                name="case_second_approver_is_a_third_person",
            ),
            models.CheckConstraint(
                condition=~Q(approved_by=F("amount_set_by"))
                & ~Q(second_approved_by=F("amount_set_by")),
                name="case_approver_did_not_set_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.PAID)
                | (Q(paid_at__isnull=False) & Q(paid_amount_yen__gt=0)),
                name="case_paid_has_date_and_amount",
            ),
            # The states of an approval carry it: prepared by someone, approved by another, when
            # (the database refuses a case set to approved, or paid, with nobody's approval).
            models.CheckConstraint(
                condition=~Q(status__in=[CaseStatus.PREPARED, CaseStatus.AWAITING_SECOND_APPROVAL])
                | Q(prepared_by__isnull=False),
                name="case_prepared_has_preparer",
            ),
            models.CheckConstraint(
                condition=~Q(
                    status__in=[
                        CaseStatus.AWAITING_SECOND_APPROVAL,
                        CaseStatus.APPROVED,
                        CaseStatus.IN_PAYMENT,
                        CaseStatus.PAID,
                        CaseStatus.PAYMENT_FAILED,
                    ]
                )
                | (
                    Q(prepared_by__isnull=False)
                    & Q(approved_by__isnull=False)
                    & Q(approved_at__isnull=False)
                ),
                name="case_approved_has_approver",
            ),
            # A detected case is about a contract; an investigation may not know one yet.
            models.CheckConstraint(
                condition=Q(origin=CaseOrigin.INVESTIGATION) | Q(contract__isnull=False),
                name="case_detected_has_contract",
            ),
        ]

    def __str__(self) -> str:
        return self.case_no

    def get_absolute_url(self) -> str:
        return object_url("refunds:case_detail", self.pk)

    def billed_months(self) -> list[datetime.date]:
        """The months the evidence shows overcharged, in order (the letter, the portal)."""
        return sorted({line.period for line in self.evidence.all() if line.amount_yen > 0})

    def restart_review(self, *, preparer: Any = None, save: bool = True) -> dict[str, Any]:
        """Clear the approvals and, given a preparer, record who prepares the case now; saved
        unless ``save`` is False (a move to another state saves them with it: an approved case
        never stands without its approval, the database's CHECK). The values set, by field.

        Every path back to ``prepared`` (a change of amount, payee or QA result, a reopening)
        goes through here, so no earlier approval survives a change."""
        fields = ["approved_by", "approved_at", "second_approved_by", "second_approved_at"]
        self.approved_by = self.second_approved_by = None
        self.approved_at = self.second_approved_at = None
        if preparer is not None:
            self.prepared_by, self.prepared_at = preparer, timezone.now()
            fields += ["prepared_by", "prepared_at"]
        if save:
            self.save(update_fields=fields)
        return {name: getattr(self, name) for name in fields}


class CaseEvidence(models.Model):
    """A billing line that makes a case's amount, with the tariff of its plan, area and month."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    billing_line = models.ForeignKey(
        BillingLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    period = models.DateField(_("period"))
    item = models.CharField(_("item"), max_length=32)
    amount_yen = models.IntegerField(_("billed (yen)"))
    tariff_yen = models.IntegerField(_("tariff (yen)"), null=True, blank=True)

    class Meta:
        verbose_name = _("evidence line")
        verbose_name_plural = _("evidence lines")
        ordering = ["case", "period", "item"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.period:%Y-%m} {self.item} {self.amount_yen}"

    @property
    def difference_yen(self) -> int | None:
        if self.tariff_yen is None or self.amount_yen < 0:
            return None
        return self.amount_yen - self.tariff_yen


class DataProblem(models.Model):
    """Something in the data that stops or doubts a case, found by a detection run."""

    class Kind(models.TextChoices):
        NO_END_DATE = "no_end_date", _("Cancellation requested but no end date")
        NO_TARIFF = "no_tariff", _("No tariff for the course, plan and area")
        NO_OVERCHARGE_ITEM = "no_overcharge_item", _("Billed after the end, but no base fee")

    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="data_problems")
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("problem"), max_length=32, choices=Kind.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("data problem")
        verbose_name_plural = _("data problems")
        ordering = ["run", "kind", "contract"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.contract_id}"


class CaseNumberCounter(models.Model):
    """The last case number handed out for a case prefix.

    Detection reserves a block of numbers here in a short transaction of its own before a chunk
    writes its cases, so chunks running side by side never wait for one another's numbers. A
    chunk that fails after reserving leaves a gap in the numbering; numbers stay unique and sort
    in creation order.
    """

    prefix = models.CharField(_("case number prefix"), max_length=8, primary_key=True)
    last_number = models.PositiveIntegerField(_("last number handed out"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")

    def __str__(self) -> str:
        return format_case_no(self.prefix, self.last_number)


class QaReview(models.Model):
    """A sampled case re-checked by a reviewer who neither prepared nor approved it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="qa_reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    preparer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="qa_results",
        verbose_name=_("prepared by"),
    )
    passed = models.BooleanField(_("passed"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("QA review")
        verbose_name_plural = _("QA reviews")
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(passed=True) | ~Q(reason=""), name="qa_fail_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(reviewer=F("preparer")), name="qa_reviewer_not_preparer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {'pass' if self.passed else 'fail'}"
