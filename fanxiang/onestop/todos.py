"""The one-stop app's sources of the to-do inbox (:mod:`fanxiang.core.tasks`, registered in ``ready()``).

``onestop.requests``: the requests waiting for the user's centre (clerks and county officers of the county
holding them); ``onestop.rectifications``: 差评 rectifications still open there. Overdue: past the due date;
due soon: this app's rule of the issue — 80 % of the time limit used (``due_soon_on``), not the inbox's
generic "one working day left", because a one-day consultation and a 15-day transfer differ.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from fanxiang.core.scope import CHANGE
from fanxiang.core.tasks import TaskCount
from fanxiang.onestop.models import Rectification, ServiceRequest
from fanxiang.onestop.selectors import HOLDER_ROLES, due_soon_q, held_q, overdue_q, staff_waiting_q


def _holds(user: Any) -> bool:
    return any(a.role in HOLDER_ROLES for a in user.assignments()) if hasattr(user, "assignments") else False


def open_requests(user: Any, today: dt.date) -> TaskCount | None:
    if not _holds(user):
        return None
    qs = ServiceRequest.objects.for_user(user, CHANGE).filter(staff_waiting_q(user))
    found = qs.order_by().aggregate(
        count=Count("pk"),
        overdue=Count("pk", filter=overdue_q(today)),
        due_soon=Count("pk", filter=due_soon_q(today)),
    )
    url = reverse("onestop:request_list") + "?task=open"
    return TaskCount(found["count"], url, found["overdue"], found["due_soon"])


def open_rectifications(user: Any, today: dt.date) -> TaskCount | None:
    if not _holds(user):
        return None
    qs = Rectification.objects.for_user(user, CHANGE).filter(held_q(user, "request__"), status="open")
    found = qs.order_by().aggregate(count=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    return TaskCount(found["count"], reverse("onestop:rectification_list"), found["overdue"], 0)
