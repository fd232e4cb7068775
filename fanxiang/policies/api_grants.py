"""Policy-enjoyment records (享受记录) under ``/api/v1/policies/grants``: list, create, detail, revoke, Excel
import and its template, totals by region, benefit type and month."""

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from fanxiang.core.api import ErrorOut, InputSchema, IsoDate, PageNumberPagination, apply_filterset
from fanxiang.core.errors import Forbidden, InvalidInput
from fanxiang.core.excel import XLSX_RESPONSE, xlsx_response
from fanxiang.core.schema import Money
from fanxiang.core.scope import ADD, VIEW, get_for_user, resolve
from fanxiang.policies import grants
from fanxiang.policies.models import BenefitGrant

router = Router(tags=["政策享受记录"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class GrantOut(Schema):
    id: int
    item: int
    item_code: str
    item_title: str
    benefit_type: str
    benefit_type_label: str
    document_number: str
    once_only: bool
    entrepreneur: int | None
    entrepreneur_name: str | None
    business: int | None
    business_name: str | None
    region: str
    region_name: str
    amount: str
    granted_on: IsoDate
    granting_org: int | None
    granting_unit_name: str
    batch: str
    source: str
    note: str
    created_at: dt.datetime
    revoked: bool
    revoked_at: dt.datetime | None
    revoke_reason: str

    @staticmethod
    def resolve_item(obj: BenefitGrant) -> int:
        return obj.item_id

    @staticmethod
    def resolve_item_code(obj: BenefitGrant) -> str:
        return obj.item.code

    @staticmethod
    def resolve_item_title(obj: BenefitGrant) -> str:
        return obj.item.title

    @staticmethod
    def resolve_benefit_type(obj: BenefitGrant) -> str:
        return obj.item.benefit_type

    @staticmethod
    def resolve_benefit_type_label(obj: BenefitGrant) -> str:
        return str(obj.item.get_benefit_type_display())

    @staticmethod
    def resolve_document_number(obj: BenefitGrant) -> str:
        return obj.item.document.number

    @staticmethod
    def resolve_once_only(obj: BenefitGrant) -> bool:
        return obj.item.once_only

    @staticmethod
    def resolve_entrepreneur(obj: BenefitGrant) -> int | None:
        return obj.entrepreneur_id

    @staticmethod
    def resolve_entrepreneur_name(obj: BenefitGrant) -> str | None:
        return obj.entrepreneur.name if obj.entrepreneur_id else None

    @staticmethod
    def resolve_business(obj: BenefitGrant) -> int | None:
        return obj.business_id

    @staticmethod
    def resolve_business_name(obj: BenefitGrant) -> str | None:
        return obj.business.name if obj.business_id else None

    @staticmethod
    def resolve_region(obj: BenefitGrant) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: BenefitGrant) -> str:
        return obj.region.name

    @staticmethod
    def resolve_amount(obj: BenefitGrant) -> str:
        return f"{obj.amount:.2f}"

    @staticmethod
    def resolve_granting_org(obj: BenefitGrant) -> int | None:
        return obj.granting_org_id

    @staticmethod
    def resolve_revoked(obj: BenefitGrant) -> bool:
        return obj.revoked_at is not None


class GrantFilterIn(Schema):
    q: str | None = None
    item: int | None = None
    type: str | None = None
    region: str | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    batch: str | None = None
    status: str | None = None


class GrantIn(InputSchema):
    item: int | str
    entrepreneur: int | None = None
    id_number: str | None = None
    name: str | None = None
    business: int | None = None
    credit_code: str | None = None
    amount: Money
    granted_on: IsoDate
    granting_org: int | None = None
    granting_unit_name: str = ""
    batch: str = ""
    note: str = ""


class RevokeIn(InputSchema):
    reason: str


def _reload(user, pk: int) -> BenefitGrant:
    return grants.grants_for_user(user).get(pk=pk)


@router.get(
    "/",
    response={200: list[GrantOut], 422: ErrorOut},
    summary="政策享受记录列表（按条款、区划、政策类型、日期、批次筛选）",
)
@paginate(PageNumberPagination)
def grant_list(request, filters: Query[GrantFilterIn]):
    qs = apply_filterset(grants.GrantFilter, filters.dict(), grants.grants_for_user(request.user))
    return qs.order_by("-granted_on", "-id")


@router.post(
    "/",
    response={201: GrantOut, **ERRORS},
    summary="登记政策享受记录",
    description="享受对象：entrepreneur（人员ID）或 id_number（身份证号码），和/或 business（经营主体ID）或 "
    "credit_code（统一社会信用代码）。一次性政策重复登记返回 409 `policy.grant_once_only`（说明已享受的记录）。",
)
def grant_create(request, payload: GrantIn):
    from fanxiang.entrepreneurs.models import Business, Entrepreneur

    data = payload.dict(exclude_none=True)
    if payload.entrepreneur is not None:  # out of the caller's scope: 404, as everywhere in the API
        data["entrepreneur"] = get_for_user(Entrepreneur, request.user, VIEW, pk=payload.entrepreneur)
    if payload.business is not None:
        data["business"] = get_for_user(Business, request.user, VIEW, pk=payload.business)
    grant = grants.grant_create(actor=request.user, data=data)
    return Status(201, _reload(request.user, grant.pk))


class GrantImportErrorOut(Schema):
    row: int
    column: str
    code: str
    message: str


class GrantImportOut(Schema):
    total_rows: int
    valid_rows: int
    created: int
    amount: str
    error_rows: int
    errors: list[GrantImportErrorOut]
    ignored_columns: list[str]
    dry_run: bool
    partial: bool
    committed: bool


@router.post(
    "/import",
    response={200: GrantImportOut, **ERRORS},
    summary="批量导入系统外发放的享受记录（Excel/CSV）：dry_run=true 只校验；partial=true 只导入正确的行",
    description="multipart：`file`（.xlsx/.xls/.csv），`dry_run` true|false，可选 `partial`、`batch`（未填批次的行使用）。"
    "报告列出每个错误行的行号（表头为第1行）、列名、错误代码和原因。默认全部正确才写入。"
    f"每次最多 {grants.MAX_ROWS} 行。",
)
def grant_import(
    request,
    dry_run: Form[bool],
    file: File[UploadedFile] = None,
    partial: Form[bool] = False,
    batch: Form[str] = "",
):
    if file is None:
        raise InvalidInput("import.file_required", "请选择要导入的文件。", errors={"file": ["请选择文件。"]})
    report = grants.grant_import(
        actor=request.user,
        content=file.read(),
        filename=file.name or "",
        dry_run=dry_run,
        partial=partial,
        batch=batch,
    )
    return report.as_dict()


@router.get(
    "/import-template",
    response={403: ErrorOut},
    summary="下载享受记录导入模板（含政策条款下拉选项与填写说明）",
    openapi_extra=XLSX_RESPONSE,
)
def grant_import_template(request) -> HttpResponse:
    if resolve(request.user, BenefitGrant, ADD).empty:
        raise Forbidden("policy.grant_forbidden", "您的角色无权登记政策享受记录。")
    return xlsx_response("政策享受记录导入模板.xlsx", grants.template_workbook())


class GrantRegionOut(Schema):
    code: str
    name: str


class TypeTotalOut(Schema):
    type: str
    label: str
    amount: str
    count: int


class CellOut(Schema):
    amount: str
    count: int
    by_type: dict[str, str]
    count_by_type: dict[str, int]


class MonthTotalOut(CellOut):
    month: int


class ChildTotalOut(CellOut):
    code: str
    name: str


class TotalsOut(Schema):
    region: GrantRegionOut
    year: int
    amount: str
    count: int
    types: list[TypeTotalOut]
    months: list[MonthTotalOut]
    children: list[ChildTotalOut]


def totals_out(data: dict) -> dict:
    def cell(row: dict) -> dict:
        return {
            **row,
            "amount": f"{row['amount']:.2f}",
            "by_type": {k: f"{v:.2f}" for k, v in row["by_type"].items()},
        }

    region = data["region"]
    return {
        "region": {"code": region.code, "name": region.name},
        "year": data["year"],
        "amount": f"{data['amount']:.2f}",
        "count": data["count"],
        "types": [{**t, "amount": f"{t['amount']:.2f}"} for t in data["types"]],
        "months": [cell(m) for m in data["months"]],
        "children": [cell(c) for c in data["children"]],
    }


@router.get(
    "/totals",
    response={200: TotalsOut, **ERRORS},
    summary="享受记录统计：某区划（含下级）某年按政策类型、月份和下级区划汇总（不含已撤销）",
)
def grant_totals(request, region: str | None = None, year: int | None = None):
    year = year or timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise InvalidInput.field("year", "policy.totals_year_invalid", "年份应在2000至2100之间。")
    place = grants.totals_region(request.user, region)
    return totals_out(grants.grant_totals(user=request.user, region=place, year=year))


@router.get("/{int:grant_id}", response={200: GrantOut, **ERRORS}, summary="享受记录详情")
def grant_detail(request, grant_id: int):
    return grants.grant_get(request.user, grant_id)


@router.post(
    "/{int:grant_id}/revoke",
    response={200: GrantOut, **ERRORS},
    summary="撤销享受记录（写明原因；撤销后不计入统计，一次性政策可重新登记）",
)
def grant_revoke(request, grant_id: int, payload: RevokeIn):
    grant = grants.grant_get(request.user, grant_id)
    grants.grant_revoke(actor=request.user, grant=grant, reason=payload.reason)
    return _reload(request.user, grant.pk)
