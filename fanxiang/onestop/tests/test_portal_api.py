"""The applicant's side on the portal: start an online request, follow it, resubmit after a supplement
request, rate it once; another person's request is not found; an unbound account is refused."""

from __future__ import annotations

import itertools

import pytest

from fanxiang.conftest import ApiClient
from fanxiang.core import pii
from fanxiang.core.validators import mask_mobile
from fanxiang.onestop import services
from fanxiang.onestop.models import Rating, ServiceRequest
from fanxiang.onestop.tests.factories import centre, clerk, person
from fanxiang.portal.auth import issue_token
from fanxiang.portal.models import PortalAccount
from fanxiang.portal.services_accounts import _new_user

pytestmark = pytest.mark.django_db
BASE = "/api/v1/portal/service-requests"
_seq = itertools.count(1)


def _portal(entrepreneur=None) -> ApiClient:
    mobile = f"1370000{next(_seq):04d}"
    account = PortalAccount.objects.create(
        user=_new_user(),
        mobile_enc=pii.encrypt(mobile),
        mobile_hash=pii.index(mobile),
        mobile_masked=mask_mobile(mobile),
        entrepreneur=entrepreneur,
    )
    return ApiClient(issue_token(account)[0])


def test_an_online_request_from_the_phone(demo):
    c = centre("411625")
    me = person("411625")
    phone = _portal(me)
    centres = phone.get(f"{BASE}/centres").json()
    offered = next(x for x in centres if x["id"] == c.pk)
    assert "social_insurance_transfer" not in [s["code"] for s in offered["services"]]  # window only
    response = phone.post(
        f"{BASE}/", {"service_type": "policy_enjoyment", "centre": c.pk, "description": "申请补贴"}
    )
    assert response.status_code == 201, response.content
    req = response.json()
    assert (req["status"], req["channel"], req["entrepreneur"]["id"]) == ("submitted", "online", me.pk)
    assert req["allowed_actions"] == ["withdraw"]
    services.service_request_request_supplement(
        actor=clerk(), service_request=ServiceRequest.objects.get(pk=req["id"]), missing=["营业执照"]
    )
    detail = phone.get(f"{BASE}/{req['id']}").json()
    assert (
        detail["status"] == "supplement_requested" and detail["missing"] == ["营业执照"] and detail["paused"]
    )
    assert phone.post(f"{BASE}/{req['id']}/actions/resubmit").json()["status"] == "resubmitted"
    assert [r["id"] for r in phone.get(f"{BASE}/").json()["items"]] == [req["id"]]


def test_rating_once_on_the_portal(demo):
    me = person("411625")
    phone = _portal(me)
    req = phone.post(f"{BASE}/", {"service_type": "startup_guidance", "centre": centre().pk}).json()
    url = f"{BASE}/{req['id']}/rating"
    assert phone.post(url, {"level": 5}).json()["code"] == "onestop.not_completed"
    taken = ServiceRequest.objects.get(pk=req["id"])
    services.service_request_accept(actor=clerk(), service_request=taken, complete_now=True, result="已指导")
    assert phone.post(url, {"level": 9}).status_code == 422
    response = phone.post(url, {"level": 2, "comment": "等候太久"})
    assert response.status_code == 201 and response.json()["level"] == 2
    again = phone.post(url, {"level": 5})
    assert again.status_code == 409 and again.json()["code"] == "onestop.already_rated"
    assert Rating.objects.get(request_id=req["id"]).source == "portal"
    assert phone.get(f"{BASE}/{req['id']}").json()["rectification"]["status"] == "open"


def test_only_the_own_requests(demo):
    mine = _portal(person("411625"))
    req = mine.post(f"{BASE}/", {"service_type": "startup_guidance", "centre": centre().pk}).json()
    other = _portal(person("411625"))
    assert other.get(f"{BASE}/{req['id']}").status_code == 404
    assert other.post(f"{BASE}/{req['id']}/actions/withdraw").status_code == 404
    assert other.get(f"{BASE}/").json()["count"] == 0
    unbound = _portal(None)
    response = unbound.post(f"{BASE}/", {"service_type": "startup_guidance", "centre": centre().pk})
    assert response.status_code == 403 and response.json()["code"] == "portal.not_bound"
    assert ApiClient().get(f"{BASE}/").status_code == 401
