"""Celery tasks: thin wrappers that call a service."""

from celery import chord, shared_task

from refunds.models import DetectionRun, RunStatus
from refunds.reports import refresh_dashboard
from refunds.services.audit import audit_seal
from refunds.services.detection import (
    detection_apply_chunk,
    detection_fail,
    detection_finish,
    detection_ranges,
)
from refunds.services.exportjobs import export_run
from refunds.services.imports import import_run_batch
from refunds.services.jobs import jobs_fail_stale
from refunds.services.reporting import report_generate


@shared_task(acks_late=True, name="refunds.import_batch")
def import_batch_task(batch_id: int) -> str | None:
    batch = import_run_batch(batch_id=batch_id)
    return batch.status if batch else None


@shared_task(acks_late=True, name="refunds.detection_run")
def detection_run_task(run_id: int) -> None:
    """Cut the contracts into ranges and fan them out to the workers (a chord)."""
    run = _open_run(run_id)
    if run is None:
        return
    try:
        ranges = detection_ranges(run=run)
    except Exception as exc:
        detection_fail(run_id=run_id, message=str(exc))
        raise
    DetectionRun.objects.filter(pk=run_id).update(chunks_total=len(ranges))
    chunks = [detection_chunk_task.si(run_id, low, high) for low, high in ranges]
    chord(chunks)(detection_finish_task.s(run_id))


@shared_task(acks_late=True, name="refunds.detection_chunk")
def detection_chunk_task(run_id: int, low: int, high: int) -> dict[str, int]:
    run = _open_run(run_id)
    if run is None:
        return {}
    try:
        return detection_apply_chunk(run=run, contract_range=(low, high))
    except Exception as exc:
        detection_fail(run_id=run_id, message=str(exc))
        raise


@shared_task(acks_late=True, name="refunds.detection_finish")
def detection_finish_task(results: list[dict[str, int]], run_id: int) -> dict[str, int]:
    run = _open_run(run_id)
    if run is None:
        return {}
    run = detection_finish(run=run, results=results)
    return {"created": run.created, "problems": run.problems}


def _open_run(run_id: int) -> DetectionRun | None:
    """The run if it is still going (a redelivered task of a closed run does nothing)."""
    return (
        DetectionRun.objects.select_related("program", "started_by")
        .filter(pk=run_id, status=RunStatus.RUNNING)
        .first()
    )


@shared_task(acks_late=True, name="refunds.progress_report")
def progress_report_task() -> int:
    """Celery beat: generate and keep the progress report (every PROGRESS_REPORT_EVERY_DAYS)."""
    return report_generate().pk


@shared_task(acks_late=True, name="refunds.export_job")
def export_job_task(job_id: int) -> int:
    return export_run(job_id=job_id).pk


@shared_task(acks_late=True, name="refunds.dashboard_refresh")
def dashboard_refresh_task(days: int = 60) -> str:
    """Compute the dashboard's figures and store them (queued by a page that found them old)."""
    return refresh_dashboard(days=days).computed_at.isoformat()  # type: ignore[union-attr]


@shared_task(name="refunds.audit_seal")
def audit_seal_task() -> int:
    """Chain the audit events written since the last run (Celery beat, every minute)."""
    return audit_seal()


@shared_task(acks_late=True, name="refunds.jobs_fail_stale")
def jobs_fail_stale_task() -> int:
    return jobs_fail_stale()
