"""API plumbing shared by every app: authentication, error format, pagination."""

from __future__ import annotations

import datetime
import json
import logging
import re
from typing import Annotated, Any

import pydantic
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from ninja.parser import Parser
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.utils import check_csrf
from pydantic import BeforeValidator, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from fanxiang.core.api_messages import http_error_message, pydantic_message
from fanxiang.core.counting import count_rows
from fanxiang.core.errors import DomainError, InvalidInput
from fanxiang.core.schema import CODES as SCHEMA_ERROR_CODES
from fanxiang.core.schema import refuse_booleans
from fanxiang.core.validators import TEXT_INVALID_CHARACTER, find_invalid_text_char

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


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    """Dates are ``YYYY-MM-DD`` only: pydantic would otherwise read ``0`` as a Unix timestamp."""
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        return value.strip()
    raise ValueError("日期格式应为 YYYY-MM-DD")


IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date)]


class InputSchema(Schema):
    """Request bodies refuse fields they do not know, so nothing a client sends is silently dropped."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _strict_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # Numbers are strict in every input schema: ``false`` is not 0 (``number.not_boolean``).
        if _holds_unstorable(value):
            raise PydanticCustomError(TEXT_INVALID_CHARACTER, "含有无法保存的字符，请删除后重试。")
        return refuse_booleans(cls.model_fields[info.field_name].annotation, value)

    @field_validator("*", mode="after")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        # Text in every input schema: no NUL, control characters (newline/tab/CR aside), lone surrogates
        # or bidi marks (``text.invalid_character``); names are checked more strictly by their services.
        if _holds_invalid_text(value):
            raise PydanticCustomError(TEXT_INVALID_CHARACTER, "含有不可见或控制字符，请删除后重试。")
        return value


def _holds_unstorable(value: Any) -> bool:
    if isinstance(value, _Unstorable):
        return True
    if isinstance(value, list):
        return any(_holds_unstorable(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_unstorable(v) for v in value.values())
    return False


def _holds_invalid_text(value: Any) -> bool:
    if isinstance(value, str):
        return find_invalid_text_char(value, multiline=True) is not None
    if isinstance(value, (list, tuple, set)):
        return any(_holds_invalid_text(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_invalid_text(k) or _holds_invalid_text(v) for k, v in value.items())
    return False


class _Unstorable(str):
    """A JSON string that held a lone surrogate (stored here with U+FFFD in its place, so it can still be
    encoded): the input schema refuses it as ``text.invalid_character`` with the field's path."""


_SURROGATE_RE = re.compile("[\\ud800-\\udfff]")


def _mark_unstorable(value: Any) -> Any:
    if isinstance(value, str):
        return _Unstorable(_SURROGATE_RE.sub("\ufffd", value)) if _SURROGATE_RE.search(value) else value
    if isinstance(value, list):
        return [_mark_unstorable(v) for v in value]
    if isinstance(value, dict):
        return {_SURROGATE_RE.sub("\ufffd", k): _mark_unstorable(v) for k, v in value.items()}
    return value


class SafeJsonParser(Parser):
    """A lone surrogate (``"\\ud800"``) is valid JSON but no database or encoder can take it: such strings
    are marked here and refused by the input schema (422 ``text.invalid_character`` on the field), instead of
    failing with a 500 deep down. NUL and control characters are refused by the schema's text check."""

    def parse_body(self, request: HttpRequest) -> Any:
        return _mark_unstorable(super().parse_body(request))


class ErrorOut(Schema):
    code: str
    message: str
    errors: dict[str, list[str]] = {}


# The error statuses any operation can answer (request.malformed, auth, scope, not found, bad input, rate
# limit), documented on every operation with the shared error body; 409 on the writing methods only.
COMMON_ERROR_RESPONSES = {
    400: "请求格式有误（如无法解析的请求体）",
    401: "未登录、令牌无效或已过期",
    403: "无权执行此操作",
    404: "记录不存在或无权访问",
    409: "与当前状态冲突（如重复、状态不允许）",
    422: "请求数据有误（字段校验失败，见 errors 与 details.items）",
    429: "请求过于频繁，请稍后再试",
}
WRITE_ONLY_ERRORS = {409}


def document_error_responses(schema: dict) -> dict:
    """Add the shared error responses to every operation of an OpenAPI document (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in components:
        components["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            declared = {str(code) for code in responses}
            for status, description in COMMON_ERROR_RESPONSES.items():
                if str(status) in declared or (
                    status in WRITE_ONLY_ERRORS and method.lower() in ("get", "head")
                ):
                    continue
                responses[status] = {"description": description, "content": content}
    return schema


class FanxiangAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document lists, on every operation, the error statuses it can answer, and
    whose JSON parser refuses unstorable characters (:class:`SafeJsonParser`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parser", SafeJsonParser())
        super().__init__(*args, **kwargs)

    def get_openapi_operation_id(self, operation: Any) -> str:
        """``<module>_<function>`` as ninja makes it, where a module that moved keeps its published ids by
        declaring ``OPERATION_ID_MODULE`` (the dotted name it had): integrators generate clients from them."""
        import sys

        func = operation.view_func
        module = getattr(sys.modules.get(func.__module__), "OPERATION_ID_MODULE", func.__module__)
        return f"{module}_{func.__name__}".replace(".", "_")

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_error_responses(schema)


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


def invalid_request(pydantic_errors: list[Any]) -> InvalidInput:
    """A request that fails its schema: 422 ``request.invalid`` with every field's reason, each item's code
    in ``details.items``. When every error is one of the shared field types' own (``money.float_not_allowed``,
    ``number.not_boolean``, ``choice.invalid`` …) and they agree, that code is the error's code."""
    errors: dict[str, list[str]] = {}
    items = []
    for err in pydantic_errors:
        field = _loc_to_field(list(err.get("loc", [])))
        message = pydantic_message(err)
        errors.setdefault(field, []).append(message)
        items.append({"field": field, "code": str(err.get("type", "request.invalid")), "message": message})
    codes = {item["code"] for item in items}
    code = next(iter(codes)) if len(codes) == 1 else ""
    if code not in (*SCHEMA_ERROR_CODES, TEXT_INVALID_CHARACTER):
        code = "request.invalid"
    return InvalidInput(code, "请求数据格式有误，请检查标出的字段。", errors=errors, details={"items": items})


TOKEN_ERROR_MESSAGES = {
    "auth.token_invalid": "访问令牌无效，请重新获取令牌。",
    "auth.token_expired": "访问令牌已过期，请重新获取令牌。",
    "auth.token_revoked": "访问令牌已注销，请重新获取令牌。",
    "auth.account_locked": "该账户已被锁定，请联系市级管理员。",
}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError):
        return api.create_response(request, invalid_request(exc.errors).as_dict(), status=422)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError):
        # A bearer token was sent but refused: say why (expired, revoked, unknown, account locked).
        code = getattr(request, "token_error", None) or "auth.required"
        message = TOKEN_ERROR_MESSAGES.get(code, "请先登录或提供有效的访问令牌。")
        body = {"code": code, "message": message, "errors": {}}
        return api.create_response(request, body, status=401)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404):
        body = {"code": "not_found", "message": "记录不存在或无权访问。", "errors": {}}
        return api.create_response(request, body, status=404)

    def bad_request(request: HttpRequest, exc: Exception):
        # A malformed body (e.g. multipart without a boundary) surfaces when something reads
        # request.POST; Django answers these with 400, and so must the API.
        body = {"code": "request.malformed", "message": "请求格式有误，无法解析请求内容。", "errors": {}}
        return api.create_response(request, body, status=400)

    for exc_class in (MultiPartParserError, BadRequest, SuspiciousOperation):
        api.add_exception_handler(exc_class, bad_request)

    @api.exception_handler(OverflowError)
    def overflow(request: HttpRequest, exc: OverflowError):
        body = {"code": "request.value_out_of_range", "message": "请求中的数值超出允许范围。", "errors": {}}
        return api.create_response(request, body, status=422)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception):
        logger.exception("API error on %s %s", request.method, request.path)
        body = {"code": "server_error", "message": "服务器内部错误，已记录，请联系系统管理员。", "errors": {}}
        return api.create_response(request, body, status=500)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError):
        message = http_error_message(exc.status_code, str(exc))
        body = {"code": f"http.{exc.status_code}", "message": message, "errors": {}}
        return api.create_response(request, body, status=exc.status_code)


class ApiJsonErrorsMiddleware:
    """Under /api/, the 404 of a URL no route matches (Django's HTML page) and the 405 of a method a
    path lacks (ninja's plain text) answer in the API's JSON error format too."""

    MESSAGES = {
        404: ("not_found", "接口不存在，请检查请求地址。"),
        405: ("method_not_allowed", "该接口不支持此请求方法。"),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code in self.MESSAGES
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code, message = self.MESSAGES[response.status_code]
            body = json.dumps({"code": code, "message": message, "errors": {}}, ensure_ascii=False)
            response.content = body.encode()
            response["Content-Type"] = "application/json; charset=utf-8"
            response["Content-Length"] = str(len(response.content))
        return response


def apply_filterset(filterset_class: Any, filters: dict, queryset: Any) -> Any:
    """Run a model's one filter set on API query parameters (empty values dropped); a bad filter value is
    422 ``filter.invalid`` naming the field."""
    data = {k: v for k, v in filters.items() if v not in (None, "")}
    fs = filterset_class(data, queryset=queryset)
    if not fs.is_valid():
        raise InvalidInput(
            "filter.invalid", "筛选条件有误。", errors={k: [str(m) for m in v] for k, v in fs.errors.items()}
        )
    return fs.qs


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
        items = list(queryset[offset : offset + pagination.page_size])
        if len(items) < pagination.page_size and (items or offset == 0):
            count = offset + len(items)  # the last page: the total is known without counting
        else:
            count = count_rows(queryset)
        return {"count": count, "items": items}


def mapped(fn):
    """A pagination class for a page of a queryset, each row turned into its output by ``fn`` (only the
    page's rows are read): ``@paginate(mapped(row_out))``."""

    class Mapped(PageNumberPagination):
        def paginate_queryset(self, queryset, pagination, **params):
            page = super().paginate_queryset(queryset, pagination, **params)
            page["items"] = [fn(row) for row in page["items"]]
            return page

    return Mapped


def parse_body(request: HttpRequest, schema: type[InputSchema]) -> InputSchema:
    """The JSON body validated against ``schema`` by hand, for an endpoint whose body depends on a path
    parameter (e.g. ``/actions/{action}``): an empty body is ``{}``; bad JSON is 400, bad fields 422."""
    raw = request.body.strip()
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        raise DomainError("request.malformed", "请求格式有误，无法解析请求内容。", status=400) from None
    try:
        return schema.model_validate(data if data is not None else {})
    except pydantic.ValidationError as exc:
        raise invalid_request(exc.errors()) from None
