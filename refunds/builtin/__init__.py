"""The built-in program of the spec, created by a data migration and kept after every migrate."""

import datetime
from typing import Any

SONET_HIKARI_2010: dict[str, Any] = {
    "code": "SONET-HIKARI-2010",
    "version": 1,
    "name": "So-net 光 with フレッツ 解約月基本料金の過請求 (2010)",
    "case_prefix": "SH10",
    "courses": ["HIKARI_FLETS"],
    "applied_on_or_after": datetime.date(2005, 4, 1),
    "cancel_requested_on_or_before": datetime.date(2009, 9, 16),
    "overcharge_items": ["base_fee"],
    "offset_items": ["refund"],
    "recent_leaver_from": datetime.date(2009, 6, 1),
    "second_approval_threshold_yen": 10000,
    # The line printed in the letters: the free dial of the 2010 notice, every day.
    "free_dial_number": "0120-78-8221",
    "opens_at": datetime.time(9, 0),
    "closes_at": datetime.time(18, 0),
    # A few percent of the prepared cases re-checked (and the first of each category each day).
    "qa_rate_percent": 5,
}


def ensure_builtin_programs(program_model: Any) -> None:
    spec = dict(SONET_HIKARI_2010)
    program_model.objects.get_or_create(
        code=spec.pop("code"), version=spec.pop("version"), defaults=spec
    )


def ensure_builtin_programs_after_migrate(sender: Any, **kwargs: Any) -> None:
    if sender.name != "refunds":
        return
    from refunds.models import RemediationProgram

    ensure_builtin_programs(RemediationProgram)
