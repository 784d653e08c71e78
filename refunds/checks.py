"""System checks of the product's own settings (``manage.py check --deploy``)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

# What names the company itself: left at its example, the file or the letter is the demo's.
# (A real account may well be at the example's bank and branch; a department may well be
# called 返金対応窓口.)
IDENTIFYING = (
    "ZENGIN_CONSIGNOR_CODE",
    "ZENGIN_CONSIGNOR_NAME",
    "ZENGIN_ACCOUNT_NUMBER",
    "LETTER_SENDER_COMPANY",
    "LETTER_SENDER_POSTAL_CODE",
    "LETTER_SENDER_ADDRESS",
)


def _not_set(examples: str) -> list[str]:
    """The settings named in the ``examples`` setting still empty, or identifying and still
    at their example."""
    example: dict[str, str] = getattr(settings, examples, {})
    return [
        name
        for name, value in example.items()
        if not str(getattr(settings, name, "")).strip()
        or (name in IDENTIFYING and getattr(settings, name) == value)
    ]


def bank_details_missing() -> list[str]:
    """The company's bank details for the payment file still empty or at their examples."""
    return _not_set("ZENGIN_EXAMPLE")


@register(Tags.security, deploy=True)
def company_bank_details(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    missing = bank_details_missing()
    if not missing:
        return []
    return [
        Error(
            "The payment file would carry the example company account: "
            f"{', '.join(missing)} not set.",
            hint="Set them in the environment from the bank's 総合振込 contract "
            "(consignor code, names in half-width kana, the account the transfers leave).",
            id="refunds.E001",
        )
    ]


def letter_sender_missing() -> list[str]:
    """The letters' sender block still empty or at its examples."""
    return _not_set("LETTER_SENDER_EXAMPLE")


@register(Tags.security, deploy=True)
def letter_sender(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    missing = letter_sender_missing()
    if not missing:
        return []
    return [
        Error(
            f"The letters would carry the example sender: {', '.join(missing)} not set.",
            hint="Set the company's name, department, postal code and address the members "
            "write back to.",
            id="refunds.E002",
        )
    ]


def portal_address_problem() -> str:
    """What is wrong with the portal address the letters print (their QR codes), or ''."""
    from urllib.parse import urlsplit

    parts = urlsplit(settings.PORTAL_BASE_URL)
    if parts.scheme != "https":
        return "it is not an https:// address"
    if parts.hostname in (None, "", "localhost", "127.0.0.1", "::1"):
        return "it names no public host"
    return ""


@register(Tags.security, deploy=True)
def portal_address(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    problem = portal_address_problem()
    if not problem:
        return []
    return [
        Error(
            f"The letters' QR codes would point members to {settings.PORTAL_BASE_URL!r}: "
            f"{problem}.",
            hint="Set PORTAL_BASE_URL to the public https address the member portal is served "
            "at (its /claim/ pages), e.g. https://refund.example.co.jp.",
            id="refunds.E003",
        )
    ]
