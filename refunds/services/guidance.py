"""Talk scripts and the FAQ: an admin's edits, each an audit event with the old and new text."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from refunds.models import Guidance
from refunds.models.audit import AuditAction
from refunds.services.audit import audit_record

FIELDS = ("situation", "title", "body", "title_en", "body_en", "position")


@transaction.atomic
def guidance_save(*, user: User, data: dict[str, Any], entry: Guidance | None = None) -> Guidance:
    """Create a talk script or FAQ entry, or change one (``entry``); admins only."""
    if not user.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only an admin edits the talk scripts and the FAQ."))
    if entry is None:
        entry = Guidance()
        before: dict[str, Any] = dict.fromkeys(FIELDS)
    else:
        entry = Guidance.objects.select_for_update().get(pk=entry.pk)
        before = {name: getattr(entry, name) for name in FIELDS}
    for name in FIELDS:
        setattr(entry, name, data[name])
    entry.updated_by = user
    entry.full_clean()
    entry.save()
    audit_record(
        actor=user,
        action=AuditAction.GUIDANCE_CHANGED,
        obj=entry,
        changes={
            name: [before[name], getattr(entry, name)]
            for name in FIELDS
            if before[name] != getattr(entry, name)
        },
    )
    return entry
