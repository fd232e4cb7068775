"""Loan application API: drafts, documents, the workflow actions, reviewer queues.

Recommenders (for waivers) are served by ``/api/v1/credit/recommenders/``. Mounted under ``/api/v1/loans/`` by ``fanxiang.loans.api``. Every read starts from the caller's scope;
every write goes through ``fanxiang.loans.applications``.
"""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pydantic
from django.http import FileResponse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fanxiang.core import audit
from fanxiang.core.api import (
    ErrorOut,
    InputSchema,
    IsoDate,
    PageNumberPagination,
    apply_filterset,
    invalid_request,
)
from fanxiang.core.errors import DomainError, NotFound
from fanxiang.core.schema import Money, choice
from fanxiang.core.scope import VIEW, get_for_user
from fanxiang.loans import applications as services
from fanxiang.loans.applications import selectors
from fanxiang.loans.applications.filtersets import LoanApplicationFilter
from fanxiang.loans.applications.workflow import ACTION_LABELS, allowed_actions, status_label, waiting_roles
from fanxiang.loans.choices import (
    AppStatus,
    BorrowerCategory,
    BorrowerType,
    CounterGuarantee,
    RepaymentMethod,
)
from fanxiang.loans.models import LoanApplication

# operation ids as published before the module moved (core.api.FanxiangAPI.get_operation_id)
OPERATION_ID_MODULE = "fanxiang.loans.api_applications"

router = Router(tags=["创业担保贷款申请"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --------------------------------------------------------------------------- output


class Ref(Schema):
    id: int
    name: str


class OrgRef(Schema):
    id: int
    code: str
    name: str


class EventOut(Schema):
    id: int
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str | None
    actor_name: str
    actor_role: str
    at: dt.datetime
    note: str
    data: dict[str, Any]


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    url: str


class DisbursementOut(Schema):
    seq: int
    loan_note_no: str
    amount: Decimal
    date: IsoDate
    annual_rate: Decimal


class _HeadFields(Schema):
    id: int
    number: str
    status: str
    status_label: str
    entrepreneur: Ref
    region: str
    region_name: str
    borrower_type: str
    amount: Decimal


class _RowFields(_HeadFields):
    term_months: int
    bank: OrgRef | None
    guarantee_org: OrgRef | None
    applied_on: IsoDate | None
    step_due: IsoDate | None
    overdue: bool
    approved_amount: Decimal | None
    disbursed_total: Decimal
    created_at: dt.datetime


class ApplicationRowOut(_RowFields):
    """A list row (served straight from the queryset)."""

    @staticmethod
    def resolve_status_label(obj: LoanApplication) -> str:
        return status_label(obj.status)

    @staticmethod
    def resolve_entrepreneur(obj: LoanApplication) -> dict:
        return {"id": obj.entrepreneur_id, "name": obj.entrepreneur.name}

    @staticmethod
    def resolve_region(obj: LoanApplication) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: LoanApplication) -> str:
        return obj.region.name

    @staticmethod
    def resolve_bank(obj: LoanApplication) -> dict | None:
        return _org(obj.bank)

    @staticmethod
    def resolve_guarantee_org(obj: LoanApplication) -> dict | None:
        return _org(obj.guarantee_org)

    @staticmethod
    def resolve_overdue(obj: LoanApplication) -> bool:
        return selectors.is_overdue(obj)


class ApplicationOut(_RowFields):
    """The detail (built by :func:`application_out`)."""

    business: Ref | None
    partners: list[Ref]
    borrower_categories: list[str]
    purpose: str
    staff_count: int | None
    new_eligible_hires: int | None
    declared_other_debts: bool
    epidemic_affected: bool
    counter_guarantee: str
    counter_guarantee_detail: str
    recommender: Ref | None
    merged_review: bool
    hr_ok: bool
    guarantee_ok: bool
    bank_ok: bool
    missing_items: list[str]
    rejection_reasons: list[str]
    eligibility: dict[str, Any]
    overrides: list[dict[str, Any]]
    annual_rate: Decimal | None
    contract_date: IsoDate | None
    contract_no: str
    loan_note_no: str  # of the latest tranche ("" before the first); each tranche's in ``disbursements``
    repayment_method: str
    principal_outstanding: Decimal
    extension_months: int
    submitted_at: dt.datetime | None
    updated_at: dt.datetime
    priority: bool
    priority_reasons: list[str]
    waiting_for: list[str]
    allowed_actions: list[str]
    documents: list[DocumentOut]
    disbursements: list[DisbursementOut]
    events: list[EventOut]


def _head(app: LoanApplication) -> dict:
    """The computed head fields every application view shares (status label, applicant, region)."""
    return {
        "status_label": status_label(app.status),
        "entrepreneur": {"id": app.entrepreneur_id, "name": app.entrepreneur.name},
        "region": app.region.code,
        "region_name": app.region.name,
    }


def _org(org) -> dict | None:
    return None if org is None else {"id": org.pk, "code": org.code, "name": str(org)}


def _document(doc, app_id: int) -> dict:
    return {
        "id": doc.pk,
        "kind": doc.kind,
        "kind_label": str(doc.get_kind_display()),
        "original_name": doc.original_name,
        "content_type": doc.content_type,
        "size": doc.size,
        "sha256": doc.sha256,
        "uploaded_at": doc.uploaded_at,
        "url": f"/api/v1/loans/applications/{app_id}/documents/{doc.pk}",
    }


def application_out(app: LoanApplication, user: Any) -> dict:
    """The detail: the application, its status, documents, tranches and timeline, and what the caller may do
    next."""
    reasons = selectors.priority_reasons(app)
    tranches = list(app.disbursements.all())
    return {
        **{f: getattr(app, f) for f in _PLAIN},
        **_head(app),
        "bank": _org(app.bank),
        "guarantee_org": _org(app.guarantee_org),
        "overdue": selectors.is_overdue(app),
        "business": {"id": app.business_id, "name": app.business.name} if app.business_id else None,
        "partners": [{"id": p.pk, "name": p.name} for p in app.partners.all()],
        "recommender": {"id": app.recommender_id, "name": str(app.recommender)}
        if app.recommender_id
        else None,
        "priority": bool(reasons),
        "priority_reasons": reasons,
        "waiting_for": waiting_roles(app),
        "allowed_actions": allowed_actions(app, user),
        "documents": [_document(d, app.pk) for d in app.documents.all()],
        "disbursements": tranches,
        "loan_note_no": tranches[-1].loan_note_no if tranches else "",
        "events": [
            {
                "id": e.pk,
                "action": e.action,
                "action_label": ACTION_LABELS.get(e.action, _EXTRA_LABELS.get(e.action, e.action)),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor_name or None,
                "actor_name": e.actor_name,
                "actor_role": e.actor_role,
                "at": e.at,
                "note": e.note,
                "data": e.data,
            }
            for e in app.events.all()
        ],
    }


_PLAIN = (
    "id", "number", "status", "borrower_type", "amount", "term_months", "applied_on", "step_due",
    "approved_amount", "disbursed_total", "created_at", "borrower_categories", "purpose", "staff_count",
    "new_eligible_hires", "declared_other_debts", "epidemic_affected", "counter_guarantee",
    "counter_guarantee_detail", "merged_review", "hr_ok", "guarantee_ok", "bank_ok", "missing_items",
    "rejection_reasons", "eligibility", "overrides", "annual_rate", "contract_date", "contract_no", "repayment_method",
    "principal_outstanding", "extension_months", "submitted_at", "updated_at",
)  # fmt: skip
_EXTRA_LABELS = {"create": "创建申请", "upload": "上传材料", "remove_document": "删除材料"}


def _detail(request, app_id: int) -> dict:
    return application_out(selectors.application_detail(request.user, app_id), request.user)


def _get(request, app_id: int) -> LoanApplication:
    return get_for_user(LoanApplication, request.user, VIEW, pk=app_id)


# --------------------------------------------------------------------------- list / create / detail / edit


class ApplicationFilterIn(Schema):
    q: str | None = None
    status: choice(AppStatus, blank=True, enforce=False) | None = None
    region: str | None = None
    borrower_type: choice(BorrowerType, blank=True, enforce=False) | None = None
    bank: int | None = None
    guarantee_org: int | None = None
    priority: bool | None = None
    overdue: bool | None = None
    applied_from: IsoDate | None = None
    applied_to: IsoDate | None = None
    ordering: str | None = None


@router.get(
    "/applications/",
    response={200: list[ApplicationRowOut], 422: ErrorOut},
    summary="贷款申请列表（按权限范围；筛选与页面、导出一致）",
)
@paginate(PageNumberPagination)
def application_list(request, filters: Query[ApplicationFilterIn]):
    qs = apply_filterset(LoanApplicationFilter, filters.dict(), selectors.applications_for_user(request.user))
    return qs.order_by(*(qs.query.order_by or ["-created_at", "-id"]))


class ApplicationIn(InputSchema):
    entrepreneur: int
    borrower_type: choice(BorrowerType, enforce=False)
    amount: Money
    term_months: int
    purpose: str = ""
    business: int | None = None
    partners: list[int] = []
    borrower_categories: list[choice(BorrowerCategory, enforce=False)] | None = None
    staff_count: int | None = None
    new_eligible_hires: int | None = None
    declared_other_debts: bool = False
    epidemic_affected: bool = False
    bank: int | None = None
    guarantee_org: int | None = None
    counter_guarantee: choice(CounterGuarantee, blank=True, enforce=False) = ""
    counter_guarantee_detail: str = ""
    recommender: int | None = None


class ApplicationPatch(InputSchema):
    borrower_type: choice(BorrowerType, enforce=False) | None = None
    amount: Money | None = None
    term_months: int | None = None
    purpose: str | None = None
    business: int | None = None
    partners: list[int] | None = None
    borrower_categories: list[choice(BorrowerCategory, enforce=False)] | None = None
    staff_count: int | None = None
    new_eligible_hires: int | None = None
    declared_other_debts: bool | None = None
    epidemic_affected: bool | None = None
    bank: int | None = None
    guarantee_org: int | None = None
    counter_guarantee: choice(CounterGuarantee, blank=True, enforce=False) | None = None
    counter_guarantee_detail: str | None = None
    recommender: int | None = None


@router.post("/applications/", response={201: ApplicationOut, **ERRORS}, summary="创建贷款申请（草稿）")
def application_create(request, payload: ApplicationIn):
    app = services.application_create(actor=request.user, data=payload.dict(exclude_unset=True))
    return Status(201, _detail(request, app.pk))


@router.get(
    "/applications/{int:app_id}",
    response={200: ApplicationOut, 404: ErrorOut},
    summary="贷款申请详情（含状态、材料、放款与流程记录）",
)
def application_detail(request, app_id: int):
    return _detail(request, app_id)


@router.patch(
    "/applications/{int:app_id}", response={200: ApplicationOut, **ERRORS}, summary="修改草稿或退回补正的申请"
)
def application_update(request, app_id: int, payload: ApplicationPatch):
    app = _get(request, app_id)
    services.application_update(actor=request.user, application=app, data=payload.dict(exclude_unset=True))
    return _detail(request, app_id)


@router.post(
    "/applications/{int:app_id}/documents",
    response={201: DocumentOut, **ERRORS},
    summary="上传申请材料（PDF/JPG/PNG，不超过10MB）",
)
def document_upload(request, app_id: int, kind: Form[str], file: File[UploadedFile]):
    app = _get(request, app_id)
    doc = services.application_document_add(actor=request.user, application=app, kind=kind, upload=file)
    return Status(201, _document(doc, app_id))


@router.get(
    "/applications/{int:app_id}/documents/{int:doc_id}",
    response={404: ErrorOut},
    summary="下载申请材料（留痕）",
)
def document_download(request, app_id: int, doc_id: int):
    app = _get(request, app_id)
    doc = app.documents.filter(pk=doc_id).first()
    if doc is None:
        raise NotFound("not_found", "材料不存在。")
    audit.record_event(
        event=audit.EVENT_REVEAL,
        actor=request.user,
        obj=app,
        request=request,
        data={"document": doc.pk, "kind": doc.kind},
    )
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.original_name)


@router.delete(
    "/applications/{int:app_id}/documents/{int:doc_id}",
    response={204: None, **ERRORS},
    summary="删除申请材料（草稿或退回补正时）",
)
def document_delete(request, app_id: int, doc_id: int):
    app = _get(request, app_id)
    services.application_document_remove(actor=request.user, application=app, document_id=doc_id)
    return Status(204, None)


# --------------------------------------------------------------------------- workflow actions


class NoteIn(InputSchema):
    note: str = ""


class OverrideIn(InputSchema):
    rule: str
    reason: str


class BankApproveIn(InputSchema):
    annual_rate: Money
    approved_amount: Money | None = None
    note: str = ""


class ContractIn(InputSchema):
    contract_no: str = ""  # required: refused by the service with loan.contract_no_required
    contract_date: IsoDate | None = None
    annual_rate: Money | None = None
    repayment_method: choice(RepaymentMethod) | None = None
    note: str = ""


class DisburseIn(InputSchema):
    loan_note_no: str = ""  # required: refused by the service with loan.loan_note_no_required
    amount: Money
    date: IsoDate
    annual_rate: Money | None = None
    note: str = ""


class ReturnIn(InputSchema):
    missing_items: list[str]
    note: str = ""


class RejectIn(InputSchema):
    reasons: list[str]
    note: str = ""


class ExtendIn(InputSchema):
    months: int
    reason: str


def _action_route(action: str, summary: str, optional_body: type[InputSchema] | None = None):
    extra = None
    if optional_body is not None:  # documented, but a bare POST is fine too
        extra = {
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": optional_body.model_json_schema()}},
            }
        }
    return router.post(
        f"/applications/{{int:app_id}}/actions/{action}",
        response={200: ApplicationOut, **ERRORS},
        summary=summary,
        operation_id=f"loan_application_{action}",
        openapi_extra=extra,
    )


def _optional_body(request, schema: type[InputSchema]):
    """The body of a step whose input is all optional: empty (or an empty form) means defaults."""
    raw = request.body.strip()
    if not raw:
        return schema()
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data = request.POST.dict()
    else:
        try:
            data = json.loads(raw)
        except ValueError:
            raise DomainError("request.malformed", "请求格式有误，无法解析请求内容。", status=400)
    try:
        return schema.model_validate(data if data is not None else {})
    except pydantic.ValidationError as exc:
        raise invalid_request(exc.errors()) from None


def _act(request, app_id: int, service, payload: InputSchema | None = None) -> dict:
    """Run one workflow step on the caller's application (the body's fields are the service's keywords)."""
    fields = dict(payload) if payload is not None else {}
    service(actor=request.user, application=_get(request, app_id), request=request, **fields)
    return _detail(request, app_id)


@_action_route("submit", "提交申请（完整性与资格检查）", NoteIn)
def action_submit(request, app_id: int):
    _optional_body(request, NoteIn)
    return _act(request, app_id, services.application_submit)


@_action_route("override", "人工认定（软性条件，须写明理由）")
def action_override(request, app_id: int, payload: OverrideIn):
    return _act(request, app_id, services.application_override, payload)


@_action_route("hr_approve", "人社资格审核通过", NoteIn)
def action_hr_approve(request, app_id: int):
    return _act(request, app_id, services.application_hr_approve, _optional_body(request, NoteIn))


@_action_route("guarantee_approve", "担保审核通过", NoteIn)
def action_guarantee_approve(request, app_id: int):
    return _act(request, app_id, services.application_guarantee_approve, _optional_body(request, NoteIn))


@_action_route("bank_approve", "银行审批通过（批准金额与年利率）")
def action_bank_approve(request, app_id: int, payload: BankApproveIn):
    return _act(request, app_id, services.application_bank_approve, payload)


@_action_route("sign_contract", "签订借款合同", ContractIn)
def action_sign_contract(request, app_id: int):
    return _act(request, app_id, services.application_sign_contract, _optional_body(request, ContractIn))


@_action_route("disburse", "放款（可分笔，合计不超过批准金额）")
def action_disburse(request, app_id: int, payload: DisburseIn):
    return _act(request, app_id, services.application_disburse, payload)


@_action_route("return", "退回补正（一次性列明所有补正事项）")
def action_return(request, app_id: int, payload: ReturnIn):
    return _act(request, app_id, services.application_return, payload)


@_action_route("reject", "不予通过（须写明理由）")
def action_reject(request, app_id: int, payload: RejectIn):
    return _act(request, app_id, services.application_reject, payload)


@_action_route("withdraw", "撤回申请", NoteIn)
def action_withdraw(request, app_id: int):
    return _act(request, app_id, services.application_withdraw, _optional_body(request, NoteIn))


@_action_route("extend", "展期（政策允许时）")
def action_extend(request, app_id: int, payload: ExtendIn):
    return _act(request, app_id, services.application_extend, payload)


@router.post(
    "/applications/{int:app_id}/actions/{action}",
    response={404: ErrorOut},
    summary="其他操作（未知操作返回 loan.unknown_action）",
    include_in_schema=False,
)
def action_unknown(request, app_id: int, action: str):
    _get(request, app_id)
    raise NotFound("loan.unknown_action", f"未知的操作：{action}。")


# --------------------------------------------------------------------------- queue


class QueueItemOut(_HeadFields):
    bank: OrgRef | None
    applied_on: IsoDate | None
    due: IsoDate | None
    overdue: bool
    priority: bool
    priority_reasons: list[str]
    epidemic_affected: bool
    waiting_for: list[str]
    actions: list[str]


class QueuePagination(PageNumberPagination):
    def paginate_queryset(self, queryset, pagination, **params):
        request = params.get("request")
        offset = (pagination.page - 1) * pagination.page_size
        rows = selectors.queue_rows(queryset, offset, pagination.page_size)
        today = timezone.localdate()
        return {
            "count": queryset.count(),
            "items": [_queue_row(selectors.queue_item(a, request.user, today)) for a in rows],
        }


def _queue_row(item: dict) -> dict:
    app = item.pop("app")
    return {
        "id": app.pk,
        "number": app.number,
        "status": app.status,
        **_head(app),
        "borrower_type": app.borrower_type,
        "amount": app.amount,
        "bank": _org(app.bank),
        "applied_on": app.applied_on,
        "epidemic_affected": app.epidemic_affected,
        **item,
    }


@router.get(
    "/queue",
    response=list[QueueItemOut],
    summary="待办队列：等待本人角色办理的申请（重点群体、受疫情影响优先，其次按办理时限）",
)
@paginate(QueuePagination)
def review_queue(request):
    return selectors.review_queue(request.user)
