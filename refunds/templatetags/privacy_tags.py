"""Personal data masked in a template the way ``refunds.privacy`` masks it everywhere else."""

from collections.abc import Callable
from typing import Any

from django import template

from refunds import privacy

register = template.Library()

_MASKS: dict[str, Callable[[Any], str]] = {
    "phone": privacy.mask_phone,
    "birth_date": privacy.mask_birth_date,
    "address": privacy.mask_address,
    "email": privacy.mask_email,
    "postal": privacy.mask_postal,
    "account": privacy.mask_account,
}


@register.filter
def masked(value: Any, kind: str) -> str:
    """``{{ member.phone|masked:"phone" }}`` → ``***-****-5938``."""
    return _MASKS[kind](value)
