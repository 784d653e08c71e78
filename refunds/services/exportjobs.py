"""Large exports: the same rows as a streamed export, written to a file by a Celery task."""

import tempfile
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from refunds import csvcells
from refunds.exports import export_rows, write_xlsx
from refunds.localtime import file_stamp
from refunds.models import ExportJob
from refunds.models.audit import AuditAction
from refunds.queue import EXPORT_JOB, send
from refunds.services.audit import Entry, audit_record_many

PROGRESS_EVERY = 5000


def _view_rows(job: ExportJob) -> tuple[Any, Any]:
    """The list view's filtered queryset and columns, as the user who asked saw them."""
    path = reverse(job.list_name)
    request = RequestFactory().get(path, data=QueryDict(job.query))
    request.user = job.created_by
    view_class = resolve(path).func.view_class  # type: ignore[attr-defined]
    view = view_class()
    view.setup(request)
    filterset = view.get_filterset(view.get_filterset_class())
    queryset = (
        filterset.qs
        if (not filterset.is_bound or filterset.is_valid())
        else filterset.queryset.none()
    )
    return queryset, view.export_columns


@transaction.atomic
def personal_data_export_record(
    *, user: User, list_name: str, query: str, fmt: str, rows: int, reason: str = ""
) -> None:
    """An export of unmasked personal data, logged like a reveal: who, which list, which
    filter, how many rows, why. Above ``EXPORT_REASON_ABOVE`` rows a reason is required."""
    if rows > settings.EXPORT_REASON_ABOVE and not reason.strip():
        raise ValidationError(
            {"reason": _("Say why %(rows)s rows of personal data are exported.") % {"rows": rows}}
        )
    audit_record_many(
        actor=user,
        action=AuditAction.PERSONAL_DATA_EXPORTED,
        entries=[
            Entry(
                object_type="list",
                object_id=list_name,
                object_repr=list_name.split(":")[-1],
                changes={"list": list_name, "filter": query, "rows": rows, "format": fmt},
                reason=reason.strip(),
            )
        ],
    )


def export_enqueue(
    *, user: User, list_name: str, query: str, fmt: str, rows_total: int
) -> ExportJob:
    job = ExportJob.objects.create(
        created_by=user, list_name=list_name, query=query, format=fmt, rows_total=rows_total
    )

    def fail(message: str) -> None:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, message=message, finished_at=timezone.now()
        )

    transaction.on_commit(lambda: send(EXPORT_JOB, job.pk, on_failure=fail))
    return job


def export_run(*, job_id: int) -> ExportJob:
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status == ExportJob.Status.DONE:
        return job  # a redelivered task: the file is there
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, rows_done=0)
    queryset, columns = _view_rows(job)
    rows = export_rows(queryset, columns, job.created_by)

    def counted() -> Any:
        for number, row in enumerate(rows):
            if number and number % PROGRESS_EVERY == 0:
                ExportJob.objects.filter(pk=job.pk).update(rows_done=number)
            yield row

    stamp = f"{job.list_name.split(':')[-1]}-{file_stamp()}"
    try:
        with tempfile.NamedTemporaryFile(suffix=f".{job.format}") as handle:
            if job.format == "xlsx":
                write_xlsx(counted(), handle.name, stamp)
            else:
                cp932 = job.format == "csv-cp932"
                with open(
                    handle.name,
                    "w",
                    encoding="cp932" if cp932 else "utf-8-sig",
                    errors="replace",
                    newline="",
                ) as out:
                    csvcells.writer(out).writerows(counted())
            handle.seek(0)
            extension = "xlsx" if job.format == "xlsx" else "csv"
            job.file.save(f"{stamp}.{extension}", File(handle), save=False)
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, message=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    job.status = ExportJob.Status.DONE
    job.rows_done = job.rows_total
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "rows_done", "finished_at"])
    return job
