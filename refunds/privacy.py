"""How personal data is masked, everywhere it is shown masked: pages, lists, exports, the API.

Who sees it unmasked is ``refunds.policies``'s rule; this module only says what a masked value
looks like: enough to tell namesakes apart on a call, not enough to use.
"""

import datetime
import re

PREFECTURE_RE = re.compile(r"^(東京都|北海道|(?:京都|大阪)府|.{2,3}県)")


def mask_digits(text: str, visible: int = 4) -> str:
    """Every digit but the last ``visible`` replaced by "*"; separators are kept."""
    total = sum(ch.isdigit() for ch in text)
    seen = 0
    out = []
    for ch in text:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - visible else "*")
        else:
            out.append(ch)
    return "".join(out)


def prefecture(address: str) -> str:
    """The prefecture an address starts with (都道府県), or an empty string."""
    match = PREFECTURE_RE.match(address or "")
    return match.group(0) if match else ""


def mask_phone(value: str | None) -> str:
    """``***-****-5938``: the last four digits."""
    return mask_digits(value or "")


def mask_birth_date(value: datetime.date | None) -> str:
    """``1961-**-**``: the year."""
    return f"{value.year}-**-**" if value else ""


def mask_address(value: str | None) -> str:
    """``東京都 ***``: the prefecture."""
    area = prefecture(value or "")
    return f"{area} ***" if area else ("***" if value else "")


def mask_email(value: str | None) -> str:
    """``***@example.jp``: the domain."""
    return f"***@{value.rpartition('@')[2]}" if value else ""


def mask_postal(value: str | None) -> str:
    """``150-****``: the area."""
    return f"{value[:3]}-****" if value else ""


def mask_account(value: str | None) -> str:
    """``***4567``: the last four digits of an account number."""
    return f"***{value[-4:]}" if value else ""
