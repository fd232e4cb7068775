"""Portal authentication, kept apart from the staff one.

* API: ``Authorization: Bearer <portal token>`` — a ``PortalToken`` (prefix ``fxp_``), never an ``ApiToken``.
  The staff token middleware does not know these tokens, so a portal token leaves ``request.user``
  anonymous and every staff endpoint answers 401; :func:`portal_auth` knows only portal tokens, so a staff
  token is no portal session (401 ``portal.auth_required``).
* Pages: the portal session key ``portal_account_id`` (set by :func:`session_login`, never Django's
  ``login()``), so a portal sign-in never makes ``request.user`` a user and a staff session is no portal one.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils import timezone
from ninja.utils import check_csrf

from fanxiang.accounts.models import hash_token
from fanxiang.core.audit import client_ip
from fanxiang.core.errors import Unauthorized
from fanxiang.portal.models import PortalAccount, PortalToken

SESSION_KEY = "portal_account_id"
SESSION_AT = "portal_auth_at"
TOKEN_PREFIX = "fxp_"


def token_ttl() -> dt.timedelta:
    return getattr(settings, "PORTAL_TOKEN_TTL", dt.timedelta(hours=24))


def issue_token(
    account: PortalAccount, request: Any = None, now: dt.datetime | None = None
) -> tuple[str, dt.datetime]:
    now = now or timezone.now()
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = now + token_ttl()
    PortalToken.objects.create(
        account=account, key_hash=hash_token(key), expires_at=expires_at, created_ip=client_ip(request)
    )
    return key, expires_at


def _bearer(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def account_from_token(key: str, now: dt.datetime | None = None) -> tuple[PortalAccount | None, str]:
    now = now or timezone.now()
    token = (
        PortalToken.objects.select_related("account__user", "account__entrepreneur")
        .filter(key_hash=hash_token(key))
        .first()
        if key.startswith(TOKEN_PREFIX)
        else None
    )
    if token is None:
        return None, "portal.token_invalid"
    if token.revoked_at is not None:
        return None, "portal.token_revoked"
    if token.expires_at <= now:
        return None, "portal.token_expired"
    if not token.account.is_active or not token.account.user.is_active:
        return None, "portal.account_disabled"
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        PortalToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.account.current_token = token
    return token.account, ""


def session_account(request: HttpRequest) -> PortalAccount | None:
    session = getattr(request, "session", None)
    if session is None:
        return None
    pk = session.get(SESSION_KEY)
    if not pk:
        return None
    account = (
        PortalAccount.objects.select_related("user", "entrepreneur__region")
        .filter(pk=pk, is_active=True)
        .first()
    )
    if account is None or not account.user.is_active:
        session.pop(SESSION_KEY, None)
        return None
    return account


def _refuse(request: HttpRequest, code: str) -> None:
    request.token_error = code
    raise Unauthorized(code, TOKEN_ERROR_MESSAGES[code])


def portal_auth(request: HttpRequest) -> PortalAccount | None:
    """django-ninja auth callable for portal operations: a portal bearer token, or the portal session (with
    CSRF on unsafe methods). A refusal is 401 with its own code (``portal.token_expired`` …)."""
    key = _bearer(request)
    if key is not None:
        account, error = account_from_token(key)
        if account is None:
            _refuse(request, error)
        request.token_error = None
        request.portal_account = account
        return account
    account = session_account(request)
    if account is None:
        _refuse(request, "portal.auth_required")
    if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request) is not None:
        _refuse(request, "portal.csrf_failed")
    request.portal_account = account
    return account


def session_login(request: HttpRequest, account: PortalAccount) -> None:
    """Start a portal session (a fresh session key: no fixation). Does not touch ``request.user``."""
    from django.middleware.csrf import rotate_token

    request.session.cycle_key()
    rotate_token(request)
    request.session[SESSION_KEY] = account.pk
    request.session[SESSION_AT] = timezone.now().isoformat()


def session_logout(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(SESSION_AT, None)
    request.session.cycle_key()


def portal_login_required(view):
    """Page decorator: the portal account in ``request.portal_account``, else to the portal sign-in page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        account = session_account(request)
        if account is None:
            from urllib.parse import urlencode

            return redirect(f"/portal/login/?{urlencode({'next': request.get_full_path()})}")
        request.portal_account = account
        return view(request, *args, **kwargs)

    return wrapper


TOKEN_ERROR_MESSAGES = {
    "portal.token_invalid": "门户访问令牌无效，请重新登录。",
    "portal.token_expired": "门户访问令牌已过期，请重新登录。",
    "portal.token_revoked": "门户访问令牌已注销，请重新登录。",
    "portal.account_disabled": "该门户账号已停用，请联系服务中心。",
    "portal.auth_required": "请先用手机号登录返乡创业门户（Authorization: Bearer <门户令牌>）。",
    "portal.csrf_failed": "页面已过期，请刷新后重试（CSRF 校验失败）。",
}
