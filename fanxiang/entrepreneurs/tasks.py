"""Import jobs: store the upload, run small files inline and large ones on the task queue.

A job runs under its uploader, with the working region they had chosen at upload time. The uploaded
file is kept encrypted (it holds clear ID numbers) so the commit after a dry run, the background
worker and the bad-rows download read the same bytes.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import QuerySet
from django_tasks import task

from fanxiang.core import audit
from fanxiang.core.errors import Forbidden, InvalidInput, NotFound
from fanxiang.core.imports import check_commit, jobs
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
    return jobs.read_upload(upload, imports.MAX_FILE_BYTES)


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
    jobs.store_source(job, content)
    job.save()
    return _start(job, table)


def import_job_commit(*, actor: Any, dry_run_job: ImportJob, partial: bool) -> ImportJob:
    """Commit the file of a finished dry run (the wizard's second step), all-or-nothing or partial."""
    _ensure_may_import(actor)
    if dry_run_job.created_by_id != actor.pk:
        raise NotFound("not_found", "导入任务不存在或无权访问。")
    if not dry_run_job.dry_run or dry_run_job.status != ImportJob.Status.DONE:
        raise InvalidInput("import.not_checked", "请先完成校验再确认导入。")
    check_commit(
        partial=partial,
        valid_rows=dry_run_job.valid_rows,
        error_rows=len({e["row"] for e in dry_run_job.errors or []}),
    )
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
    return imports.read_table(jobs.load_source(job), job.original_name)


def import_job_execute(job: ImportJob, table: imports.Table | None = None) -> ImportJob:
    """Run a job to its end (:func:`fanxiang.core.import_jobs.execute`): it ends ``done`` or ``failed``
    with a code; a failed import has written nothing (the write is one transaction)."""

    def run(actor: Any, progress: jobs.Progress) -> imports.ImportReport:
        with audit.acting_as(actor):
            return imports.run_import(
                actor=actor,
                table=table if table is not None else load_table(job),
                dry_run=job.dry_run,
                partial=job.partial,
                progress=progress,
                job_ref={"import_job": job.pk},
                source_name=job.original_name,
            )

    return jobs.execute(job, run, logger=logger)


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
    return jobs.job_report(job)
