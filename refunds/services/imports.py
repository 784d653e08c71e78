"""Import services: the lock, the batch record, the run, the result and its audit event."""

import hashlib
import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, InterfaceError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from refunds.imports.engine import ImportOutcome, run_import
from refunds.imports.errors import FileRefused, ImportLocked
from refunds.imports.schema import SPECS
from refunds.models import ImportBatch, ImportRowError, ImportStatus
from refunds.models.audit import AuditAction
from refunds.queue import IMPORT_BATCH, send

from .audit import audit_record

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0


def progress_key(batch_id: int) -> str:
    return f"import-progress:{batch_id}"


def import_progress(batch: ImportBatch) -> dict[str, Any]:
    """What the progress bar shows: percent of the file read and rows read so far."""
    data = cache.get(progress_key(batch.pk)) or {}
    size = batch.file_size or 1
    percent = 100 if not batch.is_open else min(99, int(100 * data.get("bytes", 0) / size))
    return {"percent": percent, "rows": data.get("rows", batch.rows_total)}


def _sha256(fh: BinaryIO) -> str:
    digest = hashlib.sha256()
    fh.seek(0)
    while chunk := fh.read(1 << 20):
        digest.update(chunk)
    fh.seek(0)
    return digest.hexdigest()


def _release_stale_lock(kind: str) -> None:
    """A batch that has shown no sign of life for too long (a dead process) frees the lock."""
    limit = timezone.now() - timedelta(seconds=settings.IMPORT_STALE_AFTER_SECONDS)
    for batch in ImportBatch.objects.filter(kind=kind, status__in=ImportStatus.open_values()):
        last = batch.heartbeat_at or batch.started_at or batch.created_at
        beat = (cache.get(progress_key(batch.pk)) or {}).get("at")
        if beat:
            last = max(last, beat)
        if last < limit:
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportStatus.FAILED,
                message=_("abandoned: no sign of life since %(when)s")
                % {"when": timezone.localtime(last).strftime("%Y-%m-%d %H:%M")},
                finished_at=timezone.now(),
            )


def _open_batch(**fields: Any) -> ImportBatch:
    kind = fields["kind"]
    _release_stale_lock(kind)
    batch = ImportBatch(**fields)
    try:
        with transaction.atomic():
            batch.save()  # stores an uploaded file before the row is written
            return batch
    except IntegrityError:
        if batch.file:  # refused by the lock: the stored upload goes too
            batch.file.delete(save=False)
        raise ImportLocked(
            _("another %(kind)s import is queued or running; try again when it has finished")
            % {"kind": kind}
        ) from None


def import_enqueue(
    *,
    kind: str,
    upload: "UploadedFile[bytes]",
    user: User,
    encoding: str = "auto",
    partial: bool = False,
) -> ImportBatch:
    """Store an uploaded file as a queued batch and hand it to a worker after commit."""
    sha = _sha256(upload)  # type: ignore[arg-type]
    batch = _open_batch(
        kind=kind,
        file=upload,
        file_name=Path(upload.name or "upload.csv").name,
        file_size=upload.size or 0,
        sha256=sha,
        requested_encoding=encoding,
        partial=partial,
        created_by=user,
        status=ImportStatus.QUEUED,
    )

    def fail(message: str) -> None:
        ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.QUEUED).update(
            status=ImportStatus.FAILED, message=message, finished_at=timezone.now()
        )

    transaction.on_commit(lambda: send(IMPORT_BATCH, batch.pk, on_failure=fail))
    return batch


def import_path(
    *,
    kind: str,
    path: Path,
    user: User | None = None,
    encoding: str = "auto",
    partial: bool = False,
) -> tuple[ImportBatch, ImportOutcome | None]:
    """Import a file from disk now (the ``import_csv`` command)."""
    with path.open("rb") as fh:
        batch = _open_batch(
            kind=kind,
            file_name=path.name,
            file_size=path.stat().st_size,
            sha256=_sha256(fh),
            requested_encoding=encoding,
            partial=partial,
            created_by=user,
            status=ImportStatus.RUNNING,
            started_at=timezone.now(),
        )
        outcome = _run(batch, fh)
    batch.refresh_from_db()
    return batch, outcome


def import_run_batch(*, batch_id: int) -> ImportBatch | None:
    """Run a queued (or interrupted) batch; a finished batch is left alone (idempotent)."""
    updated = ImportBatch.objects.filter(pk=batch_id, status__in=ImportStatus.open_values()).update(
        status=ImportStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    if not updated:
        return None
    batch = ImportBatch.objects.get(pk=batch_id)
    with batch.file.open("rb") as fh:
        _run(batch, fh)  # type: ignore[arg-type]
    return batch


def _run(batch: ImportBatch, fh: BinaryIO) -> ImportOutcome | None:
    spec = SPECS[batch.kind]
    key = progress_key(batch.pk)
    last_sent = [0.0]

    def progress(bytes_read: int, rows: int) -> None:
        """At most one cache write a second: the engine reports every batch."""
        now = time.monotonic()
        if now - last_sent[0] < PROGRESS_EVERY_SECONDS:
            return
        last_sent[0] = now
        cache.set(key, {"bytes": bytes_read, "rows": rows, "at": timezone.now()}, 3600)

    try:
        outcome = run_import(
            spec=spec,
            fh=fh,
            file_name=batch.file_name,
            encoding=batch.requested_encoding,
            partial=batch.partial,
            progress=progress,
        )
    except FileRefused as exc:
        _finish(batch, None, refused=exc)
        return None
    except Exception as exc:
        logger.exception("import %s failed", batch.pk)
        _finish(batch, None, failure=exc)
        raise
    _finish(batch, outcome)
    return outcome


def _failure_message(failure: Exception) -> str:
    # The DB-API module's own errors come through raw cursors (COPY) unwrapped.
    driver = connection.Database  # type: ignore[attr-defined]
    database_errors = (DatabaseError, InterfaceError, driver.Error)
    integrity_errors = (IntegrityError, driver.IntegrityError)
    if isinstance(failure, database_errors) and not isinstance(failure, integrity_errors):
        first_line = (str(failure).strip().splitlines() or [repr(failure)])[0]
        return _(
            "the database stopped the import (%(error)s); nothing of this file was kept, "
            "import it again"
        ) % {"error": first_line}
    return str(failure)


def _finish(
    batch: ImportBatch,
    outcome: ImportOutcome | None,
    *,
    refused: FileRefused | None = None,
    failure: Exception | None = None,
) -> None:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        batch.finished_at = timezone.now()
        if refused is not None:
            batch.status = ImportStatus.REJECTED
            batch.message = f"{batch.file_name}:{refused.line}: {refused.column}: {refused.reason}"
            ImportRowError.objects.create(
                batch=batch, line=refused.line, column=refused.column, reason=refused.reason[:500]
            )
            batch.rejected = 0
        elif failure is not None:
            batch.status = ImportStatus.FAILED
            batch.message = _failure_message(failure)[:2000]
        else:
            assert outcome is not None
            batch.encoding = outcome.encoding
            batch.rows_total = outcome.rows_total
            batch.created = outcome.created
            batch.updated = outcome.updated
            batch.unchanged = outcome.unchanged
            batch.rejected = outcome.rejected
            if not outcome.errors:
                batch.status = ImportStatus.SUCCEEDED
            elif outcome.taken:
                batch.status = ImportStatus.PARTIAL
            else:
                batch.status = ImportStatus.REJECTED
            if outcome.stopped_after_line:
                batch.message = _(
                    "Refused after %(count)s rejected rows, at line %(line)s: nothing was "
                    "imported and the rest of the file was not read. The first %(count)s are "
                    "listed."
                ) % {"count": f"{outcome.errors.limit:,}", "line": outcome.stopped_after_line}
            elif outcome.errors.total > len(outcome.errors):
                batch.message = _("%(total)s row errors; the first %(count)s are listed.") % {
                    "total": f"{outcome.errors.total:,}",
                    "count": f"{len(outcome.errors):,}",
                }
            ImportRowError.objects.bulk_create(
                (
                    ImportRowError(batch=batch, line=e.line, column=e.column, reason=e.reason[:500])
                    for e in outcome.errors
                ),
                batch_size=2000,
            )
        batch.save()
        audit_record(
            actor=batch.created_by,
            action=AuditAction.IMPORT_FINISHED,
            obj=batch,
            changes={
                "status": batch.status,
                "created": batch.created,
                "updated": batch.updated,
                "unchanged": batch.unchanged,
                "rejected": batch.rejected,
                "sha256": batch.sha256,
            },
        )
    cache.delete(progress_key(batch.pk))
