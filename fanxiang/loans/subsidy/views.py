"""Pages of the quarterly subsidy claim batches."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from fanxiang.core import audit
from fanxiang.core.errors import DomainError
from fanxiang.core.excel import xlsx_response
from fanxiang.core.scope import ADD, VIEW, resolve
from fanxiang.core.views import apply_domain_error, refuse_http
from fanxiang.loans.choices import (
    BatchStatus,
    SubsidyPayee,
)
from fanxiang.loans.models import SubsidyBatch
from fanxiang.loans.pages import LINES_PAGE_SIZE, _flash, _page, _query_without_page, submit_form
from fanxiang.loans.subsidy import selectors as sel
from fanxiang.loans.subsidy import services as subsidy
from fanxiang.loans.subsidy.forms import BatchCreateForm, BatchReturnForm
from fanxiang.loans.subsidy.workflow import BATCHES

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
        batch = submit_form(
            form,
            lambda data: subsidy.batch_create(
                actor=request.user,
                bank=data["bank"],
                year=data["year"],
                quarter=data["quarter"],
                region=data["region"],
            ),
        )
        if batch is not None:
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
    """The object's last 20 change-log entries, their actors' roles read once for all of them."""
    from fanxiang.core.history import history_of

    return list(history_of(obj))


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
