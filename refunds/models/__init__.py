from .api import IdempotencyRecord
from .audit import AuditEvent, AuditSeal
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
from .letters import ContactAttempt, ContactKind, LetterKind, LetterRun, LetterTemplate
from .members import Member, MemberStatus
from .payments import BatchStatus, ItemStatus, PaymentBatch, PaymentItem, ResultFile
from .programs import RemediationProgram
from .reporting import DashboardSnapshot, ExportJob, ProgressReport

__all__ = [
    "IDENTITY_ITEMS",
    "IDENTITY_LABELS",
    "Area",
    "AuditEvent",
    "AuditSeal",
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
    "IdempotencyRecord",
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
    "LetterRun",
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
    "ResultFile",
    "RunStatus",
    "Tariff",
]
