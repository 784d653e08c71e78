"""Two-factor sign-in for the roles that approve money (django-otp TOTP and recovery codes)."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from refunds.models import AuditEvent
from refunds.services.accounts import user_second_factor_reset
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_ROLES = ["supervisor", "admin"]


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _signed_in(client, role):
    user = UserFactory(roles=[role])
    client.force_login(user)
    return user


def test_a_supervisor_sets_up_the_authenticator_at_first_sign_in(client, required):
    user = _signed_in(client, "supervisor")
    first = client.get(reverse("refunds:case_list"))
    assert first.status_code == 302 and first["Location"].startswith(reverse("second_factor_setup"))
    page = client.get(first["Location"]).content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post(reverse("second_factor_setup"), {"token": "000000"})
    assert 'id="second-factor-setup-form"' in wrong.content.decode()
    done = client.post(
        reverse("second_factor_setup"), {"token": _code(device), "next": "/cases/"}
    ).content.decode()
    codes = re.findall(r"<li>([0-9a-z]+)</li>", done.split('id="recovery-codes"')[1])
    assert len(codes) == 10
    assert client.get(reverse("refunds:case_list")).status_code == 200  # verified now
    assert AuditEvent.objects.filter(action="user.second_factor_set_up").count() == 1


def test_a_wrong_code_is_refused_and_counted_and_a_recovery_code_works_once(client, required):
    user = _signed_in(client, "admin")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    from django_otp.plugins.otp_static.models import StaticDevice

    StaticDevice.objects.create(user=user, name="recovery").token_set.create(token="abcd1234")
    url = reverse("second_factor")
    assert client.get(reverse("refunds:audit_list"))["Location"].startswith(url)
    refused = client.post(url, {"token": "123456"}).content.decode()
    assert 'id="wrong-codes"' in refused
    assert AuditEvent.objects.filter(action="user.second_factor_failed").count() == 1
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Each wrong code doubles the wait before the next is read (1 s after the first).
    import datetime

    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):
        used = client.post(url, {"token": "abcd1234", "next": "/audit/"})
    assert used["Location"] == "/audit/"
    assert AuditEvent.objects.filter(action="user.recovery_code_used").exists()
    client.logout()
    client.force_login(user)
    again = client.post(url, {"token": "abcd1234"})
    assert again.status_code == 200  # a recovery code signs in once


def test_staff_are_not_asked_unless_the_setting_says_so(client, required, settings):
    _signed_in(client, "staff")
    assert client.get(reverse("refunds:search")).status_code == 200
    settings.TWO_FACTOR_ROLES = ["staff", "supervisor", "admin"]
    assert client.get(reverse("refunds:search")).status_code == 302


def test_the_api_answers_403_to_a_session_without_the_second_factor(client, required):
    _signed_in(client, "supervisor")
    response = client.get("/api/cases/")
    assert response.status_code == 403 and "detail" in response.json()


def test_an_admin_resets_a_lost_second_factor_with_a_reason(required):
    from django.core.exceptions import PermissionDenied, ValidationError

    user = UserFactory(roles=["supervisor"])
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    with pytest.raises(PermissionDenied):
        user_second_factor_reset(user=user, by=UserFactory(roles=["supervisor"]), reason="x")
    admin = UserFactory(roles=["admin"])
    with pytest.raises(ValidationError):
        user_second_factor_reset(user=user, by=admin, reason=" ")
    user_second_factor_reset(user=user, by=admin, reason="phone lost, identity checked in person")
    assert not TOTPDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="user.second_factor_reset")
    assert event.actor == admin and event.reason.startswith("phone lost")


def test_the_reset_command_names_the_admin_and_refuses_a_supervisor():
    from django.core.management import call_command
    from django.core.management.base import CommandError

    user = UserFactory(username="lost-phone", roles=["supervisor"])
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    UserFactory(username="boss", roles=["supervisor"])
    UserFactory(username="root-admin", roles=["admin"])
    with pytest.raises(CommandError):
        call_command("reset_second_factor", "lost-phone", "--by", "boss", "--reason", "lost")
    call_command("reset_second_factor", "lost-phone", "--by", "root-admin", "--reason", "lost")
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_before_the_code_no_menu_search_or_badge_shows_and_htmx_is_refused(client, required):
    user = _signed_in(client, "supervisor")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    page = client.get(reverse("second_factor")).content.decode()
    assert "js-global-search" not in page and "escalations/badge" not in page
    assert 'action="/accounts/logout/"' in page  # signing out stays possible
    polled = client.get(reverse("refunds:escalation_badge"), HTTP_HX_REQUEST="true")
    assert polled.status_code == 403
