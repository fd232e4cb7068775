"""Transfer pages: the list of requests into or out of my regions with the request form, and the decision
(approve / reject) for the holding county or the city. Thin: reads through selectors, steps through the
transfer workflow's services (:data:`fanxiang.entrepreneurs.workflows.TRANSFERS`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from fanxiang.core.errors import DomainError, InvalidInput
from fanxiang.core.scope import ADD, VIEW, can, resolve
from fanxiang.core.views import paginate
from fanxiang.entrepreneurs import selectors, services
from fanxiang.entrepreneurs.choices import TransferStatus
from fanxiang.entrepreneurs.forms import TransferDecideForm, TransferRequestForm, add_service_error
from fanxiang.entrepreneurs.models import Entrepreneur, TransferRequest
from fanxiang.entrepreneurs.todos import transfers_awaiting
from fanxiang.entrepreneurs.views import flash_error
from fanxiang.entrepreneurs.workflows import TRANSFERS


class TransferListView(LoginRequiredMixin, View):
    """Transfer requests into or out of my regions; a request form (exact ID number + target region);
    approve/reject for the holding county or the city."""

    def check_permission(self):
        if resolve(self.request.user, TransferRequest, VIEW).empty:
            raise PermissionDenied

    def can_request(self) -> bool:
        return not resolve(self.request.user, Entrepreneur, ADD).empty

    def get(self, request):
        self.check_permission()
        form = TransferRequestForm(user=request.user) if self.can_request() else None
        return render(request, "entrepreneurs/transfers.html", self.context(form))

    def post(self, request):
        self.check_permission()
        if not self.can_request():
            raise PermissionDenied
        form = TransferRequestForm(request.POST, user=request.user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if d["to_region"] is None:
                    raise InvalidInput.field("to_region", "transfer.to_region_required", "请选择转入地。")
                transfer = services.transfer_request(
                    actor=request.user, id_number=d["id_number"], to_region=d["to_region"], reason=d["reason"]
                )
            except DomainError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    f"已提出转移申请：{transfer.entrepreneur.name}（{transfer.from_region.name} → "
                    f"{transfer.to_region.name}），待转出地或市级审批。",
                )
                return HttpResponseRedirect(reverse("entrepreneurs:transfers"))
        return render(request, "entrepreneurs/transfers.html", self.context(form), status=422)

    def context(self, form) -> dict:
        user = self.request.user
        status = self.request.GET.get("status", "")
        awaiting = self.request.GET.get("awaiting") == "1"  # the to-do inbox's line: mine to decide
        qs = (transfers_awaiting(user) if awaiting else selectors.transfers_for_user(user)).select_related(
            "entrepreneur__region"
        )
        if status in TransferStatus.values:
            qs = qs.filter(status=status)
        page = paginate(self.request, qs.order_by("-created_at", "-id"), 20)
        rows = []
        for t in page:
            rows.append(
                {
                    "t": t,
                    "visible": can(user, Entrepreneur, VIEW, t.entrepreneur.region.tree_path),
                    "can_decide": "approve" in TRANSFERS.allowed_actions(t, user),
                    "incoming": can(user, Entrepreneur, ADD, t.to_region.tree_path),
                }
            )
        return {
            "title": "人员转移申请",
            "form": form,
            "rows": rows,
            "page_obj": page,
            "status": status,
            "awaiting": awaiting,
            "statuses": TransferStatus.choices,
        }


class TransferDecideView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        transfer = selectors.transfers_for_user(request.user).filter(pk=pk).first()
        if transfer is None:
            raise Http404
        form = TransferDecideForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            approve = form.cleaned_data["decision"] == "approve"
            try:
                services.transfer_decide(
                    actor=request.user, transfer=transfer, approve=approve, note=form.cleaned_data["note"]
                )
            except DomainError as exc:
                flash_error(request, exc)
            else:
                messages.success(
                    request, "已同意转移，人员已转入申请地。" if approve else "已拒绝该转移申请。"
                )
        return HttpResponseRedirect(reverse("entrepreneurs:transfers"))
