"""One filter definition for the product catalogue, shared by the page, the API list and the export."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from fanxiang.accounts.models import Organization, OrganizationKind
from fanxiang.core import filters
from fanxiang.finance.choices import Collateral, ProductStatus
from fanxiang.finance.models import FinancialProduct


class ProductFilter(filters.FilterSet):
    q = django_filters.CharFilter(label="产品名称", field_name="name", lookup_expr="icontains")
    bank = django_filters.ModelChoiceFilter(
        label="银行",
        queryset=Organization.objects.filter(kind=OrganizationKind.BANK, is_active=True),
        empty_label="全部",
    )
    collateral = django_filters.ChoiceFilter(
        label="接受的抵质押/担保", choices=Collateral.choices, method="filter_collateral", empty_label="全部"
    )
    status = django_filters.ChoiceFilter(label="状态", choices=ProductStatus.choices, empty_label="全部")
    current = django_filters.BooleanFilter(
        label="有效期",
        method="filter_current",
        widget=forms.Select(choices=[("", "全部"), ("true", "仅当前有效")]),
    )

    class Meta:
        model = FinancialProduct
        fields = ["bank", "status"]

    def filter_collateral(self, qs, name, value):
        # The list is stored as JSON text on both databases; a quoted code matches one whole element
        # (no code is a quoted substring of another). JSONField ``contains`` is PostgreSQL-only.
        return qs.filter(collateral__icontains=f'"{value}"')

    def filter_current(self, qs, name, value):
        if not value:
            return qs
        today = timezone.localdate()
        return qs.filter(status=ProductStatus.ACTIVE, valid_from__lte=today).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=today)
        )
