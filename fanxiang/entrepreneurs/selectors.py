from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from fanxiang.core import pii
from fanxiang.core.history import history_of
from fanxiang.core.scope import ADD, VIEW, can, resolve, scope_q
from fanxiang.entrepreneurs.choices import RecordStatus, ReviewStatus
from fanxiang.entrepreneurs.models import (
    Business,
    BusinessFounder,
    DuplicateCandidate,
    Entrepreneur,
    IndustryTag,
    JobReport,
    PriorityGroup,
    TransferRequest,
)
from fanxiang.regions.models import Region, RegionLevel
from fanxiang.regions.selectors import regions_within

# Region.full_name walks up to the province: join the ancestors once instead of a query per row and level.
REGION_CHAIN = "region__parent__parent__parent"


def entrepreneurs_for_user(user: Any, action: str = VIEW) -> QuerySet[Entrepreneur]:
    return (
        Entrepreneur.objects.for_user(user, action)
        .select_related(REGION_CHAIN, "hukou_region", "contact")
        .prefetch_related("priority_groups")
    )


def entrepreneur_by_id_number(user: Any, id_number: str) -> Entrepreneur | None:
    return entrepreneurs_for_user(user).filter(id_number_hash=pii.index(id_number.strip().upper())).first()


def businesses_for_user(user: Any, action: str = VIEW) -> QuerySet[Business]:
    return (
        Business.objects.for_user(user, action)
        .select_related(REGION_CHAIN)
        .prefetch_related(
            "tags", Prefetch("founder_links", queryset=BusinessFounder.objects.select_related("entrepreneur"))
        )
    )


BUSINESS_SEARCH_LIMIT = 20


def business_search(user: Any, *, q: str, limit: int = BUSINESS_SEARCH_LIMIT) -> list[Business]:
    """A business picker's finds: businesses within the user's view scope whose name contains ``q`` or
    whose credit code starts with it (any case), by name, at most ``limit``; nothing for a blank query.
    Rows carry their region (a picker labels them with it), not tags or founders."""
    q = (q or "").strip()[:64]
    if not q:
        return []
    found = (
        businesses_for_user(user, VIEW)
        .prefetch_related(None)
        .filter(Q(name__icontains=q) | Q(credit_code__istartswith=q.upper()))
    )
    return list(found.order_by("name", "pk")[:limit])


def job_reports_for_user(user: Any, action: str = VIEW) -> QuerySet[JobReport]:
    return JobReport.objects.for_user(user, action).select_related("business__region")


def duplicates_for_user(user: Any, action: str = VIEW) -> QuerySet[DuplicateCandidate]:
    return DuplicateCandidate.objects.for_user(user, action).select_related(
        "entrepreneur__region", "other__region"
    )


def transfers_for_user(user: Any, action: str = VIEW) -> QuerySet[TransferRequest]:
    return TransferRequest.objects.for_user(user, action).select_related(
        "entrepreneur", "from_region", "to_region", "requested_by", "decided_by"
    )


# --------------------------------------------------------------------------- pages


# A region's full name walks up to the province: fetch the chain with the row.
_REGION_CHAIN = "region__parent__parent__parent"


def entrepreneur_rows(user: Any, action: str = VIEW) -> QuerySet[Entrepreneur]:
    """Entrepreneurs for list pages: with the region chain their full region name needs."""
    return entrepreneurs_for_user(user, action).select_related(_REGION_CHAIN)


def business_rows(user: Any, action: str = VIEW) -> QuerySet[Business]:
    """Businesses for list pages and exports: with the region chain their full region name needs."""
    return businesses_for_user(user, action).select_related(_REGION_CHAIN)


def active_priority_groups() -> QuerySet[PriorityGroup]:
    return PriorityGroup.objects.filter(is_active=True).order_by("sort_order", "code")


def active_industry_tags() -> QuerySet[IndustryTag]:
    return IndustryTag.objects.filter(is_active=True).order_by("code")


def registry_regions() -> QuerySet[Region]:
    """Regions a record may be owned by: counties and townships (forms narrow them to the user's scope)."""
    return Region.objects.filter(
        is_active=True, level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP]
    ).order_by("tree_path")


def regions_in_scope(user: Any, model: type, action: str = VIEW) -> QuerySet[Region]:
    """Counties and townships inside the user's scope for ``action`` on ``model`` (filter selects)."""
    scope = resolve(user, model, action)
    qs = registry_regions()
    return regions_within(qs, scope)


@dataclass(frozen=True)
class IdRegistration:
    """Whether an ID number is registered, as far as ``user`` may know: the record when it lies in their
    scope, else only the county that holds it (never the record itself)."""

    status: str  # "none" | "in_scope" | "elsewhere"
    entrepreneur: Entrepreneur | None = None
    holder: Region | None = None


def id_number_registration(*, user: Any, id_number: str, exclude_pk: int | None = None) -> IdRegistration:
    existing = (
        Entrepreneur.objects.select_related("region__parent")
        .filter(id_number_hash=pii.index(id_number))
        .exclude(pk=exclude_pk or 0)
        .first()
    )
    if existing is None:
        return IdRegistration("none")
    if can(user, Entrepreneur, VIEW, existing.region.tree_path):
        return IdRegistration("in_scope", entrepreneur=existing, holder=existing.region.county)
    return IdRegistration("elsewhere", holder=existing.region.county or existing.region)


def businesses_of(user: Any, entrepreneur: Entrepreneur) -> QuerySet[Business]:
    """The person's businesses that lie in the user's scope."""
    return (
        businesses_for_user(user)
        .filter(founder_links__entrepreneur=entrepreneur)
        .prefetch_related(Prefetch("job_reports", queryset=JobReport.objects.order_by("-report_date", "-id")))
        .order_by("-created_at", "-id")
        .distinct()
    )


def open_duplicates_of(user: Any, entrepreneur: Entrepreneur) -> QuerySet[DuplicateCandidate]:
    return (
        duplicates_for_user(user)
        .filter(status=ReviewStatus.OPEN)
        .filter(Q(entrepreneur=entrepreneur) | Q(other=entrepreneur))
    )


def founder_options(
    user: Any, *, action: str = ADD, q: str = "", selected: list[int] | None = None, limit: int = 50
) -> list[Entrepreneur]:
    """People a business form may name as founders: active, in the user's scope for adding businesses,
    matching ``q`` (the list page's search: name, pinyin initials, ID number, mobile), plus those already
    chosen. The form validates against the full scoped queryset; this only limits what is rendered."""
    from fanxiang.entrepreneurs.filtersets import EntrepreneurFilter

    base = founder_queryset(user, action)
    found = base
    if q.strip():
        found = EntrepreneurFilter({"q": q}, queryset=base).qs
    people = list(found.order_by("-created_at", "-id")[:limit])
    seen = {p.pk for p in people}
    extra = [pk for pk in (selected or []) if pk not in seen]
    if extra:
        people = list(base.filter(pk__in=extra)) + people
    return people


def founder_queryset(user: Any, action: str = ADD) -> QuerySet[Entrepreneur]:
    """Active people inside the user's scope for ``action`` on businesses."""
    scope = resolve(user, Business, action)
    qs = Entrepreneur.objects.filter(status=RecordStatus.ACTIVE).select_related("region")
    if scope.all:
        return qs
    if scope.empty:
        return qs.none()
    return qs.filter(scope_q(Entrepreneur, scope))


# Objects whose change log makes up a person's timeline, newest first.
TIMELINE_LIMIT = 100


def entrepreneur_timeline(user: Any, entrepreneur: Entrepreneur) -> list[dict]:
    """The change log of the person and of their businesses, job reports and transfers (those in the
    user's scope), newest first, each with before/after values."""
    business_ids = list(
        businesses_for_user(user)
        .filter(founder_links__entrepreneur=entrepreneur)
        .values_list("pk", flat=True)
    )
    report_ids = list(
        job_reports_for_user(user).filter(business__in=business_ids).values_list("pk", flat=True)
    )
    transfer_ids = list(
        transfers_for_user(user).filter(entrepreneur=entrepreneur).values_list("pk", flat=True)
    )
    entries = history_of(
        entrepreneur,
        (Business, business_ids),
        (JobReport, report_ids),
        (TransferRequest, transfer_ids),
        limit=TIMELINE_LIMIT,
    )
    return [_timeline_row(e) for e in entries]


def business_timeline(user: Any, business: Business) -> list[dict]:
    report_ids = list(job_reports_for_user(user).filter(business=business).values_list("pk", flat=True))
    entries = history_of(business, (JobReport, report_ids), limit=TIMELINE_LIMIT)
    return [_timeline_row(e) for e in entries]


# Labels of the workflow steps (transfers) and review decisions (duplicates) a timeline entry records:
# a label table for display only, not a transition table (transfers run on entrepreneurs.workflows).
_DECISION_LABELS = {
    "request": "申请",
    "approve": "同意",
    "reject": "拒绝",
    "merge": "合并",
    "dismiss": "排除",
}


def _timeline_row(entry: Any) -> dict:
    """One change-log entry as the timeline shows it: actor (name and Chinese role), Chinese action and the
    changed fields by Chinese label (:mod:`fanxiang.core.history`; a creation lists only the filled ones)."""
    from fanxiang.core import audit
    from fanxiang.core.history import action_label, actor_label, change_rows

    model = entry.content_type.model_class()
    created = audit.event_of(entry) == audit.EVENT_CREATE
    rows = [(label, before, after) for label, before, after in change_rows(entry) if after or not created]
    data = entry.additional_data or {}
    return {
        "timestamp": entry.timestamp,
        "actor": actor_label(entry.actor),
        "object": f"{model._meta.verbose_name if model else ''}：{entry.object_repr}",
        "event": action_label(entry),
        "detail": _DECISION_LABELS.get(data.get("transition", ""), data.get("transition", "")),
        "created": created,
        "changes": rows,
        "remote_addr": entry.remote_addr or "",
    }
