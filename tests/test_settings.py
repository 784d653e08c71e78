"""Settings: production passes Django's deployment checks; the embedded default needs nothing."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# A company's own account for the payment file (as production sets it).
BANK_DETAILS = {
    "ZENGIN_CONSIGNOR_CODE": "1234567890",
    "ZENGIN_CONSIGNOR_NAME": "ｶ)ｻﾝﾌﾟﾙ",
    "ZENGIN_BANK_CODE": "0005",
    "ZENGIN_BANK_KANA": "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ",
    "ZENGIN_BRANCH_CODE": "001",
    "ZENGIN_BRANCH_KANA": "ﾎﾝﾃﾝ",
    "ZENGIN_ACCOUNT_NUMBER": "7654321",
    "LETTER_SENDER_COMPANY": "株式会社サンプル",
    "LETTER_SENDER_POSTAL_CODE": "141-0032",
    "LETTER_SENDER_ADDRESS": "東京都品川区大崎1-1-1",
    "PORTAL_BASE_URL": "https://refund.example.co.jp",
}


def test_check_deploy_with_production_settings_is_clean():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **BANK_DETAILS,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_while_the_bank_details_are_the_examples():
    unset = {**BANK_DETAILS, "ZENGIN_ACCOUNT_NUMBER": "0000001"}
    unset.pop("ZENGIN_CONSIGNOR_CODE")
    result = _manage(
        "check",
        "--deploy",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **unset,
    )
    assert result.returncode != 0
    assert "refunds.E001" in result.stderr
    assert "ZENGIN_CONSIGNOR_CODE, ZENGIN_ACCOUNT_NUMBER not set" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_check_deploy_fails_while_the_letters_sender_is_the_example():
    example = {k: v for k, v in BANK_DETAILS.items() if not k.startswith("LETTER_")}
    result = _manage(
        "check",
        "--deploy",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **example,
    )
    assert result.returncode != 0 and "refunds.E002" in result.stderr


def test_debug_is_off_unless_asked_for():
    """An instance started with the defaults never shows Django's debug pages (every URL
    pattern to an anonymous visitor); ``DJANGO_DEBUG=1`` turns them on for a developer."""
    show = "from django.conf import settings; print(settings.DEBUG)"
    assert _manage("shell", "-c", show).stdout.split()[-1] == "False"
    assert _manage("shell", "-c", show, DJANGO_DEBUG="1").stdout.split()[-1] == "True"
    probe = (
        "from django.test import Client; r = Client(HTTP_HOST='localhost').get('/no-such-page/');"
        "print(r.status_code, b'URLconf' in r.content)"
    )
    assert _manage("shell", "-c", probe).stdout.strip().endswith("404 False")


def test_a_password_has_at_least_twelve_characters():
    import django
    from django.core.exceptions import ValidationError

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password("kurumi-2010")  # 11 characters
    except ValidationError as exc:
        assert any("12" in message for message in exc.messages)
    else:
        raise AssertionError("an 11-character password was accepted")
    validate_password("kurumi-2010-refund")


def test_check_deploy_fails_while_the_portal_address_is_local():
    local = {**BANK_DETAILS, "PORTAL_BASE_URL": "http://127.0.0.1:8000"}
    result = _manage(
        "check",
        "--deploy",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **local,
    )
    assert result.returncode != 0 and "refunds.E003" in result.stderr
