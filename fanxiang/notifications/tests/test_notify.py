"""The notification service: inbox always, SMS for decisive events after commit, delivery status per channel,
retries with back-off, the sweep command, idempotent reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from fanxiang.notifications import services
from fanxiang.notifications.models import Delivery, Notification
from fanxiang.notifications.sms import LocmemBackend
from fanxiang.portal.tests.factories import bound_account, registry_person

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2020, 6, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def person(demo):
    return registry_person(demo["officer_411625"], name="郑收信", mobile="13700008001")


def _ctx(**kw):
    return {
        "name": "郑收信",
        "number": "DB2020-411625-00009",
        "amount": "100,000.00",
        "status": "退回补正",
        **kw,
    }


def test_inbox_only_event_has_no_sms(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        n = services.notify(
            event="loan_submitted", recipient_entrepreneur=person, context=_ctx(due_date="2020-06-10")
        )
    assert callbacks == []
    assert n.title == "贷款申请已提交" and "2020-06-10" in n.body and "{" not in n.body
    assert [(d.channel, d.status) for d in n.deliveries.all()] == [("inbox", "sent")]


def test_decisive_event_sends_sms_after_commit(person, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        n = services.notify(
            event="loan_returned", recipient_entrepreneur=person, context=_ctx(missing_items="营业执照")
        )
    sms = n.deliveries.get(channel="sms")
    assert sms.status == "pending" and outbox == []  # nothing leaves before commit
    assert len(callbacks) == 1
    services.delivery_send(delivery_id=sms.pk, now=T0)
    sms.refresh_from_db()
    assert sms.status == "sent" and sms.attempts == 1 and sms.to_masked == "137****8001" and sms.provider_id
    assert outbox[-1].to == "13700008001" and "营业执照" in outbox[-1].text


def test_sms_goes_to_the_bound_accounts_mobile(person, outbox):
    bound_account(person, "13700008999")
    n = services.notify(
        event="loan_rejected", recipient_entrepreneur=person, context=_ctx(reasons="不符合条件")
    )
    services.delivery_send(delivery_id=n.deliveries.get(channel="sms").pk, now=T0)
    assert outbox[-1].to == "13700008999"


def test_failed_sms_is_retried_with_backoff_then_sent(person, outbox):
    n = services.notify(
        event="loan_approved", recipient_entrepreneur=person, context=_ctx(approved_amount="100,000.00")
    )
    sms = n.deliveries.get(channel="sms")
    LocmemBackend.fail_next = 2
    services.delivery_send(delivery_id=sms.pk, now=T0)
    sms.refresh_from_db()
    assert sms.status == "retrying" and sms.attempts == 1 and "sms.gateway_unavailable" in sms.last_error
    assert sms.next_attempt_at == T0 + dt.timedelta(minutes=1)
    # not due yet: nothing happens
    assert services.delivery_send(delivery_id=sms.pk, now=T0 + dt.timedelta(seconds=30)) is None
    assert services.deliveries_retry_due(now=T0 + dt.timedelta(seconds=61)) == {"retrying": 1}
    sms.refresh_from_db()
    assert sms.attempts == 2 and sms.next_attempt_at == T0 + dt.timedelta(seconds=61) + dt.timedelta(
        minutes=5
    )
    assert services.deliveries_retry_due(now=T0 + dt.timedelta(minutes=10)) == {"sent": 1}
    sms.refresh_from_db()
    assert sms.status == "sent" and sms.attempts == 3 and sms.last_error == ""
    assert len(outbox) == 1


def test_sms_fails_for_good_after_max_attempts(person, outbox):
    n = services.notify(event="loan_disbursed", recipient_entrepreneur=person, context=_ctx())
    sms = n.deliveries.get(channel="sms")
    LocmemBackend.fail_next = 99
    now = T0
    for _ in range(services.MAX_ATTEMPTS):
        services.deliveries_retry_due(now=now)
        now += dt.timedelta(hours=3)
    sms.refresh_from_db()
    assert sms.status == "failed" and sms.attempts == services.MAX_ATTEMPTS and sms.next_attempt_at is None
    assert services.deliveries_retry_due(now=now) == {}
    assert outbox == []


def test_city_admin_retries_a_failed_sms(person, demo, outbox):
    n = services.notify(event="loan_disbursed", recipient_entrepreneur=person, context=_ctx())
    sms = n.deliveries.get(channel="sms")
    Delivery.objects.filter(pk=sms.pk).update(status="failed", attempts=5)
    with pytest.raises(Exception) as exc:
        services.delivery_retry(actor=demo["officer_411625"], delivery=sms)
    assert exc.value.code == "notification.retry_forbidden"
    result = services.delivery_retry(actor=demo["city_admin"], delivery=sms)
    assert result.status == "sent" and len(outbox) == 1


def test_no_mobile_is_recorded_as_skipped(demo, outbox):
    nophone = registry_person(demo["officer_411625"], name="无手机", mobile="")
    n = services.notify(event="loan_rejected", recipient_entrepreneur=nophone, context=_ctx(reasons="x"))
    d = services.delivery_send(delivery_id=n.deliveries.get(channel="sms").pk, now=T0)
    assert d.status == "skipped" and "手机号码" in d.last_error and outbox == []


def test_dedup_key_makes_notify_idempotent(person):
    first = services.notify(
        event="loan_settled", recipient_entrepreneur=person, context=_ctx(), dedup_key="k:1"
    )
    second = services.notify(
        event="loan_settled", recipient_entrepreneur=person, context=_ctx(), dedup_key="k:1"
    )
    assert first.pk == second.pk and Notification.objects.count() == 1


def test_unknown_event_and_missing_recipient_are_programming_errors(person):
    with pytest.raises(ValueError):
        services.notify(event="no_such_event", recipient_entrepreneur=person, context={})
    with pytest.raises(ValueError):
        services.notify(event="loan_settled", context={})


def test_retry_command(person, outbox):
    services.notify(event="loan_returned", recipient_entrepreneur=person, context=_ctx(missing_items="x"))
    from io import StringIO

    out = StringIO()
    call_command("retry_notifications", stdout=out)
    assert "sent 1" in out.getvalue() and len(outbox) == 1


def test_task_delivers_and_reschedules(person, outbox, settings):
    from fanxiang.notifications.tasks import deliver_sms

    n = services.notify(event="loan_returned", recipient_entrepreneur=person, context=_ctx(missing_items="x"))
    sms = n.deliveries.get(channel="sms")
    LocmemBackend.fail_next = 1
    assert deliver_sms.call(sms.pk) == "retrying"
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(args_kwargs__args=[sms.pk]).first()
    assert queued is not None and queued.run_after is not None  # re-enqueued for the back-off time
    Delivery.objects.filter(pk=sms.pk).update(next_attempt_at=None)
    assert deliver_sms.call(sms.pk) == "sent"


def test_staff_inbox_page_and_api(demo, web, api):
    officer = demo["officer_411625"]
    services.notify(event="loan_settled", recipient_user=officer, context=_ctx())
    page = web("officer_411625").get("/notifications/")
    assert page.status_code == 200 and "贷款已结清" in page.content.decode()
    body = api("officer_411625").get("/api/v1/notifications/").json()
    assert body["count"] == 1
    assert api("officer_411628").get("/api/v1/notifications/").json()["count"] == 0
    nid = body["items"][0]["id"]
    assert api("officer_411628").post(f"/api/v1/notifications/{nid}/read").status_code == 404
    assert api("officer_411625").post(f"/api/v1/notifications/{nid}/read").json() == {"marked": 1}
