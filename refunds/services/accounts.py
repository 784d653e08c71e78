"""Writes on a user's own account that the audit log must show."""

import secrets

from django.db import transaction

from accounts.models import User
from refunds.models.audit import AuditAction
from refunds.services.audit import audit_record


@transaction.atomic
def user_logout_everywhere(*, user: User) -> None:
    """End every session of ``user`` on every browser and device (a new session epoch)."""
    user.session_epoch = secrets.token_hex(16)
    user.save(update_fields=["session_epoch"])
    audit_record(actor=user, action=AuditAction.USER_LOGGED_OUT_EVERYWHERE, obj=user)
