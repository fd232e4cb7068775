"""One filter definition for loan applications, shared by the page, the API list and the export."""

from __future__ import annotations

import re

import django_filters
from django.db.models import Q
from django.utils import timezone

from fanxiang.accounts.models import Organization, OrganizationKind
from fanxiang.core import filters, pii
from fanxiang.loans.choices import AppStatus, BorrowerType
from fanxiang.loans.models import LoanApplication
from fanxiang.regions.models import Region

_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


class LoanApplicationFilter(filters.FilterSet):
    q = django_filters.CharFilter(label="申请编号/申请人姓名/身份证号", method="filter_q")
    status = django_filters.ChoiceFilter(label="状态", choices=AppStatus.choices)
    region = django_filters.CharFilter(label="区划代码（含下级）", method="filter_region")
    borrower_type = django_filters.ChoiceFilter(label="借款人类型", choices=BorrowerType.choices)
    bank = django_filters.ModelChoiceFilter(
        label="经办银行", queryset=Organization.objects.filter(kind=OrganizationKind.BANK)
    )
    guarantee_org = django_filters.ModelChoiceFilter(
        label="担保机构", queryset=Organization.objects.filter(kind=OrganizationKind.GUARANTEE)
    )
    priority = filters.BooleanFilter(label="重点群体/受疫情影响优先", method="filter_priority")
    overdue = filters.BooleanFilter(label="办理超时", method="filter_overdue")
    applied_from = django_filters.DateFilter(label="申请日期起", field_name="applied_on", lookup_expr="gte")
    applied_to = django_filters.DateFilter(label="申请日期止", field_name="applied_on", lookup_expr="lte")
    ordering = filters.OrderingFilter(
        label="排序",
        fields=(
            ("created_at", "created_at"),
            ("applied_on", "applied_on"),
            ("amount", "amount"),
            ("step_due", "step_due"),
            ("number", "number"),
        ),
        field_labels={
            "created_at": "创建时间",
            "applied_on": "申请日期",
            "amount": "申请金额",
            "step_due": "办理时限",
            "number": "申请编号",
        },
    )

    class Meta:
        model = LoanApplication
        fields = ["status", "borrower_type"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        if _ID_LIKE.match(value):
            return qs.filter(entrepreneur__id_number_hash=pii.index(value.upper()))
        if value.upper().startswith("DB"):
            return qs.filter(number__istartswith=value)
        return qs.filter(Q(entrepreneur__name__icontains=value) | Q(number__icontains=value))

    def filter_region(self, qs, name, value):
        region = Region.objects.filter(code=value).first()
        if region is None:
            return qs.none()
        return qs.filter(region__tree_path__startswith=region.tree_path)

    def filter_priority(self, qs, name, value):
        return qs if value is None else qs.filter(priority=value)

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        from fanxiang.loans.applications.selectors import DEADLINE_STATES

        late = Q(status__in=DEADLINE_STATES, step_due__lt=timezone.localdate())
        return qs.filter(late) if value else qs.exclude(late)
