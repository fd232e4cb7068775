"""The window workbench: today's queues of the clerk's centre, the ID look-up (checked, scoped: another
county's person reads as "not found in your area"), quick intake for a registry person, a visitor and with
full assistance (consent required), the home panel and the nav entry."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from fanxiang.core import pii
from fanxiang.entrepreneurs.tests.factories import make_id
from fanxiang.onestop.models import ServiceRequest
from fanxiang.onestop.tests.factories import centre_of, make_request, person

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def lookup(client, id_number: str) -> str:
    response = client.post("/onestop/workbench/lookup/", {"id_number": id_number}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_workbench_shows_todays_queues_of_the_own_centre(web):
    today = timezone.localdate()
    fresh = make_request(today=today, description="工作台新件")
    late = make_request(today=today - dt.timedelta(days=60), description="工作台逾期件")
    make_request("411628", today=today)  # another county's centre
    body = web("service_clerk").get("/onestop/workbench/").content.decode()
    assert 'data-testid="bucket-new"' in body and 'data-testid="lookup-form"' in body
    assert f"#{fresh.pk} " in body and f"#{late.pk} " in body
    assert 'data-testid="count-overdue">1<' in body
    assert 'data-testid="count-new">2<' in body  # the other county's request is not counted
    assert 'data-code="onestop.overdue"' in body
    assert web("officer_411625").get("/onestop/workbench/").status_code == 200
    assert web("leader").get("/onestop/workbench/").status_code == 403


def test_a_bad_id_number_shows_its_reason(web):
    body = lookup(web("service_clerk"), "41162519850101001")
    assert 'data-code="id.invalid_length"' in body and "身份证号码应为18位" in body
    good = make_id()
    body = lookup(web("service_clerk"), good[:17] + ("0" if good[17] != "0" else "1"))  # wrong check digit
    assert 'data-testid="intake-form"' not in body and 'data-code="id.invalid_checksum"' in body


def test_a_person_in_scope_is_shown_beside_the_intake_form(web):
    p = person("411625")
    earlier = make_request(entrepreneur=p.pk, description="以往的工单")
    body = lookup(web("service_clerk"), p.id_number)
    assert p.name in body and p.id_number_masked in body
    assert p.id_number not in body  # masked only
    assert f'name="entrepreneur" value="{p.pk}"' in body
    assert f'href="/onestop/requests/{earlier.pk}/"' in body and 'data-testid="intake-form"' in body


def test_another_countys_person_reads_as_not_found_in_the_area(web):
    other = person("411628")
    nobody = make_id(area="411628")
    shown = lookup(web("service_clerk"), other.id_number)
    unknown = lookup(web("service_clerk"), nobody)
    assert other.name not in shown and other.id_number_masked not in shown
    assert 'data-testid="not-found"' in shown and 'data-testid="not-found"' in unknown

    # the page for a number held elsewhere is the page for a number nobody holds (but for the number itself)
    def neutral(body: str, number: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body.replace(number, "X"))

    assert neutral(shown, other.id_number) == neutral(unknown, nobody)
    assert "鹿邑" not in shown.split('data-testid="not-found"')[1].split("</p>")[0]


def test_intake_for_a_registry_person_then_on_the_spot(web):
    p = person("411625")
    client = web("service_clerk")
    data = {
        "entrepreneur": p.pk,
        "centre": centre_of("411625").pk,
        "service_type": "policy_consultation",
        "channel": "window",
        "description": "咨询创业担保贷款政策",
    }
    response = client.post("/onestop/workbench/intake/", data, **HTMX)
    assert response.status_code == 204
    req = ServiceRequest.objects.get(entrepreneur=p)
    assert response["HX-Redirect"].startswith(f"/onestop/requests/{req.pk}/")
    assert (req.status, req.channel, req.created_by.username) == ("submitted", "window", "service_clerk")
    page = client.get(f"/onestop/requests/{req.pk}/").content.decode()
    assert 'data-testid="form-accept"' in page
    client.post(
        f"/onestop/requests/{req.pk}/",
        {"action": "accept", "accept-complete_now": "on", "accept-result": "已当场解答"},
    )
    req.refresh_from_db()
    assert (req.status, req.result) == ("completed", "已当场解答")


def test_intake_for_a_visitor_not_yet_registered(web):
    visitor = make_id(area="411625")
    body = lookup(web("service_clerk"), visitor)
    assert f'name="visitor_id_number" value="{visitor}"' in body
    response = web("service_clerk").post(
        "/onestop/workbench/intake/",
        {
            "visitor_id_number": visitor,
            "centre": centre_of("411625").pk,
            "service_type": "registration",
            "channel": "window",
        },
    )
    assert response.status_code == 302
    req = ServiceRequest.objects.get(visitor_id_hash=pii.index(visitor), entrepreneur=None)
    assert req.visitor_id_number == visitor and req.visitor_id_masked != visitor


def test_a_refused_intake_shows_the_reason_and_writes_nothing(web):
    p = person("411625")
    base = {"entrepreneur": p.pk, "centre": centre_of("411625").pk, "channel": "window"}
    response = web("service_clerk").post(
        "/onestop/workbench/intake/",
        {**base, "service_type": "social_insurance_transfer", "channel": "online"},
    )
    assert response.status_code == 422  # online is not a window channel: the form refuses it
    response = web("service_clerk").post(
        "/onestop/workbench/intake/",
        {**base, "service_type": "policy_consultation", "description": "x" * 2100},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'data-code="onestop.text_too_long"' in body  # htmx: the panel
    assert "onestop.text_too_long</" not in body  # the code is an attribute, never text
    assert not ServiceRequest.objects.filter(entrepreneur=p).exists()


def test_assisted_intake_needs_the_persons_consent(web, demo):
    from fanxiang.portal.models import AssistSession

    p = person("411625")
    data = {
        "entrepreneur": p.pk,
        "centre": centre_of("411625").pk,
        "service_type": "social_insurance_transfer",
        "channel": "assisted",
        "description": "代办社保关系转移接续",
    }
    client = web("service_clerk")
    body = client.post("/onestop/workbench/intake/", data, **HTMX).content.decode()
    assert 'data-code="onestop.consent_required"' in body
    assert not ServiceRequest.objects.filter(entrepreneur=p).exists()
    now = timezone.now()
    session = AssistSession.objects.create(
        clerk=demo["service_clerk"],
        entrepreneur=p,
        status="active",
        consent_method="otp",
        consent_at=now,
        expires_at=now + dt.timedelta(hours=2),
    )
    assert f'value="{session.pk}"' in lookup(client, p.id_number)
    # its end in Beijing time (a session ending at 01:18 UTC is offered as 有效至09:18)
    AssistSession.objects.filter(pk=session.pk).update(
        expires_at=dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(1, 18), dt.UTC)
    )
    assert "有效至09:18" in lookup(client, p.id_number)
    response = client.post("/onestop/workbench/intake/", {**data, "assist_session": session.pk}, **HTMX)
    assert response.status_code == 204
    req = ServiceRequest.objects.get(entrepreneur=p)
    assert req.channel == "assisted"


def test_home_panel_and_nav_lead_to_the_workbench(web):
    body = web("service_clerk").get("/").content.decode()
    assert 'data-testid="panel-onestop-workbench"' in body and 'href="/onestop/workbench/"' in body
    assert 'href="/onestop/workbench/"' not in web("leader").get("/").content.decode()
