"""The claim list's one filter definition (status, county), shared by the page ``/training/claims/``, its
Excel export and ``GET /api/v1/training/claims/``. The county dropdown lists only the counties where the
user may see claims."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from fanxiang.core import filters
from fanxiang.core.errors import InvalidInput
from fanxiang.core.scope import VIEW, resolve
from fanxiang.regions.models import Region, RegionLevel
from fanxiang.training.choices import ClaimStatus
from fanxiang.training.models import SubsidyClaim


def claim_counties(user: Any, action: str = VIEW) -> list[tuple[str, str]]:
    """The counties where ``user`` may ``action`` subsidy claims (the county dropdown): through a region
    grant, or an organization grant (a training institution's claims in the counties it holds)."""
    scope = resolve(user, SubsidyClaim, action)
    if scope.empty:
        return []
    counties = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code")
    return [
        (r.code, r.name)
        for r in counties
        if scope.all
        or scope.covers_path(r.tree_path)
        or any(r.tree_path.startswith(g.region_path) for g in scope.org_grants)
    ]


# the to-do inbox's kinds of waiting claims (fanxiang.training.todos_claims): the step each waits for and
# the records it covers on ``today``
TASKS = {
    "review": ("review", "待县级审核、发布公示"),
    "approve": ("approve", "公示期满待审批"),
    "pay": ("pay", "待登记拨付（含跟踪补拨）"),
    "follow_up": ("follow_up", "待创业跟踪核查"),
}


def task_q(task: str, today: dt.date) -> Q:
    S = ClaimStatus
    if task == "review":
        return Q(status__in=[S.SUBMITTED, S.REVIEWED])
    if task == "approve":
        return Q(status=S.PUBLICISED, publicity_end__lt=today)
    if task == "pay":
        pending_top_up = Q(
            status=S.PAID, followed_up_on__isnull=False, amount_top_up_due__gt=0, top_up_paid_on__isnull=True
        )
        return Q(status=S.APPROVED) | pending_top_up
    if task == "follow_up":
        return Q(status=S.PAID, followed_up_on__isnull=True, follow_up_due__lte=today)
    return Q(pk__in=[])


def in_region(qs: QuerySet, code: str) -> QuerySet:
    found = Region.objects.filter(code=code).first()
    return qs.filter(training_class__region__tree_path__startswith=found.tree_path) if found else qs.none()


class ClaimFilter(filters.FilterSet):
    region = django_filters.ChoiceFilter(
        label="县（市、区）", choices=(), method="filter_region", empty_label="全部"
    )
    status = django_filters.ChoiceFilter(label="状态", choices=ClaimStatus.choices, empty_label="全部")
    task = django_filters.ChoiceFilter(
        label="待办",
        choices=[(k, label) for k, (_a, label) in TASKS.items()],
        method="filter_task",
        empty_label="全部",
    )

    class Meta:
        model = SubsidyClaim
        fields = ["region", "status", "task"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].extra["choices"] = claim_counties(getattr(self.request, "user", None))

    def filter_region(self, qs, name, value):
        return in_region(qs, value)

    def filter_task(self, qs, name, value):
        return qs.filter(task_q(value, timezone.localdate()))


def filter_claims(qs: QuerySet, *, status: str | None = None, region: str | None = None) -> QuerySet:
    """The API's reading of the same filters: a bad value is refused with its field and code (a county
    outside the caller's scope simply matches nothing: the queryset is scoped already)."""
    status, region = (status or "").strip(), (region or "").strip()
    if status:
        if status not in ClaimStatus.values:
            raise InvalidInput.field(
                "status", "training.status_invalid", "状态取值无效，应为：" + "、".join(ClaimStatus.values)
            )
        qs = qs.filter(status=status)
    if region:
        if not Region.objects.filter(code=region).exists():
            raise InvalidInput.field("region", "training.region_invalid", "区划代码不存在。")
        qs = in_region(qs, region)
    return qs
