"""The one search box: read what the operator typed, try every reading that fits, merge.

A query is read as a member, contract or case number, a phone number (the last four or more
digits), a postal code, an email address, a kana reading or a name. Each reading is one indexed
query with a limit; results are merged with the readings that found each member.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from refunds.casenumbers import normalise
from refunds.models import Case, Contract, Member

from . import keys

MIN_LENGTH = 2
MAX_LENGTH = 100
# Substring (not only prefix) matches for names of at least this many characters: a trigram
# index serves them on PostgreSQL; shorter ones would read the whole table.
SUBSTRING_MIN_LENGTH = 3
PHONE_MIN_DIGITS = 4

_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")
_POSTAL_RE = re.compile(r"^〒?\s*(\d{3})-?(\d{4})$")
_PHONE_CHARS_RE = re.compile(r"^[\d\s()+\-]+$")

MATCH_LABELS = {
    "member_no": gettext_lazy("member number"),
    "contract_no": gettext_lazy("contract number"),
    "case_no": gettext_lazy("case number"),
    "phone": gettext_lazy("phone"),
    "postal_code": gettext_lazy("postal code"),
    "email": gettext_lazy("email"),
    "kana": gettext_lazy("kana"),
    "name": gettext_lazy("name"),
    "kana+phone": gettext_lazy("kana and phone"),
    "name+phone": gettext_lazy("name and phone"),
}


@dataclass
class Hit:
    member: Member
    matched: list[str] = field(default_factory=list)

    @property
    def matched_labels(self) -> list[str]:
        return [str(MATCH_LABELS[m]) for m in self.matched]


@dataclass
class SearchResult:
    query: str
    error: str = ""
    hits: list[Hit] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)
    truncated: bool = False
    # Where to go straight away: an exact case, or the one member an exact number names.
    redirect_to: str = ""


def _readings(text: str) -> dict[str, list[QuerySet[Member]]]:
    """Each way the text can be read, as queries of members tried in order."""
    folded = unicodedata.normalize("NFKC", text).strip()
    compact = keys.name_key(folded)
    upper = compact.upper()
    found: dict[str, list[QuerySet[Member]]] = {}
    members = Member.objects.order_by()
    if "@" in folded:
        found["email"] = [
            members.alias(email_lower=Lower("email")).filter(email_lower=folded.lower())
        ]
        return found
    narrowed = _name_and_phone(folded)
    if narrowed is not None:
        return narrowed
    if _CODE_RE.match(upper):
        found["member_no"] = [members.filter(member_no=upper)]
        found["contract_no"] = [
            members.filter(pk__in=Contract.objects.filter(contract_no=upper).values("member_id"))
        ]
    postal = _POSTAL_RE.match(folded)
    if postal:
        found["postal_code"] = [members.filter(postal_code=f"{postal.group(1)}-{postal.group(2)}")]
    if _PHONE_CHARS_RE.match(folded):
        digits = keys.digits(folded)
        if folded.startswith("+81"):  # a caller ID in international form: +81 92-479-5938
            digits = "0" + digits[2:].lstrip("0")
        if len(digits) >= PHONE_MIN_DIGITS:
            found["phone"] = [members.filter(phone_rev__startswith=digits[::-1])]
        return found
    kana = keys.kana_key(folded)
    if keys.is_kana(kana):
        found["kana"] = _name_queries(members, "kana_key", "given_kana_key", kana)
    elif not _CODE_RE.match(upper) or not any(ch.isdigit() for ch in upper):
        found["name"] = _name_queries(members, "name_key", "given_name_key", compact)
    return found


def _name_and_phone(folded: str) -> dict[str, list[QuerySet[Member]]] | None:
    """``5938 ﾊｾｶﾞﾜ`` as callers give it: phone digits and a name in one query, each narrowing
    the other (None unless the text has both)."""
    words = folded.split()
    numbers = [w for w in words if _PHONE_CHARS_RE.match(w) and any(c.isdigit() for c in w)]
    names = [w for w in words if w not in numbers]
    digits = keys.digits("".join(numbers))
    if not names or len(digits) < PHONE_MIN_DIGITS:
        return None
    phone = Q(phone_rev__startswith=digits[::-1])
    return {
        f"{reading}+phone": [query.filter(phone) for query in queries]
        for reading, queries in _readings(" ".join(names)).items()
        if reading in ("kana", "name")
    } or None


def _name_queries(
    members: QuerySet[Member], column: str, given_column: str, value: str
) -> list[QuerySet[Member]]:
    """The full name starts with ``value``, else the given name does, else (3+ characters) the
    name contains it: one simple indexed query each, tried in that order until the limit."""
    queries = [
        members.filter(**{f"{column}__startswith": value}),
        members.filter(**{f"{given_column}__startswith": value}),
    ]
    if len(value) >= SUBSTRING_MIN_LENGTH:
        queries.append(members.filter(**{f"{column}__contains": value}))
    return queries


def _fetch(reading: str, queries: list[QuerySet[Member]], limit: int) -> list[Member]:
    """Evaluate one reading's queries in order until ``limit`` members are found.

    Name readings on PostgreSQL are kept off a sequential scan: for a name among the column's
    most common values the planner can over-estimate the matches a hundredfold and read the
    table front to back hoping to meet the LIMIT early, which for a rare full name means the
    whole table (~100 ms at 1M members instead of a few). Each query is a single indexed
    predicate with a LIMIT, so an index scan stops as soon as it has enough.
    """
    found: dict[int, Member] = {}

    def run() -> None:
        for query in queries:
            for member in query.exclude(pk__in=list(found))[: limit - len(found)]:
                found[member.pk] = member
            if len(found) >= limit:
                return

    if reading.split("+")[0] in ("kana", "name") and connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            run()
    else:
        run()
    return list(found.values())


def search(text: str, *, limit: int | None = None) -> SearchResult:
    """Find members (and an exact case) for what the operator typed."""
    limit = limit or settings.SEARCH_RESULTS_LIMIT
    query = (text or "").replace("\x00", "").strip()
    result = SearchResult(query=query)
    size = len(keys.name_key(query))
    if size == 0:
        result.error = _(
            "Type a member, contract or case number, a phone number, a name, a postal code "
            "or an email address."
        )
        return result
    if size < MIN_LENGTH:
        result.error = _("Type at least %(count)s characters.") % {"count": MIN_LENGTH}
        return result
    if len(query) > MAX_LENGTH:
        result.error = _("Type at most %(count)s characters.") % {"count": MAX_LENGTH}
        return result

    upper = keys.name_key(unicodedata.normalize("NFKC", query)).upper()
    if _CODE_RE.match(upper):
        case = Case.objects.filter(case_no=normalise(upper) or upper).only("pk").first()
        if case is not None:
            result.redirect_to = case.get_absolute_url()
            result.readings = ["case_no"]
            return result

    hits: dict[int, Hit] = {}
    readings = _readings(query)
    result.readings = list(readings)
    for reading, queries in readings.items():
        for member in _fetch(reading, queries, limit + 1):
            hit = hits.setdefault(member.pk, Hit(member))
            hit.matched.append(reading)
    ordered = sorted(hits.values(), key=lambda h: (h.member.kana_key, h.member.member_no))
    result.truncated = len(ordered) > limit
    result.hits = ordered[:limit]
    exact = {"member_no", "contract_no"}
    if len(result.hits) == 1 and exact & set(result.hits[0].matched):
        result.redirect_to = result.hits[0].member.get_absolute_url()
    return result
