import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from refunds.models import Case
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_members_of_long_closed_cases_are_listed(settings):
    old = timezone.now() - datetime.timedelta(days=365 * settings.RETENTION_YEARS + 10)
    closed = CaseFactory(status="rejected")
    recent = CaseFactory(status="rejected")
    still_open = CaseFactory(status="claim_received")
    Case.objects.filter(pk__in=[closed.pk, still_open.pk]).update(updated_at=old)
    out, err = io.StringIO(), io.StringIO()
    call_command("retention_due", stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert lines[0] == "member_no,cases,last_closed,inquiries,claims"
    assert [line.split(",")[0] for line in lines[1:]] == [closed.member.member_no]
    assert recent.member.member_no not in out.getvalue()
    assert "1 members due" in err.getvalue()
