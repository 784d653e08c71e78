"""A supervisor signs in with a TOTP code; a wrong code is refused and counted."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from refunds.models import AuditEvent
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_signs_in_with_a_totp_code(live_server, page, settings):
    settings.TWO_FACTOR_ROLES = ["supervisor", "admin"]
    user = UserFactory(username="sv-2fa", roles=["supervisor"])
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    page.goto(f"{live_server.url}/accounts/login/?next=/review/")
    page.fill("#id_username", "sv-2fa")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("main button[type=submit]")
    page.wait_for_selector("#second-factor-form")
    assert "/accounts/second-factor/" in page.url
    page.fill("#id_token", "000000")
    page.click("#second-factor-form button[type=submit]")
    page.wait_for_selector("#wrong-codes")
    assert "1" in page.inner_text("#wrong-codes")
    assert AuditEvent.objects.filter(action="user.second_factor_failed").count() == 1
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    # The wrong code doubled the wait: the next is read a second later.
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=3), tick=True):
        totp.time = timezone.now().timestamp()
        page.fill("#id_token", f"{totp.token():06d}")
        page.click("#second-factor-form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/review/")
    assert page.locator("h1").first.inner_text()
