"""The one check every text the product takes goes through (forms, the API, imports): control
characters and the Unicode direction marks and overrides are refused, naming the field.

A control character (``\\x0b``, ``\\x1b``…) breaks the files the product writes (XLSX refuses
it) and hides in a screen; a right-to-left override (U+202E) makes ``gpj.exe`` read as
``exe.jpg``, or a name read backwards, in every list that shows it. Tabs and line ends are text.
"""

import re

from django.utils.translation import gettext as _

# The longest free text a person types (a call's note, a caller's story, a complaint's
# outcome): the same in the pages, the API and the model.
TEXT_LIMIT = 10_000

UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def unsafe(value: str) -> str | None:
    """Why ``value`` is refused (its first unsafe character), or None."""
    found = UNSAFE.search(value)
    if found is None:
        return None
    return _("contains a control or text-direction character (U+%(code)04X)") % {
        "code": ord(found.group())
    }
