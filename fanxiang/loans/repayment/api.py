"""Repayment, subsidy, compensation and subsidy-batch endpoints, mounted under ``/api/v1/loans``.

Loan paths take ``{int:loan_id}`` so they never collide with the application workflow's literal paths.
Reads start from the caller's scope: a bank officer reaches only loans routed to their bank, a county
officer only their county's; anything else answers 404."""

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from fanxiang.core.api import ErrorOut, InputSchema, IsoDate, PageNumberPagination
from fanxiang.core.errors import InvalidInput
from fanxiang.core.excel import XLSX_CONTENT_TYPE, xlsx_response
from fanxiang.core.schema import Money
from fanxiang.core.scope import VIEW, get_for_user
from fanxiang.loans import repayment as svc
from fanxiang.loans.models import Compensation, LoanApplication, Repayment
from fanxiang.loans.repayment import imports as repayment_import

# operation ids as published before the module moved (core.api.FanxiangAPI.get_operation_id)
OPERATION_ID_MODULE = "fanxiang.loans.api_repayment"

router = Router(tags=["贷款还款与贴息"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
XLSX_RESPONSE = {
    "responses": {
        "200": {
            "description": "Excel 文件（.xlsx）",
            "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}
ZERO = Decimal("0.00")


def _loan(request, loan_id: int) -> LoanApplication:
    return get_for_user(LoanApplication, request.user, VIEW, pk=loan_id)


def _on_loan(request, loan_id: int, service, payload: InputSchema):
    """Run a service on the caller's loan with the body's fields as its keywords."""
    return service(actor=request.user, loan=_loan(request, loan_id), **dict(payload))


class LoanRefOut(Schema):
    """Resolves ``loan`` and ``loan_number`` of a record that belongs to a loan."""

    @staticmethod
    def resolve_loan(obj):
        return obj.loan_id

    @staticmethod
    def resolve_loan_number(obj):
        return obj.loan.number


# --------------------------------------------------------------------------- schedule and subsidy


class PlanOut(Schema):
    stored: bool
    method: str
    principal: Decimal
    annual_rate: Decimal
    term_months: int
    contract_date: IsoDate
    policy: str
    subsidy_mode: str
    subsidy_payment: str
    lpr_date: IsoDate | None
    lpr_one_year: Decimal | None
    borrower_rate: Decimal | None
    subsidy_for_overdue: bool
    subsidy_rate: Decimal | None = None
    penalty_multiplier: Decimal | None = None
    extension_from_period: int | None = None
    extension_subsidised: bool = False
    revision: int = 0


class ScheduleItemOut(Schema):
    period: int
    loan_year: int
    start_date: IsoDate
    due_date: IsoDate
    opening_principal: Decimal
    principal: Decimal
    interest: Decimal
    borrower_interest: Decimal
    subsidy: Decimal
    interest_charge: Decimal
    amount_due: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    paid: Decimal
    paid_date: IsoDate | None
    status: str
    was_overdue: bool
    subsidy_forfeited: bool
    extension: bool = False
    penalty_days: int = 0
    penalty: Decimal = ZERO


class ScheduleTotals(Schema):
    principal: Decimal
    interest: Decimal
    borrower_interest: Decimal
    subsidy: Decimal
    interest_charge: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    paid: Decimal
    penalty: Decimal = ZERO


class ScheduleOut(Schema):
    loan: int
    number: str
    status: str
    days_past_due: int
    principal_outstanding: Decimal
    as_of: IsoDate | None = None
    penalty_rate: Decimal | None = None
    plan: PlanOut
    items: list[ScheduleItemOut]
    totals: ScheduleTotals


def _sum(values) -> Decimal:
    return sum(values, ZERO)


@router.get(
    "/{int:loan_id}/schedule",
    response={200: ScheduleOut, **ERRORS},
    summary="还款计划（逐期本金、利息、贴息）",
)
def loan_schedule(request, loan_id: int, as_of: IsoDate | None = None):
    """``as_of`` (default today): the date penalty interest (罚息) on overdue periods is computed to."""
    loan = _loan(request, loan_id)
    plan, items = svc.schedule_rows(loan)
    day = as_of or timezone.localdate()
    penalties = svc.schedule_penalties(plan, items, day, loan=loan)
    rows = [
        {
            "period": i.period,
            "loan_year": i.loan_year,
            "start_date": i.start_date,
            "due_date": i.due_date,
            "opening_principal": i.opening_principal,
            "principal": i.principal_due,
            "interest": i.interest_due,
            "borrower_interest": i.borrower_interest,
            "subsidy": i.subsidy,
            "interest_charge": i.interest_charge,
            "amount_due": i.amount_due,
            "principal_paid": i.principal_paid,
            "interest_paid": i.interest_paid,
            "paid": i.amount_paid,
            "paid_date": i.paid_date,
            "status": i.status,
            "was_overdue": i.was_overdue,
            "subsidy_forfeited": i.subsidy_forfeited,
            "extension": i.extension,
            "penalty_days": penalties.get(i.period, (0, ZERO))[0],
            "penalty": penalties.get(i.period, (0, ZERO))[1],
        }
        for i in items
    ]
    totals = {
        key: _sum(r[key] for r in rows)
        for key in (
            "principal",
            "interest",
            "borrower_interest",
            "subsidy",
            "interest_charge",
            "principal_paid",
            "interest_paid",
            "paid",
            "penalty",
        )
    }
    return {
        "loan": loan.pk,
        "number": loan.number,
        "status": loan.status,
        "days_past_due": loan.days_past_due,
        "principal_outstanding": loan.principal_outstanding,
        "as_of": day,
        "penalty_rate": svc.penalty_rate(loan, plan),
        "plan": svc.plan_summary(loan, plan),
        "items": rows,
        "totals": totals,
    }


class GenerateIn(InputSchema):
    replace: bool = False


@router.post(
    "/{int:loan_id}/schedule",
    response={201: ScheduleOut, **ERRORS},
    summary="生成（或在无还款记录时重新生成）还款计划",
)
def loan_schedule_generate(request, loan_id: int, payload: GenerateIn):
    loan = _loan(request, loan_id)
    svc.schedule_generate(actor=request.user, loan=loan, replace=payload.replace)
    return Status(201, loan_schedule(request, loan_id))


class SubsidyItemOut(Schema):
    period: int
    loan_year: int
    due_date: IsoDate
    interest: Decimal
    borrower_interest: Decimal
    subsidy: Decimal
    status: str
    subsidy_status: str
    batch: str | None


class SubsidyTotals(Schema):
    interest: Decimal
    borrower_interest: Decimal
    subsidy: Decimal
    claimed: Decimal
    claimable: Decimal
    forfeited: Decimal
    not_yet: Decimal


class SubsidyOut(Schema):
    loan: int
    number: str
    plan: PlanOut
    items: list[SubsidyItemOut]
    totals: SubsidyTotals


@router.get(
    "/{int:loan_id}/subsidy",
    response={200: SubsidyOut, **ERRORS},
    summary="贴息明细：逐期合同利息、借款人承担、贴息及申报状态",
)
def loan_subsidy(request, loan_id: int):
    loan = _loan(request, loan_id)
    plan, items = svc.schedule_rows(loan)
    claims = svc.claims_by_item(items) if plan is not None else {}
    rows = []
    by_status: dict[str, Decimal] = {"claimed": ZERO, "claimable": ZERO, "forfeited": ZERO, "not_yet": ZERO}
    for i in items:
        claim = claims.get(i.pk)
        state = svc.subsidy_status(i, plan, claim)
        if state in by_status:
            by_status[state] += i.subsidy
        rows.append(
            {
                "period": i.period,
                "loan_year": i.loan_year,
                "due_date": i.due_date,
                "interest": i.interest_due,
                "borrower_interest": i.borrower_interest,
                "subsidy": i.subsidy,
                "status": i.status,
                "subsidy_status": state,
                "batch": claim[1] if claim else None,
            }
        )
    return {
        "loan": loan.pk,
        "number": loan.number,
        "plan": svc.plan_summary(loan, plan),
        "items": rows,
        "totals": {
            "interest": _sum(r["interest"] for r in rows),
            "borrower_interest": _sum(r["borrower_interest"] for r in rows),
            "subsidy": _sum(r["subsidy"] for r in rows),
            **by_status,
        },
    }


# --------------------------------------------------------------------------- repayments


class RepaymentIn(InputSchema):
    date: IsoDate
    amount: Money
    reference: str = ""
    note: str = ""


class AllocationOut(Schema):
    period: int
    interest: Decimal
    principal: Decimal


class RepaymentOut(LoanRefOut):
    id: int
    loan: int
    loan_number: str
    date: IsoDate
    amount: Decimal
    principal_part: Decimal
    interest_part: Decimal
    allocations: list[AllocationOut]
    kind: str
    reference: str
    source: str
    note: str
    created_at: dt.datetime
    reversed: bool
    reversed_at: dt.datetime | None
    reversal_reason: str

    @staticmethod
    def resolve_reversed(obj):
        return obj.reversed_at is not None


@router.post(
    "/{int:loan_id}/repayments",
    response={201: RepaymentOut, **ERRORS},
    summary="登记一笔还款（按期次先息后本分配）",
)
def repayment_create(request, loan_id: int, payload: RepaymentIn):
    return Status(201, _on_loan(request, loan_id, svc.repayment_record, payload))


class PayoffOut(Schema):
    loan: int
    date: IsoDate
    period: int
    period_start: IsoDate
    days: int
    arrears_periods: list[int]
    arrears_interest: Decimal
    arrears_principal: Decimal
    accrued_interest: Decimal
    borrower_interest: Decimal
    subsidy: Decimal
    interest_charge: Decimal
    principal: Decimal
    paid_in_advance: Decimal
    cancelled_periods: list[int]
    total: Decimal


@router.get(
    "/{int:loan_id}/payoff",
    response={200: PayoffOut, **ERRORS},
    summary="提前结清试算：到期未还本息、当期计至结清日的利息（实际天数/360）、剩余本金",
)
def loan_payoff(request, loan_id: int, date: IsoDate):
    loan = _loan(request, loan_id)
    return {"loan": loan.pk, **svc.payoff_quote(loan=loan, date=date)}


class SettlementIn(InputSchema):
    date: IsoDate
    amount: Money | None = None
    reference: str = ""
    note: str = ""


class PrepaymentIn(InputSchema):
    date: IsoDate
    principal: Money
    amount: Money | None = None
    reference: str = ""
    note: str = ""


@router.post(
    "/{int:loan_id}/settlement",
    response={201: RepaymentOut, **ERRORS},
    summary="提前结清（amount 填写时须与试算金额一致）",
)
def loan_settle_early(request, loan_id: int, payload: SettlementIn):
    return Status(201, _on_loan(request, loan_id, svc.repayment_settle_early, payload))


@router.post(
    "/{int:loan_id}/prepayments",
    response={201: RepaymentOut, **ERRORS},
    summary="提前部分还款：归还部分本金（连同其当期已计利息），其后还款计划按剩余本金重排",
)
def loan_prepay(request, loan_id: int, payload: PrepaymentIn):
    return Status(201, _on_loan(request, loan_id, svc.repayment_prepay, payload))


class ReverseIn(InputSchema):
    reason: str


@router.post(
    "/repayments/{int:repayment_id}/reverse",
    response={200: RepaymentOut, **ERRORS},
    summary="冲正一笔还款（须写明原因；按登记的倒序逐笔冲正）",
)
def repayment_reverse(request, repayment_id: int, payload: ReverseIn):
    repayment = get_for_user(Repayment, request.user, VIEW, pk=repayment_id)
    svc.repayment_reverse(actor=request.user, repayment=repayment, reason=payload.reason)
    return Repayment.objects.select_related("loan").get(pk=repayment_id)


@router.get(
    "/{int:loan_id}/repayments", response={200: list[RepaymentOut], **ERRORS}, summary="该笔贷款的还款记录"
)
def loan_repayments(request, loan_id: int):
    loan = _loan(request, loan_id)
    return list(
        Repayment.objects.for_user(request.user)
        .filter(loan=loan)
        .select_related("loan")
        .order_by("date", "id")
    )


class RepaymentFilterIn(Schema):
    loan: int | None = None
    bank: int | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    kind: str | None = None
    reversed: bool | None = None


@router.get("/repayments/", response={200: list[RepaymentOut], 422: ErrorOut}, summary="还款记录列表")
@paginate(PageNumberPagination)
def repayment_list(request, filters: Query[RepaymentFilterIn]):
    qs = Repayment.objects.for_user(request.user).select_related("loan")
    if filters.loan:
        qs = qs.filter(loan_id=filters.loan)
    if filters.bank:
        qs = qs.filter(bank_id=filters.bank)
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.reversed is not None:
        qs = qs.filter(reversed_at__isnull=not filters.reversed)
    return qs.order_by("-date", "-id")


class RepaymentImportErrorOut(Schema):
    row: int
    column: str
    code: str
    message: str


class RepaymentImportReportOut(Schema):
    total_rows: int
    valid_rows: int
    created: int
    error_rows: int
    errors: list[RepaymentImportErrorOut]
    ignored_columns: list[str]
    dry_run: bool
    partial: bool
    committed: bool


@router.post(
    "/repayments/import",
    response={200: RepaymentImportReportOut, **ERRORS},
    summary="批量导入还款（Excel/CSV）：默认全部正确才写入；partial=true 只写入正确的行；dry_run=true 只校验",
)
def repayment_import_view(
    request, file: File[UploadedFile] = None, dry_run: Form[bool] = False, partial: Form[bool] = False
):
    if file is None:
        raise InvalidInput.field("file", "import.file_required", "请选择要上传的文件。")
    content = file.read(repayment_import.MAX_FILE_BYTES + 1)
    report = repayment_import.import_repayments(
        actor=request.user, content=content, filename=file.name or "", dry_run=dry_run, partial=partial
    )
    return report.as_dict()


@router.get(
    "/repayments/import-template",
    response={403: ErrorOut},
    summary="下载还款导入模板",
    openapi_extra=XLSX_RESPONSE,
)
def repayment_import_template(request) -> HttpResponse:
    return xlsx_response("还款导入模板.xlsx", repayment_import.template_workbook())


# --------------------------------------------------------------------------- compensation


class CompensationOut(LoanRefOut):
    id: int
    loan: int
    loan_number: str
    date: IsoDate
    days_past_due: int
    share: Decimal
    principal: Decimal
    interest: Decimal
    amount: Decimal
    status: str
    recovered_amount: Decimal
    closed_date: IsoDate | None
    note: str


class CompensateIn(InputSchema):
    date: IsoDate


class RecoverIn(InputSchema):
    date: IsoDate
    amount: Money
    note: str = ""


class WriteOffIn(InputSchema):
    date: IsoDate
    reason: str


@router.post(
    "/{int:loan_id}/compensation",
    response={201: CompensationOut, **ERRORS},
    summary="担保基金代偿（逾期超过政策规定天数）",
)
def compensation_create(request, loan_id: int, payload: CompensateIn):
    return Status(201, _on_loan(request, loan_id, svc.compensation_create, payload))


@router.get("/compensations/", response={200: list[CompensationOut], 422: ErrorOut}, summary="代偿列表")
@paginate(PageNumberPagination)
def compensation_list(request, status: str | None = None):
    qs = Compensation.objects.for_user(request.user).select_related("loan")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-date", "-id")


@router.get(
    "/compensations/{int:compensation_id}", response={200: CompensationOut, **ERRORS}, summary="代偿详情"
)
def compensation_detail(request, compensation_id: int):
    return get_for_user(Compensation, request.user, VIEW, pk=compensation_id)


@router.post(
    "/compensations/{int:compensation_id}/recover",
    response={200: CompensationOut, **ERRORS},
    summary="登记代偿追回款（全部追回后结案）",
)
def compensation_recover(request, compensation_id: int, payload: RecoverIn):
    compensation = get_for_user(Compensation, request.user, VIEW, pk=compensation_id)
    return svc.compensation_recover(
        actor=request.user,
        compensation=compensation,
        amount=payload.amount,
        date=payload.date,
        note=payload.note,
    )


@router.post(
    "/compensations/{int:compensation_id}/write-off",
    response={200: CompensationOut, **ERRORS},
    summary="代偿核销",
)
def compensation_write_off(request, compensation_id: int, payload: WriteOffIn):
    compensation = get_for_user(Compensation, request.user, VIEW, pk=compensation_id)
    return svc.compensation_write_off(
        actor=request.user, compensation=compensation, date=payload.date, reason=payload.reason
    )
