"""Background jobs left waiting: an import or an export queued while no worker takes it (the
workers down, the broker lost the message) is failed after ``JOB_QUEUE_TIMEOUT_SECONDS``, so
that no import lock is held and no page waits for ever. A beat task runs this every few minutes;
the job pages run it too, since a site with no worker has nobody to run the beat's task."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from refunds.models import ExportJob, ImportBatch, ImportStatus
from refunds.models.audit import AuditAction
from refunds.services.audit import Entry, audit_record_many


def _queued_before(now: datetime.datetime) -> datetime.datetime:
    """A job queued before this has waited too long."""
    return now - datetime.timedelta(seconds=settings.JOB_QUEUE_TIMEOUT_SECONDS)


def job_fail_if_stale(job: ImportBatch | ExportJob) -> bool:
    """On a job's own page: fail the stale jobs when this one is among them (its page is
    polled every second while it waits: nothing is written unless it waited too long)."""
    queued = (ImportStatus.QUEUED, ExportJob.Status.QUEUED)
    if job.status not in queued or job.created_at >= _queued_before(timezone.now()):
        return False
    jobs_fail_stale()
    job.refresh_from_db()
    return True


@transaction.atomic
def jobs_fail_stale(*, now: datetime.datetime | None = None) -> int:
    """Fail the imports and exports queued longer than the timeout; how many."""
    now = now or timezone.now()
    limit = _queued_before(now)
    minutes = settings.JOB_QUEUE_TIMEOUT_SECONDS // 60
    message = _("No worker took this job within %(minutes)s minutes; start it again.") % {
        "minutes": minutes
    }
    imports = list(
        ImportBatch.objects.select_for_update()
        .filter(status=ImportStatus.QUEUED, created_at__lt=limit)
        .values_list("pk", "file_name")
    )
    exports = list(
        ExportJob.objects.select_for_update()
        .filter(status=ExportJob.Status.QUEUED, created_at__lt=limit)
        .values_list("pk", "list_name")
    )
    ImportBatch.objects.filter(pk__in=[pk for pk, _name in imports]).update(
        status=ImportStatus.FAILED, message=message, finished_at=now
    )
    ExportJob.objects.filter(pk__in=[pk for pk, _name in exports]).update(
        status=ExportJob.Status.FAILED, message=message, finished_at=now
    )
    audit_record_many(
        actor=None,
        action=AuditAction.JOB_TIMED_OUT,
        entries=[
            *(Entry("refunds.importbatch", pk, name, {"status": ["queued", "failed"]})
              for pk, name in imports),
            *(Entry("refunds.exportjob", pk, name, {"status": ["queued", "failed"]})
              for pk, name in exports),
        ],
    )  # fmt: skip
    return len(imports) + len(exports)
