"""Shared test fixtures: reference data, demo users, API clients with a bearer token."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as dj_settings
from django.test import Client

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_PASSWORD = "Demo@2020fx"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    dj_settings.PASSWORD_HASHERS = FAST_HASHERS
    from fanxiang.demo.services import load_reference_data

    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Reference data survives transactional tests' flush: reload it when it is gone."""
    dj_settings.PASSWORD_HASHERS = FAST_HASHERS
    if not (
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    ) and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue(
        "transactional_db"
        if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
        else "db"
    )
    from fanxiang.demo.services import load_reference_data
    from fanxiang.regions.models import Region

    if not Region.objects.filter(code="411600").exists():
        load_reference_data()


@pytest.fixture
def demo(db):
    """The demo organizations and users of `make run` (password Demo@2020fx), by username."""
    from fanxiang.accounts.models import User
    from fanxiang.demo.services import load_demo_data

    load_demo_data()
    return {u.username: u for u in User.objects.all()}


class ApiClient:
    """A Django test client that speaks JSON and carries a bearer token."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.token = token

    def _headers(self, extra: dict | None = None) -> dict:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, params: dict | None = None, **extra):
        return self.client.get(path, params or {}, **self._headers(extra))

    def post(self, path: str, data: dict | None = None, **extra):
        return self.client.post(
            path, json.dumps(data or {}), content_type="application/json", **self._headers(extra)
        )

    def patch(self, path: str, data: dict | None = None, **extra):
        return self.client.patch(
            path, json.dumps(data or {}), content_type="application/json", **self._headers(extra)
        )

    def delete(self, path: str, **extra):
        return self.client.delete(path, **self._headers(extra))


def api_login(username: str, password: str = DEMO_PASSWORD) -> ApiClient:
    response = ApiClient().post("/api/v1/auth/token", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return ApiClient(response.json()["token"])


@pytest.fixture
def api(demo):
    """``api("officer_411625")`` → an ApiClient logged in as that demo user."""
    cache: dict[str, ApiClient] = {}

    def _get(username: str) -> ApiClient:
        if username not in cache:
            cache[username] = api_login(username)
        return cache[username]

    return _get


@pytest.fixture
def web(demo):
    """``web("city_admin")`` → a Django test client with a logged-in session."""

    def _get(username: str) -> Client:
        client = Client()
        client.force_login(demo[username])
        return client

    return _get
