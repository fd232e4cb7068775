"""Every read of the one-stop app: querysets start from ``Model.objects.for_user(user, action)``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from fanxiang.core import calendar
from fanxiang.core.scope import VIEW, get_for_user
from fanxiang.onestop.choices import CLOCK_RUNNING, CentreStatus
from fanxiang.onestop.models import (
    Centre,
    Rating,
    Rectification,
    SatisfactionMonth,
    ServiceRequest,
    ServiceType,
)
from fanxiang.onestop.standard_selectors import latest_confirmed
from fanxiang.onestop.workflows import REQUESTS, clock_figures
from fanxiang.regions.models import Region, RegionLevel


def centres_for_user(user: Any, *, region: str | None = None) -> QuerySet[Centre]:
    qs = Centre.objects.for_user(user, VIEW).select_related("region").prefetch_related("services")
    if region:
        found = Region.objects.filter(code=region).first()
        qs = qs.filter(region__tree_path__startswith=found.tree_path) if found else qs.none()
    return qs.order_by("region__code", "name", "pk")


def centre_detail(user: Any, centre_id: int) -> Centre:
    return get_for_user(Centre, user, VIEW, pk=centre_id)


def service_types() -> QuerySet[ServiceType]:
    """Reference data, the same for everyone."""
    return (
        ServiceType.objects.filter(is_active=True)
        .select_related("responsible_unit")
        .prefetch_related("time_limits")
    )


def overdue_q(today: dt.date) -> Q:
    """Past the due date while the clock runs (a paused request is waiting for the applicant)."""
    return Q(status__in=CLOCK_RUNNING, due_date__lt=today)


def due_soon_q(today: dt.date) -> Q:
    """At or past the due-soon day (80 % of the time used) and not yet overdue."""
    return Q(status__in=CLOCK_RUNNING, due_soon_on__lte=today, due_date__gte=today)


STAFF_WAITING = ("submitted", "accepted", "in_progress", "resubmitted", "transferred")
HOLDER_ROLES = ("service_clerk", "county_officer")


def held_q(user: Any, prefix: str = "") -> Q:
    """Rows (``prefix`` leads to the request) held by a centre in a county where the user is a clerk or
    county officer; none without such a role."""
    paths = [a.region.tree_path for a in user.assignments() if a.role in HOLDER_ROLES]
    if not paths:
        return Q(pk__in=[])
    held = Q()
    for path in paths:
        held |= Q(**{f"{prefix}centre__region__tree_path__startswith": path})
    return held


def staff_waiting_q(user: Any) -> Q:
    """Requests waiting for the user's centre(s): open, not with the applicant, held by a centre in a county
    where the user is a clerk or county officer (the to-do inbox and the 待办 queue)."""
    return Q(status__in=STAFF_WAITING) & held_q(user)


def requests_for_user(
    user: Any,
    *,
    status: str | None = None,
    service_type: str | None = None,
    centre: int | None = None,
    region: str | None = None,
    overdue: bool | None = None,
    due_soon: bool | None = None,
    today: dt.date | None = None,
) -> QuerySet[ServiceRequest]:
    today = today or timezone.localdate()
    qs = ServiceRequest.objects.for_user(user, VIEW).select_related(
        "service_type", "centre", "centre__region", "origin_centre", "entrepreneur"
    )
    if status:
        qs = qs.filter(status=status)
    if service_type:
        qs = qs.filter(service_type__code=service_type)
    if centre:
        qs = qs.filter(centre_id=centre)
    if region:
        found = Region.objects.filter(code=region).first()
        qs = qs.filter(centre__region__tree_path__startswith=found.tree_path) if found else qs.none()
    if overdue is not None:
        qs = qs.filter(overdue_q(today)) if overdue else qs.exclude(overdue_q(today))
    if due_soon is not None:
        qs = qs.filter(due_soon_q(today)) if due_soon else qs.exclude(due_soon_q(today))
    return qs.order_by("-created_at", "-id")


def request_detail(user: Any, request_id: int) -> ServiceRequest:
    return get_for_user(ServiceRequest, user, VIEW, pk=request_id)


def deadline_state(req: ServiceRequest, today: dt.date) -> dict:
    """``working_days_left``, ``paused_days``, ``paused``, ``overdue``, ``due_soon`` of one request today."""
    figures = clock_figures(req, today)
    running = req.status in CLOCK_RUNNING
    due = figures["due"]
    left = calendar.working_days_left(due, today) if due and (running or figures["paused"]) else None
    return {
        "due_date": due,
        "working_days_left": left,
        "paused_days": figures["paused_days"],
        "paused": figures["paused"],
        "overdue": running and due is not None and today > due,
        "due_soon": running
        and req.due_soon_on is not None
        and req.due_soon_on <= today <= (due or req.due_soon_on),
    }


def row_deadline(req: ServiceRequest, today: dt.date) -> dict:
    """The queue's marks from the request's own columns (no clock lookup per row): ``overdue`` past the due
    date while the clock runs, ``due_soon`` from the stored due-soon day, ``paused`` while waiting for the
    applicant (its due date moves when the applicant resubmits)."""
    running = req.status in CLOCK_RUNNING
    due = req.due_date
    return {
        "due_date": due,
        "paused": req.status == "supplement_requested",
        "overdue": running and due is not None and today > due,
        "due_soon": running and req.due_soon_on is not None and req.due_soon_on <= today <= (due or today),
    }


def rectifications_for_user(user: Any) -> QuerySet[Rectification]:
    return Rectification.objects.for_user(user, VIEW).select_related("request", "rating").order_by("-id")


def allowed_actions(req: ServiceRequest, user: Any) -> list[str]:
    return [a for a in REQUESTS.allowed_actions(req, user) if a != "submit"]


def coverage(user: Any, year: int) -> list[dict]:
    """Per county in the user's scope: whether it has a centre in service by the end of ``year`` (the seed's
    "every county has a centre in 2020"), which one, and the grade of its latest construction-standard assessment
    confirmed by the city on or before the year's end (:mod:`fanxiang.onestop.standard`)."""
    counties = Region.objects.for_user(user, VIEW).filter(level=RegionLevel.COUNTY).order_by("code")
    end = dt.date(year, 12, 31)
    centres: dict[int, Centre] = {}
    for c in (
        Centre.objects.filter(region__in=counties, status=CentreStatus.ACTIVE)
        .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=end))
        .order_by("opened_on", "pk")
    ):
        centres.setdefault(c.region_id, c)
    graded = latest_confirmed([c.pk for c in centres.values()], end)
    rows = []
    for county in counties:
        c = centres.get(county.pk)
        done = graded.get(c.pk) if c is not None else None
        rows.append(
            {
                "region": county.code,
                "region_name": county.name,
                "has_centre": c is not None,
                "centre": None if c is None else {"id": c.pk, "name": c.name},
                "grade": done.grade if done else None,
                "grade_label": done.grade_label if done else None,
                "score": done.score if done else None,
                "assessed_on": done.confirmed_on if done else None,
            }
        )
    return rows


def rectification_detail(user: Any, rect_id: int) -> Rectification:
    return get_for_user(Rectification, user, VIEW, pk=rect_id)


def feedback_of(req: ServiceRequest) -> tuple[Rating | None, Rectification | None]:
    """The rating and rectification of a request the caller already holds through a scoped read (staff:
    ``request_detail`` / ``get_scoped_or_404``; the applicant: the portal's own-request check). They belong
    to the request, so they need no scope of their own here — the applicant has no region role at all."""
    return Rating.objects.filter(request=req).first(), Rectification.objects.filter(request=req).first()


def ratings_for_user(user: Any) -> QuerySet[Rating]:
    return Rating.objects.for_user(user, VIEW).order_by("-created_at", "-id")


SATISFACTION_SUMS = ("ratings", "level_sum", "bad", "level_5", "level_4", "level_3", "level_2", "level_1")


def _figures(row: dict) -> dict:
    n = row["ratings"] or 0
    return {
        "ratings": n,
        "average": round(row["level_sum"] / n, 2) if n else None,
        "bad": row["bad"] or 0,
        "bad_share": round(row["bad"] / n, 4) if n else None,
        # 满意度: the share of the top three levels (非常满意, 满意, 基本满意)
        "satisfied_share": round((row["level_5"] + row["level_4"] + row["level_3"]) / n, 4) if n else None,
        "levels": {str(k): row[f"level_{k}"] or 0 for k in (5, 4, 3, 2, 1)},
    }


def satisfaction(user: Any, year: int, *, centre: int | None = None, service_type: str | None = None) -> dict:
    """好差评 figures of ``year`` from the monthly rollups in the user's scope: totals, per month, per centre
    and per service type (one grouped query each over the rollup table, never over the ratings)."""
    qs = SatisfactionMonth.objects.for_user(user, VIEW).filter(month__year=year)
    if centre:
        qs = qs.filter(centre_id=centre)
    if service_type:
        qs = qs.filter(service_type__code=service_type)
    sums = {f: Sum(f) for f in SATISFACTION_SUMS}

    def grouped(*keys: str) -> list[dict]:
        return list(qs.order_by(*keys).values(*keys).annotate(**sums))

    totals = qs.order_by().aggregate(**sums)
    return {
        "year": year,
        "totals": _figures({k: v or 0 for k, v in totals.items()}),
        "by_month": [{"month": r["month"].strftime("%Y-%m"), **_figures(r)} for r in grouped("month")],
        "by_centre": [
            {"centre": {"id": r["centre_id"], "name": r["centre__name"]}, **_figures(r)}
            for r in grouped("centre_id", "centre__name")
        ],
        "by_service_type": [
            {"service_type": r["service_type__code"], "name": r["service_type__name"], **_figures(r)}
            for r in grouped("service_type__code", "service_type__name")
        ],
    }


def transfer_centres(req: ServiceRequest) -> QuerySet[Centre]:
    """Where a request may be transferred: any active centre of the city that offers its service type, other
    than the one holding it. A transfer target is public information (a centre's name, as on the portal's
    list of centres), not a record of another county, so it is not narrowed to the user's scope; the service
    checks the same conditions again."""
    return (
        Centre.objects.filter(status=CentreStatus.ACTIVE, services=req.service_type_id)
        .exclude(pk=req.centre_id)
        .select_related("region")
        .order_by("region__code", "name")
    )
