"""The identity check: what the caller says, compared with what the data holds, item by item.

The operator types the caller's answers; each is compared in one normal form (the search keys:
a name in kanji or in kana, any width or spacing; a birth date; a postal code, or an address
with its spaces, hyphens and 丁目・番・号 folded; a phone number by its digits, a ``+81`` caller
ID included) and answered *match* or *no match*. The stored value is never shown.
"""

import datetime
import re
import unicodedata
from typing import Final

from refunds.models import IDENTITY_ITEMS, Member
from refunds.search.keys import digits, is_kana, kana_key, name_key

NAME, BIRTH_DATE, ADDRESS, PHONE = IDENTITY_ITEMS
_HYPHENS = re.compile(r"[‐‑‒–—―−ーｰ－-]+")
_BLOCKS = re.compile(r"(丁目|番地|番|号)")
CALLER_ID: Final = re.compile(r"\+?[0-9０-９][0-9０-９()（）\s‐－-]{8,20}")
POSTAL_CODE: Final = re.compile(r"〒?\s*[0-9０-９]{3}[‐－-]?[0-9０-９]{4}")


def phone_key(text: str) -> str:
    """The digits of a phone number in the domestic form (``+81 92-…`` → ``092…``)."""
    number = digits(text)
    if text.strip().startswith("+") and number.startswith("81"):
        number = "0" + number[2:]
    return number


def address_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    folded = _BLOCKS.sub("-", re.sub(r"\s+", "", folded))
    return _HYPHENS.sub("-", folded).strip("-")


def _name(member: Member, said: str) -> bool:
    return bool(name_key(said)) and (
        name_key(said) == name_key(member.name) or kana_key(said) == kana_key(member.name_kana)
    )


def _address(member: Member, said: str) -> bool:
    if POSTAL_CODE.fullmatch(said.strip()):
        return bool(member.postal_code) and digits(said) == digits(member.postal_code)
    return bool(member.address) and address_key(said) == address_key(member.address)


def _phone(member: Member, said: str) -> bool:
    return bool(member.phone) and phone_key(said) == phone_key(member.phone)


def compare(member: Member, answers: dict[str, object]) -> dict[str, bool]:
    """Each answered item (``IDENTITY_ITEMS``) → whether it matches the member's data."""
    out: dict[str, bool] = {}
    for item, said in answers.items():
        if said in (None, ""):
            continue
        if item == BIRTH_DATE:
            out[item] = isinstance(said, datetime.date) and said == member.birth_date
        elif item == NAME:
            out[item] = _name(member, str(said))
        elif item == ADDRESS:
            out[item] = _address(member, str(said))
        elif item == PHONE:
            out[item] = _phone(member, str(said))
        else:
            raise ValueError(f"not an identity item: {item!r}")
    return out


def answers_of(member: Member, items: list[str] | tuple[str, ...]) -> dict[str, object]:
    """The member's own data as a caller would give it, for ``items`` (demo calls, tests)."""
    own: dict[str, object] = {
        NAME: member.name,
        BIRTH_DATE: member.birth_date,
        ADDRESS: member.postal_code or member.address,
        PHONE: member.phone,
    }
    return {item: own[item] for item in items}


def field_of(text: str, *, prefix: str = "") -> str:
    """Which of a caller's details ``text`` is: ``phone``, ``postal_code``, ``kana`` or
    ``name`` (with ``prefix``), to put a search that found nobody where it belongs."""
    stripped = text.strip()
    if POSTAL_CODE.fullmatch(stripped):
        kind = "postal_code"
    elif CALLER_ID.fullmatch(stripped) or (digits(stripped) and len(digits(stripped)) >= 4):
        kind = "phone"
    elif is_kana(kana_key(stripped)):  # katakana, hiragana or half-width: a reading
        kind = "kana"
    else:
        kind = "name"
    return prefix + kind
