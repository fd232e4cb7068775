"""Bad requests found by the API fuzz run: each answers 4xx in the JSON error format, never 500/HTML."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"code", "message", "errors"}
    assert body["code"] == code


def test_multipart_without_boundary_is_400_not_500():
    # Failed login → axes reads request.POST → MultiPartParserError.
    response = Client().post(
        "/api/v1/auth/token",
        b'{"username": "nobody", "password": "x"}',
        content_type="multipart/form-data",
    )
    _assert_error(response, 400, "request.malformed")


def test_unknown_api_url_is_json_404(api):
    client = api("city_admin")
    _assert_error(client.get("/api/v1/targets/null,null"), 404, "not_found")
    _assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_undeclared_method_is_json_405_with_allow(api):
    response = api("city_admin").client.put("/api/v1/targets/")
    _assert_error(response, 405, "method_not_allowed")
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_pages_outside_the_api_keep_html_404(web):
    response = web("city_admin").get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
