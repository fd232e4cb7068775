"""What the portal API modules share: the error responses and who the caller is (the portal account behind
the portal token, the user it acts as, the registry person it is bound to)."""

from __future__ import annotations

from fanxiang.core.api import ErrorOut
from fanxiang.core.errors import Forbidden
from fanxiang.portal import services
from fanxiang.portal.models import PortalAccount

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def account_of(request) -> PortalAccount:
    return request.auth


def actor_of(request):
    return services.portal_actor(account_of(request))


def person_id(request) -> int:
    """The bound registry person's id, or 403 ``portal.not_bound``."""
    account = account_of(request)
    if not account.entrepreneur_id:
        raise Forbidden("portal.not_bound", "请先完成实名绑定（POST /api/v1/portal/bind）。")
    return account.entrepreneur_id
