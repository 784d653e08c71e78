from .audit import AuditEvent
from .billing import BillingLine, Tariff
from .callcenter import (
    IDENTITY_ITEMS,
    IDENTITY_LABELS,
    Channel,
    Claim,
    Direction,
    Inquiry,
    InquiryOutcome,
    InquiryReason,
    Investigation,
    PayoutMethod,
    PersonalDataAccess,
)
from .cases import (
    Case,
    CaseEvidence,
    CaseNumberCounter,
    CaseOrigin,
    CaseStatus,
    Category,
    DataProblem,
    DetectionRun,
    QaReview,
    QaStatus,
    RunStatus,
)
from .contracts import Area, Contract
from .imports import ImportBatch, ImportKind, ImportRowError, ImportStatus
from .letters import ContactAttempt, ContactKind, LetterKind, LetterTemplate
from .members import Member, MemberStatus
from .payments import BatchStatus, ItemStatus, PaymentBatch, PaymentItem
from .programs import RemediationProgram
from .reporting import DashboardSnapshot, ExportJob, ProgressReport

__all__ = [
    "IDENTITY_ITEMS",
    "IDENTITY_LABELS",
    "Area",
    "AuditEvent",
    "BatchStatus",
    "BillingLine",
    "Case",
    "CaseEvidence",
    "CaseNumberCounter",
    "CaseOrigin",
    "CaseStatus",
    "Category",
    "Channel",
    "Claim",
    "ContactAttempt",
    "ContactKind",
    "Contract",
    "DashboardSnapshot",
    "DataProblem",
    "DetectionRun",
    "Direction",
    "ExportJob",
    "ImportBatch",
    "ImportKind",
    "ImportRowError",
    "ImportStatus",
    "Inquiry",
    "InquiryOutcome",
    "InquiryReason",
    "Investigation",
    "ItemStatus",
    "LetterKind",
    "LetterTemplate",
    "Member",
    "MemberStatus",
    "PaymentBatch",
    "PaymentItem",
    "PayoutMethod",
    "PersonalDataAccess",
    "ProgressReport",
    "QaReview",
    "QaStatus",
    "RemediationProgram",
    "RunStatus",
    "Tariff",
]
