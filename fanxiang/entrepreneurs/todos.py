"""The registry's source of the to-do inbox (:mod:`fanxiang.core.tasks`, registered in
``EntrepreneursConfig.ready``): transfer requests waiting for the user's decision.

A pending transfer is decided by the *holding* side (:data:`~fanxiang.entrepreneurs.workflows.TRANSFERS`):
a deciding role (county officer, city admin) held, with the registry's change right, over the region the
person is moved from. The asking county sees the request in its list too, but it is not its work, so
:func:`transfers_awaiting` narrows to the holding side, assignment by assignment, each checked against the
scope rule. The ``url`` opens the transfer list filtered the same way (``?status=pending&awaiting=1``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from fanxiang.accounts.roles import allows
from fanxiang.core.scope import CHANGE, resolve
from fanxiang.core.tasks import TaskCount, register_task_source
from fanxiang.entrepreneurs.choices import TransferStatus
from fanxiang.entrepreneurs.models import Entrepreneur, TransferRequest
from fanxiang.entrepreneurs.selectors import transfers_for_user
from fanxiang.entrepreneurs.workflows import DECIDERS, PERSON


def transfers_awaiting(user: Any) -> QuerySet[TransferRequest]:
    """Pending transfers out of a region where ``user`` decides them."""
    qs = transfers_for_user(user).filter(status=TransferStatus.PENDING)
    scope = resolve(user, Entrepreneur, CHANGE)
    if scope.empty:
        return qs.none()
    if getattr(user, "is_superuser", False) and scope.all:
        return qs
    assignments = user.assignments() if hasattr(user, "assignments") else []
    active = getattr(user, "active_region_path", None)
    if active:
        assignments = [a for a in assignments if a.region.tree_path == active] or assignments
    q = Q(pk__in=[])
    for a in assignments:
        path = a.region.tree_path
        if a.role in DECIDERS and allows(a.role, PERSON, CHANGE) and scope.covers_path(path):
            q |= Q(from_region__tree_path__startswith=path)
    return qs.filter(q)


def transfers_waiting(user: Any, day: dt.date) -> TaskCount | None:
    url = f"{reverse('entrepreneurs:transfers')}?status={TransferStatus.PENDING}&awaiting=1"
    return TaskCount(transfers_awaiting(user).count(), url)


def register() -> None:
    register_task_source("registry.transfer_review", "待审批的人员转移申请", transfers_waiting, order=50)
