"""Writes on a user's own account that the audit log must show."""

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import Role
from refunds.models.audit import AuditAction
from refunds.services.audit import audit_record


def _end_sessions(user: User) -> None:
    """Every session of ``user`` on every browser and device ends (a new session epoch)."""
    user.session_epoch = secrets.token_hex(16)
    user.save(update_fields=["session_epoch"])


@transaction.atomic
def user_logout_everywhere(*, user: User) -> None:
    """End every session of ``user`` on every browser and device (a new session epoch)."""
    _end_sessions(user)
    audit_record(actor=user, action=AuditAction.USER_LOGGED_OUT_EVERYWHERE, obj=user)


# -- the second factor (TOTP with recovery codes, django-otp) ------------------------------

RECOVERY_CODES = 10


def user_totp_device(*, user: User) -> TOTPDevice:
    """The authenticator being set up: the user's unconfirmed TOTP device, made if missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def user_second_factor_set_up(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with a code it shows; the ten recovery codes (shown once)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token.strip()):
        raise ValidationError({"token": _("That code is not the one the app shows; try again.")})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="recovery codes")
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    audit_record(actor=user, action=AuditAction.USER_SECOND_FACTOR_SET_UP, obj=user)
    return device, codes


def user_second_factor_check(*, user: User, token: str) -> Device:
    """The device that accepts ``token`` (the authenticator's code or a recovery code, used
    once); a wrong code is refused, counted on the device (each one doubles the wait before
    the next, django-otp's throttling) and written to the audit log."""
    token = token.strip().replace(" ", "")
    device = match_token(user, token) if token else None
    if device is None:
        with transaction.atomic():
            audit_record(actor=user, action=AuditAction.USER_SECOND_FACTOR_FAILED, obj=user)
        raise ValidationError({"token": _("That code is not right.")})
    if isinstance(device, StaticDevice):
        with transaction.atomic():
            audit_record(
                actor=user,
                action=AuditAction.USER_RECOVERY_CODE_USED,
                obj=user,
                changes={"left": device.token_set.count()},
            )
    return device


def second_factor_state(user: User) -> tuple[int, datetime.datetime | None]:
    """Wrong codes given since the last right one (the authenticator's throttling count), and
    until when the next is refused unread (None: it is read now)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return 0, None
    allowed, why = device.verify_is_allowed()
    return device.throttling_failure_count, None if allowed else (why or {}).get("locked_until")


@transaction.atomic
def user_second_factor_reset(*, user: User, by: User, reason: str) -> None:
    """An admin removes a user's authenticator and recovery codes (a lost phone): the user
    sets up a new one at the next sign-in, and every session of theirs ends."""
    if not by.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only an admin resets a second factor."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the second factor is reset.")})
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _end_sessions(user)
    audit_record(
        actor=by, action=AuditAction.USER_SECOND_FACTOR_RESET, obj=user, reason=reason.strip()
    )
