"""Work arriving → an inbox notice to the people who hold the step now (the to-do inbox's push side).

Subscribed in ``NotificationsConfig.ready`` to the workflows that hand work to staff: loan applications
(:data:`~fanxiang.loans.applications.workflow.LOANS`), subsidy claim batches
(:data:`~fanxiang.loans.subsidy.workflow.BATCHES`) and registry transfers
(:data:`~fanxiang.entrepreneurs.workflows.TRANSFERS`). The machine runs :func:`arrival_committed` once per
committed step (``transaction.on_commit``), so there is one notice per arrival — none per page view — and a
failing notice never undoes a step. Portal self-registrations and edit requests are not steps when they
arrive (they are created ``pending``); their services notify the county themselves.

Who is told: a step *arrives* when the object enters a new state. The roles it then waits for are the
workflow's ``waiting_roles`` (merged review: each reviewer whose approval is missing) or, for a workflow
without a waiting table, the roles owning a step from that state — less the city admin (who oversees every
region and is not a step's holder) and the applicant and system. Of the active users holding such a role
over the object's region, those the workflow itself counts as holding it *for this object*
(:meth:`~fanxiang.core.workflow.Workflow.actor_roles`: the region, and for bank and guarantee officers the
organisation the object is routed to; for transfers the holding county) get the notice, each once
(``dedup_key``) — except whoever took the step (a county officer entering and submitting at once knows).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from fanxiang.accounts.roles import APPLICANT, SYSTEM, Role
from fanxiang.core.registry import NotificationEvent
from fanxiang.core.workflow import ANY, Workflow

logger = logging.getLogger("fanxiang.notifications")

EVENT = "task_arrived"
TASK_EVENTS = (
    NotificationEvent(
        EVENT,
        "新的待办（办理人）",
        ("what", "number", "name", "region", "step"),
        "新的待办：{what}{number}",
        "{what}{number}（{name}，{region}）等待您办理（当前状态：{step}），请在首页“我的待办”中处理。",
        sample=(
            ("what", "贷款申请"),
            ("number", "DK2020411625000001"),
            ("name", "张三"),
            ("region", "郸城县"),
            ("step", "待人社资格审核"),
        ),
    ),
)
NOT_HOLDERS = {Role.CITY_ADMIN.value, SYSTEM, APPLICANT}


def holder_roles(workflow: Workflow, obj: Any) -> set[str]:
    """The roles ``obj`` waits for in its current state (see the module docstring)."""
    if workflow.waiting:
        roles = set(workflow.waiting_roles(obj))
    else:
        status, mode = workflow.status_of(obj), workflow.mode_of(obj)
        roles = {r for s in workflow.steps if status in s.sources and s.mode in (ANY, mode) for r in s.roles}
    return roles - NOT_HOLDERS


def _ancestor_paths(paths: list[str]) -> set[str]:
    found = set()
    for path in paths:
        found |= {path[: i + 1] for i, ch in enumerate(path) if ch == "/" and i > 0}
    return found


def holders(workflow: Workflow, obj: Any) -> list[Any]:
    """The active users holding a waiting role of ``obj`` for ``obj`` itself."""
    from fanxiang.accounts.models import User

    roles = holder_roles(workflow, obj)
    paths = _ancestor_paths([p for p in obj.scope_tree_paths() if p])
    if not roles or not paths:
        return []
    candidates = User.objects.filter(
        Q(role_assignments__role__in=roles) & Q(role_assignments__region__tree_path__in=paths),
        is_active=True,
    ).distinct()
    return [u for u in candidates.order_by("pk") if roles & workflow.actor_roles(u, obj)]


def _describe(workflow: Workflow, obj: Any) -> tuple[dict, str]:
    """The notice's placeholders and link for one object."""
    name = getattr(getattr(obj, "entrepreneur", None), "name", "")
    region = getattr(getattr(obj, "region", None), "name", "")
    if workflow.name == "loan_application":
        what, link = "贷款申请", reverse("loans:application_detail", args=[obj.pk])
    elif workflow.name == "subsidy_batch":
        what, link = "贴息申报批次", reverse("loans:batch_detail", args=[obj.pk])
        name = getattr(obj.bank, "short_name", "") or obj.bank.name
    elif workflow.name == "registry_transfer":
        what, link = "人员转移申请", f"{reverse('entrepreneurs:transfers')}?status=pending&awaiting=1"
        region = f"{obj.from_region.name} → {obj.to_region.name}"
    else:
        what, link = workflow.noun, ""
    context = {
        "what": what,
        "number": getattr(obj, "number", "") or "",
        "name": name,
        "region": region,
        "step": workflow.status_label(workflow.status_of(obj)),
    }
    return context, link


def notify_arrival(workflow: Workflow, event_id: int) -> int:
    """Tell the holders of the step an event brought ``obj`` to; the number of notices raised."""
    from fanxiang.notifications.services import notify

    event = workflow.event_model.objects.filter(pk=event_id).first()
    if event is None or event.from_status == event.to_status:
        return 0
    obj = getattr(event, workflow.event_fk)
    if workflow.status_of(obj) != event.to_status:  # moved on again before this ran: the later step tells
        return 0
    context, link = _describe(workflow, obj)
    users = [u for u in holders(workflow, obj) if u.pk != event.actor_id]  # who took the step knows
    for user in users:
        notify(
            event=EVENT,
            recipient_user=user,
            context=context,
            link=link,
            dedup_key=f"task:{workflow.name}:{event_id}:{user.pk}",
        )
    return len(users)


def arrival_subscriber(workflow: Workflow):
    """The callback :meth:`Workflow.subscribe` runs after each committed step of ``workflow``."""

    def arrival_committed(event_id: int) -> None:
        try:
            with transaction.atomic():
                notify_arrival(workflow, event_id)
        except Exception:
            logger.exception("to-do notice for %s event %s failed", workflow.name, event_id)

    arrival_committed.__qualname__ = f"arrival_committed[{workflow.name}]"
    return arrival_committed


# one callback per workflow, so that a second ready() subscribes nothing new
_CALLBACKS: dict[str, object] = {}


def subscribe_all() -> None:
    from fanxiang.entrepreneurs.workflows import TRANSFERS
    from fanxiang.loans.applications.workflow import LOANS
    from fanxiang.loans.subsidy.workflow import BATCHES

    for workflow in (LOANS, BATCHES, TRANSFERS):
        callback = _CALLBACKS.setdefault(workflow.name, arrival_subscriber(workflow))
        workflow.subscribe(callback)
