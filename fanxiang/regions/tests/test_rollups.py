"""Rollup counters: deltas merge per key and add to what is there, one key or many at once."""

import datetime as dt
from decimal import Decimal

import pytest

from fanxiang.regions.models import Region, RegionMonthStat
from fanxiang.regions.rollups import rollup_add, rollup_add_many

pytestmark = pytest.mark.django_db


def values() -> dict:
    return {
        (s.region.code, s.indicator, s.year, s.month): s.value
        for s in RegionMonthStat.objects.select_related("region")
    }


def test_many_keys_add_up_and_add_to_existing_counters():
    a, b = Region.objects.get(code="411625101"), Region.objects.get(code="411628101")
    may, june = dt.date(2020, 5, 3), dt.date(2020, 6, 30)
    rollup_add(a.pk, "jobs_created", may, 2)
    deltas = [
        (a.pk, "jobs_created", may, 3),
        (a.pk, "jobs_created", may, -1),
        (b.pk, "jobs_created", june, 7),
    ]
    deltas += [(r.pk, "new_entrepreneurs", june, 1) for r in Region.objects.filter(parent__code="411625")]
    rollup_add_many(deltas)
    rollup_add_many(deltas)  # a second time: everything doubles on top of the first call
    got = values()
    assert got[("411625101", "jobs_created", 2020, 5)] == Decimal(2 + 2 * 2)
    assert got[("411628101", "jobs_created", 2020, 6)] == Decimal(14)
    assert got[("411625101", "new_entrepreneurs", 2020, 6)] == Decimal(2)
    assert (
        len([k for k in got if k[1] == "new_entrepreneurs"])
        == Region.objects.filter(parent__code="411625").count()
    )


def test_zero_and_empty_deltas_write_nothing():
    a = Region.objects.get(code="411625101")
    rollup_add_many(
        [(a.pk, "jobs_created", dt.date(2020, 5, 1), 0), (None, "jobs_created", dt.date(2020, 5, 1), 4)]
    )
    rollup_add_many([])
    assert not RegionMonthStat.objects.exists()
