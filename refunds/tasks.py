"""Celery tasks: thin wrappers that call a service."""

from celery import shared_task

from refunds.services.imports import import_run_batch


@shared_task(acks_late=True, name="refunds.import_batch")
def import_batch_task(batch_id: int) -> str | None:
    batch = import_run_batch(batch_id=batch_id)
    return batch.status if batch else None


@shared_task(acks_late=True, name="refunds.detection_run")
def detection_run_task(run_id: int) -> dict[str, int]:
    from refunds.models import DetectionRun
    from refunds.services.detection import detection_execute

    run = DetectionRun.objects.select_related("program", "started_by").get(pk=run_id)
    if run.status != "running":
        return {}
    return detection_execute(run=run).summary()
