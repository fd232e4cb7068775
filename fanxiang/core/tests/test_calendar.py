"""The one working-day calendar: holidays and adjusted working days, pauses that move a due date."""

import datetime as dt

import pytest

from fanxiang.core import calendar
from fanxiang.core.models import Holiday

D = dt.date
pytestmark = pytest.mark.django_db


def test_holidays_and_adjusted_workdays_count():
    calendar.load_holidays()
    # National Day 2020: 10-01..10-08 off, Saturday 10-10 worked
    assert calendar.add_workdays(D(2020, 9, 30), 1) == D(2020, 10, 9)
    assert calendar.add_workdays(D(2020, 10, 9), 1) == D(2020, 10, 10)
    assert calendar.workdays_between(D(2020, 9, 30), D(2020, 10, 12)) == 3
    assert not calendar.is_workday(D(2020, 10, 1)) and calendar.is_workday(D(2020, 10, 10))


def test_load_holidays_keeps_an_edited_day():
    Holiday.objects.update_or_create(date=D(2020, 10, 8), defaults={"is_workday": True, "name": "改为上班"})
    calendar.load_holidays()
    assert Holiday.objects.get(date=D(2020, 10, 8)).is_workday


def test_a_pause_moves_the_due_date_by_the_working_days_it_covered():
    start = D(2031, 3, 3)  # a Monday
    assert calendar.due_with_pauses(start, 5, [], start) == D(2031, 3, 10)
    # paused Tuesday, resumed Thursday: Wednesday and Thursday are given back
    pauses = [(D(2031, 3, 4), D(2031, 3, 6))]
    assert calendar.paused_workdays(pauses, D(2031, 3, 20)) == 2
    assert calendar.due_with_pauses(start, 5, pauses, D(2031, 3, 20)) == D(2031, 3, 12)
    # an open pause keeps moving it: paused Tuesday, still paused the next Monday (4 working days)
    assert calendar.due_with_pauses(start, 5, [(D(2031, 3, 4), None)], D(2031, 3, 10)) == D(2031, 3, 14)


def test_working_days_left_is_negative_when_late():
    assert calendar.working_days_left(D(2031, 3, 10), D(2031, 3, 3)) == 5
    assert calendar.working_days_left(D(2031, 3, 10), D(2031, 3, 10)) == 0
    assert calendar.working_days_left(D(2031, 3, 10), D(2031, 3, 12)) == -2
    assert calendar.working_days_left(None, D(2031, 3, 12)) is None


def test_workdays_before_mirrors_add_workdays_across_a_holiday():
    calendar.load_holidays()
    assert calendar.workdays_before(D(2020, 10, 9), 1) == D(2020, 9, 30)  # 10-01..10-08 off
    assert calendar.workdays_before(D(2020, 10, 12), 3) == D(2020, 9, 30)
    for start in (D(2020, 9, 25), D(2020, 12, 31)):
        assert calendar.workdays_before(calendar.add_workdays(start, 7), 7) == start
