from __future__ import annotations

import json

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from fanxiang.core.errors import DomainError
from fanxiang.core.scope import CHANGE, VIEW, resolve
from fanxiang.core.views import (
    Column,
    ScopedDetailView,
    ScopedExportView,
    ScopedForm,
    ScopedListView,
    ServiceFormView,
    get_scoped_or_404,
)
from fanxiang.loans.choices import BorrowerCategory
from fanxiang.onestop.coverage import coverage_panel
from fanxiang.regions.models import Region
from fanxiang.regions.selectors import selectable_regions
from fanxiang.targets import selectors, services
from fanxiang.targets.filtersets import TargetFilter
from fanxiang.targets.models import (
    COUNT_INDICATORS,
    DEFAULT_LOAN_CATEGORIES,
    INDICATOR_UNITS,
    LOAN_INDICATORS,
    Indicator,
    Target,
)

COLUMNS = [
    Column("年度", "year"),
    Column("区划", "region.full_name"),
    Column("指标", "indicator"),
    Column("目标值", "display_value"),
    Column("依据", "source"),
    Column("更新时间", "updated_at"),  # core shows it in Asia/Shanghai, Excel gets the local time
]


class TargetListView(ScopedListView):
    model = Target
    title = "年度目标"
    filterset_class = TargetFilter
    columns = COLUMNS
    detail_url_name = "targets:target_detail"
    export_url_name = "targets:target_export"
    create_url_name = "targets:target_create"

    def get_queryset(self):
        return super().get_queryset().select_related("region__parent")


class TargetDetailView(ScopedDetailView):
    model = Target
    template_name = "targets/target_detail.html"
    fields = COLUMNS
    edit_url_name = "targets:target_breakdown"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["children"] = selectors.target_breakdown(self.object, self.request.user)
        if self.object.indicator in LOAN_INDICATORS:
            ctx["categories_label"] = selectors.categories_label(selectors.loan_categories_of(self.object))
        return ctx


class TargetExportView(ScopedExportView):
    model = Target
    filterset_class = TargetFilter
    columns = COLUMNS
    filename = "年度目标"


class TargetForm(ScopedForm):
    scope_model = Target
    scope_action = "add"
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    indicator = forms.ChoiceField(label="指标", choices=Indicator.choices)
    region = forms.ModelChoiceField(label="区划", queryset=selectable_regions())
    value = forms.DecimalField(label="目标值", max_digits=16, decimal_places=2, min_value=0)
    source = forms.CharField(label="依据", max_length=200, required=False)
    loan_categories = forms.MultipleChoiceField(
        label="计入目标的借款人类别（仅发放创业担保贷款指标）",
        choices=BorrowerCategory.choices,
        initial=DEFAULT_LOAN_CATEGORIES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="只统计所选类别借款人的贷款；全部担保贷款另行显示。",
    )


class TargetCreateView(ServiceFormView):
    form_class = TargetForm
    title = "设定年度目标"
    model = Target

    def perform(self, form):
        d = form.cleaned_data
        return services.target_set(
            actor=self.request.user,
            year=d["year"],
            indicator=d["indicator"],
            region=d["region"],
            value=d["value"],
            source=d["source"],
            # a loan indicator counts the ticked categories (none ticked: refused by the service)
            loan_categories=d["loan_categories"] if d["indicator"] in LOAN_INDICATORS else None,
        )

    def success_url(self, result):
        return reverse("targets:target_detail", args=[result.pk])


class BreakdownForm(ScopedForm):
    def __init__(self, *args, target: Target, child_regions: list[Region], initial_values: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"] = forms.DecimalField(
            label=f"{target.region.name}目标值",
            max_digits=16,
            decimal_places=2,
            min_value=0,
            initial=target.value,
        )
        for region in child_regions:
            self.fields[f"c_{region.code}"] = forms.DecimalField(
                label=region.name,
                max_digits=16,
                decimal_places=2,
                min_value=0,
                required=False,
                initial=initial_values.get(region.code),
            )
        self.child_regions = child_regions

    def breakdown(self) -> dict[str, object]:
        return {
            r.code: self.cleaned_data[f"c_{r.code}"]
            for r in self.child_regions
            if self.cleaned_data.get(f"c_{r.code}") is not None
        }


class TargetBreakdownView(ServiceFormView):
    form_class = BreakdownForm
    template_name = "targets/breakdown_form.html"
    model = Target
    action = CHANGE

    def get_object(self):
        return get_scoped_or_404(Target, self.request.user, CHANGE, pk=self.kwargs["pk"])

    def form_kwargs(self):
        target = self.object
        children = list(
            Region.objects.for_user(self.request.user, VIEW)
            .filter(parent=target.region, is_active=True)
            .order_by("sort_order", "code")
        )
        current = {t.region.code: t.value for t in selectors.target_breakdown(target, self.request.user)}
        return {"target": target, "child_regions": children, "initial_values": current}

    def context(self, form):
        ctx = super().context(form)
        ctx["title"] = f"分解目标：{self.object}"
        return ctx

    def perform(self, form):
        t = self.object
        return services.target_set(
            actor=self.request.user,
            year=t.year,
            indicator=t.indicator,
            region=t.region,
            value=form.cleaned_data["value"],
            breakdown=form.breakdown(),
        )

    def success_message(self, result):
        return "目标及分解已保存。"

    def success_url(self, result):
        return reverse("targets:target_detail", args=[result.pk])

    def check_permission(self):
        if resolve(self.request.user, Target, CHANGE).empty:
            raise PermissionDenied


# --------------------------------------------------------------------------- progress


def _formatter(indicator: str):
    """(display, chart) functions for an indicator's figures: whole people, or yuan with 2 places."""
    if indicator in COUNT_INDICATORS:
        return (lambda v: None if v is None else f"{int(v):,}"), (lambda v: int(v or 0))
    return (lambda v: None if v is None else f"{v:,.2f}"), (lambda v: float(v or 0))


def _percent(ratio) -> str:
    return "—" if ratio is None else f"{ratio * 100:.1f}%"


def _ratio_class(ratio, expected) -> str:
    """Colour a completion ratio against the share of the year gone by."""
    if ratio is None:
        return ""
    return "ratio-ok" if ratio >= expected else "ratio-low"


def _bar_chart(title: str, names: list[str], target: list, actual: list, unit: str) -> dict:
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 24, "data": ["目标", "完成"]},
        "grid": {"left": 56, "right": 16, "bottom": 84, "top": 60},
        "xAxis": {
            "type": "category",
            "data": names,
            "axisLabel": {"rotate": 40, "interval": 0, "width": 84, "overflow": "truncate"},
        },
        "yAxis": {"type": "value", "name": unit},
        "series": [
            {"type": "bar", "name": "目标", "data": target, "itemStyle": {"color": "#cbd5e1"}},
            {"type": "bar", "name": "完成", "data": actual, "itemStyle": {"color": "#b4232a"}},
        ],
    }


def _month_chart(title: str, months: list[dict], target, unit: str) -> dict:
    cumulative = {
        "type": "line",
        "name": "累计完成",
        "data": [m["chart"][1] for m in months],
        "itemStyle": {"color": "#b4232a"},
    }
    if target is not None:
        cumulative["markLine"] = {
            "symbol": "none",
            "data": [{"yAxis": target, "name": "年度目标"}],
            "label": {"formatter": "年度目标 {c}"},
            "lineStyle": {"color": "#6b7280", "type": "dashed"},
        }
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 24, "data": ["当月新增", "累计完成"]},
        "grid": {"left": 56, "right": 16, "bottom": 36, "top": 60},
        "xAxis": {"type": "category", "data": [f"{m['month']}月" for m in months]},
        "yAxis": {"type": "value", "name": unit},
        "series": [
            {
                "type": "bar",
                "name": "当月新增",
                "data": [m["chart"][0] for m in months],
                "itemStyle": {"color": "#f59e0b"},
            },
            cumulative,
        ],
    }


def progress_display(data: dict, *, today) -> list[dict]:
    """Presentation of ``selectors.progress``: whole numbers, percentages, chart options."""
    from decimal import Decimal

    year = data["year"]
    if year < today.year:
        expected, last_month = Decimal(1), 12
    elif year == today.year:
        expected, last_month = Decimal(today.timetuple().tm_yday) / Decimal(365), today.month
    else:
        expected, last_month = Decimal(0), 0
    out = []
    for ind in data["indicators"]:
        unit = INDICATOR_UNITS[Indicator(ind["indicator"])]
        show, number = _formatter(ind["indicator"])
        children = [
            {
                "region": c["region"],
                "name": c["name"],
                "target": show(c["target"]),
                "actual": show(c["actual"]),
                "ratio": _percent(c["ratio"]),
                "ratio_class": _ratio_class(c["ratio"], expected),
                "chart": (number(c["target"]), number(c["actual"])),
            }
            for c in ind["children"]
        ]
        months = [
            {
                "month": m["month"],
                "actual": show(m["actual"]),
                "cumulative": show(m["cumulative"]),
                "ratio": _percent(m["cumulative"] / ind["target"]) if ind["target"] else "—",
                "future": m["month"] > last_month,
                "chart": (number(m["actual"]), number(m["cumulative"])),
            }
            for m in ind["months"]
        ]
        shown = [m for m in months if not m["future"]] or months[:1]
        target = number(ind["target"]) if ind["target"] is not None else None
        charts = [
            (
                f"chart-{ind['indicator']}-children",
                _bar_chart(
                    f"{ind['label']}：各下级目标与完成",
                    [c["name"] for c in children],
                    [c["chart"][0] for c in children],
                    [c["chart"][1] for c in children],
                    unit,
                ),
            ),
            (
                f"chart-{ind['indicator']}-months",
                _month_chart(f"{ind['label']}：逐月累计", shown, target, unit),
            ),
        ]
        out.append(
            {
                "indicator": ind["indicator"],
                "label": ind["label"],
                "unit": unit,
                "target": show(ind["target"]),
                "actual": show(ind["actual"]),
                "ratio": _percent(ind["ratio"]),
                "ratio_class": _ratio_class(ind["ratio"], expected),
                "bar": min(100, float(ind["ratio"] or 0) * 100),
                "children": children,
                "months": months,
                "charts": [(chart_id, json.dumps(option, ensure_ascii=False)) for chart_id, option in charts],
                # a loan indicator: which borrowers count, and all guaranteed loans as their own figure
                "categories_label": ind.get("categories_label", ""),
                "all_loans": show(ind["all_loans"]) if ind.get("all_loans") is not None else None,
            }
        )
    return out


class ProgressView(LoginRequiredMixin, View):
    """Target vs actual for a year and a region: per child region and per month, table and charts. Read
    from the per-region monthly rollups (``selectors.progress``), never from the registry."""

    template_name = "targets/progress.html"

    def get(self, request):
        user = request.user
        if resolve(user, Target, VIEW).empty:
            raise PermissionDenied
        regions = list(selectors.progress_regions(user))
        today = timezone.localdate()
        years = sorted({*selectors.target_years(user), today.year}, reverse=True)
        errors = []
        year = selectors.latest_year(user) or today.year
        raw_year = request.GET.get("year", "")
        if raw_year:
            try:
                year = int(raw_year)
                if not 2000 <= year <= 2100:
                    raise ValueError
            except ValueError:
                errors.append("年度应为2000至2100之间的整数。（target.invalid_year）")
                year = selectors.latest_year(user) or today.year
        if year not in years:
            years = sorted({*years, year}, reverse=True)
        region_code = request.GET.get("region") or (regions[0].code if regions else "")
        data, indicators = None, []
        if region_code:
            try:
                data = selectors.progress(user=user, year=year, region_code=region_code)
            except DomainError as exc:
                errors.append(f"{exc.message}（{exc.code}）")
            else:
                indicators = progress_display(data, today=today)
        ctx = {
            "title": "目标完成进度",
            "regions": [(r.code, "\u3000" * max(0, r.tree_path.count("/") - 3) + r.name) for r in regions],
            "years": years,
            "year": year,
            "region_code": region_code,
            "data": data,
            "indicators": indicators,
            "errors": errors,
            # every county has a service centre (point (六)): N/M and the grades of their standard assessments
            "centre_coverage": coverage_panel(user, year, region_code) if data else None,
        }
        status = 404 if errors and data is None and region_code else 200
        return render(request, self.template_name, ctx, status=status)
