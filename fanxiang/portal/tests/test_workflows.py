"""Registrations and edit requests on the workflow machine: the actions each caller may take, and the typed
event every decision writes."""

from __future__ import annotations

import pytest

from fanxiang.portal import services
from fanxiang.portal.models import EditRequestEvent, Registration, RegistrationEvent
from fanxiang.portal.tests.factories import bound_account, registration_data, registry_person
from fanxiang.portal.workflows import EDIT_REQUESTS, REGISTRATIONS

pytestmark = pytest.mark.django_db


def test_registration_actions_and_events(portal, demo):
    response = portal("13700004080").post("/api/v1/portal/registrations", registration_data(business={}))
    reg = Registration.objects.get(pk=response.json()["id"])
    officer = demo["officer_411625"]
    assert REGISTRATIONS.allowed_actions(reg, officer) == ["confirmed", "merged", "rejected"]
    assert REGISTRATIONS.allowed_actions(reg, demo["officer_411628"]) == []
    assert REGISTRATIONS.waiting_roles(reg) == ["city_admin", "county_officer"]
    services.registration_reject(actor=officer, registration=reg, reason="  材料不全  ")
    reg.refresh_from_db()
    assert reg.status == "rejected" and reg.reason == "材料不全"
    assert REGISTRATIONS.allowed_actions(reg, officer) == []
    event = RegistrationEvent.objects.get(registration=reg)
    assert (event.action, event.from_status, event.to_status) == ("rejected", "pending", "rejected")
    assert event.actor == officer and event.actor_role == "county_officer" and event.note == "材料不全"


def test_edit_request_actions_and_events(demo):
    officer = demo["officer_411625"]
    person = registry_person(officer, name="变更人", mobile="")
    account = bound_account(person, "13700004081")
    edit = services.edit_request_create(account=account, kind="person", changes={"skills": "电工"})
    assert EDIT_REQUESTS.allowed_actions(edit, officer) == ["approve", "reject"]
    assert EDIT_REQUESTS.allowed_actions(edit, demo["officer_411628"]) == []
    services.edit_request_approve(actor=officer, edit=edit)
    person.refresh_from_db()
    assert person.skills == "电工"
    event = EditRequestEvent.objects.get(edit_request=edit)
    assert (event.action, event.to_status, event.actor_role) == ("approve", "approved", "county_officer")
    assert EDIT_REQUESTS.allowed_actions(event.edit_request, officer) == []
