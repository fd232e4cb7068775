"""The request's clock on the holiday calendar: the due date at intake, a supplement pause that moves it by
exactly the working days paused (across the 2020 National Day holiday), and due soon / overdue at their
boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from fanxiang.core import calendar
from fanxiang.core.models import WorkflowPause
from fanxiang.onestop import selectors, services
from fanxiang.onestop.models import Parameters, ServiceTimeLimit, ServiceType
from fanxiang.onestop.tests.factories import clerk, make_request
from fanxiang.onestop.workflows import REQUESTS, due_soon_days

pytestmark = pytest.mark.django_db
D = dt.date


def test_due_date_counts_working_days_from_intake(demo):
    req = make_request(service_type="startup_guidance", today=D(2020, 9, 14))  # 5 working days, Monday
    assert req.time_limit_days == 5
    assert req.due_date == D(2020, 9, 21)
    assert req.due_soon_on == D(2020, 9, 18)  # 4 of 5 days used: 80 %


def test_a_supplement_pause_moves_the_due_date_by_exactly_the_working_days_paused_across_a_holiday(demo):
    submitted = D(2020, 9, 21)
    req = make_request(service_type="policy_enjoyment", today=submitted)  # 10 working days
    # 27 Sep (Sunday) is a working day, 1–8 Oct the National Day holiday, 10 Oct (Saturday) a working day
    assert req.due_date == D(2020, 10, 10) == calendar.add_workdays(submitted, 10)
    before = req.due_date
    asked, answered = D(2020, 9, 29), D(2020, 10, 12)
    services.service_request_request_supplement(
        actor=clerk(), service_request=req, missing=["享受条件证明"], today=asked
    )
    req.refresh_from_db()
    assert req.status == "supplement_requested"
    # while paused: not overdue although the stored date has passed, and the days left stand still
    state = selectors.deadline_state(req, D(2020, 10, 12))
    assert not state["overdue"] and state["paused"]
    assert (
        state["working_days_left"] == selectors.deadline_state(req, D(2020, 10, 9))["working_days_left"] == 3
    )
    assert not selectors.requests_for_user(
        demo["officer_411625"], overdue=True, today=D(2020, 10, 20)
    ).filter(pk=req.pk)
    services.service_request_resubmit(actor=clerk(), service_request=req, today=answered)
    req.refresh_from_db()
    paused = calendar.workdays_between(asked, answered)
    assert paused == 4  # 30 Sep, 9 Oct, 10 Oct (Saturday, working) and 12 Oct
    assert req.due_date == calendar.add_workdays(before, paused) == D(2020, 10, 15)
    pause = WorkflowPause.objects.get(clock=REQUESTS.clock_of(req))
    assert (pause.paused_on, pause.resumed_on) == (asked, answered)
    state = selectors.deadline_state(req, answered)
    assert state["paused_days"] == 4 and not state["paused"]
    assert state["working_days_left"] == 3
    assert req.due_soon_on == calendar.add_workdays(calendar.add_workdays(submitted, 8), paused)


@pytest.mark.parametrize(
    "day,due_soon,overdue,left",
    [
        (D(2020, 9, 17), False, False, 2),  # 3 of 5 days used
        (D(2020, 9, 18), True, False, 1),  # 4 of 5: 80 %
        (D(2020, 9, 21), True, False, 0),  # the due day
        (D(2020, 9, 22), False, True, -1),  # a working day late
    ],
)
def test_due_soon_and_overdue_at_their_boundaries(demo, day, due_soon, overdue, left):
    req = make_request(service_type="startup_guidance", today=D(2020, 9, 14))
    state = selectors.deadline_state(req, day)
    assert (state["due_soon"], state["overdue"], state["working_days_left"]) == (due_soon, overdue, left)
    officer = demo["officer_411625"]
    assert (
        selectors.requests_for_user(officer, due_soon=True, today=day).filter(pk=req.pk).exists() == due_soon
    )
    assert selectors.requests_for_user(officer, overdue=True, today=day).filter(pk=req.pk).exists() == overdue


def test_a_completed_request_is_never_overdue_and_keeps_its_pauses(demo):
    req = make_request(service_type="startup_guidance", today=D(2020, 9, 14))
    services.service_request_request_supplement(
        actor=clerk(), service_request=req, missing=["简介"], today=D(2020, 9, 15)
    )
    services.service_request_resubmit(actor=clerk(), service_request=req, today=D(2020, 9, 17))
    req = services.service_request_complete(
        actor=clerk(), service_request=req, result="已指导", today=D(2020, 9, 18)
    )
    assert not selectors.deadline_state(req, D(2020, 12, 1))["overdue"]
    assert selectors.deadline_state(req, D(2020, 12, 1))["paused_days"] == 2
    assert REQUESTS.clock_of(req).pauses.count() == 1


def test_time_limits_and_the_due_soon_share_are_effective_dated_data(demo):
    kind = ServiceType.objects.get(code="startup_guidance")
    ServiceTimeLimit.objects.create(service_type=kind, valid_from=D(2020, 11, 1), days=10)
    Parameters.objects.create(valid_from=D(2020, 11, 1), due_soon_percent=50)
    assert kind.time_limit_on(D(2020, 10, 30)) == 5 and kind.time_limit_on(D(2020, 11, 2)) == 10
    old = make_request(today=D(2020, 10, 26))
    new = make_request(today=D(2020, 11, 2))
    assert (old.time_limit_days, new.time_limit_days) == (5, 10)
    assert new.due_soon_on == calendar.add_workdays(D(2020, 11, 2), 5)
    assert due_soon_days(5, 80) == 4 and due_soon_days(1, 80) == 1 and due_soon_days(10, 80) == 8
