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
from typing import Any

from django.conf import settings
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from fanxiang.core.api import ErrorOut, InputSchema, IsoDate, PageNumberPagination, staff_auth
from fanxiang.core.errors import NotFound
from fanxiang.core.schema import choice
from fanxiang.entrepreneurs.choices import BusinessKind, Category, Education, Industry
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.notifications.selectors import inbox_for_person
from fanxiang.notifications.services import notification_mark_read
from fanxiang.portal import selectors, services
from fanxiang.portal.api_common import ERRORS, account_of, actor_of, person_id
from fanxiang.portal.api_loans import loans_router
from fanxiang.portal.auth import portal_auth
from fanxiang.portal.models import EditKind, EditRequest, Registration

# Coded fields (annotations are strings here, so the types are named once). The loan applications' routes
# live in :mod:`fanxiang.portal.api_loans`.
BusinessKindCode = choice(BusinessKind)
IndustryCode = choice(Industry)
CategoryCode = choice(Category)
EducationCode = choice(Education, blank=True)
EditKindCode = choice(EditKind)

router = Router(tags=["创业者门户"])
review_router = Router(tags=["创业者门户·县区审核"], auth=staff_auth)


def rate_ip(request) -> str | None:
    """The client address for the per-IP code limit: REMOTE_ADDR, or the header a trusted reverse proxy sets
    (``FANXIANG_CLIENT_IP_HEADER``, e.g. ``HTTP_X_REAL_IP``) — never a header the client could choose."""
    header = getattr(settings, "FANXIANG_CLIENT_IP_HEADER", "")
    value = request.META.get(header) if header else None
    return (value or request.META.get("REMOTE_ADDR") or "").split(",")[0].strip() or None


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
    account = account_of(request)
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
    account = account_of(request)
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
    services.account_set_password(account=account_of(request), password=payload.password)
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
    outcome = services.account_bind(
        account=account_of(request), name=payload.name, id_number=payload.id_number
    )
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
    reg = services.registration_submit(account=account_of(request), data=data, actor=actor_of(request))
    return Status(201, registration_out(reg))


@router.get(
    "/registrations",
    response={200: list[RegistrationOut], **ERRORS},
    auth=portal_auth,
    summary="我的登记申请",
)
def registration_list(request):
    return [registration_out(r) for r in selectors.registrations_of(account_of(request))[:50]]


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
    return list(selectors.businesses_of(account_of(request).entrepreneur_id)[:100])


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
        account=account_of(request),
        kind=payload.kind,
        changes=payload.changes,
        business_id=payload.business,
        note=payload.note,
        actor=actor_of(request),
    )
    return Status(201, edit_out(e))


@router.get(
    "/edit-requests", response={200: list[EditOut], **ERRORS}, auth=portal_auth, summary="我的变更申请"
)
def edit_list(request):
    return [edit_out(e) for e in selectors.edit_requests_of(account_of(request))[:50]]


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
    account = account_of(request)
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
    person_id(request)
    person = selectors.person_of(account_of(request))
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
    target = selectors.merge_target(request.user, payload.entrepreneur)
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


router.add_router("", loans_router)
router.add_router("/review", review_router)
