"""催办: an overdue request notifies its county's clerks and officers once a day; nobody else."""

from __future__ import annotations

import datetime as dt

import pytest

from fanxiang.notifications.models import Notification
from fanxiang.onestop.reminders import send_overdue_reminders
from fanxiang.onestop.tests.factories import clerk, make_request, request_in

pytestmark = pytest.mark.django_db


def test_overdue_requests_are_chased_once_a_day(demo):
    late = make_request(service_type="startup_guidance", today=dt.date(2020, 9, 14))  # due 21 Sep
    request_in("completed", today=dt.date(2020, 9, 14))
    make_request("411628", today=dt.date(2020, 9, 21))  # not yet due on 22 Sep
    day = dt.date(2020, 9, 23)
    sent = send_overdue_reminders(today=day)
    notes = Notification.objects.filter(event="onestop_overdue")
    recipients = set(notes.values_list("recipient_user__username", flat=True))
    assert {"service_clerk", "officer_411625", clerk().username} <= recipients
    assert "officer_411628" not in recipients and sent == notes.count()
    body = notes.first().body
    assert f"编号{late.pk}" in body and "超期2个工作日" in body
    assert send_overdue_reminders(today=day) == 0  # once per day
