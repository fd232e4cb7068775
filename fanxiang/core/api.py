"""API plumbing shared by every app: authentication, error format, pagination."""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.utils import check_csrf

from fanxiang.core.errors import DomainError

logger = logging.getLogger("fanxiang.api")


class LocalTimeEncoder(NinjaJSONEncoder):
    """Datetimes in Asia/Shanghai with their offset (``2020-04-16T09:00:00+08:00``)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime) and timezone.is_aware(o):
            return timezone.localtime(o).isoformat()
        return super().default(o)


class JSONRenderer(BaseRenderer):
    media_type = "application/json"
    charset = "utf-8"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return json.dumps(data, cls=LocalTimeEncoder, ensure_ascii=False)


class ErrorOut(Schema):
    code: str
    message: str
    errors: dict[str, list[str]] = {}


def staff_auth(request: HttpRequest) -> Any:
    """Bearer token (set on request.user by the token middleware) or a session with CSRF."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if not getattr(request, "auth_via_token", False) and request.method not in ("GET", "HEAD", "OPTIONS"):
        if check_csrf(request) is not None:
            return None
    return user


def _loc_to_field(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "file", "payload")]
    return ".".join(parts) or "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError):
        errors: dict[str, list[str]] = {}
        for err in exc.errors:
            errors.setdefault(_loc_to_field(list(err.get("loc", []))), []).append(str(err.get("msg", "")))
        body = {
            "code": "request.invalid",
            "message": "请求数据格式有误，请检查标出的字段。",
            "errors": errors,
        }
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError):
        body = {"code": "auth.required", "message": "请先登录或提供有效的访问令牌。", "errors": {}}
        return api.create_response(request, body, status=401)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404):
        body = {"code": "not_found", "message": "记录不存在或无权访问。", "errors": {}}
        return api.create_response(request, body, status=404)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception):
        logger.exception("API error on %s %s", request.method, request.path)
        body = {"code": "server_error", "message": "服务器内部错误，已记录，请联系系统管理员。", "errors": {}}
        return api.create_response(request, body, status=500)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError):
        body = {"code": f"http.{exc.status_code}", "message": str(exc), "errors": {}}
        return api.create_response(request, body, status=exc.status_code)


class PageNumberPagination(PaginationBase):
    """``?page=&page_size=`` → ``{"count": N, "items": [...]}``."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100000)
        page_size: int = Field(20, ge=1, le=200)

    class Output(Schema):
        count: int
        items: list[Any]

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, **params):
        offset = (pagination.page - 1) * pagination.page_size
        return {"count": queryset.count(), "items": list(queryset[offset : offset + pagination.page_size])}
