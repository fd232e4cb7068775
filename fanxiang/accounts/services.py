"""Account writes: users, role assignments, passwords, locks, API tokens. Each is one atomic action
that writes its audit record in the same transaction."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from fanxiang.accounts.models import ApiToken, Organization, RoleAssignment, TrustedAddress, User, hash_token
from fanxiang.accounts.roles import Role
from fanxiang.accounts.throttle import client_address
from fanxiang.core import audit
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.core.scope import ADD, DELETE, ensure_in_scope
from fanxiang.core.validators import validate_mobile
from fanxiang.regions.models import Region


def trust_record(*, user: User, request: Any) -> None:
    """Remember a successful sign-in from the request's address (it becomes trusted for the failed-login
    lockout, :mod:`fanxiang.accounts.lockout`)."""
    address = client_address(request)
    if not address or user.pk is None:
        return
    now = timezone.now()
    updated = TrustedAddress.objects.filter(user=user, address=address).update(last_success_at=now)
    if not updated:
        TrustedAddress.objects.get_or_create(user=user, address=address, defaults={"last_success_at": now})


def _require_user_admin(actor: User) -> None:
    if not (actor.is_superuser or actor.has_role(Role.CITY_ADMIN)):
        raise Forbidden("accounts.admin_required", "只有市级管理员可以管理用户。")


def _check_password(password: str, user: User, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            "accounts.password_policy", "密码不符合安全要求。", errors={field: list(exc.messages)}
        )


@transaction.atomic
def credentials_revoke(
    *, user: User, reason: str, actor: User | None = None, request: Any = None, record: bool = True
) -> int:
    """Revoke every API token of ``user`` and end all their sessions (the session epoch, see
    ``User.get_session_auth_hash``). Called on a password change or reset, a lock or failed-login lockout,
    and a role removal. A caller that keeps the changer's own session calls ``update_session_auth_hash``
    afterwards. Returns the number of tokens revoked; with ``record=False`` the caller puts it in its own
    audit event."""
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.session_epoch = User.objects.values_list("session_epoch", flat=True).get(pk=user.pk)
    if not record:
        return revoked
    audit.record_event(
        event=audit.EVENT_SECURITY,
        actor=actor,
        obj=user,
        request=request,
        data={"what": "credentials_revoked", "reason": reason, "tokens": revoked},
    )
    return revoked


@audit.audited
@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    real_name: str,
    password: str,
    mobile: str = "",
    organization: Organization | None = None,
    email: str = "",
    must_change_password: bool = True,
) -> User:
    _require_user_admin(actor)
    username = (username or "").strip()
    if not username:
        raise InvalidInput.field("username", "accounts.username_required", "请填写用户名。")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            "accounts.username_taken",
            f"用户名“{username}”已被使用。",
            errors={"username": ["用户名已被使用。"]},
        )
    user = User(
        username=username,
        real_name=(real_name or "").strip(),
        mobile=validate_mobile(mobile) if mobile else "",
        organization=organization,
        email=email,
        must_change_password=must_change_password,
    )
    _check_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    return user


@audit.audited
@transaction.atomic
def user_update(*, actor: User, user: User, **fields: Any) -> User:
    _require_user_admin(actor)
    allowed = {"real_name", "mobile", "organization", "email"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput("request.unknown_fields", f"不可修改的字段：{', '.join(sorted(unknown))}")
    if fields.get("mobile"):
        fields["mobile"] = validate_mobile(fields["mobile"])
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    return user


@audit.audited
@transaction.atomic
def role_assign(*, actor: User, user: User, role: str, region: Region) -> RoleAssignment:
    if role not in Role.values:
        raise InvalidInput.field("role", "accounts.unknown_role", f"未知角色：{role}")
    _require_user_admin(actor)
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(user=user, role=role, region=region)
    except IntegrityError:
        raise Conflict("accounts.role_exists", "该用户已拥有此区划的此角色。")
    ensure_in_scope(actor, assignment, ADD)
    user._fx_assignments = None
    return assignment


@audit.audited
@transaction.atomic
def role_revoke(*, actor: User, assignment: RoleAssignment) -> None:
    _require_user_admin(actor)
    ensure_in_scope(actor, assignment, DELETE)
    user = assignment.user
    assignment.delete()
    user._fx_assignments = None
    # What the tokens and sessions were issued for has changed: sign the user in again.
    credentials_revoke(user=user, reason="role_revoked", actor=actor)


@audit.audited
@transaction.atomic
def password_set_by_admin(*, actor: User, user: User, password: str) -> User:
    """Admin reset: the user must change it at next login."""
    _require_user_admin(actor)
    _check_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save()
    revoked = credentials_revoke(user=user, reason="password_reset", record=False)
    audit.record_event(
        event=audit.EVENT_SECURITY,
        actor=actor,
        obj=user,
        data={"what": "password_reset", "tokens_revoked": revoked, "sessions_ended": True},
    )
    # The reset may answer a compromised account: its trusted addresses no longer exempt from lockout.
    TrustedAddress.objects.filter(user=user).delete()
    return user


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str, request: Any = None) -> User:
    """The user's own change. Every API token (also the one making the request) is revoked and every
    session ended; the web page then keeps its own session with ``update_session_auth_hash``, and the API
    answers with a fresh token."""
    if not user.check_password(old_password):
        raise InvalidInput.field("old_password", "accounts.wrong_password", "原密码不正确。")
    if old_password == new_password:
        raise InvalidInput.field("new_password", "accounts.password_unchanged", "新密码不能与原密码相同。")
    _check_password(new_password, user, "new_password")
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save()
    revoked = credentials_revoke(user=user, reason="password_change", record=False)
    audit.record_event(
        event=audit.EVENT_SECURITY,
        actor=user,
        obj=user,
        request=request,
        data={"what": "password_change", "tokens_revoked": revoked, "sessions_ended": True},
    )
    return user


@audit.audited
@transaction.atomic
def user_lock(*, actor: User, user: User, reason: str) -> User:
    _require_user_admin(actor)
    if user.pk == actor.pk:
        raise InvalidInput("accounts.cannot_lock_self", "不能锁定自己的账户。")
    if not (reason or "").strip():
        raise InvalidInput.field("reason", "accounts.reason_required", "请填写锁定原因。")
    user.is_active = False
    user.locked_reason = reason.strip()[:200]
    user.save()
    # Sessions too: an inactive user's session is refused, but it would come back on unlock.
    revoked = credentials_revoke(user=user, reason="lock", record=False)
    audit.record_event(
        event=audit.EVENT_SECURITY,
        actor=actor,
        obj=user,
        data={"what": "lock", "reason": reason, "tokens_revoked": revoked, "sessions_ended": True},
    )
    TrustedAddress.objects.filter(user=user).delete()
    return user


@transaction.atomic
def lockout_record(
    *,
    username: str,
    user: User | None,
    request: Any,
    address: str | None,
    trusted_address: bool,
    until: datetime,
    failures: int | None = None,
) -> None:
    """A failed-login lockout has just locked ``username`` (see :mod:`fanxiang.accounts.lockout`): the audit
    event, and for an existing account its tokens and sessions revoked."""
    revoked = credentials_revoke(user=user, reason="lockout", record=False) if user is not None else 0
    audit.record_event(
        event=audit.EVENT_SECURITY,
        obj=user,
        model=User,
        object_repr=username,
        request=request,
        data={
            "what": "lockout",
            "username": username,
            "address": address,
            "trusted_address": trusted_address,
            "failures": failures,
            "until": until.isoformat(),
            "tokens_revoked": revoked,
            "sessions_ended": user is not None,
        },
    )


@audit.audited
@transaction.atomic
def user_unlock(*, actor: User, user: User) -> User:
    """Unlock an account: both an admin lock and a failed-login lockout."""
    _require_user_admin(actor)
    user.is_active = True
    user.locked_reason = ""
    user.save()
    axes_reset(username=user.username)
    audit.record_event(event=audit.EVENT_SECURITY, actor=actor, obj=user, data={"what": "unlock"})
    return user


@transaction.atomic
def token_issue(*, user: User, request: Any = None) -> tuple[str, datetime]:
    key = secrets.token_urlsafe(32)
    expires_at = timezone.now() + settings.API_TOKEN_TTL
    ApiToken.objects.create(
        user=user, key_hash=hash_token(key), expires_at=expires_at, created_ip=client_address(request)
    )
    audit.record_event(
        event=audit.EVENT_LOGIN, actor=user, obj=user, request=request, data={"via": "api_token"}
    )
    if request is not None:
        trust_record(user=user, request=request)
    return key, expires_at


@transaction.atomic
def token_revoke(*, token: ApiToken, request: Any = None) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record_event(
        event=audit.EVENT_LOGOUT, actor=token.user, obj=token.user, request=request, data={"via": "api_token"}
    )


def set_active_region(*, request: Any, user: User, region_path: str | None) -> None:
    if region_path and not any(a.region.tree_path == region_path for a in user.assignments()):
        raise Forbidden("scope.region_forbidden", "您没有该区划的角色。")
    if region_path:
        request.session["active_region_path"] = region_path
    else:
        request.session.pop("active_region_path", None)
