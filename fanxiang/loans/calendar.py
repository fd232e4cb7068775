"""Working days: weekends off unless marked as adjusted working days; holidays off."""

from __future__ import annotations

import datetime as dt

from fanxiang.loans.models import Holiday


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))


def is_workday(day: dt.date, exceptions: dict[dt.date, bool] | None = None) -> bool:
    exceptions = _exceptions(day, day) if exceptions is None else exceptions
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (the start day itself does not count)."""
    exceptions = _exceptions(start, start + dt.timedelta(days=days * 3 + 30))
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_workday(day, exceptions):
            left -= 1
    return day


def workdays_between(start: dt.date, end: dt.date, exceptions: dict[dt.date, bool] | None = None) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start). ``exceptions``: the
    calendar exceptions already read for a range covering both dates (see :func:`workday_counter`)."""
    if end <= start:
        return 0
    exceptions = _exceptions(start, end) if exceptions is None else exceptions
    return sum(
        1 for i in range(1, (end - start).days + 1) if is_workday(start + dt.timedelta(days=i), exceptions)
    )


def workday_counter(days: list[dt.date]):
    """``workdays_between`` for many pairs of dates within ``days``' range, with one calendar query."""
    if not days:
        return lambda start, end: 0
    exceptions = _exceptions(min(days), max(days))
    return lambda start, end: workdays_between(start, end, exceptions)
