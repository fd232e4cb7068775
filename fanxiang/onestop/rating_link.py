"""The one-time rating link / QR code at the window (好差评 without a login).

The clerk's request page shows, for a completed request not yet rated, a link and its QR code. The link
carries a signed token (:mod:`django.core.signing`, salt :data:`SALT`): the request, the clerk who issued
it, and the time it was issued; it is good for :func:`link_days` days. Whoever opens it (the applicant, on
their phone) sees the service with a masked name only and rates it once: the rating is recorded through
:func:`fanxiang.onestop.services.rating_create` with source ``link`` and the issuing clerk as the recorder,
so the clerk must still hold the request's county when the link is used. The link is one-time because a
request has one rating: once it exists, the link answers 已评价 (``onestop.already_rated``). A forged or
altered token is ``onestop.link_invalid``, an old one ``onestop.link_expired``. The page is rate-limited per
client address (``ONESTOP_RATING_LINK_RATE``, ``"N/M"``: N requests per M seconds, default ``30/600``).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

import segno
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from fanxiang.accounts.models import User
from fanxiang.accounts.throttle import client_address
from fanxiang.core.errors import Conflict, DomainError, InvalidInput, NotFound, TooManyRequests
from fanxiang.core.validators import mask_name
from fanxiang.onestop import services
from fanxiang.onestop.choices import RatingLevel, RatingSource, RequestStatus
from fanxiang.onestop.models import Rating, ServiceRequest
from fanxiang.onestop.workflows import REQUESTS

SALT = "fanxiang.onestop.rating-link"
STAFF = {"service_clerk", "county_officer"}
INVALID = "评价链接无效，请核对后重新扫码。"


def link_days() -> int:
    return int(getattr(settings, "ONESTOP_RATING_LINK_DAYS", 7))


class LinkError(DomainError):
    """Why a link cannot be used (shown on the public page with its code)."""


def make_token(*, service_request: ServiceRequest, issuer: Any) -> str:
    return signing.dumps({"r": service_request.pk, "u": issuer.pk}, salt=SALT, compress=True)


def read_token(token: str) -> tuple[ServiceRequest, User]:
    """The request and the issuing clerk of a valid token, or :class:`LinkError` with its code."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=dt.timedelta(days=link_days()))
    except signing.SignatureExpired:
        raise LinkError(
            "onestop.link_expired", f"评价链接已过期（有效期{link_days()}天），请联系服务窗口。", status=410
        ) from None
    except signing.BadSignature:
        raise LinkError("onestop.link_invalid", INVALID, status=404) from None
    ids = payload if isinstance(payload, dict) else {}
    req = (
        ServiceRequest.objects.select_related("service_type", "centre", "centre__region", "entrepreneur")
        .filter(pk=ids.get("r"))
        .first()
    )
    issuer = User.objects.filter(pk=ids.get("u"), is_active=True).first() if req is not None else None
    if req is None or issuer is None or not (REQUESTS.actor_roles(issuer, req) & STAFF):
        raise LinkError("onestop.link_invalid", INVALID, status=404)
    return req, issuer


def rating_state(req: ServiceRequest) -> str | None:
    """``None`` when the request can be rated now, else the refusal code."""
    if Rating.objects.filter(request=req).exists():
        return "onestop.already_rated"
    if req.status != RequestStatus.COMPLETED:
        return "onestop.not_completed"
    return None


def link_for(request: Any, req: ServiceRequest) -> dict | None:
    """The link and its QR code (inline SVG) for the staff page, or ``None`` when not to be shown: the request
    is not completed, already rated, or the user may not record a rating for it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or rating_state(req) is not None:
        return None
    if not (REQUESTS.actor_roles(user, req) & STAFF):
        return None
    path = f"/portal/rate/{make_token(service_request=req, issuer=user)}/"
    url = request.build_absolute_uri(path)
    svg = segno.make(url, error="m").svg_inline(scale=4, dark="#111", title="扫码评价")
    return {"url": url, "path": path, "svg": mark_safe(svg), "days": link_days()}


# --------------------------------------------------------------------------- rate limit


def _rate() -> tuple[int, int]:
    raw = str(getattr(settings, "ONESTOP_RATING_LINK_RATE", "30/600"))
    count, _, seconds = raw.partition("/")
    try:
        return max(0, int(count)), max(1, int(seconds or 600))
    except ValueError:
        return 30, 600


def throttle(request: Any) -> None:
    """Count one hit of the client address; beyond the rate, 429 ``onestop.rate_limited``."""
    limit, window = _rate()
    address = client_address(request)
    if not limit or not address:
        return
    now = time.time()
    bucket = int(now // window)
    key = f"fx:onestop-rate-link:{address}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window + 5)
        count = 1
    if count > limit:
        wait = max(1, math.ceil((bucket + 1) * window - now))
        raise TooManyRequests("onestop.rate_limited", f"操作过于频繁，请{wait}秒后再试。")


# --------------------------------------------------------------------------- the public page


LEVELS = [(value, str(label)) for value, label in sorted(RatingLevel.choices, reverse=True)]


def _page(request, template: str, data: dict, status: int = 200):
    return render(
        request, template, {"ctx": None, "base": "/portal/", "hide_login": True, **data}, status=status
    )


def _refused(request, exc: DomainError):
    return _page(request, "onestop/rate_refused.html", {"error": exc}, status=exc.status)


@require_http_methods(["GET", "POST"])
def rate_view(request, token: str):
    try:
        throttle(request)
        req, issuer = read_token(token)
    except DomainError as exc:
        return _refused(request, exc)
    code = rating_state(req)
    if code == "onestop.already_rated":
        return _refused(request, Conflict(code, "该服务已评价，评价链接只能使用一次。"))
    if code is not None:
        return _refused(request, Conflict(code, "该工单尚未办结，办结后才能评价。"))
    data = {
        "req": req,
        "who": mask_name(req.entrepreneur.name if req.entrepreneur else ""),
        "levels": LEVELS,
        "token": token,
    }
    if request.method == "POST":
        raw = request.POST.get("level", "")
        level = int(raw) if raw.isdigit() else None
        comment = request.POST.get("comment", "")
        try:
            if level is None:
                raise InvalidInput.field("level", "onestop.level_invalid", "请选择评价等级。")
            rating = services.rating_create(
                actor=issuer, service_request=req, level=level, comment=comment, source=RatingSource.LINK
            )
        except NotFound:
            return _refused(request, LinkError("onestop.link_invalid", INVALID, status=404))
        except DomainError as exc:
            if exc.code == "onestop.already_rated":
                return _refused(request, exc)
            data.update(error=exc, chosen=level, comment=comment)
            return _page(request, "onestop/rate_form.html", data, status=exc.status)
        return _page(request, "onestop/rate_done.html", {"req": req, "rating": rating})
    return _page(request, "onestop/rate_form.html", data)
