"""The seed's 2020 city targets (reference data) and their demo breakdown to the counties (demo data);
registered in ``TargetsConfig.ready``."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from fanxiang.regions.data import COUNTIES
from fanxiang.regions.models import Region
from fanxiang.targets.models import Indicator, Target

# The seed's 2020 city targets: point (一) and point (四).
CITY_TARGETS_2020 = {
    Indicator.NEW_ENTREPRENEURS: Decimal("11200"),
    Indicator.JOBS_CREATED: Decimal("74700"),
    Indicator.GUARANTEED_LOANS: Decimal("290000000.00"),
}
TARGET_SOURCE = "周口市推进农民工返乡创业工作领导小组2020年工作要点（2020-04-16）"


@transaction.atomic
def load_city_targets() -> None:
    city = Region.objects.get(code="411600")
    for indicator, value in CITY_TARGETS_2020.items():
        Target.objects.get_or_create(
            year=2020, indicator=indicator, region=city, defaults={"value": value, "source": TARGET_SOURCE}
        )


def split_by_weight(total: Decimal, weights: list[int], step: Decimal) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` in units of ``step``; the parts add up exactly."""
    units = int(total / step)
    wsum = sum(weights)
    raw = [units * w / wsum for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: units - sum(parts)]:
        parts[i] += 1
    return [Decimal(p) * step for p in parts]


@transaction.atomic
def load_demo_breakdown() -> list[str]:
    """A 2020 county breakdown of the city targets, by resident population (demo data; creates no user)."""
    city = Region.objects.get(code="411600")
    counties = [Region.objects.get(code=c[0]) for c in COUNTIES]
    weights = [c[3] for c in COUNTIES]
    for indicator, total in CITY_TARGETS_2020.items():
        if Target.objects.filter(year=2020, indicator=indicator, region__parent=city).exists():
            continue
        step = Decimal("10000.00") if indicator == Indicator.GUARANTEED_LOANS else Decimal(1)
        for region, value in zip(counties, split_by_weight(total, weights, step), strict=True):
            Target.objects.create(
                year=2020, indicator=indicator, region=region, value=value, source="演示分解（按常住人口）"
            )
    return []
