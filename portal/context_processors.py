from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, str]:
    """The company the portal speaks for (the letters' sender)."""
    return {"portal_company": settings.LETTER_SENDER_COMPANY}
