"""Call-center users for ``bench_load.py``: log in once, then search and open a member, again.

Run by ``bench_load.py`` (``locust -f benchmarks/locustfile.py --headless ...``), which passes
through the environment:

* ``BENCH_LOAD_VALUES``: a JSON file ``{"username", "password", "values": {kind: [text, ...]}}``
  with search values taken from the members in the database;
* ``BENCH_LOAD_THINK``: the think time in seconds, ``"1,3"`` (uniform between 1 and 3 s) or
  ``"0"``;
* ``BENCH_LOAD_SECONDS``: how long the measured window lasts;
* ``BENCH_LOAD_SAMPLES``: where every request is written as a JSON line (``t`` seconds since
  the window opened, negative during the logins, ``name``, ``ms``, ``ok``, ``status``);
* ``BENCH_LOAD_SERVER_PID`` and ``BENCH_LOAD_WINDOW``: the gunicorn master, whose CPU time and
  its workers' over the window are written to that JSON file (``server_cpu_seconds``).

Each user opens ``/accounts/login/?next=/search/``, posts the form with its CSRF token and lands
on the search page. The measured window opens when the last user has logged in: the statistics
are reset then, so locust's own CSV covers the window only, and the run stops itself after
``BENCH_LOAD_SECONDS``. In the window each user thinks once (so the users do not all start in
the same instant), then loops: a search (``GET /search/?q=``) by a value of a kind picked at
random, think, open one of the members found (``GET /members/<pk>/``), think.

With ``BENCH_LOAD_PORTAL`` (a JSON file of ``{"code", "birth_date", "holder_name"}``, one per
claimable case) and the class ``PortalMember`` named on the command line, members claim on the
portal beside the operators from the moment the window opens: ``BENCH_LOAD_PORTAL_USERS``
users, each starting one claim every ``BENCH_LOAD_PORTAL_PACING`` seconds with the next unused
code, as a phone would: the page the QR code opens, the code and birth date, the case page,
the bank details checked, sent, the receipt (six requests, cookies of their own, no think time
inside a claim). Their requests are named ``portal: ...``; any answer but the expected one is
an error.

A response counts as an error unless it is a 200, with one exception: a search that finds
exactly one member by member number answers with a redirect to that member's page, as it does
in a browser; that redirect is the search's success and its target is the member opened next.
A redirect anywhere else (the login page, for one) is an error, and so is a search that finds
nobody (every value comes from a member in the database).
"""

import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

import gevent
from gevent.event import Event
from locust import between, constant, constant_pacing, events, task
from locust.contrib.fasthttp import FastHttpUser
from server import server_cpu_seconds

SETTINGS = json.loads(Path(os.environ["BENCH_LOAD_VALUES"]).read_text(encoding="utf-8"))
VALUES: dict[str, list[str]] = SETTINGS["values"]
KINDS = sorted(VALUES)
WINDOW_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
THINK = [float(part) for part in os.environ.get("BENCH_LOAD_THINK", "1,3").split(",")]
SAMPLES = Path(os.environ["BENCH_LOAD_SAMPLES"])
WINDOW = Path(os.environ["BENCH_LOAD_WINDOW"])
SERVER_PID = int(os.environ.get("BENCH_LOAD_SERVER_PID", "0"))
OPERATORS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
PORTAL_FILE = os.environ.get("BENCH_LOAD_PORTAL", "")
PORTAL_CODES: list[dict[str, str]] = (
    json.loads(Path(PORTAL_FILE).read_text(encoding="utf-8")) if PORTAL_FILE else []
)
PORTAL_USERS = int(os.environ.get("BENCH_LOAD_PORTAL_USERS", "20"))
PORTAL_PACING = float(os.environ.get("BENCH_LOAD_PORTAL_PACING", "6"))

_CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_MEMBER_RE = re.compile(r'href="(/members/\d+/)"')
_KEY_RE = re.compile(r'name="submission_key" value="([^"]+)"')

window_open = Event()
_state: dict[str, Any] = {"logged_in": 0, "opened_at": None, "cpu": []}
_samples: list[tuple[float, str, float, bool, int]] = []


@events.request.add_listener
def _record(name: str, response_time: float, response: Any, exception: Any, **_kwargs: Any) -> None:
    status = getattr(response, "status_code", 0) or 0
    _samples.append((time.perf_counter(), name, response_time, exception is None, status))


@events.quitting.add_listener
def _write_samples(**_kwargs: Any) -> None:
    opened_at = _state["opened_at"]
    cpu = _state["cpu"]
    WINDOW.write_text(
        json.dumps({"server_cpu_seconds": cpu[1] - cpu[0] if len(cpu) == 2 else None}),
        encoding="utf-8",
    )
    with SAMPLES.open("w", encoding="utf-8") as out:
        for at, name, ms, ok, status in _samples:
            t = None if opened_at is None else round(at - opened_at, 4)
            sample = {"t": t, "name": name, "ms": round(ms, 3)}
            sample.update(ok=ok, status=status)
            out.write(json.dumps(sample, ensure_ascii=False) + "\n")


def _open_window(environment: Any) -> None:
    _state["opened_at"] = time.perf_counter()
    _state["cpu"].append(server_cpu_seconds(SERVER_PID))
    environment.stats.reset_all()
    window_open.set()
    gevent.spawn_later(WINDOW_SECONDS, _close_window, environment)


def _close_window(environment: Any) -> None:
    _state["cpu"].append(server_cpu_seconds(SERVER_PID))
    environment.runner.quit()


class CallCenterUser(FastHttpUser):
    fixed_count = OPERATORS
    wait_time = between(THINK[0], THINK[-1]) if THINK[-1] > 0 else constant(0)

    def on_start(self) -> None:
        self._log_in()
        _state["logged_in"] += 1
        if _state["logged_in"] == OPERATORS:
            _open_window(self.environment)
        window_open.wait()
        self.wait()

    def _log_in(self) -> None:
        with self.client.get(
            "/accounts/login/?next=/search/", name="login: form", catch_response=True
        ) as response:
            token = _CSRF_RE.search(response.text or "")
            if response.status_code != 200 or token is None:
                response.failure(f"login form: {response.status_code}, no CSRF token")
                raise RuntimeError("no login form")
        with self.client.post(
            "/accounts/login/?next=/search/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": SETTINGS["username"],
                "password": SETTINGS["password"],
                "next": "/search/",
            },
            name="login: post",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or location != "/search/":
                response.failure(f"login refused: {response.status_code} {location!r}")
                raise RuntimeError("login refused")
            response.success()
        with self.client.get("/search/", name="login: search page", catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"search page after login: {page.status_code}")

    @task
    def call(self) -> None:
        kind = random.choice(KINDS)
        member_url = self._search(kind, random.choice(VALUES[kind]))
        if member_url is None:
            return
        self.wait()
        with self.client.get(member_url, name="member page", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"member page: {response.status_code}")

    def _search(self, kind: str, text: str) -> str | None:
        """The search; the URL of the member to open next (None when there is none)."""
        with self.client.get(
            "/search/",
            params={"q": text},
            name=f"search: {kind}",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                location = response.headers.get("Location", "") if response.headers else ""
                if _MEMBER_RE.fullmatch(f'href="{location}"'):
                    response.success()
                    return location
                response.failure(f"search redirected to {location!r}")
                return None
            if response.status_code != 200:
                response.failure(f"search: {response.status_code}")
                return None
            members = _MEMBER_RE.findall(response.text or "")
            if not members:
                response.failure(f"search {text!r} found nobody")
                return None
            return random.choice(members)


class PortalMember(FastHttpUser):
    """A member claiming on the portal from a phone, one claim after another."""

    fixed_count = PORTAL_USERS
    wait_time = constant_pacing(PORTAL_PACING)

    def on_start(self) -> None:
        window_open.wait()
        gevent.sleep(random.uniform(0, PORTAL_PACING))  # not all at the same instant

    def _expect(self, response: Any, status: int, what: str, location: str = "") -> bool:
        found = response.headers.get("Location", "") if response.headers else ""
        if response.status_code != status or (location and found != location):
            response.failure(f"{what}: {response.status_code} {found!r}")
            return False
        response.success()
        return True

    @task
    def claim(self) -> None:
        if not PORTAL_CODES:
            return  # every code used: the member side is done
        entry = PORTAL_CODES.pop()
        self.client.cookiejar.clear()  # a new member, a new phone
        with self.client.get(
            f"/claim/?c={entry['code']}", name="portal: start", catch_response=True
        ) as page:
            token = _CSRF_RE.search(page.text or "")
            if not self._expect(page, 200, "start") or token is None:
                return
        born = entry["birth_date"].split("-")
        with self.client.post(
            "/claim/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "code": entry["code"],
                "birth_year": str(int(born[0])),
                "birth_month": str(int(born[1])),
                "birth_day": str(int(born[2])),
            },
            name="portal: sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if not self._expect(response, 302, "sign in", "/claim/case/"):
                return
        with self.client.get("/claim/case/", name="portal: case", catch_response=True) as page:
            token, key = _CSRF_RE.search(page.text or ""), _KEY_RE.search(page.text or "")
            if not self._expect(page, 200, "case") or token is None or key is None:
                if token is None or key is None:
                    page.failure("case page without its form")
                return
        form = {
            "csrfmiddlewaretoken": token.group(1),
            "submission_key": key.group(1),
            "method": "bank_transfer",
            "bank_code": "0001",
            "branch_code": "001",
            "account_type": "1",
            "account_number": "1234567",
            "holder_name": entry["holder_name"],
        }
        with self.client.post(
            "/claim/case/", data={**form, "step": "check"}, name="portal: check",
            catch_response=True,
        ) as page:  # fmt: skip
            if not self._expect(page, 200, "check"):
                return
            if 'value="submit"' not in (page.text or ""):
                page.failure("no confirmation page")
                return
        with self.client.post(
            "/claim/case/", data={**form, "step": "submit"}, name="portal: submit",
            allow_redirects=False, catch_response=True,
        ) as response:  # fmt: skip
            if not self._expect(response, 302, "submit", "/claim/done/"):
                return
        with self.client.get("/claim/done/", name="portal: receipt", catch_response=True) as page:
            self._expect(page, 200, "receipt")
