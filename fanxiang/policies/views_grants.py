"""Pages of the policy-enjoyment records (享受记录): list with filters and Excel export, create form, detail
with revoke, Excel import with its error report, totals by region, benefit type and month.

Thin: validation, scope and rollups live in ``grants``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from fanxiang.accounts.models import Organization
from fanxiang.accounts.selectors import organizations
from fanxiang.core.errors import DomainError, NotFound
from fanxiang.core.excel import xlsx_response
from fanxiang.core.scope import ADD, CHANGE, VIEW, resolve
from fanxiang.core.views import Column, ScopedDetailView, ScopedExportView, ScopedListView, ServiceFormView
from fanxiang.policies import grants, selectors
from fanxiang.policies.models import BenefitGrant, PolicyItem


def _who(g: BenefitGrant) -> str:
    if g.entrepreneur_id and g.business_id:
        return f"{g.entrepreneur.name}（{g.business.name}）"
    return g.entrepreneur.name if g.entrepreneur_id else g.business.name if g.business_id else ""


def _status(g: BenefitGrant) -> str:
    return "已撤销" if g.revoked_at else "有效"


LIST_COLUMNS = [
    Column("享受对象", _who),
    Column("政策条款", "item.title"),
    Column("政策类型", "item.benefit_type"),
    Column("金额（元）", lambda g: f"{g.amount:,.2f}"),
    Column("享受日期", lambda g: g.granted_on.isoformat()),
    Column("所属区划", "region.name"),
    Column("发放单位", "granting_unit_name"),
    Column("批次", "batch"),
    Column("状态", _status),
]
DETAIL_FIELDS = [
    Column("享受人员", lambda g: g.entrepreneur.name if g.entrepreneur_id else ""),
    Column("身份证号码", lambda g: g.entrepreneur.id_number_masked if g.entrepreneur_id else ""),
    Column("享受主体", lambda g: g.business.name if g.business_id else ""),
    Column("政策条款", "item.title"),
    Column("政策文件", "item.document.number"),
    Column("政策类型", "item.benefit_type"),
    Column("一次性政策", lambda g: "是" if g.item.once_only else "否"),
    Column("金额（元）", lambda g: f"{g.amount:,.2f}"),
    Column("享受日期", lambda g: g.granted_on.isoformat()),
    Column("所属区划", lambda g: g.region.full_name),
    Column("发放单位", "granting_unit_name"),
    Column("批次", "batch"),
    Column("来源", "source"),
    Column("备注", "note"),
    Column("登记时间", lambda g: timezone.localtime(g.created_at).strftime("%Y-%m-%d %H:%M")),
    Column("状态", _status),
    Column("撤销原因", "revoke_reason"),
]
EXPORT_COLUMNS = [
    Column("享受人员", lambda g: g.entrepreneur.name if g.entrepreneur_id else ""),
    Column("身份证号码（脱敏）", lambda g: g.entrepreneur.id_number_masked if g.entrepreneur_id else ""),
    Column("享受主体", lambda g: g.business.name if g.business_id else ""),
    Column("统一社会信用代码", lambda g: g.business.credit_code if g.business_id else ""),
    Column("政策条款代码", "item.code"),
    Column("政策条款", "item.title"),
    Column("政策文件", "item.document.number"),
    Column("政策类型", "item.benefit_type"),
    Column("金额（元）", "amount"),
    Column("享受日期", "granted_on"),
    Column("区划代码", "region.code"),
    Column("所属区划", "region.name"),
    Column("发放单位", "granting_unit_name"),
    Column("批次", "batch"),
    Column("来源", "source"),
    Column("状态", _status),
    Column("撤销原因", "revoke_reason"),
]


class GrantScopedMixin:
    model = BenefitGrant

    def scoped_queryset(self, action=None):
        return grants.grants_for_user(self.request.user, action or self.action)


class GrantListView(GrantScopedMixin, ScopedListView):
    template_name = "policies/grants_list.html"
    title = "政策享受记录"
    filterset_class = grants.GrantFilter
    columns = LIST_COLUMNS
    detail_url_name = "policies:grant_detail"
    export_url_name = "policies:grant_export"
    create_url_name = "policies:grant_create"

    def get_queryset(self):
        return super().get_queryset().order_by("-granted_on", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        may_add = not resolve(self.request.user, BenefitGrant, ADD).empty
        ctx["import_url"] = reverse("policies:grant_import") if may_add else None
        ctx["totals_url"] = reverse("policies:grant_totals")
        return ctx


class GrantExportView(GrantScopedMixin, ScopedExportView):
    filterset_class = grants.GrantFilter
    columns = EXPORT_COLUMNS
    filename = "政策享受记录"


class GrantDetailView(GrantScopedMixin, ScopedDetailView):
    template_name = "policies/grants_detail.html"
    fields = DETAIL_FIELDS

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        grant = ctx["object"]
        ctx["title"] = f"{_who(grant)} · {grant.item.title}"
        ctx["can_revoke"] = grant.revoked_at is None and resolve(
            self.request.user, BenefitGrant, CHANGE
        ).covers(grant)
        return ctx


class GrantRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        try:
            grant = grants.grant_get(request.user, pk)
        except NotFound:
            raise Http404
        try:
            grants.grant_revoke(actor=request.user, grant=grant, reason=request.POST.get("reason", ""))
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message)
            messages.error(request, f"{exc.message}（{exc.code}）")
        else:
            messages.success(request, "已撤销该享受记录，不再计入统计。")
        return HttpResponseRedirect(reverse("policies:grant_detail", args=[pk]))


# --------------------------------------------------------------------------- create


def add_service_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Each field error under its field with its code; the overall message with the code above the form."""
    items = (exc.details or {}).get("items") or [
        {"field": name, "code": exc.code, "message": message}
        for name, msgs in (exc.errors or {}).items()
        for message in msgs
    ]
    alias = {"entrepreneur": "id_number", "business": "credit_code", "granting_org": "granting_unit_name"}
    for item in items:
        name = item["field"] if item["field"] in form.fields else alias.get(item["field"])
        if name in form.fields and not form.fields[name].widget.is_hidden:
            form.add_error(name, f"{item['message']}（{item['code']}）")
    form.add_error(None, f"{exc.message}（{exc.code}）")


class GrantForm(forms.Form):
    item = forms.ModelChoiceField(label="政策条款", queryset=PolicyItem.objects.none(), empty_label="请选择")
    entrepreneur = forms.IntegerField(required=False, widget=forms.HiddenInput)
    business = forms.IntegerField(required=False, widget=forms.HiddenInput)
    id_number = forms.CharField(
        label="享受人员身份证号码",
        required=False,
        max_length=18,
        help_text="须已登记；与统一社会信用代码至少填一项。",
    )
    name = forms.CharField(label="姓名（核对用）", required=False, max_length=32)
    credit_code = forms.CharField(
        label="享受主体统一社会信用代码", required=False, max_length=18, help_text="补贴发给经营主体时填写。"
    )
    amount = forms.CharField(label="金额（元）", max_length=20)
    granted_on = forms.DateField(label="享受日期", widget=forms.DateInput(attrs={"type": "date"}))
    granting_org = forms.ModelChoiceField(
        label="发放单位", queryset=Organization.objects.none(), required=False, empty_label="（本人所在单位）"
    )
    granting_unit_name = forms.CharField(
        label="发放单位（名称）", required=False, max_length=100, help_text="不在列表中的单位请直接填写名称。"
    )
    batch = forms.CharField(label="批次", required=False, max_length=64)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["item"].queryset = (
            selectors.active_items().select_related("document").order_by("sort_order", "id")
        )
        self.fields["item"].label_from_instance = lambda i: (
            f"{i.title}（{i.document.number}）" + ("【一次性】" if i.once_only else "")
        )
        self.fields["granting_org"].queryset = organizations().order_by("kind", "code")

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        return data


class GrantCreateView(ServiceFormView):
    template_name = "policies/grants_form.html"
    form_class = GrantForm
    model = BenefitGrant
    action = ADD
    title = "登记政策享受记录"

    def get_form(self, data=None, files=None):
        initial = {
            k: self.request.GET[k] for k in ("entrepreneur", "business", "item") if self.request.GET.get(k)
        }
        return self.form_class(data, files, user=self.request.user, initial=initial)

    def context(self, form) -> dict:
        ctx = super().context(form)
        ctx["beneficiary"] = self._prefilled(form)
        return ctx

    def _prefilled(self, form) -> str:
        """The person or business the form was opened for (from their page), by name."""
        from fanxiang.entrepreneurs.models import Business, Entrepreneur

        names = []
        value = form["entrepreneur"].value()
        if value and str(value).isdigit():
            person = Entrepreneur.objects.for_user(self.request.user).filter(pk=value).first()
            names.append(person.name if person else "")
        value = form["business"].value()
        if value and str(value).isdigit():
            business = Business.objects.for_user(self.request.user).filter(pk=value).first()
            names.append(business.name if business else "")
        return "、".join(n for n in names if n)

    def apply_error(self, form, exc: DomainError) -> None:
        add_service_error(form, exc)

    def perform(self, form):
        return grants.grant_create(actor=self.request.user, data=form.service_data())

    def success_message(self, result) -> str:
        return f"已登记享受记录（#{result.pk}）。"

    def success_url(self, result) -> str:
        return reverse("policies:grant_detail", args=[result.pk])


# --------------------------------------------------------------------------- import


class ImportForm(forms.Form):
    MODES = [
        ("check", "只校验，不写入"),
        ("all", "导入（全部正确才导入）"),
        ("partial", "只导入正确的行"),
    ]
    file = forms.FileField(
        label="选择文件",
        help_text="Excel（.xlsx/.xls）或 CSV（UTF-8/GBK）文件，第1行为列名。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )
    batch = forms.CharField(
        label="批次", required=False, max_length=64, help_text="文件中未填批次的行使用此批次。"
    )
    mode = forms.ChoiceField(label="方式", choices=MODES, initial="check", widget=forms.RadioSelect)


class GrantAddMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and resolve(request.user, BenefitGrant, ADD).empty:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class GrantImportView(GrantAddMixin, View):
    template_name = "policies/grants_import.html"

    def context(self, form, report=None) -> dict:
        return {
            "title": "批量导入政策享受记录",
            "form": form,
            "report": report,
            "columns": grants.COLUMNS,
            "max_rows": grants.MAX_ROWS,
        }

    def get(self, request):
        return render(request, self.template_name, self.context(ImportForm()))

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            mode = form.cleaned_data["mode"]
            try:
                report = grants.grant_import(
                    actor=request.user,
                    content=upload.read(),
                    filename=upload.name,
                    dry_run=mode == "check",
                    partial=mode == "partial",
                    batch=form.cleaned_data["batch"],
                )
            except DomainError as exc:
                form.add_error("file", f"{exc.message}（{exc.code}）")
        status = 422 if form.errors else 200
        return render(request, self.template_name, self.context(form, report), status=status)


class GrantTemplateView(GrantAddMixin, View):
    def get(self, request):
        return xlsx_response("政策享受记录导入模板.xlsx", grants.template_workbook())


# --------------------------------------------------------------------------- totals


class GrantTotalsView(LoginRequiredMixin, View):
    template_name = "policies/grants_totals.html"

    def get(self, request):
        if resolve(request.user, BenefitGrant, VIEW).empty:
            raise PermissionDenied
        this_year = timezone.localdate().year
        try:
            year = int(request.GET.get("year") or this_year)
        except ValueError:
            year = this_year
        year = min(max(year, 2000), 2100)
        try:
            region = grants.totals_region(request.user, request.GET.get("region") or None)
        except NotFound:
            raise Http404
        data = grants.grant_totals(user=request.user, region=region, year=year)
        shown = [t for t in data["types"] if t["count"]]  # the benefit types granted in the year
        chart = {
            "tooltip": {"trigger": "axis"},
            "legend": {"top": 0},
            "grid": {"left": 60, "right": 20, "top": 40, "bottom": 30},
            "xAxis": {"type": "category", "data": [f"{m}月" for m in range(1, 13)]},
            "yAxis": {"type": "value", "name": "元"},
            "series": [
                {
                    "name": t["label"],
                    "type": "bar",
                    "stack": "amount",
                    "data": [float(m["by_type"][t["type"]]) for m in data["months"]],
                }
                for t in shown
            ],
        }

        def aligned(rows: list[dict]) -> list[dict]:
            return [
                {
                    **row,
                    "amount_text": f"{row['amount']:,.2f}",
                    "cells": [f"{row['by_type'][t['type']]:,.2f}" for t in shown],
                }
                for row in rows
            ]

        return render(
            request,
            self.template_name,
            {
                "title": "政策享受统计",
                "data": data,
                "shown_types": [{**t, "amount_text": f"{t['amount']:,.2f}"} for t in shown],
                "amount_text": f"{data['amount']:,.2f}",
                "children": aligned(data["children"]),
                "months": aligned(data["months"]),
                "regions": grants.totals_regions(request.user).exclude(level="township"),
                "years": list(range(this_year, 2018, -1)),
                "chart": chart,
            },
        )
