"""One filter definition per model, shared by the page, the API list and the export."""

import re

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q

from fanxiang.core import filters, pii
from fanxiang.core.validators import normalize_mobile
from fanxiang.entrepreneurs.choices import BusinessKind, Category, Industry, RecordStatus
from fanxiang.entrepreneurs.contacts import contact_filter_q
from fanxiang.entrepreneurs.models import Business, Entrepreneur, IndustryTag, PriorityGroup
from fanxiang.regions.models import Region

_INITIALS = re.compile(r"^[A-Za-z]{1,8}$")
_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
_MOBILE_LIKE = re.compile(r"^(\+?86)?1\d{10}$")


def _subtree(qs, field, code):
    region = Region.objects.filter(code=code).first()
    if region is None:
        return qs.none()
    return qs.filter(**{f"{field}__tree_path__startswith": region.tree_path})


def _ordering(**labels: str) -> filters.OrderingFilter:
    """Sorting by the given fields (each under its own name), labelled in the order given."""
    return filters.OrderingFilter(
        label="排序", fields=tuple((name, name) for name in labels), field_labels=labels
    )


class EntrepreneurFilter(filters.FilterSet):
    q = django_filters.CharFilter(label="姓名/拼音首字母/身份证号/手机号", method="filter_q")
    region = django_filters.CharFilter(label="区划代码（含下级）", method="filter_region")
    category = django_filters.ChoiceFilter(label="人员类别", choices=Category.choices)
    priority_group = django_filters.ModelChoiceFilter(
        label="重点群体",
        field_name="priority_groups",
        queryset=PriorityGroup.objects.filter(is_active=True),
        to_field_name="code",
    )
    industry = django_filters.ChoiceFilter(
        label="行业门类", choices=Industry.choices, method="filter_industry"
    )
    business_kind = django_filters.ChoiceFilter(
        label="主体类型", choices=BusinessKind.choices, method="filter_kind"
    )
    business = django_filters.CharFilter(label="经营主体名称/信用代码", method="filter_business")
    started_from = django_filters.DateFilter(label="创业时间起", field_name="started_on", lookup_expr="gte")
    started_to = django_filters.DateFilter(label="创业时间止", field_name="started_on", lookup_expr="lte")
    status = django_filters.ChoiceFilter(label="状态", choices=RecordStatus.choices)
    # 对接人: "me" (the requesting user's people), "none" (not assigned) or a staff user id
    contact = django_filters.CharFilter(
        label="对接人",
        method="filter_contact",
        validators=[RegexValidator(r"^(me|none|\d{1,10})$", "对接人应为“我对接的”“未指派”或一名工作人员。")],
    )
    ordering = _ordering(name="姓名", created_at="登记时间", started_on="创业时间", birth_date="出生日期")

    class Meta:
        model = Entrepreneur
        fields = ["category", "status"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        if _ID_LIKE.match(value):
            return qs.filter(id_number_hash=pii.index(value.upper()))
        if _MOBILE_LIKE.match(value.replace(" ", "").replace("-", "")):
            return qs.filter(mobile_hash=pii.index(normalize_mobile(value)))
        if _INITIALS.match(value):
            # Initials keep Latin letters as they are, so this also finds a Latin name by its start. It
            # is an indexed prefix match (LIKE 'zs%'); OR-ing in a '%zs%' substring match on the name
            # forced a full scan of the registry (≈0.4 s at 1M people, for the page and its count).
            return qs.filter(name_initials__startswith=value.lower())
        return qs.filter(name__icontains=value)

    def filter_region(self, qs, name, value):
        return _subtree(qs, "region", value)

    def filter_industry(self, qs, name, value):
        return qs.filter(founder_links__business__industry=value).distinct()

    def filter_kind(self, qs, name, value):
        return qs.filter(founder_links__business__kind=value).distinct()

    def filter_business(self, qs, name, value):
        value = value.strip().upper()
        return qs.filter(
            Q(founder_links__business__name__icontains=value) | Q(founder_links__business__credit_code=value)
        ).distinct()

    def filter_contact(self, qs, name, value):
        q = contact_filter_q(value, getattr(self.request, "user", None))
        return qs if q is None else qs.filter(q)


class BusinessFilter(filters.FilterSet):
    q = django_filters.CharFilter(label="名称/信用代码", method="filter_q")
    region = django_filters.CharFilter(label="区划代码（含下级）", method="filter_region")
    kind = django_filters.ChoiceFilter(label="主体类型", choices=BusinessKind.choices)
    industry = django_filters.ChoiceFilter(label="行业门类", choices=Industry.choices)
    tag = django_filters.ModelChoiceFilter(
        label="产业标签", field_name="tags", queryset=IndustryTag.objects.all(), to_field_name="code"
    )
    started_from = django_filters.DateFilter(label="开业日期起", field_name="started_on", lookup_expr="gte")
    started_to = django_filters.DateFilter(label="开业日期止", field_name="started_on", lookup_expr="lte")
    status = django_filters.ChoiceFilter(label="状态", choices=RecordStatus.choices)
    ordering = _ordering(name="名称", created_at="登记时间", started_on="开业日期", jobs_created="带动就业")

    class Meta:
        model = Business
        fields = ["kind", "industry", "status"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(name__icontains=value)
            | Q(credit_code=value.upper())
            | Q(name_initials__startswith=value.lower())
        )

    def filter_region(self, qs, name, value):
        return _subtree(qs, "region", value)
