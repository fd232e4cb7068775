"""The subsidy claims' sources of the to-do inbox (:mod:`fanxiang.core.tasks`, registered in ``ready()``).

One source per kind of waiting claim (:data:`fanxiang.training.filters_claims.TASKS`): to review and publish,
publicity over and to approve, to record a payment (the base payment or the follow-up's top-ups), and the
6-month follow-up that has come due (due soon on its day, overdue once it has passed). Each answers only for a user holding
a role of that workflow step, through the claims' scope rule (``for_user(user, CHANGE)``), and links to the
claim list filtered to exactly those records (``?task=…``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from fanxiang.core.scope import CHANGE
from fanxiang.core.tasks import TaskCount, register_task_source
from fanxiang.training.filters_claims import TASKS, task_q
from fanxiang.training.models import SubsidyClaim
from fanxiang.training.workflows_claims import CLAIMS


def _holds(user: Any, action: str) -> bool:
    roles = CLAIMS.roles_by_action.get(action, frozenset())
    return hasattr(user, "assignments") and any(a.role in roles for a in user.assignments())


def _source(task: str, action: str):
    def waiting(user: Any, today: dt.date) -> TaskCount | None:
        if not _holds(user, action):
            return None
        qs = SubsidyClaim.objects.for_user(user, CHANGE).filter(task_q(task, today))
        url = reverse("training_claims:claim_list") + f"?task={task}"
        if task != "follow_up":
            return TaskCount(qs.count(), url)
        # the follow-up's deadline (the inbox's rule): due soon on its day, overdue once it has passed
        found = qs.order_by().aggregate(
            count=Count("pk"),
            overdue=Count("pk", filter=Q(follow_up_due__lt=today)),
            due_soon=Count("pk", filter=Q(follow_up_due=today)),
        )
        return TaskCount(found["count"], url, found["overdue"], found["due_soon"])

    return waiting


def register() -> None:
    for i, (task, (action, label)) in enumerate(TASKS.items()):
        register_task_source(
            f"training.claim_{task}", f"培训补贴申领：{label}", _source(task, action), order=86 + i
        )
