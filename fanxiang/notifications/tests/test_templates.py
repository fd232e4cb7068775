"""Templates: Chinese defaults seeded as reference data, edited by the city admin only, placeholders checked
when saved (unknown name, stray brace), and the edited text is what people receive."""

from __future__ import annotations

import json

import pytest

from fanxiang.core.errors import Forbidden, InvalidInput
from fanxiang.notifications import services, templating
from fanxiang.notifications.events import EVENTS
from fanxiang.notifications.models import NotificationTemplate
from fanxiang.portal.tests.factories import registry_person

pytestmark = pytest.mark.django_db


def test_defaults_are_seeded_for_every_event():
    services.load_default_templates()
    assert set(NotificationTemplate.objects.values_list("event", flat=True)) == set(EVENTS)
    sms_events = set(NotificationTemplate.objects.filter(sms_enabled=True).values_list("event", flat=True))
    assert {
        "loan_returned",
        "loan_approved",
        "loan_rejected",
        "loan_disbursed",
        "repayment_due",
        "repayment_overdue",
    } <= sms_events
    assert "loan_submitted" not in sms_events
    # every default only uses its own placeholders
    for spec in EVENTS.values():
        for text in (spec.title, spec.body, spec.sms_body):
            assert templating.problems(text, spec.placeholders) == [], spec.code


def test_unknown_placeholder_and_stray_brace_are_refused(demo):
    with pytest.raises(InvalidInput) as exc:
        services.template_update(
            actor=demo["city_admin"],
            event="loan_returned",
            data={"title": "补正", "body": "{name} 请补正 {password}"},
        )
    assert exc.value.code == "template.unknown_placeholder" and "body" in exc.value.errors
    with pytest.raises(InvalidInput) as exc:
        services.template_update(
            actor=demo["city_admin"], event="loan_returned", data={"title": "补正 {", "body": "x"}
        )
    assert exc.value.code == "template.syntax" and "title" in exc.value.errors
    with pytest.raises(InvalidInput) as exc:
        services.template_update(
            actor=demo["city_admin"], event="loan_returned", data={"title": "t", "body": "{name.__class__}"}
        )
    assert exc.value.code == "template.syntax"
    with pytest.raises(InvalidInput) as exc:
        services.template_update(
            actor=demo["city_admin"],
            event="loan_returned",
            data={"title": "t", "body": "b", "sms_enabled": True},
        )
    assert exc.value.code == "template.required" and "sms_body" in exc.value.errors


def test_only_the_city_admin_edits(demo):
    with pytest.raises(Forbidden) as exc:
        services.template_update(
            actor=demo["officer_411625"], event="loan_returned", data={"title": "t", "body": "b"}
        )
    assert exc.value.code == "notification.template_forbidden"


def test_edited_template_is_what_is_sent(demo):
    services.template_update(
        actor=demo["city_admin"],
        event="loan_rejected",
        data={"title": "很遗憾：{number}", "body": "{name}：{reasons}", "sms_enabled": False, "sms_body": ""},
    )
    person = registry_person(demo["officer_411625"], name="模板人", mobile="13700009001")
    n = services.notify(
        event="loan_rejected",
        recipient_entrepreneur=person,
        context={
            "name": "模板人",
            "number": "DB1",
            "reasons": "额度不足",
            "amount": "1",
            "status": "x",
            "secret": "y",
        },
    )
    assert n.title == "很遗憾：DB1" and n.body == "模板人：额度不足"
    assert not n.deliveries.filter(channel="sms").exists()
    assert "secret" not in n.context  # only the event's placeholders are kept


def test_template_pages_and_api(demo, web, api):
    client = web("city_admin")
    assert client.get("/notifications/templates/").status_code == 200
    page = client.get("/notifications/templates/loan_returned/")
    assert page.status_code == 200 and "{missing_items}" in page.content.decode()
    response = client.post(
        "/notifications/templates/loan_returned/", {"title": "补正", "body": "{nope}", "sms_body": ""}
    )
    assert response.status_code == 422 and "template.unknown_placeholder" in response.content.decode()
    response = client.post(
        "/notifications/templates/loan_returned/",
        {
            "title": "请补正",
            "body": "{name}请补正：{missing_items}",
            "sms_enabled": "on",
            "sms_body": "{name}请补正",
        },
    )
    assert response.status_code == 302
    assert NotificationTemplate.objects.get(event="loan_returned").title == "请补正"
    assert web("officer_411625").get("/notifications/templates/").status_code == 403
    admin = api("city_admin")
    response = admin.client.put(
        "/api/v1/notifications/templates/loan_settled",
        json.dumps({"title": "结清", "body": "{name}已结清", "sms_enabled": False}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {admin.token}",
    )
    assert response.status_code == 200 and response.json()["body"] == "{name}已结清"
    response = admin.client.put(
        "/api/v1/notifications/templates/loan_settled",
        json.dumps({"title": "结清", "body": "{oops}"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {admin.token}",
    )
    assert response.status_code == 422 and response.json()["code"] == "template.unknown_placeholder"
    listed = api("city_admin").get("/api/v1/notifications/templates").json()
    assert {t["event"] for t in listed} == set(EVENTS)
    assert api("officer_411625").get("/api/v1/notifications/templates").status_code == 403
    # the change is in the audit trail
    from auditlog.models import LogEntry

    tpl = NotificationTemplate.objects.get(event="loan_returned")
    assert LogEntry.objects.get_for_object(tpl).filter(actor__username="city_admin").exists()


def test_delivery_log_page(demo, web):
    assert web("city_admin").get("/notifications/deliveries/").status_code == 200
    assert web("officer_411625").get("/notifications/deliveries/").status_code == 403
