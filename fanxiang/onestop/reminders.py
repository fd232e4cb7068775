"""催办: every overdue request sends a notice to its centre's window clerks and to the county officers who
supervise the centre, once per request and day (``manage.py onestop_remind``, run daily)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from fanxiang.accounts.models import RoleAssignment
from fanxiang.core import calendar
from fanxiang.core.registry import NotificationEvent
from fanxiang.notifications.models import Notification
from fanxiang.notifications.services import notify
from fanxiang.onestop.models import ServiceRequest
from fanxiang.onestop.selectors import HOLDER_ROLES, overdue_q

OVERDUE_EVENT = NotificationEvent(
    "onestop_overdue",
    "服务工单超期催办",
    ("centre", "service", "number", "due", "late_days"),
    "服务工单超期催办",
    "{centre}受理的“{service}”工单（编号{number}）已超过办结期限{due}，超期{late_days}个工作日，请尽快办结。",
    sample=(
        ("centre", "郸城县返乡创业综合服务中心"),
        ("service", "创业指导"),
        ("number", "128"),
        ("due", "2020-09-21"),
        ("late_days", "2"),
    ),
)


def _supervisors(tree_path: str) -> list:
    """Active users holding the clerk or county-officer role over the region (or an ancestor)."""
    paths = [tree_path[: i + 1] for i, ch in enumerate(tree_path) if ch == "/" and i > 0]
    found = RoleAssignment.objects.filter(
        role__in=HOLDER_ROLES, region__tree_path__in=paths, user__is_active=True
    ).select_related("user")
    return list({a.user_id: a.user for a in found}.values())


@transaction.atomic
def send_overdue_reminders(today: dt.date | None = None) -> int:
    """One 催办 notice per overdue request and recipient and day; the number of notices raised."""
    today = today or timezone.localdate()
    sent = 0
    supervisors: dict[str, list] = {}  # per centre county: one lookup, not one per overdue request
    overdue = ServiceRequest.objects.filter(overdue_q(today)).select_related("centre__region", "service_type")
    for req in overdue.iterator():
        context = {
            "centre": req.centre.name,
            "service": req.service_type.name,
            "number": req.pk,
            "due": req.due_date.isoformat(),
            "late_days": -calendar.working_days_left(req.due_date, today),
        }
        link = reverse("onestop:request_detail", args=[req.pk])
        path = req.centre.region.tree_path
        if path not in supervisors:
            supervisors[path] = _supervisors(path)
        for user in supervisors[path]:
            key = f"onestop_overdue:{req.pk}:{user.pk}:{today.isoformat()}"
            if Notification.objects.filter(dedup_key=key).exists():
                continue
            notify(event=OVERDUE_EVENT.code, recipient_user=user, context=context, link=link, dedup_key=key)
            sent += 1
    return sent
