"""Check a running `make demo`: the login page answers, and each demo login opens its pages.

Usage: python3 .ci/demo_check.py BASE_URL [--wait SECONDS]

Waits until BASE_URL/accounts/login/ answers 200, then signs in as each demo user through the
real form (CSRF token and session cookie) and fetches pages that role works on; every one must
answer 200 with the page's own title. Standard library only: it runs before any virtualenv.
"""

import argparse
import http.cookiejar
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = os.environ.get("DEMO_PASSWORD") or "refund-desk-demo"
# The demo logins (refunds/management/commands/demo_users.py) and pages each role works on.
ROLES = {
    "staff": ["/search/?q=1234", "/callbacks/", "/claims/"],
    "supervisor": ["/dashboard/", "/review/", "/payments/", "/reports/"],
    "supervisor2": ["/review/", "/qa/"],
    "admin": ["/imports/", "/detection/", "/audit/"],
}


def wait_until_serving(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(2)
    sys.exit(f"demo: {base}/accounts/login/ did not answer 200 within {seconds:.0f} s ({last})")


def sign_in(base: str, username: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/accounts/login/", timeout=30) as response:
        page = response.read().decode("utf-8")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        sys.exit("demo: the login page has no CSRF token")
    form = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
    )
    with opener.open(request, timeout=30) as response:
        if "/accounts/login/" in response.geturl():
            sys.exit(f"demo: {username} could not sign in with the demo password")
    return opener


def check_page(opener: urllib.request.OpenerDirector, base: str, username: str, path: str) -> None:
    try:
        with opener.open(f"{base}{path}", timeout=60) as response:
            body = response.read().decode("utf-8")
            status = response.status
    except urllib.error.HTTPError as exc:
        sys.exit(f"demo: {username} {path}: HTTP {exc.code}")
    title = re.search(r"<title>(.*?)</title>", body, re.S)
    if status != 200 or "/accounts/login/" in response.geturl() or title is None:
        sys.exit(f"demo: {username} {path}: HTTP {status}, {response.geturl()}")
    print(f"demo: {username:<12} {path:<18} 200  {title.group(1).strip()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--wait", type=float, default=600)
    args = parser.parse_args()
    base = args.base.rstrip("/")
    wait_until_serving(base, args.wait)
    for username, paths in ROLES.items():
        opener = sign_in(base, username)
        for path in paths:
            check_page(opener, base, username, path)


if __name__ == "__main__":
    main()
