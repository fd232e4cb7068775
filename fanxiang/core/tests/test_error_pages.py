"""Chinese 403/404/500 pages in production (DEBUG off): staff style, portal style for the portal and the
public policy pages, each with a way home; the API keeps answering JSON."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from fanxiang.core import error_pages


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom), path("portal/boom/", boom)]
handler500 = "fanxiang.core.error_pages.server_error"

ENGLISH = ("Not Found", "Forbidden", "Server Error", "The requested resource")


def chinese(html: str) -> None:
    for word in ENGLISH:
        assert word not in html, word


@override_settings(DEBUG=False)
def test_staff_404_is_chinese_with_way_home(web):
    response = web("officer_411625").get("/entrepreneurs/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-style="staff"' in html and "页面不存在" in html
    assert '<a class="btn" href="/" data-testid="error-home">返回首页</a>' in html
    assert "fx/app.css" in html
    chinese(html)


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    "url", ["/portal/no-such-page/", "/policies/public/no-such-page/", "/training/public/no-such-page/"]
)
def test_portal_and_public_404_are_portal_style(db, url):
    response = Client().get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-style="portal"' in html and "页面不存在" in html
    assert 'href="/portal/" data-testid="error-home">返回门户首页</a>' in html
    assert "portal/portal.css" in html
    chinese(html)


@override_settings(DEBUG=True)
def test_another_countys_record_is_the_chinese_404_in_development_too(web):
    """make run has DEBUG on: a clerk following another county's link reads the Chinese page, not Django's
    English debug page (a URL no route matches keeps the debug page for developers)."""
    from fanxiang.entrepreneurs.tests.scope_cases import make_person

    theirs = make_person("411628")
    response = web("officer_411625").get(f"/entrepreneurs/{theirs.pk}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-style="staff"' in html and "页面不存在" in html and "返回首页" in html
    assert "DEBUG" not in html and "Page not found" not in html
    chinese(html)
    assert web("officer_411628").get(f"/entrepreneurs/{theirs.pk}/").status_code == 200


@override_settings(DEBUG=False)
def test_staff_403_is_chinese(web):
    response = web("officer_411625").get("/accounts/audit/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-style="staff"' in html and "无权访问" in html and "返回首页" in html
    chinese(html)


def test_portal_403_and_500_render_without_database():
    request = RequestFactory().get("/portal/loans/9/")
    for handler, status, heading in (
        (error_pages.permission_denied, 403, "无权访问"),
        (error_pages.server_error, 500, "系统出错了"),
    ):
        response = handler(request) if status == 500 else handler(request, None)
        html = response.content.decode()
        assert response.status_code == status and heading in html and "返回门户首页" in html
        assert 'data-style="portal"' in html
        chinese(html)


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    ("url", "style", "home"), [("/boom/", "staff", "返回首页"), ("/portal/boom/", "portal", "返回门户首页")]
)
def test_500_page_end_to_end(db, url, style, home):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 500
    html = response.content.decode()
    assert f'data-style="{style}"' in html and "系统出错了" in html and home in html
    chinese(html)


@override_settings(DEBUG=False)
def test_api_errors_stay_json(api):
    response = api("officer_411625").get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"
    direct = error_pages.server_error(RequestFactory().get("/api/v1/loans/"))
    assert direct.status_code == 500 and direct["Content-Type"].startswith("application/json")


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("url", "style", "home"),
    [("/entrepreneurs/new/", "staff", "返回首页"), ("/portal/login/password/", "portal", "返回门户首页")],
)
def test_csrf_failure_is_the_chinese_403_page(web, url, style, home):
    """A form posted without a valid CSRF token (a page left open, cookies cleared): Django's bare page
    was replaced by the staff or portal 403 page with a way home."""
    client = web("officer_411625") if style == "staff" else Client()
    client.handler.enforce_csrf_checks = True
    response = client.post(url, {"name": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert f'data-style="{style}"' in html and "页面已过期" in html and home in html
    assert "CSRF" not in html and "403 Forbidden" not in html
    chinese(html)
