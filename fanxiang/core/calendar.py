"""Working days: weekends off unless marked as adjusted working days; holidays off.

Every deadline of the platform counts here: :func:`add_workdays` for a due date, :func:`workdays_between`
for days left or late, :func:`workday_counter` for many pairs with one query. The exceptions to the
Monday–Friday week live in :class:`fanxiang.core.models.Holiday`, edited by the city admin; the shipped
calendar (:data:`HOLIDAYS`) is loaded by :func:`load_holidays` and never overwrites an edit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from fanxiang.core.models import Holiday

# 2020 public holidays and adjusted working days (国办发明电〔2019〕16号, extended Spring Festival 2020).
HOLIDAYS: list[tuple[str, bool, str]] = [
    ("2020-01-01", False, "元旦"),
    ("2020-01-19", True, "春节调休上班"),
    *[(f"2020-01-{d}", False, "春节") for d in range(24, 32)],
    ("2020-02-01", False, "春节（延长）"),
    ("2020-02-02", False, "春节（延长）"),
    ("2020-04-04", False, "清明节"),
    ("2020-04-05", False, "清明节"),
    ("2020-04-06", False, "清明节"),
    ("2020-04-26", True, "劳动节调休上班"),
    *[(f"2020-05-0{d}", False, "劳动节") for d in range(1, 6)],
    ("2020-05-09", True, "劳动节调休上班"),
    ("2020-06-25", False, "端午节"),
    ("2020-06-26", False, "端午节"),
    ("2020-06-27", False, "端午节"),
    ("2020-06-28", True, "端午节调休上班"),
    ("2020-09-27", True, "国庆节调休上班"),
    *[(f"2020-10-0{d}", False, "国庆节、中秋节") for d in range(1, 9)],
    ("2020-10-10", True, "国庆节调休上班"),
]


def load_holidays() -> None:
    """The shipped calendar (idempotent; never overwrites an edited day)."""
    for day, workday, name in HOLIDAYS:
        Holiday.objects.get_or_create(
            date=dt.date.fromisoformat(day), defaults={"is_workday": workday, "name": name}
        )


# the calendar exceptions read once for a block of work (:func:`read_once`); None outside one
_READ_ONCE: ContextVar[dict[dt.date, bool] | None] = ContextVar("calendar_read_once", default=None)


@contextmanager
def read_once() -> Iterator[None]:
    """Within the block the calendar's exceptions are read once (the whole table, a few rows a year) instead
    of once per due date: for a batch that computes thousands of dates and edits no holiday meanwhile (the
    demo year). Scoped to the block (a context variable): nothing outlives it."""
    if _READ_ONCE.get() is not None:  # nested: the outer block's read stands
        yield
        return
    token = _READ_ONCE.set(dict(Holiday.objects.values_list("date", "is_workday")))
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    known = _READ_ONCE.get()
    if known is not None:
        return {day: workday for day, workday in known.items() if start <= day <= end}
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


def workdays_before(end: dt.date, days: int) -> dt.date:
    """The date ``days`` working days before ``end`` (the mirror of :func:`add_workdays`)."""
    exceptions = _exceptions(end - dt.timedelta(days=days * 3 + 30), end)
    day, left = end, days
    while left > 0:
        day -= dt.timedelta(days=1)
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


def paused_workdays(pauses: Iterable[tuple[dt.date, dt.date | None]], today: dt.date) -> int:
    """Working days covered by pause intervals ``(paused_on, resumed_on)``; an open pause runs to
    ``today``. The pause day itself is lost to the clock (the applicant was asked that day) and the
    resumption day counts again, so a pause from Monday to Wednesday gives back Tuesday and Wednesday."""
    total = 0
    for paused_on, resumed_on in pauses:
        total += workdays_between(paused_on, resumed_on or today)
    return total


def due_with_pauses(
    started_on: dt.date,
    limit_days: int,
    pauses: Iterable[tuple[dt.date, dt.date | None]],
    today: dt.date,
) -> dt.date:
    """The due date of a clock of ``limit_days`` working days started on ``started_on``, moved back by the
    working days its pauses covered (an open pause keeps moving it until the clock resumes)."""
    return add_workdays(started_on, limit_days + paused_workdays(pauses, today))


def working_days_left(due: dt.date | None, today: dt.date) -> int | None:
    """Working days from ``today`` to ``due``: positive while there is time, 0 on the day, negative when
    late (the working days since the due date)."""
    if due is None:
        return None
    if due >= today:
        return workdays_between(today, due)
    return -workdays_between(due, today)
