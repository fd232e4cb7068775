"""The portal's sources of the to-do inbox (:mod:`fanxiang.core.tasks`, registered in ``PortalConfig.ready``):
self-registrations and edit requests waiting (``pending``) for the county that decides them — the records
the user may change (:data:`~fanxiang.portal.workflows.REGISTRATIONS` / ``EDIT_REQUESTS``: the county officer
of the region, or the city). Neither carries a deadline. Each ``url`` opens the review list filtered to
``status=pending``, which lists exactly these records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from fanxiang.core.scope import CHANGE
from fanxiang.core.tasks import TaskCount, register_task_source
from fanxiang.portal import selectors
from fanxiang.portal.models import RequestStatus


def registrations_waiting(user: Any, day: dt.date) -> TaskCount | None:
    total = selectors.registrations_for_user(user, CHANGE).filter(status=RequestStatus.PENDING).count()
    return TaskCount(total, f"{reverse('portal:review_registrations')}?status={RequestStatus.PENDING}")


def edit_requests_waiting(user: Any, day: dt.date) -> TaskCount | None:
    total = selectors.edit_requests_for_user(user, CHANGE).filter(status=RequestStatus.PENDING).count()
    return TaskCount(total, f"{reverse('portal:review_edits')}?status={RequestStatus.PENDING}")


def register() -> None:
    register_task_source(
        "portal.registration_review", "待审核的门户自助登记", registrations_waiting, order=40
    )
    register_task_source("portal.edit_review", "待审核的信息变更申请", edit_requests_waiting, order=41)
