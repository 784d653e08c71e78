"""``make bench-pages`` times every URL of the product, or says why not
(``benchmarks/page_catalogue.py``): a new URL fails here until it is listed."""

import sys
from pathlib import Path

from django.urls import URLResolver, get_resolver

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from page_catalogue import CATALOGUE, NotTimed, Timed

ROLES = {"anonymous", "staff", "supervisor", "admin"}


def _names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _names(pattern.url_patterns, pattern.namespace or namespace)
        else:
            yield f"{namespace}:{pattern.name}" if namespace else str(pattern.name)


def test_every_url_is_timed_or_says_why_not():
    names = set(_names(get_resolver().url_patterns))
    assert sorted(names - set(CATALOGUE)) == [], "URLs the benchmark neither times nor excuses"
    assert sorted(set(CATALOGUE) - names) == [], "listed URLs the product no longer has"


def test_each_entry_names_a_role_or_a_reason():
    for name, entry in CATALOGUE.items():
        if isinstance(entry, Timed):
            assert entry.role in ROLES, name
        else:
            assert isinstance(entry, NotTimed) and entry.reason.strip(), name
