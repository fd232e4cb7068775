"""Pages of the loan settings: policy versions, LPR table, holiday calendar (city admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from fanxiang.core.errors import DomainError
from fanxiang.loans.choices import (
    BorrowerCategory,
)
from fanxiang.loans.models import LoanPolicy, LprRate
from fanxiang.loans.pages import ADMIN_ROLES, RoleRequiredMixin, _flash, submit_form
from fanxiang.loans.settings import selectors as sel
from fanxiang.loans.settings import services as policy_services
from fanxiang.loans.settings.forms import HolidayForm, LprForm, PolicyForm
from fanxiang.loans.subsidy import services as subsidy
from fanxiang.loans.subsidy.views import audit_history

# --------------------------------------------------------------------------- policy settings


class SettingsMixin(RoleRequiredMixin):
    roles = ADMIN_ROLES
    tab = "policies"

    def base_context(self, **extra) -> dict[str, Any]:
        return {"tab": self.tab, **extra}


class PolicyListView(SettingsMixin, View):
    def get(self, request):
        current = policy_services.policy_current()
        plans = sel.plans_per_policy()
        ctx = self.base_context(
            title="贷款政策设置",
            policies=[(p, plans.get(p.pk, 0)) for p in sel.policy_versions()],
            current=current,
            today=timezone.localdate(),
        )
        return render(request, "loans/settings_policies.html", ctx)


def _display(policy: LoanPolicy, name: str) -> str:
    value = getattr(policy, name)
    if name in ("eligible_categories", "temporary_categories"):
        labels = dict(BorrowerCategory.choices)
        return "、".join(str(labels.get(c, c)) for c in value or []) or "—"
    if name == "subsidy_share_by_year":
        return "，".join(f"第{i}年 {s}" for i, s in enumerate(value or [], start=1)) or "—"
    if name == "subsidy_mode":
        return str(policy.get_subsidy_mode_display())
    if name == "subsidy_payment":
        return str(policy.get_subsidy_payment_display())
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "":
        return "—"
    if name in ("individual_max_amount", "enterprise_max_amount"):
        return f"{value:,.2f}"
    return str(value)


class PolicyDetailView(SettingsMixin, View):
    def get(self, request, pk: int):
        policy = sel.policy_by_pk(pk)
        if policy is None:
            raise Http404
        groups = []
        for title, names in PolicyForm.GROUPS:
            rows = [
                (str(LoanPolicy._meta.get_field(n).verbose_name), _display(policy, n))
                for n in names
                if n in policy_services.POLICY_FIELDS and n not in ("source", "unconfirmed")
            ]
            groups.append((title, rows))
        split = policy.fund_split or {}
        fund = "，".join(f"{label} {split.get(level, '0')}" for level, label in subsidy.FUND_LABELS.items())
        ctx = self.base_context(
            title=str(policy),
            policy=policy,
            groups=groups,
            fund=fund,
            in_force=policy.covers(timezone.localdate()),
            plans=sel.plans_per_policy().get(policy.pk, 0),
            history=audit_history(policy),
        )
        return render(request, "loans/settings_policy_detail.html", ctx)


class PolicyCreateView(SettingsMixin, View):
    """A new version, prefilled from the current one (or ``?from=<id>``); the latest version is closed the day
    before the new one starts (``policy_services.policy_version_create``)."""

    template_name = "loans/settings_policy_form.html"

    def source_policy(self, request) -> LoanPolicy | None:
        pk = request.GET.get("from") or request.POST.get("copied_from")
        if pk and str(pk).isdigit():
            return sel.policy_by_pk(pk)
        return policy_services.policy_current()

    def render_form(self, request, form, source, status: int = 200):
        latest = sel.policy_versions().first()
        ctx = self.base_context(title="新建贷款政策版本", form=form, source=source, latest=latest)
        return render(request, self.template_name, ctx, status=status)

    def get(self, request):
        source = self.source_policy(request)
        form = PolicyForm(initial=PolicyForm.initial_from(source) if source else None)
        return self.render_form(request, form, source)

    def post(self, request):
        source = self.source_policy(request)
        form = PolicyForm(request.POST)
        policy = submit_form(
            form,
            lambda _data: policy_services.policy_version_create(actor=request.user, data=form.service_data()),
        )
        if policy is not None:
            messages.success(request, f"已新建政策版本“{policy.name}”，自 {policy.effective_from} 起生效。")
            return HttpResponseRedirect(reverse("loans:settings_policy", args=[policy.pk]))
        return self.render_form(request, form, source, status=422)


class LprView(SettingsMixin, View):
    tab = "lpr"
    template_name = "loans/settings_lpr.html"

    def render_page(self, request, form, status: int = 200):
        ctx = self.base_context(title="LPR（贷款市场报价利率）", form=form, rates=list(sel.lpr_rates()))
        return render(request, self.template_name, ctx, status=status)

    def get(self, request):
        return self.render_page(request, LprForm())

    def post(self, request):
        form = LprForm(request.POST)
        rate = submit_form(
            form, lambda data: policy_services.lpr_rate_create(actor=request.user, **_lpr_fields(data))
        )
        if rate is not None:
            messages.success(request, f"已添加 {rate.effective_date} 的 LPR：1年期 {rate.one_year}%。")
            return HttpResponseRedirect(reverse("loans:settings_lpr"))
        return self.render_page(request, form, status=422)


def _lpr_fields(data: dict, with_date: bool = True) -> dict:
    """The LPR form's fields as the services take them (the date only when adding)."""
    fields = {"one_year": data["one_year"], "five_year": data["five_year"], "confirmed": data["confirmed"]}
    return {"effective_date": data["effective_date"], **fields} if with_date else fields


class LprEditView(SettingsMixin, View):
    tab = "lpr"
    template_name = "loans/settings_lpr_form.html"

    def get_rate(self, pk: int) -> LprRate:
        rate = sel.lpr_by_pk(pk)
        if rate is None:
            raise Http404
        return rate

    def render_form(self, request, rate, form, status: int = 200):
        ctx = self.base_context(title=f"更正或核实 {rate.effective_date} 的 LPR", rate=rate, form=form)
        return render(request, self.template_name, ctx, status=status)

    def get(self, request, pk: int):
        rate = self.get_rate(pk)
        form = LprForm(
            initial={"one_year": rate.one_year, "five_year": rate.five_year, "confirmed": rate.confirmed}
        )
        return self.render_form(request, rate, form)

    def post(self, request, pk: int):
        rate = self.get_rate(pk)
        form = LprForm(request.POST)
        saved = submit_form(
            form,
            lambda data: policy_services.lpr_rate_update(
                actor=request.user, rate=rate, **_lpr_fields(data, False)
            ),
        )
        if saved is not None:
            messages.success(request, f"已保存 {rate.effective_date} 的 LPR。")
            return HttpResponseRedirect(reverse("loans:settings_lpr"))
        return self.render_form(request, rate, form, status=422)


class HolidayView(SettingsMixin, View):
    tab = "holidays"
    template_name = "loans/settings_holidays.html"

    def year(self, request) -> int:
        try:
            year = int(request.GET.get("year") or request.POST.get("year") or 0)
        except ValueError:
            year = 0
        return year if 2000 <= year <= 2100 else timezone.localdate().year

    def render_page(self, request, form, year: int, status: int = 200):
        ctx = self.base_context(
            title="节假日与调休",
            form=form,
            year=year,
            years=sel.holiday_years(),
            holidays=list(sel.holidays_of(year)),
        )
        return render(request, self.template_name, ctx, status=status)

    def get(self, request):
        return self.render_page(request, HolidayForm(), self.year(request))

    def post(self, request):
        form = HolidayForm(request.POST)
        year = self.year(request)
        holiday = submit_form(
            form,
            lambda data: policy_services.holiday_add(
                actor=request.user, date=data["date"], is_workday=data["is_workday"], name=data["name"]
            ),
        )
        if holiday is not None:
            kind = "调休上班日" if holiday.is_workday else "假日"
            messages.success(request, f"已添加{kind} {holiday.date}（{holiday.name}）。")
            return HttpResponseRedirect(f"{reverse('loans:settings_holidays')}?year={holiday.date.year}")
        return self.render_page(request, form, year, status=422)


class HolidayDeleteView(SettingsMixin, View):
    """Remove a calendar exception; with HTMX the row is removed in place."""

    def post(self, request, pk: int):
        holiday = sel.holiday_by_pk(pk)
        if holiday is None:
            raise Http404
        year = holiday.date.year
        try:
            policy_services.holiday_remove(actor=request.user, holiday=holiday)
        except DomainError as exc:
            _flash(request, exc)
        else:
            if request.htmx:
                return HttpResponse("")
            messages.success(request, f"已删除 {holiday.date}（{holiday.name}）。")
        return HttpResponseRedirect(f"{reverse('loans:settings_holidays')}?year={year}")
