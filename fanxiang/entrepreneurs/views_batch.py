"""Batch actions of the entrepreneur list (the ticked rows of the page, ``ids``): export the selection to
Excel through the registry's own export (masked, logged), and ask for the transfer of each selected person
through the transfer workflow's service — all or nothing, with the reason of every refused row — and assign
one 对接服务人员 to all of them (``contacts.contact_assign``, all or nothing).

A selection with an id that is unknown or outside the caller's scope is refused as a whole
(``batch.selection_invalid``), without saying which record or whose it is."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from fanxiang.core.errors import DomainError, InvalidInput
from fanxiang.core.excel import xlsx_response
from fanxiang.core.scope import ADD, CHANGE, EXPORT, VIEW, resolve
from fanxiang.core.views import selected_ids, selected_in_scope, selection_refused
from fanxiang.entrepreneurs import exports, selectors, services
from fanxiang.entrepreneurs.contacts import contact_assign
from fanxiang.entrepreneurs.forms import TransferRequestForm
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.entrepreneurs.views_contacts import batch_contact

TRANSFER_PREFIX = "transfer"
BATCH_REFUSED = "batch.rows_refused"


def transfer_form(user, data=None) -> TransferRequestForm:
    """The target region and reason of a batch transfer request (the transfer page's own form)."""
    return TransferRequestForm(data, user=user, prefix=TRANSFER_PREFIX)


def batch_actions_for(user) -> list[tuple[str, str]]:
    actions = []
    if not resolve(user, Entrepreneur, EXPORT).empty:
        actions.append(("export", "导出所选"))
    if not resolve(user, Entrepreneur, ADD).empty:
        actions.append(("transfer", "批量申请转入"))
    if not resolve(user, Entrepreneur, CHANGE).empty:
        actions.append(("assign", "批量指派对接人"))
    return actions


class _Refused(Exception):
    pass


def _back_to_list(request) -> str:
    """The list page the batch form was posted from (``next``, same site only), else the list."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return back
    return reverse("entrepreneurs:list")


class EntrepreneurBatchView(LoginRequiredMixin, View):
    def post(self, request):
        action = request.POST.get("action", "")
        if action not in dict(batch_actions_for(request.user)):
            if action in ("export", "transfer", "assign"):
                raise PermissionDenied
            return selection_refused(request, InvalidInput("batch.action_unknown", "不支持的批量操作。"))
        try:
            ids = selected_ids(request.POST)
            if action == "export":
                return self.export(request, ids)
            if action == "assign":
                return self.assign(request, ids)
            return self.transfer(request, ids)
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message) from exc
            return selection_refused(request, exc)

    def export(self, request, ids: list[int]):
        scoped = selectors.entrepreneurs_for_user(request.user, EXPORT)
        people = selected_in_scope(scoped, ids)
        content = exports.export_entrepreneurs(
            user=request.user,
            queryset=scoped.filter(pk__in=[p.pk for p in people]),
            reveal=False,
            request=request,
            filters={"ids": ids, "via": "web-selection"},
        )
        return xlsx_response(exports.export_filename(), content)

    def assign(self, request, ids: list[int]):
        """One 对接服务人员 for the ticked people (contacts.contact_assign: all or nothing)."""
        contact = batch_contact(request.user, request.POST)
        count = contact_assign(actor=request.user, entrepreneurs=ids, contact=contact)
        if contact is None:
            messages.success(request, f"已取消{count}人的对接服务人员。")
        else:
            messages.success(request, f"已为{count}人指派对接服务人员。")
        return HttpResponseRedirect(_back_to_list(request))

    def transfer(self, request, ids: list[int]):
        people = selected_in_scope(selectors.entrepreneurs_for_user(request.user, VIEW), ids)
        form = transfer_form(request.user, request.POST)
        if not form.is_valid() or form.cleaned_data["to_region"] is None:
            raise InvalidInput.field("to_region", "transfer.to_region_required", "请选择转入地。")
        to_region, reason = form.cleaned_data["to_region"], form.cleaned_data["reason"]
        row_errors: list[dict] = []
        created = []
        try:
            with transaction.atomic():
                for person in people:
                    try:
                        with transaction.atomic():
                            created.append(
                                services.transfer_request(
                                    actor=request.user,
                                    id_number=person.id_number,
                                    to_region=to_region,
                                    reason=reason,
                                )
                            )
                    except DomainError as exc:
                        row_errors.append({"label": person.name, "code": exc.code, "message": exc.message})
                if row_errors:
                    raise _Refused
        except _Refused:
            refusal = InvalidInput(
                BATCH_REFUSED,
                f"所选{len(people)}人中有{len(row_errors)}人不能申请转移，全部未提交，请按下列原因调整后重试。",
            )
            return selection_refused(request, refusal, row_errors)
        messages.success(request, f"已为{len(created)}人提出转入{to_region.name}的申请，待转出地或市级审批。")
        return HttpResponseRedirect(reverse("entrepreneurs:transfers"))
