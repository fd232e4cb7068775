"""Pages of the bank workbench: queues, repayment schedule, repayments by hand and by Excel import. Reads through
the selectors (``for_user``), writes through the services, whose refusals come back onto the page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from fanxiang.core.errors import DomainError
from fanxiang.core.excel import xlsx_response
from fanxiang.core.scope import ADD, resolve
from fanxiang.core.views import apply_domain_error, refuse_http
from fanxiang.loans import repayment as repayment_svc
from fanxiang.loans.choices import (
    RepaymentMethod,
    SubsidyMode,
    SubsidyPayment,
)
from fanxiang.loans.models import Repayment
from fanxiang.loans.pages import (
    BANK_ROLES,
    RoleRequiredMixin,
    _flash,
    _page,
    _query_without_page,
    submit_form,
)
from fanxiang.loans.repayment import imports as repayment_import
from fanxiang.loans.repayment import selectors as sel
from fanxiang.loans.repayment.forms import (
    PrepaymentForm,
    RepaymentForm,
    RepaymentImportForm,
    ReverseForm,
    SettlementForm,
)

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


class SchedulePostView(LoanScheduleView):
    """An action posted from the schedule page; a GET goes back to the page."""

    def get(self, request, pk: int):
        return HttpResponseRedirect(reverse("loans:schedule", args=[pk]))


class RepaymentCreateView(SchedulePostView):
    def post(self, request, pk: int):
        loan = self.get_loan(pk)
        form = RepaymentForm(request.POST)
        repayment = submit_form(
            form,
            lambda data: repayment_svc.repayment_record(
                actor=request.user,
                loan=loan,
                date=data["date"],
                amount=data["amount"],
                reference=data["reference"],
                note=data["note"],
            ),
        )
        if repayment is not None:
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


class SettlementView(RecordRightMixin, SchedulePostView):
    def post(self, request, pk: int):
        loan = self.get_loan(pk)
        self.ensure_may_record(request, loan)
        form = SettlementForm(request.POST)
        repayment = submit_form(
            form,
            lambda data: repayment_svc.repayment_settle_early(
                actor=request.user,
                loan=loan,
                date=data["date"],
                amount=data["amount"] or None,
                reference=data["reference"],
                note=data["note"],
            ),
        )
        if repayment is not None:
            messages.success(request, f"已提前结清，还款 {repayment.amount:,.2f} 元，贷款已结清。")
            return HttpResponseRedirect(reverse("loans:schedule", args=[pk]))
        loan.refresh_from_db()
        day = form.cleaned_data.get("date") if hasattr(form, "cleaned_data") else None
        quote, error = _quote(loan, day) if day else (None, "")
        return self.render_page(
            request, loan, RepaymentForm(), status=422, settle_form=form, quote=quote, quote_error=error
        )


class PrepaymentView(RecordRightMixin, SchedulePostView):
    def post(self, request, pk: int):
        loan = self.get_loan(pk)
        self.ensure_may_record(request, loan)
        form = PrepaymentForm(request.POST)
        repayment = submit_form(
            form,
            lambda data: repayment_svc.repayment_prepay(
                actor=request.user,
                loan=loan,
                date=data["date"],
                principal=data["principal"],
                amount=data["amount"] or None,
                reference=data["reference"],
                note=data["note"],
            ),
        )
        if repayment is not None:
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


class ScheduleGenerateView(SchedulePostView):
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
