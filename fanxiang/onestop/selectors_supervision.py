"""Reads of the city's (and a county's own) supervision of the one-stop centres: overdue requests, 差评 and
their rectifications, and the satisfaction figures by month, centre and service type shaped for charts.

Every queryset starts from ``Model.objects.for_user(user, VIEW)``; counts are grouped queries, working days
over/left are counted with one calendar read per list (:func:`fanxiang.core.calendar.workday_counter`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Min, Q, QuerySet

from fanxiang.core import calendar
from fanxiang.core.scope import VIEW
from fanxiang.onestop.choices import BAD_RATING_MAX, RectificationStatus
from fanxiang.onestop.models import Rating, Rectification, ServiceRequest
from fanxiang.onestop.selectors import due_soon_q, overdue_q, satisfaction, service_types
from fanxiang.regions.models import Region, RegionLevel

LIST_LIMIT = 50
RECT_DUE_SOON_DAYS = 3  # working days: a rectification due within them is listed as due


def counties_for_user(user: Any) -> QuerySet[Region]:
    return Region.objects.for_user(user, VIEW).filter(level=RegionLevel.COUNTY).order_by("code")


def _in_county(qs: QuerySet, county: Region | None, prefix: str = "") -> QuerySet:
    """Narrowed to the county of the centre holding the request (``prefix`` leads to the request)."""
    if county is None:
        return qs
    return qs.filter(**{f"{prefix}centre__region__tree_path__startswith": county.tree_path})


def _days(pairs: list[tuple[dt.date, dt.date]]):
    """``workdays_between`` for the given (start, end) pairs with one calendar read."""
    return calendar.workday_counter([d for pair in pairs for d in pair])


def supervision(user: Any, *, today: dt.date, county: Region | None = None) -> dict:
    """The supervision page's figures and lists in the user's scope (optionally one county of it)."""
    requests = _in_county(ServiceRequest.objects.for_user(user, VIEW), county)
    ratings = _in_county(Rating.objects.for_user(user, VIEW), county, "request__")
    rects = _in_county(Rectification.objects.for_user(user, VIEW), county, "request__")
    soon_end = calendar.add_workdays(today, RECT_DUE_SOON_DAYS)
    rect_open = Q(status=RectificationStatus.OPEN)
    rect_overdue = rect_open & Q(due_date__lt=today)
    rect_due = rect_open & Q(due_date__gte=today, due_date__lte=soon_end)

    req_counts = requests.order_by().aggregate(
        overdue=Count("pk", filter=overdue_q(today)), due_soon=Count("pk", filter=due_soon_q(today))
    )
    bad_counts = ratings.order_by().aggregate(total=Count("pk", filter=Q(level__lte=BAD_RATING_MAX)))
    rect_counts = rects.order_by().aggregate(
        open=Count("pk", filter=rect_open),
        called_back=Count("pk", filter=Q(status=RectificationStatus.CALLED_BACK)),
        closed=Count("pk", filter=Q(status=RectificationStatus.CLOSED)),
        overdue=Count("pk", filter=rect_overdue),
        due=Count("pk", filter=rect_due),
    )

    overdue = requests.filter(overdue_q(today))
    by_centre = list(
        overdue.order_by("centre__region__code", "centre__name", "centre_id")
        .values("centre__region__code", "centre__region__name", "centre_id", "centre__name")
        .annotate(count=Count("pk"), oldest_due=Min("due_date"))
    )
    overdue_rows = list(
        overdue.select_related("service_type", "centre", "centre__region").order_by("due_date", "pk")[
            :LIST_LIMIT
        ]
    )
    due_rects = list(
        rects.filter(rect_overdue | rect_due)
        .select_related("request__service_type", "request__centre", "rating")
        .order_by("due_date", "pk")[:LIST_LIMIT]
    )
    bad_rows = list(
        ratings.filter(level__lte=BAD_RATING_MAX)
        .select_related("request__service_type", "request__centre", "rectification")
        .order_by("-created_at", "-pk")[:LIST_LIMIT]
    )

    dates = [r.due_date for r in overdue_rows] + [c["oldest_due"] for c in by_centre]
    dates += [r.due_date for r in due_rects if r.due_date]
    count = _days([(today, today)] + [(d, d) for d in dates])

    def left(due: dt.date) -> int:
        return count(today, due) if due >= today else -count(due, today)

    by_county: dict[str, dict] = {}
    for row in by_centre:
        row["max_days_over"] = -left(row["oldest_due"])
        entry = by_county.setdefault(
            row["centre__region__code"],
            {"code": row["centre__region__code"], "name": row["centre__region__name"], "count": 0, "max": 0},
        )
        entry["count"] += row["count"]
        entry["max"] = max(entry["max"], row["max_days_over"])
    return {
        "today": today,
        "requests": req_counts,
        "bad": bad_counts,
        "rectifications": rect_counts,
        "overdue_by_county": list(by_county.values()),
        "overdue_by_centre": by_centre,
        "overdue": [{"req": r, "days_over": -left(r.due_date)} for r in overdue_rows],
        "due_rectifications": [
            {"rect": r, "days_left": left(r.due_date), "overdue": r.due_date < today} for r in due_rects
        ],
        "bad_ratings": [{"rating": r, "rect": getattr(r, "rectification", None)} for r in bad_rows],
        "limit": LIST_LIMIT,
    }


def _month_rows(data: dict, year: int) -> list[dict]:
    """The twelve months of ``year``, months without ratings included (figures ``None`` / 0)."""
    found = {row["month"]: row for row in data["by_month"]}
    empty = {"ratings": 0, "average": None, "bad": 0, "bad_share": None, "satisfied_share": None}
    rows = []
    for m in range(1, 13):
        key = f"{year}-{m:02d}"
        rows.append({"label": f"{m}月", "month": key, **found.get(key, {**empty, "levels": {}})})
    return rows


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _chart(title: str, labels: list[str], rows: list[dict]) -> dict:
    """An ECharts option: 差评数 as bars (left axis), 好评率 % as a line (right axis)."""
    many = len(labels) > 6
    category = {"type": "category", "data": labels, "axisLabel": {"interval": 0, "rotate": 30 if many else 0}}
    return {
        "aria": {"enabled": True},
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 24},
        "grid": {"left": 50, "right": 50, "top": 60, "bottom": 90 if many else 30},
        "xAxis": category,
        "yAxis": [
            {"type": "value", "name": "差评数", "minInterval": 1},
            {"type": "value", "name": "好评率（%）", "min": 0, "max": 100},
        ],
        "series": [
            {"name": "差评数", "type": "bar", "barMaxWidth": 48, "data": [r["bad"] for r in rows]},
            {
                "name": "好评率（%）",
                "type": "line",
                "yAxisIndex": 1,
                "connectNulls": True,
                "data": [_percent(r["satisfied_share"]) for r in rows],
            },
        ],
    }


def satisfaction_charts(user: Any, year: int) -> dict:
    """The rollup figures of ``year`` (:func:`fanxiang.onestop.selectors.satisfaction`) as three tables and
    their charts: per month, per centre, per service type."""
    data = satisfaction(user, year)
    months = _month_rows(data, year)
    centres = [{"label": r["centre"]["name"], **r} for r in data["by_centre"]]
    order = {code: i for i, code in enumerate(service_types().values_list("code", flat=True))}
    kinds = sorted(
        ({"label": r["name"], **r} for r in data["by_service_type"]),
        key=lambda r: order.get(r["service_type"], len(order)),
    )
    return {
        "year": year,
        "totals": data["totals"],
        "tables": [
            {
                "key": "month",
                "title": "按月份",
                "dimension": "月份",
                "rows": months,
                "chart": _chart(f"{year}年各月好差评", [r["label"] for r in months], months),
            },
            {
                "key": "centre",
                "title": "按服务中心",
                "dimension": "服务中心",
                "rows": centres,
                "chart": _chart(f"{year}年各服务中心好差评", [r["label"] for r in centres], centres),
            },
            {
                "key": "service_type",
                "title": "按服务事项",
                "dimension": "服务事项",
                "rows": kinds,
                "chart": _chart(f"{year}年各服务事项好差评", [r["label"] for r in kinds], kinds),
            },
        ],
    }
