"""Portal API: the account's own loan applications (``/applications…``, portal token): drafts, documents,
submission and withdrawal through the loan services, and the progress of each step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import FileResponse
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from fanxiang.core.api import InputSchema, IsoDate
from fanxiang.core.schema import Money, choice
from fanxiang.loans import applications as loans
from fanxiang.loans.applications.workflow import ACTION_LABELS, ROLE_LABELS, status_label
from fanxiang.loans.choices import BorrowerCategory, CounterGuarantee
from fanxiang.loans.models import LoanApplication
from fanxiang.portal import progress, selectors
from fanxiang.portal.api_common import ERRORS, account_of, actor_of, person_id
from fanxiang.portal.auth import portal_auth

CounterGuaranteeCode = choice(CounterGuarantee, blank=True, enforce=False)
BorrowerCategoryCode = choice(BorrowerCategory, enforce=False)

loans_router = Router()  # mounted on the portal router, whose tag it takes
# operation ids as published when these routes lived in portal/api.py (core.api.FanxiangAPI)
OPERATION_ID_MODULE = "fanxiang.portal.api"


# --------------------------------------------------------------------------- loan applications


class StepOut(Schema):
    label: str
    state: str
    holder: str
    due: IsoDate | None
    overdue: bool
    done_at: dt.datetime | None


class DocOut(Schema):
    id: int
    kind: str
    kind_label: str
    original_name: str
    size: int
    uploaded_at: dt.datetime
    url: str


class PortalEventOut(Schema):
    at: dt.datetime
    action: str
    action_label: str
    role: str
    note: str


class MissingOut(Schema):
    field: str
    code: str
    message: str


class AppRowOut(Schema):
    id: int
    number: str
    status: str
    status_label: str
    amount: Decimal
    term_months: int
    applied_on: IsoDate | None
    step_due: IsoDate | None
    created_at: dt.datetime


class AppOut(AppRowOut):
    borrower_type: str
    purpose: str
    bank: int | None
    counter_guarantee: str
    counter_guarantee_detail: str
    recommender: int | None
    borrower_categories: list[str]
    epidemic_affected: bool
    declared_other_debts: bool
    approved_amount: Decimal | None
    annual_rate: Decimal | None
    disbursed_total: Decimal
    missing_items: list[str]
    rejection_reasons: list[str]
    still_missing: list[MissingOut]
    steps: list[StepOut]
    documents: list[DocOut]
    events: list[PortalEventOut]


def app_row(app: LoanApplication) -> dict:
    return {
        "id": app.pk,
        "number": app.number,
        "status": app.status,
        "status_label": status_label(app.status),
        "amount": app.amount,
        "term_months": app.term_months,
        "applied_on": app.applied_on,
        "step_due": app.step_due,
        "created_at": app.created_at,
    }


def app_out(app: LoanApplication) -> dict:
    editable = app.status in ("draft", "returned")
    return {
        **app_row(app),
        "borrower_type": app.borrower_type,
        "purpose": app.purpose,
        "bank": app.bank_id,
        "counter_guarantee": app.counter_guarantee,
        "counter_guarantee_detail": app.counter_guarantee_detail,
        "recommender": app.recommender_id,
        "borrower_categories": app.borrower_categories or [],
        "epidemic_affected": app.epidemic_affected,
        "declared_other_debts": app.declared_other_debts,
        "approved_amount": app.approved_amount,
        "annual_rate": app.annual_rate,
        "disbursed_total": app.disbursed_total,
        "missing_items": app.missing_items or [],
        "rejection_reasons": app.rejection_reasons or [],
        "still_missing": loans.missing_for_submission(app, timezone.localdate()) if editable else [],
        "steps": [s.__dict__ for s in progress.steps(app)],
        "documents": [
            {
                "id": d.pk,
                "kind": d.kind,
                "kind_label": str(d.get_kind_display()),
                "original_name": d.original_name,
                "size": d.size,
                "uploaded_at": d.uploaded_at,
                "url": f"/api/v1/portal/applications/{app.pk}/documents/{d.pk}",
            }
            for d in app.documents.all()
        ],
        "events": [
            {
                "at": e.at,
                "action": e.action,
                "action_label": ACTION_LABELS.get(
                    e.action,
                    {"create": "创建申请", "upload": "上传材料", "remove_document": "删除材料"}.get(
                        e.action, e.action
                    ),
                ),
                "role": ROLE_LABELS.get(e.actor_role, e.actor_role),
                "note": e.note,
            }
            for e in app.events.all()
        ],
    }


class AppIn(InputSchema):
    amount: Money
    term_months: int
    purpose: str = ""
    bank: int | None = None
    counter_guarantee: CounterGuaranteeCode = ""
    counter_guarantee_detail: str = ""
    recommender: int | None = None
    borrower_categories: list[BorrowerCategoryCode] | None = None
    epidemic_affected: bool = False
    declared_other_debts: bool = False


class AppPatchIn(InputSchema):
    amount: Money | None = None
    term_months: int | None = None
    purpose: str | None = None
    bank: int | None = None
    counter_guarantee: CounterGuaranteeCode | None = None
    counter_guarantee_detail: str | None = None
    recommender: int | None = None
    borrower_categories: list[BorrowerCategoryCode] | None = None
    epidemic_affected: bool | None = None
    declared_other_debts: bool | None = None


def _app(request, app_id: int) -> LoanApplication:
    return selectors.application_of(account_of(request).entrepreneur_id, app_id)


@loans_router.get(
    "/applications",
    response={200: list[AppRowOut], **ERRORS},
    auth=portal_auth,
    summary="我的贷款申请",
)
def application_list(request):
    return [
        app_row(a)
        for a in selectors.applications_of(account_of(request).entrepreneur_id).order_by("-created_at")[:100]
    ]


@loans_router.post(
    "/applications",
    response={201: AppOut, **ERRORS},
    auth=portal_auth,
    summary="新建贷款申请草稿（个人贷款）",
)
def application_create(request, payload: AppIn):
    data = {"entrepreneur": person_id(request), "borrower_type": "individual", **payload.dict()}
    if data.get("borrower_categories") is None:
        data.pop("borrower_categories")
    app = loans.application_create(actor=actor_of(request), data=data)
    return Status(201, app_out(_app(request, app.pk)))


@loans_router.get(
    "/applications/{int:app_id}",
    response={200: AppOut, **ERRORS},
    auth=portal_auth,
    summary="贷款申请详情与办理进度",
)
def application_detail(request, app_id: int):
    return app_out(_app(request, app_id))


@loans_router.patch(
    "/applications/{int:app_id}",
    response={200: AppOut, **ERRORS},
    auth=portal_auth,
    summary="修改草稿或补正",
)
def application_update(request, app_id: int, payload: AppPatchIn):
    app = _app(request, app_id)
    data = payload.dict(exclude_unset=True)
    loans.application_update(actor=actor_of(request), application=app, data=data)
    return app_out(_app(request, app_id))


@loans_router.post(
    "/applications/{int:app_id}/documents",
    response={201: DocOut, **ERRORS},
    auth=portal_auth,
    summary="上传申请材料（PDF/JPG/PNG）",
)
def document_upload(request, app_id: int, kind: Form[str], file: File[UploadedFile]):
    app = _app(request, app_id)
    doc = loans.application_document_add(actor=actor_of(request), application=app, kind=kind, upload=file)
    return Status(
        201,
        {
            "id": doc.pk,
            "kind": doc.kind,
            "kind_label": str(doc.get_kind_display()),
            "original_name": doc.original_name,
            "size": doc.size,
            "uploaded_at": doc.uploaded_at,
            "url": f"/api/v1/portal/applications/{app.pk}/documents/{doc.pk}",
        },
    )


@loans_router.get(
    "/applications/{int:app_id}/documents/{int:doc_id}",
    response={200: None, **ERRORS},
    auth=portal_auth,
    summary="下载我的申请材料",
)
def document_download(request, app_id: int, doc_id: int):
    doc = selectors.document_of(account_of(request).entrepreneur_id, app_id, doc_id)
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.original_name)


@loans_router.post(
    "/applications/{int:app_id}/submit",
    response={200: AppOut, **ERRORS},
    auth=portal_auth,
    summary="提交申请（或补正后重新提交）",
)
def application_submit(request, app_id: int):
    app = _app(request, app_id)
    loans.application_submit(actor=actor_of(request), application=app, request=request)
    return app_out(_app(request, app_id))


class PortalNoteIn(InputSchema):
    note: str = ""


@loans_router.post(
    "/applications/{int:app_id}/withdraw",
    response={200: AppOut, **ERRORS},
    auth=portal_auth,
    summary="撤回申请",
)
def application_withdraw(request, app_id: int, payload: PortalNoteIn | None = None):
    app = _app(request, app_id)
    loans.application_withdraw(
        actor=actor_of(request), application=app, note=(payload.note if payload else ""), request=request
    )
    return app_out(_app(request, app_id))
