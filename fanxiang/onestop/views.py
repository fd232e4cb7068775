"""Staff pages of the one-stop app: centres, the request queue (with due-soon / overdue marks) and the request
detail with its timeline and the steps the user may take; rectifications of 差评. Reads through the
selectors, steps through the services (refusals shown with their codes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from fanxiang.accounts.roles import role_label
from fanxiang.core.errors import DomainError
from fanxiang.core.views import Column, ScopedDetailView, ScopedListView, get_scoped_or_404
from fanxiang.onestop import selectors, services
from fanxiang.onestop.filtersets import RequestFilter
from fanxiang.onestop.models import Centre, Rectification, ServiceRequest
from fanxiang.onestop.workflows import RECTIFICATIONS, REQUESTS


def deadline_mark(req: ServiceRequest) -> str:
    state = selectors.row_deadline(req, timezone.localdate())
    if state["overdue"]:
        return "已超期"
    if state["paused"]:
        return "暂停计时（待补正）"
    if state["due_soon"]:
        return "临期"
    return ""


class CentreListView(ScopedListView):
    model = Centre
    title = "返乡创业综合服务中心"
    detail_url_name = "onestop:centre_detail"
    columns = [
        Column("名称", "name", link=True),
        Column("所属县（市、区）", "region.name"),
        Column("状态", "status"),
        Column("咨询电话", "phone"),
        Column("办公时间", "hours"),
    ]

    def scoped_queryset(self, action=None):
        return selectors.centres_for_user(self.request.user)


class CentreDetailView(ScopedDetailView):
    model = Centre
    fields = [
        Column("所属县（市、区）", "region.name"),
        Column("地址", "address"),
        Column("办公时间", "hours"),
        Column("咨询电话", "phone"),
        Column("人员配备", "staff_note"),
        Column("服务事项", lambda c: "、".join(s.name for s in c.services.all())),
        Column("状态", "status"),
        Column("建成日期", "opened_on"),
    ]


class RequestListView(ScopedListView):
    model = ServiceRequest
    title = "服务工单"
    template_name = "onestop/request_list.html"
    detail_url_name = "onestop:request_detail"
    filterset_class = RequestFilter
    columns = [
        Column("编号", "pk", link=True),
        Column("服务事项", "service_type.name"),
        Column("办理渠道", "channel"),
        Column("承办中心", "centre.name"),
        Column("诉求", lambda r: r.description[:40]),
        Column("状态", "status"),
        Column("办结期限", "due_date"),
        Column("时限提醒", deadline_mark),
    ]

    def scoped_queryset(self, action=None):
        return selectors.requests_for_user(self.request.user)


def _timeline(workflow, events) -> list[dict]:
    rows = []
    for e in events:
        details = []
        data = e.data or {}
        if data.get("missing"):
            details.append("补正事项：" + "、".join(data["missing"]))
        if data.get("result"):
            details.append("办理结果：" + str(data["result"]))
        if data.get("to_centre"):
            details.append("转至：" + str(data["to_centre"].get("name", "")))
        if data.get("to_unit"):
            details.append("转至单位：" + str(data["to_unit"].get("name", "")))
        if data.get("on_the_spot"):
            details.append("马上办：当场办结")
        rows.append(
            {
                "action": e.action,
                "at": e.at,
                "actor": e.actor_name,
                "role": role_label(e.actor_role) if e.actor_role else "",
                "label": workflow.action_labels.get(e.action, e.action),
                "changed": e.from_status != e.to_status,
                "from_status": workflow.status_label(e.from_status) if e.from_status else "",
                "to_status": workflow.status_label(e.to_status),
                "note": e.note,
                "details": details,
            }
        )
    return rows


class RequestDetailView(LoginRequiredMixin, View):
    """The request, its clock, its timeline and a form per step the user may take now."""

    template_name = "onestop/request_detail.html"

    def context(self, request, pk: int) -> dict:
        req = get_scoped_or_404(ServiceRequest, request.user, pk=pk)
        rating, rect = selectors.feedback_of(req)
        allowed = selectors.allowed_actions(req, request.user)
        return {
            "req": req,
            "status_label": REQUESTS.status_label(req.status),
            "state": selectors.deadline_state(req, timezone.localdate()),
            "timeline": _timeline(REQUESTS, req.events.all()),
            "actions": [(a, REQUESTS.action_labels[a]) for a in allowed],
            "can_accept": "accept" in allowed,
            "rating": rating,
            "rect": rect,
            "rect_timeline": _timeline(RECTIFICATIONS, rect.events.all()) if rect else [],
            "rect_actions": RECTIFICATIONS.allowed_actions(rect, request.user) if rect else [],
        }

    def get(self, request, pk: int):
        return render(request, self.template_name, self.context(request, pk))

    def post(self, request, pk: int):
        req = get_scoped_or_404(ServiceRequest, request.user, pk=pk)
        action = request.POST.get("action", "")
        text = request.POST.get("text", "")
        try:
            if action in ("reject", "transfer"):
                kwargs = {"reason": text}
                if action == "transfer":
                    kwargs["to_unit"] = int(request.POST["to_unit"]) if request.POST.get("to_unit") else None
                    kwargs["to_centre"] = (
                        int(request.POST["to_centre"]) if request.POST.get("to_centre") else None
                    )
            elif action == "complete":
                kwargs = {"result": text}
            elif action == "request_supplement":
                kwargs = {"missing": [line for line in text.splitlines() if line.strip()]}
            elif action == "accept" and request.POST.get("complete_now"):
                kwargs = {"complete_now": True, "result": text}
            elif action in services.ACTIONS:
                kwargs = {"note": text}
            else:
                kwargs = None
            if kwargs is None:
                messages.error(request, "未知的操作。")
            else:
                services.ACTIONS[action](actor=request.user, service_request=req, **kwargs)
                messages.success(request, f"已{REQUESTS.action_labels[action]}。")
                return HttpResponseRedirect(reverse("onestop:request_detail", args=[pk]))
        except (ValueError, KeyError):
            messages.error(request, "提交的内容有误。")
        except DomainError as exc:
            ctx = self.context(request, pk)
            ctx["error"] = exc
            return render(request, self.template_name, ctx, status=exc.status)
        return HttpResponseRedirect(reverse("onestop:request_detail", args=[pk]))


class RectificationListView(ScopedListView):
    model = Rectification
    title = "差评整改"
    columns = [
        Column("工单", lambda r: f"#{r.request_id} {r.request.service_type.name}"),
        Column("承办中心", "request.centre.name"),
        Column("差评等级", "rating.level"),
        Column("评价内容", "rating.comment"),
        Column("状态", "status"),
        Column("整改期限", "due_date"),
        Column("回访记录", "callback_note"),
    ]

    def scoped_queryset(self, action=None):
        return selectors.rectifications_for_user(self.request.user).select_related(
            "request__service_type", "request__centre"
        )
