"""Chinese error pages (403, 404, 500): staff style, or portal style for the portal and the public policy
pages, each with a way home. Rendered without a request context (no context processor, no database), so
they work even when the error came from the database; under /api/ the answer stays the API's JSON.

:class:`NotFoundPageMiddleware` shows the Chinese 404 for a record a view refused (``Http404``: another
county's link, a missing id) in development too, where Django would answer with its English debug page;
a URL no route matches keeps the debug page while ``DEBUG`` is on."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template import loader

PUBLIC_PREFIXES = ("/portal/", "/policies/public/", "/training/public/", "/verify/")

PAGES = {
    403: ("forbidden", "无权访问", "您没有访问此页面的权限，或该记录不属于您的管辖范围。"),
    404: ("not_found", "页面不存在", "您访问的页面不存在，或该记录不在您的管辖范围内。"),
    500: ("server_error", "系统出错了", "服务器内部错误，已记录，请稍后再试或联系系统管理员。"),
}


def _style(path: str) -> str:
    return "portal" if path.startswith(PUBLIC_PREFIXES) else "staff"


# a form posted without its valid CSRF token (a page left open past the session, cookies off): a 403
CSRF_PAGE = (
    "csrf_failed",
    "页面已过期",
    "安全校验未通过：页面可能已过期或已在别处退出登录。请返回上一页，刷新后重新提交。",
)


def render_error(
    request: HttpRequest | None, status: int, page: tuple[str, str, str] | None = None
) -> HttpResponse:
    code, heading, message = page or PAGES[status]
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return JsonResponse(
            {"code": code, "message": message, "errors": {}},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    style = _style(path)
    context = {
        "status": status,
        "heading": heading,
        "message": message,
        "style": style,
        "home_url": "/portal/" if style == "portal" else "/",
        "home_label": "返回门户首页" if style == "portal" else "返回首页",
    }
    body = loader.get_template(f"{status}.html").render(context)
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render_error(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the Chinese 403 page in the staff or portal style (Django's is bare)."""
    return render_error(request, 403, CSRF_PAGE)


class NotFoundPageMiddleware:
    """A view's ``Http404`` answers with the Chinese 404 page whatever ``DEBUG`` says (API paths left to
    the API's own JSON errors)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404) and not request.path.startswith("/api/"):
            return page_not_found(request, exception)
        return None
