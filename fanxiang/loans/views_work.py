"""Pages of the bank workbench (queues, repayment schedule, repayments by hand and by Excel import), the
quarterly subsidy claim batches and the policy settings (policy versions, LPR, holiday calendar).

Thin: reads through ``selectors_work`` (every loan, repayment and batch query starts from ``for_user``), writes
through the existing services (``repayment``, ``repayment_import``, ``subsidy``, ``policy_services``), whose
refusals come back onto the page with their codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from fanxiang.core import audit
from fanxiang.core.errors import DomainError
from fanxiang.core.excel import xlsx_response
from fanxiang.core.scope import ADD, VIEW, resolve
from fanxiang.core.views import apply_domain_error, refuse_http
from fanxiang.loans import repayment as repayment_svc
from fanxiang.loans import selectors_work as sel
from fanxiang.loans import subsidy
from fanxiang.loans.choices import (
    BatchStatus,
    BorrowerCategory,
    RepaymentMethod,
    SubsidyMode,
    SubsidyPayee,
    SubsidyPayment,
)
from fanxiang.loans.forms_work import (
    BatchCreateForm,
    BatchReturnForm,
    HolidayForm,
    LprForm,
    PolicyForm,
    PrepaymentForm,
    RepaymentForm,
    RepaymentImportForm,
    ReverseForm,
    SettlementForm,
)
from fanxiang.loans.models import LoanPolicy, LprRate, Repayment, SubsidyBatch
from fanxiang.loans.repayment import imports as repayment_import
from fanxiang.loans.settings import services as policy_services
from fanxiang.loans.subsidy_workflow import BATCHES

BANK_ROLES = ("bank_officer", "city_admin")
ADMIN_ROLES = ("city_admin",)
PAGE_SIZE = 20
LINES_PAGE_SIZE = 50


def _flash(request, exc: DomainError) -> None:
    refuse_http(exc)
    messages.error(request, f"{exc.message}（{exc.code}）")


def _page(request, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class RoleRequiredMixin(LoginRequiredMixin):
    """Only users holding one of ``roles`` (or a superuser); anyone else gets 403."""

    roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_superuser or user.has_role(*self.roles)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# --------------------------------------------------------------------------- bank workbench


class BankWorkbenchView(RoleRequiredMixin, View):
    """The bank's work in five sections; an HTMX tab click swaps only the section."""

    roles = BANK_ROLES

    def get(self, request):
        key = request.GET.get("tab") or "approval"
        if key not in sel.SECTION_KEYS:
            key = "approval"
        q = request.GET.get("q", "").strip()
        today = timezone.localdate()
        page = _page(request, sel.workbench_section(request.user, key, q=q, today=today))
        section = next(s for s in sel.SECTIONS if s.key == key)
        counts = sel.workbench_counts(request.user)
        ctx = {
            "title": "银行工作台",
            "tabs": [(s, counts[s.key]) for s in sel.SECTIONS],
            "section": section,
            "page_obj": page,
            "q": q,
            "today": today,
            "querystring": _query_without_page(request),
            "may_import": not resolve(request.user, Repayment, ADD).empty,
            "bank": request.user.organization if request.user.has_role("bank_officer") else None,
        }
        if request.htmx and request.htmx.target == "bank-section":
            return render(request, "loans/bank_section.html", ctx)
        return render(request, "loans/bank_workbench.html", ctx)


class LoanScheduleView(LoginRequiredMixin, View):
    """A loan's repayment schedule with the subsidy of each period, its repayments, and (for its bank) the form
    to record a repayment."""

    template_name = "loans/schedule.html"

    def get_loan(self, pk: int):
        loan = sel.loan_for_schedule(self.request.user, pk)
        if loan is None:
            raise Http404
        return loan

    def render_page(self, request, loan, form, status: int = 200, **extra):
        ctx = sel.schedule_view(request.user, loan, as_of=_date_param(request, "as_of"))
        ctx.update(
            title=f"还款计划：{loan.number}",
            form=form,
            today=timezone.localdate(),
            settle_form=SettlementForm(),
            prepay_form=PrepaymentForm(),
            quote=None,
            quote_error="",
            reverse_target=None,
            reverse_form=None,
        )
        ctx.update(extra)
        summary = ctx["summary"] or {}
        ctx["labels"] = {
            "method": dict(RepaymentMethod.choices).get(summary.get("method"), ""),
            "mode": dict(SubsidyMode.choices).get(summary.get("subsidy_mode"), ""),
            "payment": dict(SubsidyPayment.choices).get(summary.get("subsidy_payment"), ""),
        }
        return render(request, self.template_name, ctx, status=status)

    def get(self, request, pk: int):
        return self.render_page(request, self.get_loan(pk), RepaymentForm())


class RepaymentCreateView(LoanScheduleView):
    def get(self, request, pk: int):
        return HttpResponseRedirect(reverse("loans:schedule", args=[pk]))

    def post(self, request, pk: int):
        loan = self.get_loan(pk)
        form = RepaymentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                repayment = repayment_svc.repayment_record(
                    actor=request.user,
                    loan=loan,
                    date=data["date"],
                    amount=data["amount"],
                    reference=data["reference"],
                    note=data["note"],
                )
            except DomainError as exc:
                refuse_http(exc)
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    f"已登记还款 {repayment.amount:,.2f} 元（本金 {repayment.principal_part:,.2f}，"
                    f"利息 {repayment.interest_part:,.2f}）。",
                )
                return HttpResponseRedirect(reverse("loans:schedule", args=[pk]))
        loan.refresh_from_db()
        return self.render_page(request, loan, form, status=422)


def _date_param(request, name: str):
    try:
        return dt.date.fromisoformat(request.GET.get(name) or "")
    except ValueError:
        return None


def _quote(loan, day) -> tuple[dict | None, str]:
    """The payoff quote for ``day``, or the refusal with its code (never raised to the page)."""
    if day is None:
        return None, "请选择有效的结清日期。（repayment.date_invalid）"
    try:
        return sel.payoff_quote(loan, day), ""
    except DomainError as exc:
        refuse_http(exc)
        return None, f"{exc.message}（{exc.code}）"


class RecordRightMixin:
    """The bank actions of the schedule page: the same right as recording a repayment (``may_record``)."""

    def ensure_may_record(self, request, loan) -> None:
        probe = Repayment(loan=loan, bank_id=loan.bank_id)
        if loan.bank_id is None or not resolve(request.user, Repayment, ADD).covers(probe):
            raise PermissionDenied


class PayoffQuoteView(RecordRightMixin, LoanScheduleView):
    """提前结清试算 for the date chosen (``?date=``): with HTMX only the quote panel (with its confirm form),
    otherwise the whole page with the quote in it."""

    def get(self, request, pk: int):
        loan = self.get_loan(pk)
        self.ensure_may_record(request, loan)
        day = _date_param(request, "date")
        quote, error = _quote(loan, day)
        form = SettlementForm(initial={"date": day, "amount": quote["total"] if quote else ""})
        ctx = {"quote": quote, "quote_error": error, "settle_form": form}
        if request.htmx:
            return render(request, "loans/schedule_payoff.html", {"loan": loan, **ctx})
        return self.render_page(request, loan, RepaymentForm(), **ctx)


class SettlementView(RecordRightMixin, LoanScheduleView):
    def get(self, request, pk: int):
        return HttpResponseRedirect(reverse("loans:schedule", args=[pk]))

    def post(self, request, pk: int):
        loan = self.get_loan(pk)
        self.ensure_may_record(request, loan)
        form = SettlementForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                repayment = repayment_svc.repayment_settle_early(
                    actor=request.user,
                    loan=loan,
                    date=data["date"],
                    amount=data["amount"] or None,
                    reference=data["reference"],
                    note=data["note"],
                )
            except DomainError as exc:
                refuse_http(exc)
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"已提前结清，还款 {repayment.amount:,.2f} 元，贷款已结清。")
                return HttpResponseRedirect(reverse("loans:schedule", args=[pk]))
        loan.refresh_from_db()
        day = form.cleaned_data.get("date") if hasattr(form, "cleaned_data") else None
        quote, error = _quote(loan, day) if day else (None, "")
        return self.render_page(
            request, loan, RepaymentForm(), status=422, settle_form=form, quote=quote, quote_error=error
        )


class PrepaymentView(RecordRightMixin, LoanScheduleView):
    def get(self, request, pk: int):
        return HttpResponseRedirect(reverse("loans:schedule", args=[pk]))

    def post(self, request, pk: int):
        loan = self.get_loan(pk)
        self.ensure_may_record(request, loan)
        form = PrepaymentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                repayment = repayment_svc.repayment_prepay(
                    actor=request.user,
                    loan=loan,
                    date=data["date"],
                    principal=data["principal"],
                    amount=data["amount"] or None,
                    reference=data["reference"],
                    note=data["note"],
                )
            except DomainError as exc:
                refuse_http(exc)
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    f"已登记提前还款 {repayment.amount:,.2f} 元（本金 {repayment.principal_part:,.2f}，"
                    f"利息 {repayment.interest_part:,.2f}），以后各期已按剩余本金重排。",
                )
                return HttpResponseRedirect(reverse("loans:schedule", args=[pk]))
        loan.refresh_from_db()
        return self.render_page(request, loan, RepaymentForm(), status=422, prepay_form=form)


class RepaymentReverseView(LoanScheduleView):
    """冲正 one repayment (reason required); a refusal comes back on that repayment's row with its code."""

    def get(self, request, pk: int):
        repayment = sel.repayment_for_reversal(request.user, pk)
        if repayment is None:
            raise Http404
        return HttpResponseRedirect(reverse("loans:schedule", args=[repayment.loan_id]))

    def post(self, request, pk: int):
        repayment = sel.repayment_for_reversal(request.user, pk)
        if repayment is None:
            raise Http404
        loan = self.get_loan(repayment.loan_id)
        form = ReverseForm(request.POST)
        form.is_valid()
        try:
            repayment_svc.repayment_reverse(
                actor=request.user, repayment=repayment, reason=form.cleaned_data.get("reason", "")
            )
        except DomainError as exc:
            refuse_http(exc)
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"已冲正 {repayment.date} 的还款 {repayment.amount:,.2f} 元。")
            return HttpResponseRedirect(reverse("loans:schedule", args=[loan.pk]))
        loan.refresh_from_db()
        return self.render_page(
            request, loan, RepaymentForm(), status=422, reverse_target=repayment.pk, reverse_form=form
        )


class ScheduleGenerateView(LoanScheduleView):
    def get(self, request, pk: int):
        return HttpResponseRedirect(reverse("loans:schedule", args=[pk]))

    def post(self, request, pk: int):
        loan = self.get_loan(pk)
        try:
            repayment_svc.schedule_generate(actor=request.user, loan=loan)
        except DomainError as exc:
            _flash(request, exc)
        else:
            messages.success(request, "已生成还款计划。")
        return HttpResponseRedirect(reverse("loans:schedule", args=[pk]))


class RepaymentImportMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and resolve(request.user, Repayment, ADD).empty:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class RepaymentImportView(RepaymentImportMixin, View):
    """Excel/CSV import of repayments through ``repayment_import`` (every row through the manual-entry
    service). The report lists every bad row by row, column, code and reason; by default nothing is written
    when any row is bad."""

    template_name = "loans/bank_import.html"

    def context(self, form, report=None, filename=""):
        return {
            "title": "批量导入还款",
            "form": form,
            "report": report,
            "filename": filename,
            "columns": repayment_import.COLUMNS,
            "max_rows": repayment_import.MAX_ROWS,
        }

    def get(self, request):
        return render(request, self.template_name, self.context(RepaymentImportForm()))

    def post(self, request):
        form = RepaymentImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form), status=422)
        upload = form.cleaned_data["file"]
        mode = form.cleaned_data["mode"]
        try:
            report = repayment_import.import_repayments(
                actor=request.user,
                content=upload.read(repayment_import.MAX_FILE_BYTES + 1),
                filename=upload.name or "",
                dry_run=mode == "dry_run",
                partial=mode == "partial",
            )
        except DomainError as exc:
            refuse_http(exc)
            form.add_error("file", f"{exc.message}（{exc.code}）")
            return render(request, self.template_name, self.context(form), status=422)
        body = report.as_dict()
        status = 200 if not body["errors"] else 422
        return render(
            request,
            self.template_name,
            self.context(RepaymentImportForm(initial={"mode": mode}), body, upload.name),
            status=status,
        )


class RepaymentImportTemplateView(RepaymentImportMixin, View):
    def get(self, request):
        return xlsx_response("还款导入模板.xlsx", repayment_import.template_workbook())


# --------------------------------------------------------------------------- subsidy batches


class BatchMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and resolve(request.user, SubsidyBatch, VIEW).empty:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_batch(self, pk: int) -> SubsidyBatch:
        batch = sel.batches_for_user(self.request.user).filter(pk=pk).first()
        if batch is None:
            raise Http404
        return batch


def _int_param(request, name: str) -> int | None:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


class BatchListView(BatchMixin, View):
    """Claim batches per bank and quarter, with the form that creates a bank's quarterly batch."""

    template_name = "loans/batch_list.html"

    def create_form(self, data=None):
        user = self.request.user
        if resolve(user, SubsidyBatch, ADD).empty:
            return None
        banks = sel.batch_bank_choices(user)
        if not banks.exists():
            return None
        return BatchCreateForm(data, banks=banks, regions=sel.batch_region_choices(user))

    def render_page(self, request, form, status: int = 200):
        filters = {
            "year": _int_param(request, "year"),
            "quarter": _int_param(request, "quarter"),
            "status": request.GET.get("status") or None,
            "bank": _int_param(request, "bank"),
        }
        batches = sel.batches_filtered(request.user, **filters)
        ctx = {
            "title": "贴息申报批次",
            "page_obj": _page(request, batches),
            "filters": filters,
            "status_choices": BatchStatus.choices,
            "banks": sel.batches_for_user(request.user)
            .values_list("bank_id", "bank__short_name", "bank__name")
            .distinct()
            .order_by("bank_id"),
            "years": sorted(
                set(sel.batches_for_user(request.user).values_list("year", flat=True)), reverse=True
            ),
            "form": form,
            "querystring": _query_without_page(request),
        }
        return render(request, self.template_name, ctx, status=status)

    def get(self, request):
        return self.render_page(request, self.create_form())


class BatchCreateView(BatchListView):
    def get(self, request):
        return HttpResponseRedirect(reverse("loans:batch_list"))

    def post(self, request):
        form = self.create_form(request.POST)
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = subsidy.batch_create(
                    actor=request.user,
                    bank=data["bank"],
                    year=data["year"],
                    quarter=data["quarter"],
                    region=data["region"],
                )
            except DomainError as exc:
                refuse_http(exc)
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    f"已生成贴息申报批次 {batch.number}：{batch.line_count} 笔明细，贴息合计 {batch.subsidy_total:,.2f} 元。",
                )
                return HttpResponseRedirect(reverse("loans:batch_detail", args=[batch.pk]))
        return self.render_page(request, form, status=422)


ACTION_LABELS = {**BATCHES.action_labels, "delete": "删除草稿"}


class BatchDetailView(BatchMixin, View):
    """A batch's totals (split by fund level) and its lines (paged with HTMX), with the actions the user may
    take: submit (the bank), approve / return (the finance side), delete a draft, export the statement."""

    template_name = "loans/batch_detail.html"

    def render_page(self, request, batch, return_form=None, status: int = 200):
        page = _page(request, sel.batch_lines(batch), LINES_PAGE_SIZE)
        ctx = {
            "title": f"贴息申报批次 {batch.number}",
            "batch": batch,
            "page_obj": page,
            "actions": sel.batch_actions(request.user, batch),
            "action_labels": ACTION_LABELS,
            "may_export": sel.may_export_batch(request.user, batch),
            "return_form": return_form or BatchReturnForm(),
            "payee_labels": dict(SubsidyPayee.choices),
            "history": batch_history(batch),
        }
        if request.htmx and request.htmx.target == "batch-lines":
            return render(request, "loans/batch_lines.html", ctx)
        return render(request, self.template_name, ctx, status=status)

    def get(self, request, pk: int):
        return self.render_page(request, self.get_batch(pk))


HISTORY_LABELS = {"create": "生成批次", **ACTION_LABELS}


def batch_history(batch) -> list[dict]:
    """The batch's workflow steps and exports (its field-level change rows repeat them)."""
    rows = []
    for entry in audit_history(batch):
        data = entry.additional_data or {}
        if data.get("event") == audit.EVENT_TRANSITION:
            label = HISTORY_LABELS.get(data.get("transition"), data.get("transition"))
        elif data.get("event") == audit.EVENT_EXPORT:
            label = "导出申报表"
        else:
            continue
        rows.append(
            {
                "at": entry.timestamp,
                "actor": entry.actor,
                "label": label,
                "reason": data.get("note", data.get("reason", "")),
            }
        )
    return rows


def audit_history(obj) -> list:
    from auditlog.models import LogEntry

    return list(LogEntry.objects.get_for_object(obj).select_related("actor").order_by("-timestamp")[:20])


class BatchActionView(BatchDetailView):
    def get(self, request, pk: int, action: str):
        return HttpResponseRedirect(reverse("loans:batch_detail", args=[pk]))

    def post(self, request, pk: int, action: str):
        batch = self.get_batch(pk)
        if action not in BATCHES.actions:
            raise Http404
        form = BatchReturnForm(request.POST)
        form.is_valid()
        try:
            batch = subsidy.batch_transition(
                actor=request.user, batch=batch, action=action, reason=form.cleaned_data.get("reason", "")
            )
        except DomainError as exc:
            refuse_http(exc)
            if action == "return" and exc.errors.get("reason"):
                apply_domain_error(form, exc)
                return self.render_page(request, batch, return_form=form, status=422)
            messages.error(request, f"{exc.message}（{exc.code}）")
        else:
            messages.success(
                request,
                f"批次 {batch.number} {ACTION_LABELS[action]}，当前状态：{batch.get_status_display()}。",
            )
        return HttpResponseRedirect(reverse("loans:batch_detail", args=[pk]))


class BatchDeleteView(BatchMixin, View):
    def post(self, request, pk: int):
        batch = self.get_batch(pk)
        number = batch.number
        try:
            subsidy.batch_delete(actor=request.user, batch=batch)
        except DomainError as exc:
            _flash(request, exc)
            return HttpResponseRedirect(reverse("loans:batch_detail", args=[pk]))
        messages.success(request, f"已删除草稿批次 {number}。")
        return HttpResponseRedirect(reverse("loans:batch_list"))


class BatchExportView(BatchMixin, View):
    """The claim statement (Excel, with a totals row); every export is logged."""

    def get(self, request, pk: int) -> HttpResponse:
        batch = self.get_batch(pk)
        if not sel.may_export_batch(request.user, batch):
            raise PermissionDenied
        content = subsidy.batch_statement(batch)
        audit.record_event(
            event=audit.EVENT_EXPORT,
            actor=request.user,
            obj=batch,
            request=request,
            data={"lines": batch.line_count, "via": "web"},
        )
        return xlsx_response(f"贴息申报表-{batch.number}.xlsx", content)


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
        if form.is_valid():
            try:
                policy = policy_services.policy_version_create(actor=request.user, data=form.service_data())
            except DomainError as exc:
                refuse_http(exc)
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request, f"已新建政策版本“{policy.name}”，自 {policy.effective_from} 起生效。"
                )
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
        if form.is_valid():
            data = form.cleaned_data
            try:
                rate = policy_services.lpr_rate_create(
                    actor=request.user,
                    effective_date=data["effective_date"],
                    one_year=data["one_year"],
                    five_year=data["five_year"],
                    confirmed=data["confirmed"],
                )
            except DomainError as exc:
                refuse_http(exc)
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"已添加 {rate.effective_date} 的 LPR：1年期 {rate.one_year}%。")
                return HttpResponseRedirect(reverse("loans:settings_lpr"))
        return self.render_page(request, form, status=422)


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
        if form.is_valid():
            data = form.cleaned_data
            try:
                policy_services.lpr_rate_update(
                    actor=request.user,
                    rate=rate,
                    one_year=data["one_year"],
                    five_year=data["five_year"],
                    confirmed=data["confirmed"],
                )
            except DomainError as exc:
                refuse_http(exc)
                apply_domain_error(form, exc)
            else:
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
        if form.is_valid():
            data = form.cleaned_data
            try:
                holiday = policy_services.holiday_add(
                    actor=request.user, date=data["date"], is_workday=data["is_workday"], name=data["name"]
                )
            except DomainError as exc:
                refuse_http(exc)
                apply_domain_error(form, exc)
            else:
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
