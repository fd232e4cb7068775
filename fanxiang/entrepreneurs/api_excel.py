"""Excel import and export endpoints of the entrepreneur registry: their own router, mounted at
``/entrepreneurs`` right after the registry's (``EntrepreneursConfig.ready``).

``/import``, ``/import/{job_id}``, ``/import-template`` and ``/export`` are literal paths; the detail
route ``/{int:entrepreneur_id}`` only matches digits, so they never collide."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from fanxiang.core.api import ErrorOut
from fanxiang.core.excel import XLSX_RESPONSE, xlsx_response
from fanxiang.core.scope import EXPORT
from fanxiang.entrepreneurs import exports, imports, tasks
from fanxiang.entrepreneurs.api import EntrepreneurFilterIn, filtered_entrepreneurs

router = Router(tags=["返乡创业人员"])

FILE_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ImportErrorOut(Schema):
    row: int
    column: str
    code: str
    message: str


class ImportReportOut(Schema):
    job_id: int
    status: str
    stage: str
    dry_run: bool
    partial: bool
    committed: bool
    file_name: str
    total_rows: int
    rows_done: int
    progress: int
    valid_rows: int
    created: int
    updated: int
    unchanged: int
    error_rows: int
    errors: list[ImportErrorOut]
    ignored_columns: list[str]
    error_code: str
    error_message: str
    status_url: str
    bad_rows_url: str | None


def _out(job) -> dict:
    body = tasks.job_report(job)
    body["status_url"] = f"/api/v1/entrepreneurs/import/{job.pk}"
    body["bad_rows_url"] = f"/api/v1/entrepreneurs/import/{job.pk}/bad-rows" if job.errors else None
    return body


@router.post(
    "/import",
    response={200: ImportReportOut, 202: ImportReportOut, **FILE_ERRORS},
    summary="批量导入（Excel/CSV）：dry_run=true 只校验；partial=true 只导入正确的行",
    description=(
        "multipart：`file`（.xlsx/.xls/.csv），`dry_run` true|false，可选 `partial`。"
        f"不超过 {imports.BACKGROUND_THRESHOLD} 行当场处理并返回 200 与报告；更大的文件在后台处理，"
        "返回 202 与 `job_id`，用 `GET /api/v1/entrepreneurs/import/{job_id}` 查询进度和结果。"
        "默认全部正确才写入（任何错误行都不写入）。"
    ),
)
def entrepreneur_import(
    request,
    dry_run: Form[bool],
    file: File[UploadedFile] = None,
    partial: Form[bool] = False,
):
    job = tasks.import_job_create(actor=request.user, upload=file, dry_run=dry_run, partial=partial)
    return Status(200 if job.finished else 202, _out(job))


@router.get(
    "/import/{int:job_id}", response={200: ImportReportOut, 404: ErrorOut}, summary="导入任务进度与结果"
)
def entrepreneur_import_status(request, job_id: int):
    return _out(tasks.import_job_get(request.user, job_id))


@router.get(
    "/import/{int:job_id}/bad-rows",
    response={404: ErrorOut, 422: ErrorOut},
    summary="下载错误行（原有各列 + 错误原因），修改后可重新导入",
    openapi_extra=XLSX_RESPONSE,
)
def entrepreneur_import_bad_rows(request, job_id: int) -> HttpResponse:
    job = tasks.import_job_get(request.user, job_id)
    return xlsx_response(f"导入错误行-{job.pk}.xlsx", tasks.bad_rows_file(job))


@router.get(
    "/import-template",
    response={403: ErrorOut},
    summary="下载导入模板（含下拉选项与填写说明）",
    openapi_extra=XLSX_RESPONSE,
)
def entrepreneur_import_template(request) -> HttpResponse:
    tasks._ensure_may_import(request.user)
    return xlsx_response("返乡创业人员导入模板.xlsx", imports.template_workbook(request.user))


@router.get(
    "/export",
    response={403: ErrorOut, 422: ErrorOut},
    summary="导出当前筛选结果（Excel）；reveal=true 导出完整证件号和手机号（需相应权限，留痕）",
    openapi_extra=XLSX_RESPONSE,
)
def entrepreneur_export(request, filters: Query[EntrepreneurFilterIn], reveal: bool = False) -> HttpResponse:
    params = filters.dict()
    qs = filtered_entrepreneurs(request.user, params, action=EXPORT)
    content = exports.export_entrepreneurs(
        user=request.user, queryset=qs, reveal=reveal, request=request, filters=params
    )
    return xlsx_response(exports.export_filename(), content)
