"""Rollup counters: add deltas per (region, indicator, month) inside the caller's transaction, read
totals for a region subtree. Reading never touches the counted records."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum

from fanxiang.regions.models import Region, RegionMonthStat

Key = tuple[int, str, int, int]  # region id, indicator, year, month


def rollup_add_many(deltas: Iterable[tuple[int, str, dt.date, Decimal | int]]) -> None:
    """Apply (region_id, indicator, date, delta) deltas, merged per key. Call inside the write's transaction."""
    merged: dict[Key, Decimal] = defaultdict(Decimal)
    for region_id, indicator, day, delta in deltas:
        if region_id is None or day is None or not delta:
            continue
        merged[(region_id, indicator, day.year, day.month)] += Decimal(delta)
    items = [(key, delta) for key, delta in sorted(merged.items()) if delta]
    if len(items) > 1 and connection.vendor in ("postgresql", "sqlite"):
        _upsert(items)
        return
    for (region_id, indicator, year, month), delta in items:
        updated = RegionMonthStat.objects.filter(
            region_id=region_id, indicator=indicator, year=year, month=month
        ).update(value=F("value") + delta)
        if updated:
            continue
        try:
            with transaction.atomic():
                RegionMonthStat.objects.create(
                    region_id=region_id, indicator=indicator, year=year, month=month, value=delta
                )
        except IntegrityError:  # created concurrently: add to it
            RegionMonthStat.objects.filter(
                region_id=region_id, indicator=indicator, year=year, month=month
            ).update(value=F("value") + delta)


def _upsert(items: list[tuple[Key, Decimal]]) -> None:
    """Many keys at once (bulk loads, imports): one ``INSERT … ON CONFLICT DO UPDATE`` per chunk, which
    adds to an existing counter atomically. Keys stay sorted, so concurrent writers lock in one order."""
    table = connection.ops.quote_name(RegionMonthStat._meta.db_table)
    chunk = 150  # 5 parameters a row: stays under SQLite's 999-parameter limit
    with connection.cursor() as cursor:
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
            params: list = []
            for (region_id, indicator, year, month), delta in part:
                params += [region_id, indicator, year, month, delta]
            cursor.execute(
                f"INSERT INTO {table} (region_id, indicator, year, month, value) VALUES {values} "  # noqa: S608
                f"ON CONFLICT (region_id, indicator, year, month) "
                f"DO UPDATE SET value = {table}.value + excluded.value",
                params,
            )


def rollup_add(region_id: int, indicator: str, day: dt.date, delta: Decimal | int) -> None:
    rollup_add_many([(region_id, indicator, day, delta)])


def subtree_totals(region: Region, indicator: str, year: int) -> dict:
    """Totals for ``region``'s subtree in ``year``: overall, per month, and per direct child."""
    rows = (
        RegionMonthStat.objects.filter(
            indicator=indicator, year=year, region__tree_path__startswith=region.tree_path
        )
        .values("region__tree_path", "month")
        .annotate(v=Sum("value"))
    )
    months = [Decimal(0)] * 12
    children: dict[str, Decimal] = defaultdict(Decimal)
    depth = region.tree_path.count("/")
    total = Decimal(0)
    for row in rows:
        value = Decimal(row["v"] or 0)
        total += value
        months[row["month"] - 1] += value
        parts = row["region__tree_path"].strip("/").split("/")
        if len(parts) >= depth:  # below the region: credit the direct child on the path
            children[parts[depth - 1]] += value
    cents = Decimal("0.01")
    return {
        "total": total.quantize(cents),
        "months": [m.quantize(cents) for m in months],
        "children": {k: v.quantize(cents) for k, v in children.items()},
    }
