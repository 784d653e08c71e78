from .audit import AuditEvent
from .billing import BillingLine, Tariff
from .cases import (
    Case,
    CaseEvidence,
    CaseNumberCounter,
    CaseStatus,
    Category,
    DataProblem,
    DetectionRun,
    RunStatus,
)
from .contracts import Area, Contract
from .imports import ImportBatch, ImportKind, ImportRowError, ImportStatus
from .members import Member, MemberStatus
from .programs import RemediationProgram

__all__ = [
    "Area",
    "AuditEvent",
    "BillingLine",
    "Case",
    "CaseEvidence",
    "CaseNumberCounter",
    "CaseStatus",
    "Category",
    "Contract",
    "DataProblem",
    "DetectionRun",
    "ImportBatch",
    "ImportKind",
    "ImportRowError",
    "ImportStatus",
    "Member",
    "MemberStatus",
    "RemediationProgram",
    "RunStatus",
    "Tariff",
]
