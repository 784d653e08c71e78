from .audit import AuditEvent
from .billing import BillingLine, Tariff
from .contracts import Area, Contract
from .imports import ImportBatch, ImportKind, ImportRowError, ImportStatus
from .members import Member, MemberStatus
from .programs import RemediationProgram

__all__ = [
    "Area",
    "AuditEvent",
    "BillingLine",
    "Contract",
    "ImportBatch",
    "ImportKind",
    "ImportRowError",
    "ImportStatus",
    "Member",
    "MemberStatus",
    "RemediationProgram",
    "Tariff",
]
