"""Portal API (/api/v1/portal): sign-in by mobile + code, then the account's own business with a portal token
(``Authorization: Bearer fxp_…``); plus the county's review of self-registrations and edit requests under
``/review/`` (staff token, staff scope).

Sign-in: ``POST /otp {"mobile"}`` texts a 6-digit code; ``POST /login {"mobile", "code"}`` →
``{"token", "expires_at"}`` (the account is created on first sign-in). Limits answer HTTP 429 with their own
codes (``portal.otp_cooldown``, ``portal.otp_rate_limited``, ``portal.otp_ip_rate_limited``,
``portal.otp_locked``); a wrong or expired code is 401 ``portal.otp_invalid`` / ``portal.otp_expired``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fanxiang.core.api import ErrorOut, InputSchema, IsoDate, PageNumberPagination, staff_auth
from fanxiang.core.errors import NotFound
from fanxiang.core.schema import Money, choice
from fanxiang.core.scope import CHANGE
from fanxiang.entrepreneurs.choices import BusinessKind, Category, Education, Industry
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.loans import services as loans
from fanxiang.loans.choices import BorrowerCategory, CounterGuarantee
from fanxiang.loans.models import LoanApplication
from fanxiang.loans.workflow import ACTION_LABELS, ROLE_LABELS, status_label
from fanxiang.notifications.selectors import inbox_for_person
from fanxiang.notifications.services import notification_mark_read
from fanxiang.portal import progress, selectors, services
from fanxiang.portal.auth import portal_auth
from fanxiang.portal.models import EditKind, EditRequest, PortalAccount, Registration

# Coded fields (annotations are strings here, so the types are named once). Loan fields are checked by the
# loan service, which reports every field at once with its own codes.
BusinessKindCode = choice(BusinessKind)
IndustryCode = choice(Industry)
CategoryCode = choice(Category)
EducationCode = choice(Education, blank=True)
EditKindCode = choice(EditKind)
CounterGuaranteeCode = choice(CounterGuarantee, blank=True, enforce=False)
BorrowerCategoryCode = choice(BorrowerCategory, enforce=False)

router = Router(tags=["创业者门户"])
review_router = Router(tags=["创业者门户·县区审核"], auth=staff_auth)

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def rate_ip(request) -> str | None:
    """The client address for the per-IP code limit: REMOTE_ADDR, or the header a trusted reverse proxy sets
    (``FANXIANG_CLIENT_IP_HEADER``, e.g. ``HTTP_X_REAL_IP``) — never a header the client could choose."""
    header = getattr(settings, "FANXIANG_CLIENT_IP_HEADER", "")
    value = request.META.get(header) if header else None
    return (value or request.META.get("REMOTE_ADDR") or "").split(",")[0].strip() or None


def _account(request) -> PortalAccount:
    return request.auth


def _actor(request):
    return services.portal_actor(_account(request))


# --------------------------------------------------------------------------- sign-in


class OtpIn(InputSchema):
    mobile: str


class OtpOut(Schema):
    sent: bool
    mobile: str
    expires_at: dt.datetime
    resend_after: dt.datetime


@router.post(
    "/otp",
    response={200: OtpOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    auth=None,
    summary="发送登录验证码",
)
def otp_send(request, payload: OtpIn):
    sent = services.request_login_code(mobile=payload.mobile, ip=rate_ip(request))
    return {
        "sent": True,
        "mobile": sent.mobile_masked,
        "expires_at": sent.expires_at,
        "resend_after": sent.resend_after,
    }


class LoginIn(InputSchema):
    mobile: str
    code: str


class PortalTokenOut(Schema):
    token: str
    expires_at: dt.datetime


@router.post(
    "/login",
    response={200: PortalTokenOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="验证码登录（首次即注册）",
)
def login(request, payload: LoginIn):
    from fanxiang.portal.auth import issue_token

    account, _created = services.login_with_code(mobile=payload.mobile, code=payload.code, request=request)
    key, expires_at = issue_token(account, request)
    return {"token": key, "expires_at": expires_at}


class PasswordLoginIn(InputSchema):
    mobile: str
    password: str


@router.post(
    "/login/password",
    response={200: PortalTokenOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="密码登录（已设置密码的账号）",
)
def login_password(request, payload: PasswordLoginIn):
    from fanxiang.portal.auth import issue_token

    account = services.login_with_password(mobile=payload.mobile, password=payload.password, request=request)
    key, expires_at = issue_token(account, request)
    return {"token": key, "expires_at": expires_at}


class PortalRevoked(Schema):
    revoked: bool


@router.delete(
    "/token", response={200: PortalRevoked, **ERRORS}, auth=portal_auth, summary="注销当前门户令牌"
)
def token_delete(request):
    account = _account(request)
    token = getattr(account, "current_token", None)
    if token is None:
        from fanxiang.core.errors import Unauthorized

        raise Unauthorized("portal.token_required", "请使用门户令牌调用此接口。")
    services.token_revoke(account=account, token=token)
    return {"revoked": True}


# --------------------------------------------------------------------------- me, binding, registration


class PortalPersonOut(Schema):
    id: int
    name: str
    id_number_masked: str
    mobile_masked: str
    sex: str
    birth_date: IsoDate
    region: str
    region_name: str
    category: str
    category_label: str
    return_date: IsoDate | None
    started_on: IsoDate | None
    priority_groups: list[str]


def person_out(person: Entrepreneur | None) -> dict | None:
    if person is None:
        return None
    return {
        "id": person.pk,
        "name": person.name,
        "id_number_masked": person.id_number_masked,
        "mobile_masked": person.mobile_masked,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "region": person.region.code,
        "region_name": person.region.name,
        "category": person.category,
        "category_label": str(person.get_category_display()),
        "return_date": person.return_date,
        "started_on": person.started_on,
        "priority_groups": [g.name for g in person.priority_groups.all()],
    }


class PortalMeOut(Schema):
    mobile: str
    bound: bool
    has_password: bool
    person: PortalPersonOut | None
    pending_registration: int | None


@router.get("/me", response={200: PortalMeOut, **ERRORS}, auth=portal_auth, summary="我的账号")
def me(request):
    account = _account(request)
    pending = selectors.pending_registration(account)
    return {
        "mobile": account.mobile_masked,
        "bound": bool(account.entrepreneur_id),
        "has_password": account.has_password,
        "person": person_out(selectors.person_of(account)),
        "pending_registration": pending.pk if pending else None,
    }


class PortalPasswordIn(InputSchema):
    password: str


class Ok(Schema):
    ok: bool


@router.post("/me/password", response={200: Ok, **ERRORS}, auth=portal_auth, summary="设置登录密码（可选）")
def set_password(request, payload: PortalPasswordIn):
    services.account_set_password(account=_account(request), password=payload.password)
    return {"ok": True}


class BindIn(InputSchema):
    name: str
    id_number: str


class BindOut(Schema):
    status: str
    message: str
    person: PortalPersonOut | None


@router.post(
    "/bind", response={200: BindOut, **ERRORS}, auth=portal_auth, summary="实名绑定（姓名+身份证号）"
)
def bind(request, payload: BindIn):
    outcome = services.account_bind(account=_account(request), name=payload.name, id_number=payload.id_number)
    return {"status": outcome.status, "message": outcome.message, "person": person_out(outcome.entrepreneur)}


class BusinessFactsIn(InputSchema):
    name: str | None = None
    kind: BusinessKindCode | None = None
    credit_code: str | None = None
    industry: IndustryCode | None = None
    region: str | None = None
    address: str | None = None
    employees: int | None = None
    registered_on: str | None = None
    started_on: str | None = None
    jobs_created: int | None = None


class RegistrationIn(InputSchema):
    name: str
    id_number: str
    region: str
    category: CategoryCode
    return_date: str | None = None
    started_on: str | None = None
    worked_province: str | None = None
    worked_city: str | None = None
    worked_months: int | None = None
    education: EducationCode | None = None
    skills: str | None = None
    priority_groups: list[str] = []
    hukou_region: str | None = None
    business: BusinessFactsIn | None = None


class RegistrationOut(Schema):
    id: int
    name: str
    id_number_masked: str
    region: str
    region_name: str
    status: str
    status_label: str
    reason: str
    person: dict[str, Any]
    business: dict[str, Any]
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_region(obj: Registration) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Registration) -> str:
        return obj.region.name

    @staticmethod
    def resolve_status_label(obj: Registration) -> str:
        return str(obj.get_status_display())


def registration_out(reg: Registration) -> Registration:
    return reg


@router.post(
    "/registrations",
    response={201: RegistrationOut, **ERRORS},
    auth=portal_auth,
    summary="提交自助登记（县区审核）",
)
def registration_create(request, payload: RegistrationIn):
    data = payload.dict()
    data["business"] = {k: v for k, v in (data.get("business") or {}).items() if v is not None}
    reg = services.registration_submit(account=_account(request), data=data, actor=_actor(request))
    return Status(201, registration_out(reg))


@router.get(
    "/registrations",
    response={200: list[RegistrationOut], **ERRORS},
    auth=portal_auth,
    summary="我的登记申请",
)
def registration_list(request):
    return [registration_out(r) for r in selectors.registrations_of(_account(request))[:50]]


# --------------------------------------------------------------------------- businesses and edit requests


class PortalBusinessOut(Schema):
    id: int
    name: str
    kind: str
    credit_code: str
    industry: str
    region: str
    address: str
    employees: int
    jobs_created: int
    started_on: IsoDate | None

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.region.code


@router.get(
    "/businesses", response={200: list[PortalBusinessOut], **ERRORS}, auth=portal_auth, summary="我的经营主体"
)
def business_list(request):
    return list(selectors.businesses_of(_account(request).entrepreneur_id)[:100])


class EditIn(InputSchema):
    kind: EditKindCode
    changes: dict[str, Any]
    business: int | None = None
    note: str = ""


class EditOut(Schema):
    id: int
    kind: str
    kind_label: str
    business: int | None
    changes: dict[str, Any]
    previous: dict[str, Any]
    note: str
    status: str
    status_label: str
    reason: str
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj: EditRequest) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_business(obj: EditRequest) -> int | None:
        return obj.business_id

    @staticmethod
    def resolve_status_label(obj: EditRequest) -> str:
        return str(obj.get_status_display())


def edit_out(e: EditRequest) -> EditRequest:
    return e


@router.post(
    "/edit-requests",
    response={201: EditOut, **ERRORS},
    auth=portal_auth,
    summary="申请变更登记信息（县区审核）",
)
def edit_create(request, payload: EditIn):
    e = services.edit_request_create(
        account=_account(request),
        kind=payload.kind,
        changes=payload.changes,
        business_id=payload.business,
        note=payload.note,
        actor=_actor(request),
    )
    return Status(201, edit_out(e))


@router.get(
    "/edit-requests", response={200: list[EditOut], **ERRORS}, auth=portal_auth, summary="我的变更申请"
)
def edit_list(request):
    return [edit_out(e) for e in selectors.edit_requests_of(_account(request))[:50]]


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


def _person_id(request) -> int:
    account = _account(request)
    if not account.entrepreneur_id:
        from fanxiang.core.errors import Forbidden

        raise Forbidden("portal.not_bound", "请先完成实名绑定（POST /api/v1/portal/bind）。")
    return account.entrepreneur_id


def _app(request, app_id: int) -> LoanApplication:
    return selectors.application_of(_account(request).entrepreneur_id, app_id)


@router.get(
    "/applications", response={200: list[AppRowOut], **ERRORS}, auth=portal_auth, summary="我的贷款申请"
)
def application_list(request):
    return [
        app_row(a)
        for a in selectors.applications_of(_account(request).entrepreneur_id).order_by("-created_at")[:100]
    ]


@router.post(
    "/applications",
    response={201: AppOut, **ERRORS},
    auth=portal_auth,
    summary="新建贷款申请草稿（个人贷款）",
)
def application_create(request, payload: AppIn):
    data = {"entrepreneur": _person_id(request), "borrower_type": "individual", **payload.dict()}
    if data.get("borrower_categories") is None:
        data.pop("borrower_categories")
    app = loans.application_create(actor=_actor(request), data=data)
    return Status(201, app_out(_app(request, app.pk)))


@router.get(
    "/applications/{int:app_id}",
    response={200: AppOut, **ERRORS},
    auth=portal_auth,
    summary="贷款申请详情与办理进度",
)
def application_detail(request, app_id: int):
    return app_out(_app(request, app_id))


@router.patch(
    "/applications/{int:app_id}", response={200: AppOut, **ERRORS}, auth=portal_auth, summary="修改草稿或补正"
)
def application_update(request, app_id: int, payload: AppPatchIn):
    app = _app(request, app_id)
    data = payload.dict(exclude_unset=True)
    loans.application_update(actor=_actor(request), application=app, data=data)
    return app_out(_app(request, app_id))


@router.post(
    "/applications/{int:app_id}/documents",
    response={201: DocOut, **ERRORS},
    auth=portal_auth,
    summary="上传申请材料（PDF/JPG/PNG）",
)
def document_upload(request, app_id: int, kind: Form[str], file: File[UploadedFile]):
    app = _app(request, app_id)
    doc = loans.application_document_add(actor=_actor(request), application=app, kind=kind, upload=file)
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


@router.get(
    "/applications/{int:app_id}/documents/{int:doc_id}",
    response={200: None, **ERRORS},
    auth=portal_auth,
    summary="下载我的申请材料",
)
def document_download(request, app_id: int, doc_id: int):
    doc = selectors.document_of(_account(request).entrepreneur_id, app_id, doc_id)
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.original_name)


@router.post(
    "/applications/{int:app_id}/submit",
    response={200: AppOut, **ERRORS},
    auth=portal_auth,
    summary="提交申请（或补正后重新提交）",
)
def application_submit(request, app_id: int):
    app = _app(request, app_id)
    loans.application_submit(actor=_actor(request), application=app, request=request)
    return app_out(_app(request, app_id))


class PortalNoteIn(InputSchema):
    note: str = ""


@router.post(
    "/applications/{int:app_id}/withdraw",
    response={200: AppOut, **ERRORS},
    auth=portal_auth,
    summary="撤回申请",
)
def application_withdraw(request, app_id: int, payload: PortalNoteIn | None = None):
    app = _app(request, app_id)
    loans.application_withdraw(
        actor=_actor(request), application=app, note=(payload.note if payload else ""), request=request
    )
    return app_out(_app(request, app_id))


# --------------------------------------------------------------------------- notifications and policies


class PortalNotificationOut(Schema):
    id: int
    event: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class Marked(Schema):
    marked: int


def _inbox(request):
    account = _account(request)
    return inbox_for_person(user=account.user, entrepreneur_id=account.entrepreneur_id)


@router.get("/notifications", response=list[PortalNotificationOut], auth=portal_auth, summary="我的消息")
@paginate(PageNumberPagination)
def notification_list(request):
    return _inbox(request)


@router.post(
    "/notifications/{int:notification_id}/read",
    response={200: Marked, **ERRORS},
    auth=portal_auth,
    summary="标为已读",
)
def notification_read(request, notification_id: int):
    qs = _inbox(request).filter(pk=notification_id)
    if not qs.exists():
        raise NotFound("not_found", "记录不存在或无权访问。")
    return {"marked": notification_mark_read(notifications=qs)}


class MatchItemOut(Schema):
    title: str
    document_number: str
    benefit: str
    estimated_amount: str
    reasons: list[str]
    failed: list[str]
    message: str
    how_to_apply: str


class MatchesOut(Schema):
    available: bool
    message: str
    eligible: list[MatchItemOut]
    near_misses: list[MatchItemOut]
    received: list[MatchItemOut]


@router.get(
    "/policy-matches", response={200: MatchesOut, **ERRORS}, auth=portal_auth, summary="我能享受哪些政策"
)
def policy_matches(request):
    _person_id(request)
    person = selectors.person_of(_account(request))
    matches = selectors.policy_matches(person)
    if matches is None:
        return {
            "available": False,
            "message": "政策匹配暂未开放。",
            "eligible": [],
            "near_misses": [],
            "received": [],
        }
    return {"available": True, "message": "", **matches}


# --------------------------------------------------------------------------- county review (staff)


@review_router.get("/registrations/", response=list[RegistrationOut], summary="自助登记（本辖区）")
@paginate(PageNumberPagination)
def review_registration_list(request, status: str = ""):
    qs = selectors.registrations_for_user(request.user).order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def _reg(request, pk: int) -> Registration:
    reg = selectors.registrations_for_user(request.user).filter(pk=pk).first()
    if reg is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    return reg


@review_router.get(
    "/registrations/{int:pk}", response={200: RegistrationOut, **ERRORS}, summary="自助登记详情"
)
def review_registration(request, pk: int):
    return registration_out(_reg(request, pk))


class ConfirmIn(InputSchema):
    with_business: bool = True


@review_router.post(
    "/registrations/{int:pk}/confirm",
    response={200: RegistrationOut, **ERRORS},
    summary="确认登记（新建登记记录并绑定账号）",
)
def review_registration_confirm(request, pk: int, payload: ConfirmIn):
    reg = services.registration_confirm(
        actor=request.user, registration=_reg(request, pk), with_business=payload.with_business
    )
    return registration_out(reg)


class MergeIn(InputSchema):
    entrepreneur: int


@review_router.post(
    "/registrations/{int:pk}/merge", response={200: RegistrationOut, **ERRORS}, summary="合并到已有登记记录"
)
def review_registration_merge(request, pk: int, payload: MergeIn):
    target = Entrepreneur.objects.for_user(request.user, CHANGE).filter(pk=payload.entrepreneur).first()
    if target is None:
        raise NotFound("not_found", "要合并的登记记录不存在或不在您的管辖范围内。")
    reg = services.registration_merge(actor=request.user, registration=_reg(request, pk), entrepreneur=target)
    return registration_out(reg)


class PortalReasonIn(InputSchema):
    reason: str


@review_router.post(
    "/registrations/{int:pk}/reject",
    response={200: RegistrationOut, **ERRORS},
    summary="不予登记（原因告知申请人）",
)
def review_registration_reject(request, pk: int, payload: PortalReasonIn):
    reg = services.registration_reject(
        actor=request.user, registration=_reg(request, pk), reason=payload.reason
    )
    return registration_out(reg)


@review_router.get("/edit-requests/", response=list[EditOut], summary="信息变更申请（本辖区）")
@paginate(PageNumberPagination)
def review_edit_list(request, status: str = ""):
    qs = selectors.edit_requests_for_user(request.user).order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def _edit(request, pk: int) -> EditRequest:
    e = selectors.edit_requests_for_user(request.user).filter(pk=pk).first()
    if e is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    return e


@review_router.get("/edit-requests/{int:pk}", response={200: EditOut, **ERRORS}, summary="信息变更申请详情")
def review_edit(request, pk: int):
    return edit_out(_edit(request, pk))


@review_router.post(
    "/edit-requests/{int:pk}/approve", response={200: EditOut, **ERRORS}, summary="同意变更（写入登记库）"
)
def review_edit_approve(request, pk: int):
    return edit_out(services.edit_request_approve(actor=request.user, edit=_edit(request, pk)))


@review_router.post(
    "/edit-requests/{int:pk}/reject",
    response={200: EditOut, **ERRORS},
    summary="不同意变更（原因告知申请人）",
)
def review_edit_reject(request, pk: int, payload: PortalReasonIn):
    return edit_out(
        services.edit_request_reject(actor=request.user, edit=_edit(request, pk), reason=payload.reason)
    )


router.add_router("/review", review_router)
