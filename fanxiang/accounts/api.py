from datetime import datetime
from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth import authenticate
from ninja import Router, Schema
from ninja.pagination import paginate

from fanxiang.accounts import selectors, services, throttle
from fanxiang.accounts.models import Organization, OrganizationKind, RoleAssignment
from fanxiang.accounts.roles import Role
from fanxiang.core import audit
from fanxiang.core.api import ErrorOut, InputSchema, PageNumberPagination
from fanxiang.core.errors import Forbidden, TooManyRequests, Unauthorized
from fanxiang.core.scope import get_for_user

auth_router = Router(tags=["认证"])
me_router = Router(tags=["认证"])
audit_router = Router(tags=["审计"])
org_router = Router(tags=["机构"])


class TokenIn(InputSchema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: datetime
    must_change_password: bool = False


@auth_router.post(
    "/token",
    response={200: TokenOut, 401: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="获取访问令牌",
    description="429: `auth.locked_out` (the username is locked after repeated failures) or "
    "`auth.rate_limited` (too many attempts from this address; `Retry-After` says when to try again).",
)
def token_create(request, payload: TokenIn):
    try:
        attempt = throttle.attempt_begin(request)
    except throttle.LoginRateLimited as exc:
        return throttle.rate_limited_json(exc)
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        raise TooManyRequests("auth.locked_out", "连续登录失败次数过多，账户已锁定15分钟。")
    if user is None:
        raise Unauthorized("auth.invalid_credentials", "用户名或密码错误。连续失败5次将锁定15分钟。")
    attempt.succeeded()
    key, expires_at = services.token_issue(user=user, request=request)
    return {"token": key, "expires_at": expires_at, "must_change_password": user.must_change_password}


class Revoked(Schema):
    revoked: bool


@auth_router.delete("/token", response={200: Revoked, 401: ErrorOut}, summary="注销当前令牌")
def token_delete(request):
    token = getattr(request, "api_token", None)
    if token is None:
        raise Unauthorized("auth.token_required", "请使用 Bearer 令牌调用此接口。")
    services.token_revoke(token=token, request=request)
    return {"revoked": True}


class RegionRef(Schema):
    code: str
    name: str


class AssignmentOut(Schema):
    role: str
    role_label: str
    region: RegionRef


class OrgOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region: str

    @staticmethod
    def resolve_region(obj: Organization) -> str:
        return obj.region.code


class MeOut(Schema):
    id: int
    username: str
    real_name: str
    organization: OrgOut | None
    roles: list[AssignmentOut]
    must_change_password: bool


@me_router.get("", response=MeOut, summary="当前用户")
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "real_name": user.real_name,
        "organization": user.organization,
        "roles": [
            {
                "role": a.role,
                "role_label": str(Role(a.role).label),
                "region": {"code": a.region.code, "name": a.region.name},
            }
            for a in user.assignments()
        ],
        "must_change_password": user.must_change_password,
    }


class PasswordIn(InputSchema):
    old_password: str
    new_password: str


class PasswordChanged(Schema):
    ok: bool
    token: str | None = None
    expires_at: datetime | None = None


@me_router.post(
    "/password",
    response={200: PasswordChanged, 422: ErrorOut},
    summary="修改密码",
    description="Revokes every API token of the user (also the one used here) and ends their sessions. "
    "Called with a token, the answer carries a fresh `token`; called from a browser session, that session "
    "stays signed in.",
)
def me_password(request, payload: PasswordIn):
    user = request.user
    services.password_change(
        user=user,
        old_password=payload.old_password,
        new_password=payload.new_password,
        request=request,
    )
    if getattr(request, "auth_via_token", False):
        key, expires_at = services.token_issue(user=user, request=request)
        return {"ok": True, "token": key, "expires_at": expires_at}
    from django.contrib.auth import update_session_auth_hash

    update_session_auth_hash(request, user)
    return {"ok": True}


class AuditOut(Schema):
    id: int
    timestamp: datetime
    event: str
    actor: str | None
    content_type: str
    object_pk: str
    object_repr: str
    changes: dict[str, Any] | None
    data: dict[str, Any] | None
    remote_addr: str | None

    @staticmethod
    def resolve_event(obj: LogEntry) -> str:
        return audit.event_of(obj)

    @staticmethod
    def resolve_actor(obj: LogEntry) -> str | None:
        return obj.actor.username if obj.actor_id else None

    @staticmethod
    def resolve_content_type(obj: LogEntry) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    @staticmethod
    def resolve_data(obj: LogEntry) -> dict | None:
        return obj.additional_data

    @staticmethod
    def resolve_changes(obj: LogEntry) -> dict | None:
        return obj.changes if isinstance(obj.changes, dict) else None


@audit_router.get("/", response={200: list[AuditOut], 403: ErrorOut}, summary="审计日志（仅市级管理员）")
@paginate(PageNumberPagination)
def audit_list(
    request,
    event: str = "",
    actor: str = "",
    model: str = "",
    object: str = "",
    date_from: str = "",
    date_to: str = "",
    ip: str = "",
):
    user = request.user
    if not (user.is_superuser or user.has_role(Role.CITY_ADMIN)):
        raise Forbidden("audit.forbidden", "只有市级管理员可以查看审计日志。")
    return selectors.audit_entries(
        event=event, actor=actor, model=model, object=object, date_from=date_from, date_to=date_to, ip=ip
    )


@org_router.get("/", response=list[OrgOut], summary="机构（成员单位、经办银行、担保机构等）")
@paginate(PageNumberPagination)
def org_list(request, kind: OrganizationKind | None = None):
    return selectors.organizations(kind=kind)


assignment_router = Router(tags=["用户与权限"])


class AssignmentRowOut(Schema):
    id: int
    username: str
    real_name: str
    role: str
    role_label: str
    region: str
    region_name: str

    @staticmethod
    def resolve_username(obj: RoleAssignment) -> str:
        return obj.user.username

    @staticmethod
    def resolve_real_name(obj: RoleAssignment) -> str:
        return obj.user.real_name

    @staticmethod
    def resolve_role_label(obj: RoleAssignment) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_region(obj: RoleAssignment) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: RoleAssignment) -> str:
        return obj.region.name


@assignment_router.get("/", response=list[AssignmentRowOut], summary="角色授权（限本人负责区划）")
@paginate(PageNumberPagination)
def assignment_list(request, role: Role | None = None, region: str | None = None):
    qs = selectors.assignments_for_user(request.user).order_by("region__tree_path", "user__username")
    if role:
        qs = qs.filter(role=role)
    if region:
        qs = qs.filter(region__code=region)
    return qs


@assignment_router.get(
    "/{int:assignment_id}", response={200: AssignmentRowOut, 404: ErrorOut}, summary="角色授权详情"
)
def assignment_detail(request, assignment_id: int):
    return get_for_user(RoleAssignment, request.user, pk=assignment_id)
