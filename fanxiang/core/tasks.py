"""The to-do inbox (我的待办): one registry of task sources that apps feed, read by ``GET /api/v1/me/tasks``
and the 我的待办 panel of the home page.

An app registers, in its ``AppConfig.ready()``, one source per kind of work it hands to people::

    from fanxiang.core.tasks import register_task_source

    register_task_source("loan.hr_review", "待县级初审的贷款申请", loan_todos.hr_review, order=10)

``fn(user, today)`` answers for that user — through the app's scope rule, so never another county's or
another bank's records — with a :class:`TaskCount` (how many wait, how many are overdue, how many are due
soon, and the URL of a queue page filtered to exactly those records), or ``None`` when the kind does not
concern the user. Kinds with nothing waiting are left out of the inbox.

Deadlines (``overdue`` / ``due_soon``), the same rule for every source that has them
(:func:`deadline_counts`): a record is *overdue* when its step's due date has passed (due < today), and
*due soon* when it is not overdue and at most one working day is left (due today or on the next working day,
:func:`fanxiang.core.calendar.add_workdays`). Sources without deadlines report 0 for both.

Core knows no domain: kinds, titles and queries all come from the apps.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fanxiang.core import calendar


@dataclass(frozen=True)
class TaskCount:
    count: int
    url: str
    overdue: int = 0
    due_soon: int = 0


@dataclass(frozen=True)
class TaskSource:
    kind: str  # "<app>.<step>", e.g. "loan.hr_review"
    title: str  # what the inbox line says, e.g. "待县级初审的贷款申请"
    fn: Callable[[Any, dt.date], TaskCount | None]
    order: int = 100


_SOURCES: list[TaskSource] = []


def register_task_source(
    kind: str, title: str, fn: Callable[[Any, dt.date], TaskCount | None], *, order: int = 100
) -> None:
    """Declare a kind of work. A kind belongs to one source; registering it again is a no-op."""
    if all(s.kind != kind for s in _SOURCES):
        _SOURCES.append(TaskSource(kind, title, fn, order))


def task_sources() -> list[TaskSource]:
    return sorted(_SOURCES, key=lambda s: s.order)  # stable: equal orders keep registration order


def today() -> dt.date:
    return timezone.localdate()


def tasks_for(user: Any, on: dt.date | None = None) -> dict:
    """``{"count": N, "items": [{"kind", "title", "count", "overdue", "due_soon", "url"}]}`` for ``user``:
    every registered kind with something waiting, in registration order; ``count`` is the items' sum."""
    if not getattr(user, "is_authenticated", False):
        return {"count": 0, "items": []}
    day = on or today()
    items = []
    token = _CUTOFFS.set({})  # every source's deadline counts share one calendar read per call
    try:
        for source in task_sources():
            found = source.fn(user, day)
            if found is None or found.count <= 0:
                continue
            items.append({"kind": source.kind, "title": source.title, **asdict(found)})
    finally:
        _CUTOFFS.reset(token)
    for item in items:  # the contract's key order
        item["url"] = item.pop("url")
    return {"count": sum(i["count"] for i in items), "items": items}


# due_soon_until's answers during one tasks_for call (None outside one: the calendar is read each time)
_CUTOFFS: contextvars.ContextVar[dict[dt.date, dt.date] | None] = contextvars.ContextVar(
    "task_cutoffs", default=None
)


def due_soon_until(day: dt.date) -> dt.date:
    """The last due date that still counts as *due soon* on ``day`` (one working day ahead)."""
    cache = _CUTOFFS.get()
    if cache is None:
        return calendar.add_workdays(day, 1)
    if day not in cache:
        cache[day] = calendar.add_workdays(day, 1)
    return cache[day]


def deadline_counts(
    queryset: QuerySet, day: dt.date, *, due_field: str, deadline: Q | None = None
) -> tuple[int, int, int]:
    """``(count, overdue, due_soon)`` of ``queryset`` in one query (see the module docstring for the rule).
    ``deadline``: the rows whose due date is a deadline (e.g. the states that wait on a clock)."""
    has_deadline = deadline if deadline is not None else Q()
    late = has_deadline & Q(**{f"{due_field}__lt": day})
    soon = has_deadline & Q(**{f"{due_field}__gte": day, f"{due_field}__lte": due_soon_until(day)})
    found = queryset.order_by().aggregate(
        count=Count("pk"), overdue=Count("pk", filter=late), due_soon=Count("pk", filter=soon)
    )
    return found["count"], found["overdue"], found["due_soon"]
