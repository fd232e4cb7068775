"""The training classes' sources of the to-do inbox (:mod:`fanxiang.core.tasks`, registered in ``ready()``
after the claims' kinds).

One source per class step that waits for someone (:data:`TASKS`), each answering only for a user holding a
role of that step in the class workflow (:data:`fanxiang.training.workflows.CLASSES`), through the classes'
scope rule (``TrainingClass.objects.for_user(user, CHANGE)``):

* ``training.class_file``: draft or returned classes to file (备案). The service refuses a filing less than
  ``Parameters.filing_lead_workdays`` working days before the start (:func:`filing_deadline`), so each has
  a due date: the last day it may still be filed; overdue once passed (core's rule, ``deadline_counts``);
* ``training.class_approve``: filed classes waiting for the county or the city (no deadline: the workflow
  declares none for the review);
* ``training.session_roll``: today's sessions of classes open for check-in whose roll the user takes
  (:func:`roll_sessions`): a teacher account (on some class's 授课教师账号) those of the classes it teaches
  (:func:`fanxiang.training.teachers.teaches`), the institution's other staff and the county officer those
  of their classes;
* ``training.class_finish``: running classes whose end date has passed.

Each links to a page listing exactly the records counted: the class list ``?task=file|approve|finish``
(:class:`fanxiang.training.forms.ClassFilter` reads :func:`classes_waiting`), and for the roll the session's
roll page when there is one session, else the calendar ``?task=session_roll`` (today's sessions only).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, DateField, QuerySet, Value, When
from django.urls import reverse

from fanxiang.core.scope import CHANGE
from fanxiang.core.tasks import TaskCount, deadline_counts, register_task_source
from fanxiang.training.attendance import CHECKIN_STATES
from fanxiang.training.choices import ClassStatus
from fanxiang.training.models import ClassSession, Parameters, TrainingClass
from fanxiang.training.services import filing_deadline
from fanxiang.training.teachers import teaches
from fanxiang.training.workflows import CLASSES, RUNNERS

C = ClassStatus
ROLL = "session_roll"
# task -> (inbox kind, the workflow step whose roles it answers for, title), in the class's order; the roll
# is taken by the class's runners (its teachers being users of the institution, with the institution's role)
TASKS = {
    "file": ("training.class_file", "file", "待备案的培训班"),
    "approve": ("training.class_approve", "approve", "待审批的培训班备案"),
    ROLL: ("training.session_roll", None, "今日课堂签到"),
    "finish": ("training.class_finish", "finish", "待结业的培训班"),
}
# the class list's ?task= choices (the roll's list is the calendar's)
LIST_TASKS = [(task, title) for task, (_kind, _step, title) in TASKS.items() if task != ROLL]


def roles_of(task: str) -> frozenset[str]:
    step = TASKS[task][1]
    return CLASSES.roles_by_action.get(step, frozenset()) if step else frozenset(RUNNERS)


def holds(user: Any, task: str) -> bool:
    """The user holds a role of the task's step (anywhere: where, the scope rule says)."""
    roles = roles_of(task)
    return hasattr(user, "assignments") and any(a.role in roles for a in user.assignments())


def classes_waiting(user: Any, task: str, today: dt.date) -> QuerySet[TrainingClass]:
    """The classes of ``task`` waiting for ``user`` on ``today`` (none when the user holds no role of it)."""
    if task not in TASKS or not holds(user, task):
        return TrainingClass.objects.none()
    if task == ROLL:
        return TrainingClass.objects.filter(pk__in=roll_sessions(user, today).values("training_class_id"))
    qs = TrainingClass.objects.for_user(user, CHANGE)
    if task == "file":
        return qs.filter(status__in=[C.DRAFT, C.RETURNED])
    if task == "approve":
        return qs.filter(status=C.FILED)
    return qs.filter(status=C.RUNNING, end_date__lt=today)  # finish


def roll_sessions(user: Any, today: dt.date) -> QuerySet[ClassSession]:
    """Today's sessions of classes open for check-in whose roll ``user`` takes: a teacher account's, those of
    the classes it teaches; for the institution's other staff and the county, those of their classes."""
    if not holds(user, ROLL):
        return ClassSession.objects.none()
    today_open = ClassSession.objects.filter(date=today, training_class__status__in=CHECKIN_STATES)
    if TrainingClass.objects.filter(teachers=user).exists():
        candidates = TrainingClass.objects.filter(
            teachers=user, status__in=CHECKIN_STATES, sessions__date=today
        ).distinct()
        taught = [k.pk for k in candidates.select_related("provider", "region") if teaches(user, k)]
        return today_open.filter(training_class_id__in=taught)
    return today_open.filter(training_class__in=TrainingClass.objects.for_user(user, CHANGE))


def _list_url(task: str) -> str:
    return f"{reverse('training:class_list')}?task={task}"


def _file(user: Any, today: dt.date) -> TaskCount | None:
    if not holds(user, "file"):
        return None
    qs = classes_waiting(user, "file", today)
    lead = Parameters.on(today).filing_lead_workdays
    starts = sorted(set(qs.order_by().values_list("start_date", flat=True)))
    if not starts:
        return TaskCount(0, _list_url("file"))
    if lead == 0:  # no lead time: a filing is never late
        return TaskCount(qs.count(), _list_url("file"))
    due = Case(
        *(When(start_date=s, then=Value(filing_deadline(s, lead))) for s in starts),
        output_field=DateField(),
    )
    count, overdue, soon = deadline_counts(qs.annotate(filing_due=due), today, due_field="filing_due")
    return TaskCount(count, _list_url("file"), overdue, soon)


def _classes(task: str):
    def waiting(user: Any, today: dt.date) -> TaskCount | None:
        if not holds(user, task):
            return None
        return TaskCount(classes_waiting(user, task, today).count(), _list_url(task))

    return waiting


def _roll(user: Any, today: dt.date) -> TaskCount | None:
    if not holds(user, ROLL):
        return None
    found = list(roll_sessions(user, today).values_list("pk", flat=True))  # a day's few sessions
    if len(found) == 1:
        return TaskCount(1, reverse("training_attendance:session_roll", args=[found[0]]))
    return TaskCount(len(found), f"{reverse('training:class_calendar')}?task={ROLL}")


def register() -> None:
    """Orders 80–83: the class steps, ahead of the subsidy claims' kinds (86–89) that follow them."""
    sources = {"file": _file, "approve": _classes("approve"), ROLL: _roll, "finish": _classes("finish")}
    for i, (task, (kind, _step, title)) in enumerate(TASKS.items()):
        register_task_source(kind, title, sources[task], order=80 + i)
