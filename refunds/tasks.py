"""Celery tasks: thin wrappers that call a service."""

from celery import shared_task

from refunds.services.imports import import_run_batch


@shared_task(acks_late=True, name="refunds.import_batch")
def import_batch_task(batch_id: int) -> str | None:
    batch = import_run_batch(batch_id=batch_id)
    return batch.status if batch else None
