from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from fanxiang.core.scope import VIEW, resolve
from fanxiang.targets.models import Indicator, Target


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


# Indicators whose actual figures are counted (guaranteed loans: disbursed tranches, by the loans app).
PROGRESS_INDICATORS = ["new_entrepreneurs", "jobs_created", "guaranteed_loans"]


def _ratio(actual, target):
    if not target:
        return None
    return (Decimal(actual) / Decimal(target)).quantize(Decimal("0.0001"))


def progress(*, user: Any, year: int, region_code: str, indicators: list[str] | None = None) -> dict:
    """Target vs actual for a region and year, per direct child and per month — read from the per-region
    monthly rollups, never from the registry itself, so it costs the same at 2M records as at 20k."""
    from fanxiang.core.errors import NotFound
    from fanxiang.regions.models import Region
    from fanxiang.regions.rollups import subtree_totals

    region = Region.objects.for_user(user, VIEW).filter(code=region_code).first()
    if region is None or resolve(user, Target, VIEW).empty:
        raise NotFound("not_found", f"区划 {region_code} 不存在或不在您的查看范围内。")
    children = list(Region.objects.filter(parent=region, is_active=True).order_by("sort_order", "code"))
    result = []
    for indicator in indicators or PROGRESS_INDICATORS:
        targets = {
            t.region_id: t.value
            for t in Target.objects.filter(year=year, indicator=indicator, region__in=[region, *children])
        }
        totals = subtree_totals(region, indicator, year)
        cumulative = Decimal(0)
        months = []
        for i, value in enumerate(totals["months"], start=1):
            cumulative += value
            months.append({"month": i, "actual": value, "cumulative": cumulative})
        target = targets.get(region.pk)
        result.append(
            {
                "indicator": indicator,
                "label": str(Indicator(indicator).label),
                "target": target,
                "actual": totals["total"],
                "ratio": _ratio(totals["total"], target),
                "children": [
                    {
                        "region": c.code,
                        "name": c.name,
                        "target": targets.get(c.pk),
                        "actual": totals["children"].get(c.code, Decimal("0.00")),
                        "ratio": _ratio(totals["children"].get(c.code, Decimal("0.00")), targets.get(c.pk)),
                    }
                    for c in children
                ],
                "months": months,
            }
        )
    return {"year": year, "region": region.code, "region_name": region.name, "indicators": result}


def progress_regions(user: Any) -> QuerySet:
    """Regions the progress page offers: the city, counties and townships inside the user's scope."""
    from fanxiang.regions.models import Region, RegionLevel

    if resolve(user, Target, VIEW).empty:
        return Region.objects.none()
    return (
        Region.objects.for_user(user, VIEW)
        .filter(is_active=True, level__in=[RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP])
        .order_by("tree_path")
    )


def target_years(user: Any) -> list[int]:
    return list(targets_for_user(user).order_by("-year").values_list("year", flat=True).distinct())


def actual_total(*, region: Any, indicator: str, year: int) -> Decimal:
    """The year's actual figure for a region subtree, from the rollups."""
    from fanxiang.regions.rollups import subtree_totals

    return subtree_totals(region, indicator, year)["total"]


def target_actuals(targets: list[Target]) -> dict[int, dict]:
    """Actual and completion ratio per target (for the indicators counted today), from the rollups."""
    out = {}
    for t in targets:
        if t.indicator not in PROGRESS_INDICATORS:
            continue
        actual = actual_total(region=t.region, indicator=t.indicator, year=t.year)
        out[t.pk] = {"actual": actual, "ratio": _ratio(actual, t.value)}
    return out
