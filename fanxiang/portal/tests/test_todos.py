"""The portal's lines of the to-do inbox (core.tasks): self-registrations and edit requests pending for the
county that decides them, never another county's; each line's link lists exactly those requests."""

from __future__ import annotations

import pytest
from django.test import Client

from fanxiang.core import tasks
from fanxiang.portal import services
from fanxiang.portal.models import Registration
from fanxiang.portal.tests.factories import bound_account, registration_data, registry_person

pytestmark = pytest.mark.django_db


def _item(user, kind: str) -> dict | None:
    return next((i for i in tasks.tasks_for(user)["items"] if i["kind"] == kind), None)


def test_pending_registration_waits_for_its_county(portal, demo):
    officer = demo["officer_411625"]
    response = portal("13700006001").post("/api/v1/portal/registrations", registration_data(business={}))
    reg = Registration.objects.get(pk=response.json()["id"])
    item = _item(officer, "portal.registration_review")
    assert item["count"] == 1 and item["title"] == "待审核的门户自助登记"
    assert item["url"] == "/portal/review/registrations/?status=pending"
    assert _item(demo["officer_411628"], "portal.registration_review") is None
    assert _item(demo["service_clerk"], "portal.registration_review") is None  # may read, not decide
    client = Client()
    client.force_login(officer)
    page = client.get(item["url"]).content.decode()
    assert reg.name in page
    services.registration_reject(actor=officer, registration=reg, reason="材料不全")
    assert _item(officer, "portal.registration_review") is None


def test_pending_edit_request_waits_for_its_county(demo):
    officer = demo["officer_411625"]
    account = bound_account(registry_person(officer, name="改信息"), "13700006002")
    services.edit_request_create(account=account, kind="person", changes={"skills": "电工"})
    item = _item(officer, "portal.edit_review")
    assert item["count"] == 1 and item["url"] == "/portal/review/edit-requests/?status=pending"
    assert _item(demo["officer_411628"], "portal.edit_review") is None
