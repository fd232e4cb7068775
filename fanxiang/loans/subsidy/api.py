"""Subsidy batch endpoints (quarterly 贴息 claims per bank): list, create, detail, lines, export, actions."""

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from fanxiang.accounts.selectors import organizations
from fanxiang.core import audit
from fanxiang.core.api import ErrorOut, InputSchema, IsoDate, PageNumberPagination
from fanxiang.core.errors import InvalidInput, NotFound
from fanxiang.core.excel import xlsx_response
from fanxiang.core.scope import EXPORT, get_for_user
from fanxiang.loans.models import SubsidyBatch
from fanxiang.loans.repayment.api import ERRORS, XLSX_RESPONSE, LoanRefOut
from fanxiang.loans.subsidy import selectors
from fanxiang.loans.subsidy import services as subsidy

# operation ids as published before the module moved (core.api.FanxiangAPI.get_operation_id)
OPERATION_ID_MODULE = "fanxiang.loans.api_repayment"

router = Router(tags=["贷款还款与贴息"])


# --------------------------------------------------------------------------- subsidy batches


class BatchIn(InputSchema):
    year: int
    quarter: int
    bank: int | None = None
    region: str | None = None


class BatchOut(Schema):
    id: int
    number: str
    bank: int
    bank_name: str
    region: str
    region_name: str
    finance_org: str | None
    year: int
    quarter: int
    period_start: IsoDate
    period_end: IsoDate
    status: str
    status_label: str
    line_count: int
    loan_count: int
    interest_total: Decimal
    borrower_interest_total: Decimal
    subsidy_total: Decimal
    central_total: Decimal
    provincial_total: Decimal
    city_total: Decimal
    county_total: Decimal
    return_reason: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_bank(obj):
        return obj.bank_id

    @staticmethod
    def resolve_bank_name(obj):
        return str(obj.bank)

    @staticmethod
    def resolve_region(obj):
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name

    @staticmethod
    def resolve_finance_org(obj):
        return str(obj.finance_org) if obj.finance_org_id else None

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


class LineOut(LoanRefOut):
    loan: int
    loan_number: str
    period: int
    due_date: IsoDate
    interest: Decimal
    borrower_interest: Decimal
    subsidy: Decimal
    central: Decimal
    provincial: Decimal
    city: Decimal
    county: Decimal
    payee: str
    carried_over: bool


class BatchActionIn(InputSchema):
    reason: str = ""


def _batches(request):
    return SubsidyBatch.objects.for_user(request.user).select_related("bank", "region", "finance_org")


def _batch(request, batch_id: int) -> SubsidyBatch:
    batch = _batches(request).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    return batch


@router.post(
    "/subsidy-batches/", response={201: BatchOut, **ERRORS}, summary="生成季度贴息申报批次（按经办银行）"
)
def batch_create(request, payload: BatchIn):
    from fanxiang.regions.models import Region

    user = request.user
    bank_id = payload.bank or (user.organization_id if user.has_role("bank_officer") else None)
    if not bank_id:
        raise InvalidInput.field("bank", "subsidy.bank_required", "请选择经办银行。")
    bank = organizations(kind="bank").filter(pk=bank_id).first()
    if bank is None:
        raise InvalidInput.field("bank", "subsidy.bank_invalid", "经办银行不存在。")
    region = None
    if payload.region:
        region = Region.objects.for_user(user).filter(code=payload.region).first()
        if region is None:
            raise InvalidInput.field(
                "region", "subsidy.region_invalid", f"区划代码“{payload.region}”不存在。"
            )
    batch = subsidy.batch_create(
        actor=user, bank=bank, year=payload.year, quarter=payload.quarter, region=region
    )
    return Status(201, _batch(request, batch.pk))


class BatchFilterIn(Schema):
    year: int | None = None
    quarter: int | None = None
    status: str | None = None
    bank: int | None = None


@router.get("/subsidy-batches/", response={200: list[BatchOut], 422: ErrorOut}, summary="贴息申报批次列表")
@paginate(PageNumberPagination)
def batch_list(request, filters: Query[BatchFilterIn]):
    qs = _batches(request)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.quarter:
        qs = qs.filter(quarter=filters.quarter)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.bank:
        qs = qs.filter(bank_id=filters.bank)
    return qs.order_by("-year", "-quarter", "-id")


@router.get(
    "/subsidy-batches/{int:batch_id}", response={200: BatchOut, **ERRORS}, summary="贴息申报批次详情（合计）"
)
def batch_detail(request, batch_id: int):
    return _batch(request, batch_id)


@router.get(
    "/subsidy-batches/{int:batch_id}/lines",
    response={200: list[LineOut], **ERRORS},
    summary="贴息申报明细（分页）",
)
@paginate(PageNumberPagination)
def batch_lines(request, batch_id: int):
    batch = _batch(request, batch_id)
    return selectors.batch_lines(batch)


@router.get(
    "/subsidy-batches/{int:batch_id}/export",
    response={**ERRORS},
    summary="导出贴息申报表（Excel，含合计行）",
    openapi_extra=XLSX_RESPONSE,
)
def batch_export(request, batch_id: int) -> HttpResponse:
    batch = get_for_user(SubsidyBatch, request.user, EXPORT, pk=batch_id)
    content = subsidy.batch_statement(batch)
    audit.record_event(
        event=audit.EVENT_EXPORT,
        actor=request.user,
        obj=batch,
        request=request,
        data={"lines": batch.line_count},
    )
    return xlsx_response(f"贴息申报表-{batch.number}.xlsx", content)


@router.post(
    "/subsidy-batches/{int:batch_id}/actions/{action}",
    response={200: BatchOut, **ERRORS},
    summary="批次操作：submit（银行提交）、approve（财政审核通过）、return（财政退回，须写原因）",
)
def batch_action(request, batch_id: int, action: str, payload: BatchActionIn):
    batch = _batch(request, batch_id)
    subsidy.batch_transition(actor=request.user, batch=batch, action=action, reason=payload.reason)
    return _batch(request, batch_id)


@router.delete("/subsidy-batches/{int:batch_id}", response={204: None, **ERRORS}, summary="删除草稿批次")
def batch_delete(request, batch_id: int):
    batch = _batch(request, batch_id)
    subsidy.batch_delete(actor=request.user, batch=batch)
    return Status(204, None)
