from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fanxiang.core.scope import VIEW
from fanxiang.targets.models import Target


def targets_for_user(user: Any, action: str = VIEW) -> QuerySet[Target]:
    return Target.objects.for_user(user, action).select_related("region__parent")


def target_breakdown(target: Target, user: Any) -> list[Target]:
    """The children's targets the user may see."""
    return list(
        targets_for_user(user)
        .filter(year=target.year, indicator=target.indicator, region__parent=target.region_id)
        .order_by("region__sort_order", "region__code")
    )


def latest_year(user: Any) -> int | None:
    row = targets_for_user(user).order_by("-year").values_list("year", flat=True).first()
    return row
