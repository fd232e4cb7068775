"""Background import jobs with progress, over an app's own job model.

An app keeps its job model (the registry's ``entrepreneurs.ImportJob``); this module takes any model
with the fields of :class:`ImportJobRecord` (by protocol, so core imports no app). A job keeps the
upload encrypted (it holds clear ID numbers), so the commit after a dry run, the background worker and
the bad-rows download read the same bytes; it runs under its uploader with the working region they had
chosen at upload time, reports its stage and rows done while it runs, and always ends ``done`` or
``failed`` with a code. Part of :mod:`fanxiang.core.imports`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from django.core.files.base import ContentFile
from django.utils import timezone

from fanxiang.core import pii
from fanxiang.core.errors import DomainError, InvalidInput
from fanxiang.core.import_report import ImportReport, ImportStage

Progress = Callable[[str, int], None]

FAILED_MESSAGE = "导入过程中发生系统错误，未写入任何数据。已记录错误，请联系系统管理员。"


class JobStatus:
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobStage:
    QUEUED = "queued"
    VALIDATING = ImportStage.VALIDATING
    WRITING = ImportStage.WRITING
    FINISHED = "finished"


class ImportJobRecord(Protocol):
    """What a job model holds (``entrepreneurs.ImportJob`` is one)."""

    pk: Any
    created_by: Any
    active_region_path: str
    source: Any  # a FileField: the upload, encrypted
    original_name: str
    dry_run: bool
    partial: bool
    status: str
    stage: str
    total_rows: int
    rows_done: int
    valid_rows: int
    created: int
    updated: int
    unchanged: int
    committed: bool
    errors: list
    error_count: int
    ignored_columns: list
    error_code: str
    error_message: str
    started_at: Any
    finished_at: Any
    percent: int  # 0–100 for the progress bar; 100 once finished

    def save(self, *args: Any, **kwargs: Any) -> None: ...


def read_upload(upload: Any, max_bytes: int) -> tuple[bytes, str]:
    """The bytes and name of an uploaded file, refused when missing or larger than ``max_bytes``."""
    if upload is None:
        raise InvalidInput.field("file", "import.file_required", "请选择要上传的文件。")
    name = str(getattr(upload, "name", "") or "upload")[-200:]
    if getattr(upload, "size", 0) and upload.size > max_bytes:
        raise InvalidInput.field(
            "file", "import.file_too_large", f"文件超过{max_bytes // 1024 // 1024}MB，请拆分后分批导入。"
        )
    return upload.read(), name


def store_source(job: ImportJobRecord, content: bytes) -> None:
    """Keep the upload on the (unsaved) job, encrypted at rest."""
    job.source.save("upload.bin", ContentFile(pii.encrypt_bytes(content)), save=False)


def load_source(job: ImportJobRecord) -> bytes:
    with job.source.open("rb") as fh:
        return pii.decrypt_bytes(fh.read())


def job_actor(job: ImportJobRecord) -> Any:
    """The uploader, with the working region they had chosen at upload time."""
    actor = job.created_by
    if job.active_region_path:
        actor.active_region_path = job.active_region_path
    return actor


def execute(
    job: ImportJobRecord,
    run: Callable[[Any, Progress], ImportReport],
    *,
    logger: logging.Logger,
) -> ImportJobRecord:
    """Run ``run(actor, progress)`` for ``job`` to its end, recording stage and rows done as it goes and
    the report when it ends. Whatever happens the job ends ``done`` or ``failed`` with a code; a failed
    import has written nothing (its write is one transaction)."""
    manager = type(job)._default_manager
    job.status, job.stage, job.started_at = JobStatus.RUNNING, JobStage.VALIDATING, timezone.now()
    job.save(update_fields=["status", "stage", "started_at"])

    def progress(stage: str, done: int) -> None:
        manager.filter(pk=job.pk).update(stage=stage, rows_done=done)

    try:
        report = run(job_actor(job), progress)
    except DomainError as exc:
        job.status, job.error_code, job.error_message = JobStatus.FAILED, exc.code, exc.message[:500]
    except Exception:  # never leave a job hanging: log it and say so on the page
        logger.exception("import job %s failed", job.pk)
        job.status, job.error_code, job.error_message = JobStatus.FAILED, "import.failed", FAILED_MESSAGE
    else:
        job.status = JobStatus.DONE
        job.total_rows, job.rows_done = report.total_rows, report.total_rows
        job.valid_rows, job.created, job.updated = report.valid_rows, report.created, report.updated
        job.unchanged, job.committed = report.unchanged, report.committed
        job.errors, job.error_count = report.errors, len(report.errors)
        job.ignored_columns = report.ignored_columns
    job.stage, job.finished_at = JobStage.FINISHED, timezone.now()
    job.save()
    return job


def job_report(job: ImportJobRecord) -> dict[str, Any]:
    """The import report (its common shape) plus the job's state."""
    rows = sorted({e["row"] for e in job.errors})
    return {
        "job_id": job.pk,
        "status": job.status,
        "stage": job.stage,
        "dry_run": job.dry_run,
        "partial": job.partial,
        "committed": job.committed,
        "file_name": job.original_name,
        "total_rows": job.total_rows,
        "rows_done": job.rows_done,
        "progress": job.percent,
        "valid_rows": job.valid_rows,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "error_rows": len(rows),
        "errors": job.errors,
        "ignored_columns": job.ignored_columns,
        "error_code": job.error_code,
        "error_message": job.error_message,
    }
