"""Search keys: the one form in which a name, a kana reading or a phone number is compared.

A member's keys are computed when the member is imported and stored in indexed columns; a query
is turned into the same form before it is compared, so 「ﾔﾏﾀﾞ ﾀﾛｳ」, 「やまだたろう」 and
「ヤマダ　タロウ」 all meet the same row.
"""

import re
import unicodedata

import jaconv

_GAPS_RE = re.compile(r"[\s\u3000・･]+")


def name_key(text: str) -> str:
    """A name without spaces, compatibility characters folded (full-width latin → ASCII)."""
    return _GAPS_RE.sub("", unicodedata.normalize("NFKC", text))


def kana_key(text: str) -> str:
    """A kana reading as full-width katakana without spaces; hiragana and ﾊﾝｶｸ are folded."""
    return jaconv.hira2kata(name_key(text))


def given(text: str) -> str:
    """The part after the first space: the given name of 「山田　太郎」 (empty without a space)."""
    parts = _GAPS_RE.split(unicodedata.normalize("NFKC", text).strip(), maxsplit=1)
    return parts[1] if len(parts) == 2 else ""


def given_name_key(text: str) -> str:
    return name_key(given(text))


def given_kana_key(text: str) -> str:
    return kana_key(given(text))


def digits(text: str) -> str:
    """Only the digits, full-width digits included."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


def reversed_digits(text: str) -> str:
    """The digits back to front: a prefix search on it is a suffix search on the number."""
    return digits(text)[::-1]


def is_kana(text: str) -> bool:
    """True when ``text`` (a key) is written only in katakana and the long-vowel mark."""
    return bool(text) and all("\u30a1" <= ch <= "\u30fc" for ch in text)
