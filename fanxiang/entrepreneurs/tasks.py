"""Import jobs: store the upload, run small files inline and large ones on the task queue.

A job runs under its uploader, with the working region they had chosen at upload time. The uploaded
file is kept encrypted (it holds clear ID numbers) so the commit after a dry run, the background
worker and the bad-rows download read the same bytes.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from fanxiang.core import audit, pii
from fanxiang.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from fanxiang.core.scope import ADD, resolve
from fanxiang.entrepreneurs import imports
from fanxiang.entrepreneurs.models import Entrepreneur, ImportJob

logger = logging.getLogger("fanxiang.imports")


def import_jobs_for_user(user: Any) -> QuerySet[ImportJob]:
    """A user's own import jobs (owner-only: see ImportJob)."""
    if not getattr(user, "is_authenticated", False):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(created_by=user)


def import_job_get(user: Any, job_id: int) -> ImportJob:
    job = import_jobs_for_user(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound("not_found", "导入任务不存在或无权访问。")
    return job


def _read_upload(upload: Any) -> tuple[bytes, str]:
    if upload is None:
        raise InvalidInput.field("file", "import.file_required", "请选择要上传的文件。")
    name = str(getattr(upload, "name", "") or "upload")[-200:]
    if getattr(upload, "size", 0) and upload.size > imports.MAX_FILE_BYTES:
        raise InvalidInput.field(
            "file",
            "import.file_too_large",
            f"文件超过{imports.MAX_FILE_BYTES // 1024 // 1024}MB，请拆分后分批导入。",
        )
    return upload.read(), name


def _ensure_may_import(actor: Any) -> None:
    if resolve(actor, Entrepreneur, ADD).empty:
        raise Forbidden("scope.region_forbidden", "您的角色无权登记返乡创业人员，不能批量导入。")


def import_job_create(
    *, actor: Any, upload: Any, dry_run: bool, partial: bool = False, parent: ImportJob | None = None
) -> ImportJob:
    """Check the file (type, header, size), store it and run it: inline up to
    ``imports.BACKGROUND_THRESHOLD`` data rows, else on the task queue. File-level problems raise
    InvalidInput with their code and create no job."""
    _ensure_may_import(actor)
    content, name = _read_upload(upload)
    table = imports.read_table(content, name)
    job = ImportJob(
        created_by=actor,
        active_region_path=getattr(actor, "active_region_path", None) or "",
        original_name=name,
        dry_run=dry_run,
        partial=partial,
        parent=parent,
        total_rows=table.total_rows,
    )
    job.source.save("upload.bin", ContentFile(pii.encrypt_bytes(content)), save=False)
    job.save()
    return _start(job, table)


def import_job_commit(*, actor: Any, dry_run_job: ImportJob, partial: bool) -> ImportJob:
    """Commit the file of a finished dry run (the wizard's second step), all-or-nothing or partial."""
    _ensure_may_import(actor)
    if dry_run_job.created_by_id != actor.pk:
        raise NotFound("not_found", "导入任务不存在或无权访问。")
    if not dry_run_job.dry_run or dry_run_job.status != ImportJob.Status.DONE:
        raise InvalidInput("import.not_checked", "请先完成校验再确认导入。")
    job = ImportJob.objects.create(
        created_by=actor,
        active_region_path=getattr(actor, "active_region_path", None) or dry_run_job.active_region_path,
        source=dry_run_job.source.name,
        original_name=dry_run_job.original_name,
        dry_run=False,
        partial=partial,
        parent=dry_run_job,
        total_rows=dry_run_job.total_rows,
    )
    return _start(job, None)


def _start(job: ImportJob, table: imports.Table | None) -> ImportJob:
    if job.total_rows > imports.BACKGROUND_THRESHOLD:
        result = run_import_job.enqueue(job.pk)
        ImportJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])
        job.refresh_from_db()
        return job
    import_job_execute(job, table)
    return job


def load_table(job: ImportJob) -> imports.Table:
    with job.source.open("rb") as fh:
        content = pii.decrypt_bytes(fh.read())
    return imports.read_table(content, job.original_name)


def import_job_execute(job: ImportJob, table: imports.Table | None = None) -> ImportJob:
    """Run a job to its end. Whatever happens the job ends ``done`` or ``failed`` with a code; a failed
    import has written nothing (the write is one transaction)."""
    job.status, job.stage, job.started_at = (
        ImportJob.Status.RUNNING,
        ImportJob.Stage.VALIDATING,
        timezone.now(),
    )
    job.save(update_fields=["status", "stage", "started_at"])
    actor = job.created_by
    if job.active_region_path:
        actor.active_region_path = job.active_region_path

    def progress(stage: str, done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(stage=stage, rows_done=done)

    try:
        if table is None:
            table = load_table(job)
        with audit.acting_as(actor):
            report = imports.run_import(
                actor=actor,
                table=table,
                dry_run=job.dry_run,
                partial=job.partial,
                progress=progress,
                job_ref={"import_job": job.pk},
                source_name=job.original_name,
            )
    except DomainError as exc:
        job.status, job.error_code, job.error_message = ImportJob.Status.FAILED, exc.code, exc.message[:500]
    except Exception:  # never leave a job hanging: log it and say so on the page
        logger.exception("import job %s failed", job.pk)
        job.status, job.error_code = ImportJob.Status.FAILED, "import.failed"
        job.error_message = "导入过程中发生系统错误，未写入任何数据。已记录错误，请联系系统管理员。"
    else:
        job.status = ImportJob.Status.DONE
        job.total_rows, job.rows_done = report.total_rows, report.total_rows
        job.valid_rows, job.created, job.updated = report.valid_rows, report.created, report.updated
        job.unchanged, job.committed = report.unchanged, report.committed
        job.errors, job.error_count = report.errors, len(report.errors)
        job.ignored_columns = report.ignored_columns
    job.stage, job.finished_at = ImportJob.Stage.FINISHED, timezone.now()
    job.save()
    return job


@task()
def run_import_job(job_id: int) -> str:
    """Background entry point (``manage.py db_worker`` runs it; FANXIANG_TASKS=immediate runs it inline)."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.PENDING:
        return "skipped"
    return import_job_execute(job).status


def bad_rows_file(job: ImportJob) -> bytes:
    if not job.errors:
        raise NotFound("import.no_bad_rows", "该导入没有错误行。")
    return imports.bad_rows_workbook(load_table(job), job.errors)


def job_report(job: ImportJob) -> dict[str, Any]:
    """The API contract's report, plus the job's state."""
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
