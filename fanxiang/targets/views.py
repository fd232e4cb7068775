from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.urls import reverse

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
from fanxiang.regions.models import Region
from fanxiang.targets import selectors, services
from fanxiang.targets.filtersets import TargetFilter
from fanxiang.targets.models import Indicator, Target

COLUMNS = [
    Column("年度", "year"),
    Column("区划", "region.full_name"),
    Column("指标", "indicator"),
    Column("目标值", "display_value"),
    Column("依据", "source"),
    Column("更新时间", lambda t: t.updated_at.strftime("%Y-%m-%d %H:%M")),
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
    region = forms.ModelChoiceField(label="区划", queryset=Region.objects.exclude(level="village"))
    value = forms.DecimalField(label="目标值", max_digits=16, decimal_places=2, min_value=0)
    source = forms.CharField(label="依据", max_length=200, required=False)


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
