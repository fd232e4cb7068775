from __future__ import annotations

import json

from fanxiang.targets import selectors
from fanxiang.targets.models import COUNT_INDICATORS, Indicator


def _show(indicator: str, value) -> str:
    return f"{int(value):,}" if indicator in COUNT_INDICATORS else f"{value:,.2f}"


def targets_panel(request) -> dict | None:
    """Home panel: this year's targets of the user's top regions, with the breakdown as a chart."""
    user = request.user
    year = selectors.latest_year(user)
    if year is None:
        return None
    rows = list(selectors.targets_for_user(user).filter(year=year).order_by("region__tree_path", "indicator"))
    if not rows:
        return None
    top_depth = min(r.region.tree_path.count("/") for r in rows)
    top = [r for r in rows if r.region.tree_path.count("/") == top_depth]
    chart = None
    people = [t for t in top if t.indicator == Indicator.NEW_ENTREPRENEURS]
    if people:
        children = selectors.target_breakdown(people[0], user)
        if children:
            chart = {
                "tooltip": {},
                "grid": {"left": 48, "right": 16, "bottom": 60, "top": 30},
                "xAxis": {
                    "type": "category",
                    "data": [c.region.name for c in children],
                    "axisLabel": {"rotate": 35},
                },
                "yAxis": {"type": "value", "name": "人"},
                "series": [
                    {
                        "type": "bar",
                        "name": "新增返乡入乡创业人数目标",
                        "data": [int(c.value) for c in children],
                        "itemStyle": {"color": "#b4232a"},
                    }
                ],
            }
    actuals = selectors.target_actuals(top)
    cards = []
    for t in top:
        progress = actuals.get(t.pk)
        cards.append(
            {
                "target": t,
                "actual": _show(t.indicator, progress["actual"]) if progress else None,
                "ratio": f"{progress['ratio'] * 100:.1f}%"
                if progress and progress["ratio"] is not None
                else "—",
                "bar": min(100.0, float(progress["ratio"] or 0) * 100) if progress else 0,
                # a loan target: all guaranteed loans beside it, and which borrowers count towards it
                "all_loans": _show(t.indicator, progress["all_loans"])
                if progress and progress.get("all_loans") is not None
                else None,
                "categories_label": progress.get("categories_label", "") if progress else "",
            }
        )
    return {
        "year": year,
        "top": top,
        "cards": cards,
        "chart_json": json.dumps(chart, ensure_ascii=False) if chart else None,
    }
