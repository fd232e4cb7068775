"""Portal and staff authentication never mix: a portal token cannot call staff endpoints, a staff token is no
portal session, a portal account cannot sign in on the staff login page, and the two sessions are apart."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from fanxiang.conftest import DEMO_PASSWORD, ApiClient
from fanxiang.portal.models import PortalAccount, PortalToken
from fanxiang.portal.tests.conftest import last_code

pytestmark = pytest.mark.django_db


def test_portal_token_cannot_call_staff_endpoints(portal, demo):
    client = portal("13700003001")
    for path in (
        "/api/v1/me",
        "/api/v1/entrepreneurs/",
        "/api/v1/loans/applications/",
        "/api/v1/notifications/",
    ):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "auth.token_invalid", path
    assert client.get("/api/v1/portal/me").status_code == 200


def test_staff_token_is_not_a_portal_session(api):
    staff = api("officer_411625")
    assert staff.get("/api/v1/me").status_code == 200
    for path in ("/api/v1/portal/me", "/api/v1/portal/applications", "/api/v1/portal/notifications"):
        response = staff.get(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "portal.token_invalid"
    response = staff.post("/api/v1/portal/applications", {"amount": "1000.00", "term_months": 12})
    assert response.status_code == 401


def test_staff_session_is_not_a_portal_session(web):
    client = web("officer_411625")
    response = client.get("/portal/loans/")
    assert response.status_code == 302 and response.url.startswith("/portal/login/")
    response = client.get("/api/v1/portal/me")
    assert response.status_code == 401 and response.json()["code"] == "portal.auth_required"


def test_portal_session_is_not_a_staff_session(outbox, demo):
    client = Client()
    client.post("/portal/login/", {"mobile": "13700003002", "action": "send"})
    response = client.post(
        "/portal/login/", {"mobile": "13700003002", "code": last_code("13700003002"), "action": "login"}
    )
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200
    # staff home and staff pages redirect to the staff login; the staff API refuses
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.get("/entrepreneurs/").status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_portal_account_cannot_sign_in_on_the_staff_login(portal, demo):
    portal("13700003003")
    account = PortalAccount.objects.get()
    client = Client()
    response = client.post("/accounts/login/", {"username": account.user.username, "password": ""})
    assert response.status_code == 200  # the form again, no session
    assert "_auth_user_id" not in client.session
    response = ApiClient().post(
        "/api/v1/auth/token", {"username": account.user.username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 401


def test_expired_and_revoked_portal_tokens(portal):
    client = portal("13700003004")
    assert client.get("/api/v1/portal/me").status_code == 200
    token = PortalToken.objects.get()
    PortalToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/v1/portal/me")
    assert response.status_code == 401 and response.json()["code"] == "portal.token_expired"
    PortalToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + dt.timedelta(hours=1))
    assert client.delete("/api/v1/portal/token").json() == {"revoked": True}
    response = client.get("/api/v1/portal/me")
    assert response.status_code == 401 and response.json()["code"] == "portal.token_revoked"
    response = ApiClient("fxp_not-a-token").get("/api/v1/portal/me")
    assert response.json()["code"] == "portal.token_invalid"


def test_portal_session_api_needs_csrf_for_writes(outbox):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/portal/login/")
    token = page.cookies["csrftoken"].value
    client.post("/portal/login/", {"mobile": "13700003005", "action": "send", "csrfmiddlewaretoken": token})
    client.post(
        "/portal/login/",
        {
            "mobile": "13700003005",
            "code": last_code("13700003005"),
            "action": "login",
            "csrfmiddlewaretoken": token,
        },
    )
    assert client.get("/api/v1/portal/me").status_code == 200
    response = client.post(
        "/api/v1/portal/bind", {"name": "张三", "id_number": "x"}, content_type="application/json"
    )
    assert response.status_code == 401 and response.json()["code"] == "portal.csrf_failed"
