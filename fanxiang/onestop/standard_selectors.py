"""Reads of the construction standard and the assessments: assessments start from
``Assessment.objects.for_user(user, action)``; the standard itself is reference data, the same for all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet

from fanxiang.core.scope import VIEW, get_for_user
from fanxiang.onestop.standard_models import (
    Assessment,
    AssessmentItem,
    AssessmentStatus,
    Evidence,
    StandardVersion,
)


def versions() -> QuerySet[StandardVersion]:
    return StandardVersion.objects.prefetch_related("items", "bands").order_by("-valid_from", "-id")


def version_detail(version_id: int) -> StandardVersion:
    from fanxiang.core.errors import NotFound

    found = versions().filter(pk=version_id).first()
    if found is None:
        raise NotFound("not_found", "标准版本不存在。")
    return found


def assessments_for_user(
    user: Any, *, centre: int | None = None, status: str | None = None, action: str = VIEW
) -> QuerySet[Assessment]:
    qs = Assessment.objects.for_user(user, action).select_related("centre", "centre__region", "version")
    if centre:
        qs = qs.filter(centre_id=centre)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def assessment_detail(user: Any, assessment_id: int) -> Assessment:
    """One assessment in the user's scope with its findings, their items and evidence (one query each)."""
    findings = AssessmentItem.objects.select_related("item").order_by("item__order", "item__code")
    qs = Assessment.objects.select_related("centre", "centre__region", "version").prefetch_related(
        Prefetch("items", queryset=findings),
        Prefetch("items__evidence", queryset=Evidence.objects.order_by("uploaded_at", "id")),
        "version__bands",
        "events",
    )
    found = qs.for_user(user, VIEW).filter(pk=assessment_id).first()
    if found is None:
        return get_for_user(Assessment, user, VIEW, pk=assessment_id)  # raises the scoped 404
    return found


def latest_confirmed(centre_ids: list[int], on_or_before: dt.date) -> dict[int, Assessment]:
    """Per centre (already read through the caller's scope), its latest assessment confirmed by a day."""
    found: dict[int, Assessment] = {}
    for a in Assessment.objects.filter(
        centre_id__in=centre_ids, status=AssessmentStatus.CONFIRMED, confirmed_on__lte=on_or_before
    ).order_by("centre_id", "-confirmed_on", "-id"):
        found.setdefault(a.centre_id, a)
    return found
