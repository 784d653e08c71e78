import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_in_process(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "in process",
        "workers": "in process",
    }


def test_healthz_says_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    from config.celery_app import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = ""
    assert response.status_code == 503
    assert response.json()["broker"].startswith("unavailable")


def test_sessions_expire_when_idle(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST


def test_repeated_failed_logins_lock_the_account_out(client, settings):
    from tests.factories import UserFactory

    UserFactory(username="victim", roles=["staff"])
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "victim", "password": "wrong"})
    response = client.post(url, {"username": "victim", "password": "pw-for-tests-1"})
    assert response.status_code == 429 or 'id="locked-out"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_content_security_policy_forbids_inline_script(client):
    header = client.get(reverse("accounts:login"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and "frame-ancestors" in directives
