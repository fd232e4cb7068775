from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from fanxiang.core import pii
from fanxiang.core.scope import VIEW
from fanxiang.entrepreneurs.models import (
    Business,
    BusinessFounder,
    DuplicateCandidate,
    Entrepreneur,
    JobReport,
    TransferRequest,
)


def entrepreneurs_for_user(user: Any, action: str = VIEW) -> QuerySet[Entrepreneur]:
    return (
        Entrepreneur.objects.for_user(user, action)
        .select_related("region", "hukou_region")
        .prefetch_related("priority_groups")
    )


def entrepreneur_by_id_number(user: Any, id_number: str) -> Entrepreneur | None:
    return entrepreneurs_for_user(user).filter(id_number_hash=pii.index(id_number.strip().upper())).first()


def businesses_for_user(user: Any, action: str = VIEW) -> QuerySet[Business]:
    return (
        Business.objects.for_user(user, action)
        .select_related("region")
        .prefetch_related(
            "tags", Prefetch("founder_links", queryset=BusinessFounder.objects.select_related("entrepreneur"))
        )
    )


def job_reports_for_user(user: Any, action: str = VIEW) -> QuerySet[JobReport]:
    return JobReport.objects.for_user(user, action).select_related("business__region")


def duplicates_for_user(user: Any, action: str = VIEW) -> QuerySet[DuplicateCandidate]:
    return DuplicateCandidate.objects.for_user(user, action).select_related(
        "entrepreneur__region", "other__region"
    )


def transfers_for_user(user: Any, action: str = VIEW) -> QuerySet[TransferRequest]:
    return TransferRequest.objects.for_user(user, action).select_related(
        "entrepreneur", "from_region", "to_region", "requested_by", "decided_by"
    )
