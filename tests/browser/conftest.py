import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM) or os.environ.get("REQUIRE_BROWSER"):
        return
    skip = pytest.mark.skip(
        reason="needs Debian's chromium: apt-get install chromium (CI installs it)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM) and os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def login(live_server, page):
    def _login(username: str, password: str = "pw-for-tests-1"):
        page.context.clear_cookies()  # whoever was signed in before
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _login


@pytest.fixture
def page(page, request):
    """The browser page, watched: a console error or an uncaught script error fails the test.

    A test that provokes one on purpose (a refused request it asserts on) is marked
    ``console_errors_expected``.
    """
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    yield page
    if request.node.get_closest_marker("console_errors_expected") is None:
        assert errors == [], "console errors:\n" + "\n".join(errors)


@pytest.fixture(autouse=True)
def seeded_texts(request):
    """The texts data migrations write (letters, talk scripts and FAQ): a transactional test's
    database was flushed by the one before, so they are written again (idempotently)."""
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    for name in ("0016_letter_templates", "0038_guidance_seed", "0043_guidance_english"):
        importlib.import_module(f"refunds.migrations.{name}").seed(apps, None)
    yield
