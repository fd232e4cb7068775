"""One filter definition per credit model, shared by the page and the export."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from fanxiang.core import filters
from fanxiang.credit.models import CreditEntry, CreditEvent, Recommender, RecommenderKind
from fanxiang.regions.models import Region


def _subtree(qs, field: str, code: str):
    region = Region.objects.filter(code=code).first()
    if region is None:
        return qs.none()
    return qs.filter(**{f"{field}__tree_path__startswith": region.tree_path})


class RecommenderFilter(filters.FilterSet):
    q = django_filters.CharFilter(label="名称", field_name="name", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="类别", choices=RecommenderKind.choices)
    region = django_filters.CharFilter(label="区划代码（含下级）", method="filter_region")
    valid_on = django_filters.DateFilter(label="有效日期", method="filter_valid_on")

    class Meta:
        model = Recommender
        fields = ["kind"]

    def filter_region(self, qs, name, value):
        return _subtree(qs, "region", value)

    def filter_valid_on(self, qs, name, value):
        return qs.filter(is_active=True, valid_from__lte=value).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=value)
        )


class CreditEntryFilter(filters.FilterSet):
    q = django_filters.CharFilter(label="姓名", field_name="entrepreneur__name", lookup_expr="icontains")
    event = django_filters.ChoiceFilter(label="事项", choices=CreditEvent.choices)
    region = django_filters.CharFilter(label="区划代码（含下级）", method="filter_region")
    date_from = django_filters.DateFilter(label="日期起", field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label="日期止", field_name="date", lookup_expr="lte")

    class Meta:
        model = CreditEntry
        fields = ["event"]

    def filter_region(self, qs, name, value):
        return _subtree(qs, "entrepreneur__region", value)
