"""The request queue's one filter definition (the page; the API list takes the same keys in its selector)."""

from __future__ import annotations

import django_filters
from django.utils import timezone

from fanxiang.core import filters
from fanxiang.onestop.choices import Mode, RequestStatus
from fanxiang.onestop.models import ServiceRequest, ServiceType
from fanxiang.onestop.selectors import centres_for_user, due_soon_q, overdue_q, staff_waiting_q
from fanxiang.regions.models import Region, RegionLevel

LISTED_STATUSES = [c for c in RequestStatus.choices if c[0] != RequestStatus.DRAFT]


class RequestFilter(filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=LISTED_STATUSES, empty_label="全部")
    service_type = django_filters.ModelChoiceFilter(
        label="服务事项", queryset=ServiceType.objects.filter(is_active=True), empty_label="全部"
    )
    channel = django_filters.ChoiceFilter(label="办理渠道", choices=Mode.choices, empty_label="全部")
    centre = django_filters.ModelChoiceFilter(
        label="承办中心", queryset=lambda request: centres_for_user(request.user), empty_label="全部"
    )
    region = django_filters.ChoiceFilter(
        label="县（市、区）", choices=(), method="filter_region", empty_label="全部"
    )
    overdue = filters.BooleanFilter(label="已超期", method="filter_overdue")
    due_soon = filters.BooleanFilter(label="临期", method="filter_due_soon")
    task = django_filters.ChoiceFilter(
        label="待办", choices=[("open", "待本中心办理")], method="filter_task", empty_label="全部"
    )

    class Meta:
        model = ServiceRequest
        fields = ["status", "service_type", "channel"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        counties = Region.objects.for_user(user, "view").filter(level=RegionLevel.COUNTY).order_by("code")
        self.filters["region"].extra["choices"] = [(r.code, r.name) for r in counties]

    def filter_region(self, qs, name, value):
        found = Region.objects.filter(code=value).first()
        return qs.filter(centre__region__tree_path__startswith=found.tree_path) if found else qs.none()

    def filter_overdue(self, qs, name, value):
        q = overdue_q(timezone.localdate())
        return qs.filter(q) if value else qs.exclude(q)

    def filter_due_soon(self, qs, name, value):
        q = due_soon_q(timezone.localdate())
        return qs.filter(q) if value else qs.exclude(q)

    def filter_task(self, qs, name, value):
        return qs.filter(staff_waiting_q(self.request.user)) if value == "open" else qs
