"""List the members whose personal data is due for deletion (nothing is deleted).

A member is due when every one of their cases closed (paid, rejected or no longer affected)
more than ``RETENTION_YEARS`` (5) years ago, and nothing happened to them since. The list is
CSV on stdout: member number, cases, when the last one closed, inquiries and claims on record.
"""

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Count, Max, Q
from django.utils import timezone

from refunds import csvcells
from refunds.models import CaseStatus, Member

CLOSED = (CaseStatus.PAID, CaseStatus.REJECTED, CaseStatus.NO_LONGER_AFFECTED)


def members_due(now: datetime.datetime | None = None) -> Any:
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=365 * settings.RETENTION_YEARS)
    return (
        Member.objects.annotate(
            cases_total=Count("cases", distinct=True),
            cases_open=Count("cases", filter=~Q(cases__status__in=CLOSED), distinct=True),
            last_change=Max("cases__updated_at"),
            inquiries_total=Count("inquiries", distinct=True),
            claims_total=Count("claims", distinct=True),
        )
        .filter(cases_total__gt=0, cases_open=0, last_change__lt=cutoff)
        .order_by("member_no")
    )


class Command(BaseCommand):
    help = "List members whose personal data is due for deletion under the retention period."

    def handle(self, *args: Any, **options: Any) -> None:
        writer = csvcells.writer(self.stdout)
        writer.writerow(["member_no", "cases", "last_closed", "inquiries", "claims"])
        count = 0
        for member in members_due().iterator(chunk_size=2000):
            writer.writerow(
                [
                    member.member_no,
                    member.cases_total,
                    timezone.localtime(member.last_change).date().isoformat(),
                    member.inquiries_total,
                    member.claims_total,
                ]
            )
            count += 1
        self.stderr.write(f"{count} members due (retention {settings.RETENTION_YEARS} years)")
