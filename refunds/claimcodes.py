"""Claim codes: what a letter prints for the member portal, and the one keyed hash stored.

A code is 16 characters from an alphabet without look-alikes (``ALPHABET``: 22 characters),
printed in four groups of four: 16 × log2(22) ≈ 71 bits, drawn by ``secrets``. What a person
types is folded (full-width to half-width, lower to upper case, spaces and dashes dropped)
before it is hashed. The database keeps an
HMAC-SHA256 of the code under ``SECRET_KEY`` (older keys in ``SECRET_KEY_FALLBACKS`` are
still looked up), never the code.
"""

import hmac
import math
import secrets
import unicodedata
from hashlib import sha256

from django.conf import settings

# Digits and capitals that cannot be read as one another: none of 0 O Q D, 1 I L, 2 Z, 5 S,
# B (8 stays), U V.
ALPHABET = "346789ACEFGHJKMNPRTWXY"
LENGTH = 16
GROUP = 4
BITS = LENGTH * math.log2(len(ALPHABET))


def new_code() -> str:
    """A fresh code, grouped for print (``7KQ4-M2XE-…``)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return group(raw)


def group(raw: str) -> str:
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def fold(typed: str) -> str:
    """What the person typed, as the code's characters: ``７kq4 m2xe`` → ``7KQ4M2XE``."""
    text = unicodedata.normalize("NFKC", typed or "").upper()
    return "".join(ch for ch in text if ch.isalnum())


def well_formed(folded: str) -> bool:
    return len(folded) == LENGTH and all(ch in ALPHABET for ch in folded)


def _digest(folded: str, key: str) -> str:
    return hmac.new(key.encode(), b"claim-code:" + folded.encode(), sha256).hexdigest()


def digest(code: str) -> str:
    """The stored form of a code (under the current ``SECRET_KEY``)."""
    return _digest(fold(code), settings.SECRET_KEY)


def digests(typed: str) -> list[str]:
    """Every stored form the typed code may have: under the current key and the fallbacks."""
    folded = fold(typed)
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [_digest(folded, key) for key in keys]


def portal_url(code: str = "") -> str:
    """The portal's address, with the code for a QR code (the query string is not logged)."""
    base = f"{settings.PORTAL_BASE_URL}/claim/"
    return f"{base}?c={fold(code)}" if code else base
