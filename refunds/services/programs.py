"""Programs: create, edit; a program that has cases changes its parameters only as a new version."""

from typing import Any

from django.db import transaction
from django.db.models import Max

from accounts.models import User
from refunds.models import Case, RemediationProgram
from refunds.models.audit import AuditAction

from .audit import audit_record

PARAMETER_FIELDS = (
    "courses",
    "applied_on_or_after",
    "cancel_requested_on_or_before",
    "overcharge_items",
    "offset_items",
    "recent_leaver_from",
)
EDITABLE_FIELDS = (
    "name",
    "case_prefix",
    *PARAMETER_FIELDS,
    "second_approval_threshold_yen",
    "delay_rate_percent",
    "delay_from",
    "qa_rate_percent",
    "service_level_business_days",
    "claim_deadline",
    "identity_items",
    "identity_required",
    "is_active",
)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def program_create(*, data: dict[str, Any], user: User) -> RemediationProgram:
    with transaction.atomic():
        program = RemediationProgram.objects.create(
            code=data["code"], version=1, **{f: data[f] for f in EDITABLE_FIELDS}
        )
        audit_record(
            actor=user,
            action=AuditAction.PROGRAM_CREATED,
            obj=program,
            changes={f: [None, _jsonable(data[f])] for f in EDITABLE_FIELDS},
        )
    return program


def program_update(
    *, program: RemediationProgram, data: dict[str, Any], user: User
) -> RemediationProgram:
    """Save the changes; returns the program to show (a new version when one was needed)."""
    with transaction.atomic():
        program = RemediationProgram.objects.select_for_update().get(pk=program.pk)
        changes = {
            f: [_jsonable(getattr(program, f)), _jsonable(data[f])]
            for f in EDITABLE_FIELDS
            if getattr(program, f) != data[f]
        }
        if not changes:
            return program
        has_cases = Case.objects.filter(program_code=program.code).exists()
        if has_cases and any(f in changes for f in PARAMETER_FIELDS):
            latest = RemediationProgram.objects.filter(code=program.code).aggregate(
                v=Max("version")
            )["v"]
            RemediationProgram.objects.filter(code=program.code).update(is_active=False)
            new = RemediationProgram.objects.create(
                code=program.code,
                version=latest + 1,
                # The portal's switch is the supervisors' (program_portal_set): it carries over.
                portal_closed=program.portal_closed,
                portal_message=program.portal_message,
                **{f: data[f] for f in EDITABLE_FIELDS},
            )
            audit_record(
                actor=user,
                action=AuditAction.PROGRAM_VERSIONED,
                obj=new,
                changes={"from_version": program.version, **changes},
            )
            return new
        for field, (_old, _new) in changes.items():
            setattr(program, field, data[field])
        program.save()
        audit_record(actor=user, action=AuditAction.PROGRAM_UPDATED, obj=program, changes=changes)
        return program
