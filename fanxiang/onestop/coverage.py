"""The centre coverage figure for dashboards (the target-progress page): every county has a centre — N of M,
with the grade of each centre's latest confirmed construction-standard assessment. Built on
:func:`fanxiang.onestop.selectors.coverage` (the caller's scope)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from fanxiang.onestop import selectors
from fanxiang.onestop.standard_models import GradeBand
from fanxiang.regions.models import Region


def coverage_panel(user: Any, year: int, region_code: str | None = None) -> dict | None:
    """Counts, rows and a grade chart of ``year`` for the counties under ``region_code`` (None: no counties)."""
    rows = selectors.coverage(user, year)
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if region is not None:
        under = set(
            Region.objects.filter(tree_path__startswith=region.tree_path).values_list("code", flat=True)
        )
        rows = [r for r in rows if r["region"] in under]
    if not rows:
        return None
    counted = Counter(r["grade_label"] or "未评定" for r in rows if r["has_centre"])
    order = list(dict.fromkeys(GradeBand.objects.order_by("-min_score").values_list("label", flat=True)))
    labels = [g for g in order if g in counted] + (["未评定"] if "未评定" in counted else [])
    chart = {
        "tooltip": {},
        "grid": {"left": 40, "right": 16, "bottom": 30, "top": 30},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "name": "个", "minInterval": 1},
        "series": [
            {
                "type": "bar",
                "name": "服务中心",
                "data": [counted[g] for g in labels],
                "itemStyle": {"color": "#b4232a"},
            }
        ],
    }
    return {
        "year": year,
        "counties": len(rows),
        "with_centre": sum(1 for r in rows if r["has_centre"]),
        "graded": sum(1 for r in rows if r["grade"]),
        "rows": rows,
        "chart_json": json.dumps(chart, ensure_ascii=False),
    }
