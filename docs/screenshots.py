"""The README's pictures, taken from a running demo with Debian's chromium.

    make demo                      # in one shell: the demo on 127.0.0.1:8000
    .venv/bin/python docs/screenshots.py [--base http://127.0.0.1:8000]

Writes docs/img/{dashboard,member-call,review-queue,letter,portal}.png (Japanese, 1280 px wide
but the portal's phone screen, each at most 200 KB: reduced to a palette when larger). The
pages are reached the way their users reach them: a supervisor's dashboard and review queue;
an operator who finds a caller by the last four digits of the phone, confirms two identity
items and has the member page open; the notice letter of that member's case, as the PDF the
operator downloads, turned into a PNG by pdftoppm; a member on the portal at 390 × 844 with a
new code for a claimable category-2 case (issued as a reprinted letter would: the case's
earlier code is replaced).
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
MAX_BYTES = 200 * 1024
PASSWORD = os.environ.get("DEMO_PASSWORD") or "refund-desk-demo"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def pick_caller() -> tuple[str, str, int]:
    """A member with a category-2 case the letters reached: phone, member number and case."""
    from refunds.models import Case, CaseStatus

    case = (
        Case.objects.filter(category=2, status=CaseStatus.NOTIFIED, member__phone__regex=r"\d{4}$")
        .select_related("member")
        .order_by("case_no")
        .first()
    )
    if case is None:
        sys.exit("no notified category-2 case: run `make demo` (not --day-one) first")
    return case.member.phone, case.member.member_no, case.pk


def portal_member() -> tuple[str, str]:
    """A new code for a claimable category-2 case of the demo, and its member's birth date."""
    from django.utils import timezone

    from refunds.models import Case, CaseStatus
    from refunds.services.portal import claim_codes_issue

    case = (
        Case.objects.filter(
            category=2,
            status=CaseStatus.NOTIFIED,
            claims__isnull=True,
            member__birth_date__isnull=False,
        )
        .select_related("member", "program")
        .order_by("case_no")
        .first()
    )
    if case is None or case.member is None or case.member.birth_date is None:
        sys.exit("no claimable category-2 case: run `make demo` first")
    issued = claim_codes_issue(cases=[case], letter_kind="notice", now=timezone.now())
    return issued[case.pk].code, case.member.birth_date.isoformat()


def save_png(data: bytes, name: str) -> Path:
    """Write ``data`` as docs/img/NAME.png, reduced to a 256-colour palette if over 200 KB."""
    from PIL import Image

    path = OUT / f"{name}.png"
    path.write_bytes(data)
    if path.stat().st_size > MAX_BYTES:
        image = Image.open(io.BytesIO(data)).convert("RGB")
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    if path.stat().st_size > MAX_BYTES:
        sys.exit(f"{path}: {path.stat().st_size:,} bytes, over {MAX_BYTES:,}")
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    base = parser.parse_args().base.rstrip("/")
    _django()
    phone, member_no, case_pk = pick_caller()
    code, born = portal_member()
    OUT.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)

        def signed_in(username: str):  # type: ignore[no-untyped-def]
            context = browser.new_context(
                viewport={"width": 1280, "height": 860}, locale="ja-JP", accept_downloads=True
            )
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(f"{base}/")
            return page

        supervisor = signed_in("supervisor")
        supervisor.goto(f"{base}/dashboard/")
        supervisor.wait_for_load_state("networkidle")
        save_png(supervisor.screenshot(full_page=False), "dashboard")
        supervisor.goto(f"{base}/review/")
        supervisor.wait_for_load_state("networkidle")
        save_png(supervisor.screenshot(full_page=False), "review-queue")

        operator = signed_in("staff")
        operator.fill(".js-global-search", phone[-4:])
        operator.press(".js-global-search", "Enter")
        operator.wait_for_selector("table.search-results")
        row = operator.locator("table.search-results tbody tr", has_text=member_no).first
        row.locator("a").first.click()
        operator.wait_for_selector("#call-panel")
        operator.check("input[value=verified_name]")
        operator.check("input[value=verified_birth_date]")
        operator.click("#identity-form button[type=submit]")
        operator.wait_for_selector("#close-form")
        save_png(operator.screenshot(full_page=False), "member-call")

        with operator.expect_download() as download:
            operator.evaluate(
                "url => { const a = document.createElement('a'); a.href = url; a.download = '';"
                " document.body.appendChild(a); a.click(); }",
                f"{base}/cases/{case_pk}/letter.pdf",
            )
        with tempfile.TemporaryDirectory() as folder:
            pdf = Path(folder) / "letter.pdf"
            download.value.save_as(pdf)
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), f"{folder}/p"],
                check=True,
            )
            page_png = next(Path(folder).glob("p*.png"))
            save_png(page_png.read_bytes(), "letter")

        member = browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True
        ).new_page()
        member.goto(f"{base}/claim/?c={code}")
        year, month, day = born.split("-")
        member.select_option("#id_birth_year", str(int(year)))
        member.select_option("#id_birth_month", str(int(month)))
        member.select_option("#id_birth_day", str(int(day)))
        member.click("main button[type=submit]")
        member.wait_for_url(f"{base}/claim/case/")
        save_png(member.screenshot(full_page=False), "portal")
        browser.close()


if __name__ == "__main__":
    main()
