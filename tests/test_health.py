import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_is_liveness_and_asks_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_needs_a_session_or_the_token(client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.HEALTH_TOKEN = "monitor-secret"
    assert client.get(reverse("readyz")).status_code == 403
    wrong = client.get(reverse("readyz"), HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 403
    response = client.get(reverse("readyz"), HTTP_AUTHORIZATION="Bearer monitor-secret")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "in process",
        "workers": "in process",
    }


def test_readyz_says_when_the_broker_is_down_and_reuses_its_answer(staff_client, settings):
    from unittest import mock

    from django.core.cache import cache

    from refunds.views import health

    cache.clear()
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    from config.celery_app import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        with mock.patch.object(
            health, "_broker_and_workers", wraps=health._broker_and_workers
        ) as asked:
            first = staff_client.get(reverse("readyz"))
            second = staff_client.get(reverse("readyz"))
    finally:
        app.conf.broker_url = ""
        cache.clear()
    assert first.status_code == second.status_code == 503
    assert first.json()["broker"].startswith("unavailable")
    assert asked.call_count == 1  # the second probe within HEALTH_CACHE_SECONDS is answered


def test_sessions_expire_when_idle_and_are_written_at_most_once_a_minute(staff_user):
    import datetime

    import time_machine
    from django.contrib.sessions.models import Session
    from django.test import Client

    def expiry() -> datetime.datetime:
        return Session.objects.get().expire_date

    home = reverse("home")
    start = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        client.force_login(staff_user)
        assert client.get(home).status_code == 200
        first = expiry()
        clock.shift(30)  # within the minute: the session row is read, not written
        assert client.get(home).status_code == 200 and expiry() == first
        clock.shift(31)
        assert client.get(home).status_code == 200 and expiry() > first
        for _ in range(3):  # in use for an hour and a half, a request every 29 minutes
            clock.shift(29 * 60)
            assert client.get(home).status_code == 200
        clock.shift(31 * 60)  # then left alone past the idle timeout
        response = client.get(home)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_page_reads_the_session_from_the_cache_and_the_row_when_the_cache_lost_it(
    staff_user,
):
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(staff_user)
    assert client.get(reverse("home")).status_code == 200
    with CaptureQueriesContext(connection) as read:
        assert client.get(reverse("home")).status_code == 200
    assert not [q for q in read.captured_queries if "django_session" in q["sql"]]
    cache.clear()  # a restarted Redis: the row still holds the session
    with CaptureQueriesContext(connection) as fallen_back:
        assert client.get(reverse("home")).status_code == 200
    assert [q for q in fallen_back.captured_queries if "django_session" in q["sql"]]


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


def test_each_request_has_an_id_in_its_response_and_its_log_lines(client, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="refund_desk.request")
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    line = next(r for r in caplog.records if r.name == "refund_desk.request")
    assert line.status == 200 and line.path == "/healthz"
    fresh = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert len(fresh) == 32 and fresh != "bad id with spaces"


def test_a_line_break_in_a_url_cannot_forge_a_log_line(client, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="refund_desk.request")
    client.get("/nothing%0A2026-12-06 INFO refund_desk.request GET /admin 200")
    line = next(r for r in caplog.records if r.name == "refund_desk.request")
    assert "\n" not in line.getMessage() and "%0A" in line.getMessage()


def test_json_log_lines_carry_the_request_id():
    import json
    import logging

    from pythonjsonlogger.json import JsonFormatter

    from config.requestlog import RequestIdFilter, request_id

    token = request_id.set("r-1")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter("%(levelname)s %(request_id)s %(message)s").format(record))
    finally:
        request_id.reset(token)
    assert line == {"levelname": "INFO", "request_id": "r-1", "message": "hello"}


def test_logout_everywhere_ends_every_session_of_the_user():
    from django.test import Client

    from refunds.models import AuditEvent
    from tests.factories import UserFactory

    user = UserFactory(username="two-devices", roles=["staff"])
    laptop, phone = Client(), Client()
    laptop.force_login(user)
    phone.force_login(user)
    assert phone.get(reverse("refunds:search")).status_code == 200
    laptop.post(reverse("logout_everywhere"))
    assert phone.get(reverse("refunds:search")).status_code == 302  # back to the login page
    assert laptop.get(reverse("refunds:search")).status_code == 302
    assert AuditEvent.objects.filter(action="user.logged_out_everywhere").exists()


def test_the_favicon_is_served_to_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.ico")
    login = client.get(reverse("accounts:login")).content.decode()
    assert 'rel="icon"' in login and "favicon.svg" in login


def test_every_task_a_service_names_is_registered_in_a_fresh_process():
    """Services hand work over by task name; a web process that never imported the tasks
    module must still know every name (a new interpreter, as the web server starts)."""
    import subprocess
    import sys

    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.test');"
        "django.setup(); from refunds import queue;"
        "[queue.task(n) for n in (queue.IMPORT_BATCH, queue.DETECTION_RUN, queue.EXPORT_JOB,"
        " queue.DASHBOARD_REFRESH)]; print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr[-500:]


def test_nothing_a_signed_in_user_sees_is_kept_by_a_cache(staff_client, supervisor_client, client):
    from tests.factories import MemberFactory

    member = MemberFactory()
    for response in (
        staff_client.get(reverse("refunds:member_detail", args=[member.pk])),
        staff_client.get(reverse("refunds:member_list")),
        supervisor_client.get(reverse("refunds:case_list"), {"export": "csv"}),
        supervisor_client.get("/api/members/"),
        client.get("/api/members/"),
    ):
        assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]


def test_behind_a_proxy_the_lockout_is_per_user_and_browser_and_cannot_be_spoofed(client, settings):
    from django.test import Client

    from tests.factories import UserFactory

    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="behind-proxy", roles=["staff"])
    url = reverse("accounts:login")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    for n in range(settings.AXES_FAILURE_LIMIT):
        # the attacker writes a new address of its own on the left each time: not taken
        spoofed = {**proxy, "HTTP_X_FORWARDED_FOR": f"198.51.100.{n}, 203.0.113.9"}
        Client().post(url, {"username": "behind-proxy", "password": "wrong"}, **spoofed)
    locked = Client().post(
        url, {"username": "behind-proxy", "password": "pw-for-tests-1"}, **attacker
    )
    assert locked.status_code == 429 or 'id="locked-out"' in locked.content.decode()
    # The member of staff at another desk, through the same proxy, still signs in.
    desk = {**proxy, "HTTP_X_FORWARDED_FOR": "192.0.2.50"}
    fine = Client().post(url, {"username": "behind-proxy", "password": "pw-for-tests-1"}, **desk)
    assert fine.status_code == 302


def test_heavy_jobs_go_to_their_queue_when_one_is_named():
    """With CELERY_HEAVY_QUEUE (docker-compose.yml) imports and detection are routed to it and
    everything else stays on the default queue; without it, every task is on the default."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import django, json; django.setup(); from config.celery_app import app; "
        "print(json.dumps({n: (app.amqp.router.route({}, n) or {}).get('queue').name "
        "for n in ('refunds.import_batch', 'refunds.detection_chunk', 'refunds.export_job')}))"
    )

    def queues(heavy: str) -> dict[str, str]:
        env = dict(os.environ, CELERY_HEAVY_QUEUE=heavy, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
        env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    assert queues("heavy") == {
        "refunds.import_batch": "heavy",
        "refunds.detection_chunk": "heavy",
        "refunds.export_job": "celery",
    }
    assert set(queues("").values()) == {"celery"}
