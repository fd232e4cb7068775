"""Staff pages of the one-stop app: centres (list, detail, create, edit), the request queue (filters, due-soon /
overdue marks, export) and the request detail with its clock, its timeline and one form per step the user may
take; the counter's rating pad; rectifications of 差评. Reads through the selectors, steps through the
services (refusals shown on their forms, codes in ``data-code``). The window workbench is in
:mod:`fanxiang.onestop.views_workbench`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from fanxiang.accounts.roles import role_label
from fanxiang.core.errors import DomainError
from fanxiang.core.scope import ADD, CHANGE, EXPORT, can, resolve
from fanxiang.core.views import (
    Column,
    ScopedDetailView,
    ScopedExportView,
    ScopedListView,
    ServiceFormView,
    apply_domain_error,
    get_scoped_or_404,
)
from fanxiang.onestop import selectors, services
from fanxiang.onestop.choices import OPEN_STATUSES, Mode, RatingSource, RequestStatus
from fanxiang.onestop.filtersets import RequestFilter
from fanxiang.onestop.forms import STEP_FORMS, CentreForm, CompleteForm, RatingPadForm, StepForm
from fanxiang.onestop.models import Centre, Rectification, ServiceRequest
from fanxiang.onestop.outcomes import outcome_out, resolve_outcome
from fanxiang.onestop.selectors import HOLDER_ROLES
from fanxiang.onestop.workflows import RECTIFICATIONS, REQUESTS
from fanxiang.regions.models import Region, RegionLevel


def deadline_mark(req: ServiceRequest) -> str:
    state = selectors.row_deadline(req, timezone.localdate())
    if state["overdue"]:
        return "已超期"
    if state["paused"]:
        return "暂停计时（待补正）"
    if state["due_soon"]:
        return "临期"
    return ""


# --------------------------------------------------------------------------- centres


def _counties_for_centres(user) -> list[Region]:
    """The counties where the user may set up a centre (the form's dropdown; the service checks again)."""
    counties = Region.objects.filter(level=RegionLevel.COUNTY, is_active=True).order_by("code")
    return [r for r in counties if can(user, Centre, ADD, r.tree_path)]


class CentreListView(ScopedListView):
    model = Centre
    title = "返乡创业综合服务中心"
    detail_url_name = "onestop:centre_detail"
    edit_url_name = "onestop:centre_edit"
    create_url_name = "onestop:centre_create"
    columns = [
        Column("名称", "name", link=True),
        Column("所属县（市、区）", "region.name"),
        Column("状态", "status"),
        Column("服务事项", lambda c: "、".join(s.name for s in c.services.all())),
        Column("咨询电话", "phone"),
        Column("办公时间", "hours"),
    ]

    def scoped_queryset(self, action=None):
        return selectors.centres_for_user(self.request.user)


class CentreDetailView(ScopedDetailView):
    model = Centre
    template_name = "onestop/centre_detail.html"
    edit_url_name = "onestop:centre_edit"
    fields = [
        Column("所属县（市、区）", "region.name"),
        Column("地址", "address"),
        Column("办公时间", "hours"),
        Column("咨询电话", "phone"),
        Column("状态", "status"),
        Column("建成日期", "opened_on"),
    ]

    def get_queryset(self):
        return selectors.centres_for_user(self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        centre = ctx["object"]
        held = selectors.requests_for_user(self.request.user).filter(centre=centre)
        today = timezone.localdate()
        ctx.update(
            centre=centre,
            services=list(centre.services.all()),
            open_count=held.filter(status__in=OPEN_STATUSES).count(),
            overdue_count=held.filter(selectors.overdue_q(today)).count(),
            requests_url=reverse("onestop:request_list") + f"?centre={centre.pk}",
        )
        return ctx


class _CentreFormView(ServiceFormView):
    template_name = "onestop/centre_form.html"
    form_class = CentreForm
    model = Centre

    def context(self, form) -> dict:
        ctx = super().context(form)
        ctx["cancel_url"] = (
            reverse("onestop:centre_detail", args=[self.object.pk])
            if self.object
            else reverse("onestop:centre_list")
        )
        return ctx

    def success_url(self, result) -> str:
        return reverse("onestop:centre_detail", args=[result.pk])


class CentreCreateView(_CentreFormView):
    title = "新增服务中心"
    action = ADD

    def form_kwargs(self) -> dict:
        counties = _counties_for_centres(self.request.user)
        initial = {"services": [t.code for t in selectors.service_types()]}  # a centre offers all five
        if len(counties) == 1:
            initial["region"] = counties[0].code
        return {"counties": counties, "initial": initial}

    def perform(self, form):
        return services.centre_create(actor=self.request.user, data=form.cleaned_data)

    def success_message(self, result) -> str:
        return f"已新增服务中心“{result.name}”。"


class CentreUpdateView(_CentreFormView):
    action = CHANGE

    def get_object(self):
        return get_scoped_or_404(Centre, self.request.user, CHANGE, pk=self.kwargs["pk"])

    @property
    def title(self):
        return f"编辑服务中心：{self.object.name}"

    def get_form(self, data=None, files=None):
        c = self.object
        initial = {
            "name": c.name,
            "address": c.address,
            "hours": c.hours,
            "phone": c.phone,
            "staff_note": c.staff_note,
            "status": c.status,
            "opened_on": c.opened_on,
            "services": [s.code for s in c.services.all()],
        }
        return self.form_class(data, files, user=self.request.user, initial=initial, editing=True)

    def perform(self, form):
        return services.centre_update(actor=self.request.user, centre=self.object, data=form.cleaned_data)

    def success_message(self, result) -> str:
        return "已保存服务中心信息。"


# --------------------------------------------------------------------------- requests: the queue

REQUEST_COLUMNS = [
    Column("编号", "pk", link=True),
    Column("服务事项", "service_type.name"),
    Column("办理渠道", "channel"),
    Column("承办中心", "centre.name"),
    Column(
        "办理对象", lambda r: r.entrepreneur.name if r.entrepreneur_id else f"来访人 {r.visitor_id_masked}"
    ),
    Column("诉求", lambda r: r.description[:40]),
    Column("状态", "status"),
    Column("提交日期", "submitted_on"),
    Column("办结期限", "due_date"),
    Column("时限提醒", deadline_mark),
]


class RequestListView(ScopedListView):
    model = ServiceRequest
    title = "服务工单"
    template_name = "onestop/request_list.html"
    detail_url_name = "onestop:request_detail"
    export_url_name = "onestop:request_export"
    filterset_class = RequestFilter
    columns = REQUEST_COLUMNS

    def scoped_queryset(self, action=None):
        return selectors.requests_for_user(self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        can_take = not resolve(self.request.user, ServiceRequest, ADD).empty
        ctx["workbench_url"] = reverse("onestop:workbench") if can_take else None
        return ctx


class RequestExportView(ScopedExportView):
    """The queue as filtered on the page, to Excel (core's formula-safe workbook; the export is audited)."""

    model = ServiceRequest
    filterset_class = RequestFilter
    columns = REQUEST_COLUMNS
    filename = "服务工单"

    def scoped_queryset(self, action=None):
        return (
            ServiceRequest.objects.for_user(self.request.user, EXPORT)
            .select_related("service_type", "centre", "entrepreneur")
            .order_by("-created_at", "-id")
        )


# --------------------------------------------------------------------------- requests: the detail


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


def offered_steps(req: ServiceRequest, user) -> list[str]:
    """The steps the page offers a form for: the workflow's allowed steps, without those the clerk takes only
    for a window or assisted request (an online request is resubmitted or withdrawn by the applicant); none
    to a user whose centre no longer holds the request (the service would refuse it as not the holder)."""
    path = req.centre.region.tree_path
    if not any(a.role in HOLDER_ROLES and path.startswith(a.region.tree_path) for a in user.assignments()):
        return []  # after a transfer the sending centre still sees the request; the receiving one handles it
    allowed = selectors.allowed_actions(req, user)
    if req.channel == Mode.ONLINE:
        allowed = [a for a in allowed if a not in ("resubmit", "withdraw")]
    return [a for a in allowed if a in STEP_FORMS]


def show_refusal(form, exc: DomainError) -> None:
    """A service's refusal onto a step form (``apply_domain_error``), without repeating above the form the
    message already shown beside its field."""
    apply_domain_error(form, exc)
    beside = {str(m) for name, errors in form.errors.items() if name != NON_FIELD_ERRORS for m in errors}
    above = form.errors.get(NON_FIELD_ERRORS)
    if above and beside:
        kept = [e for e in above.as_data() if str(next(iter(e))) not in beside]
        if kept:
            form.errors[NON_FIELD_ERRORS] = form.error_class(kept, error_class="nonfield")
        else:
            del form.errors[NON_FIELD_ERRORS]


def may_use_rating_pad(req: ServiceRequest, user, rating) -> bool:
    return (
        rating is None
        and req.status == RequestStatus.COMPLETED
        and bool(REQUESTS.actor_roles(user, req) & {"service_clerk", "county_officer"})
    )


class RequestDetailView(LoginRequiredMixin, View):
    """The request, its clock, its timeline and one form per step the user may take now; a refused step comes
    back onto its own form (Chinese text, the code in ``data-code``), nothing changed."""

    template_name = "onestop/request_detail.html"

    def context(self, request, req: ServiceRequest, bound: StepForm | None = None) -> dict:
        rating, rect = selectors.feedback_of(req)
        state = selectors.deadline_state(req, timezone.localdate())
        steps = offered_steps(req, request.user)
        forms = []
        for action in steps:
            form = (
                bound
                if bound is not None and bound.action == action
                else STEP_FORMS[action](req=req, user=request.user)
            )
            forms.append({"action": action, "label": REQUESTS.action_labels[action], "form": form})
        return {
            "req": req,
            "title": f"服务工单 #{req.pk}",
            "status_label": REQUESTS.status_label(req.status),
            "state": state,
            "days_over": -state["working_days_left"] if (state["working_days_left"] or 0) < 0 else None,
            "timeline": _timeline(REQUESTS, req.events.all()),
            "step_forms": forms,
            "open_action": bound.action if bound is not None else "",
            "rating": rating,
            "rect": rect,
            "rect_timeline": _timeline(RECTIFICATIONS, rect.events.all()) if rect else [],
            "rating_pad": may_use_rating_pad(req, request.user, rating),
            "outcome": outcome_out(req, request.user),
        }

    def get(self, request, pk: int):
        req = get_scoped_or_404(ServiceRequest, request.user, pk=pk)
        return render(request, self.template_name, self.context(request, req))

    def post(self, request, pk: int):
        req = get_scoped_or_404(ServiceRequest, request.user, pk=pk)
        action = request.POST.get("action", "")
        form_class = STEP_FORMS.get(action)
        if form_class is None:
            messages.error(request, "未知的操作，请刷新页面后重试。")
            return HttpResponseRedirect(reverse("onestop:request_detail", args=[pk]))
        form = form_class(request.POST, req=req, user=request.user)
        status = 422
        if form.is_valid():
            try:
                kwargs = form.kwargs()
                if isinstance(form, CompleteForm):
                    ref = form.outcome_ref()
                    kwargs["outcome"] = resolve_outcome(actor=request.user, ref=ref, service_request=req)
                services.ACTIONS[action](actor=request.user, service_request=req, **kwargs)
            except DomainError as exc:
                if exc.status == 404:
                    raise Http404(exc.message) from None
                show_refusal(form, exc)
                status = exc.status
                req.refresh_from_db()
            else:
                done = "已受理并当场办结（马上办）" if req.status == RequestStatus.COMPLETED else None
                messages.success(request, f"{done or '已' + REQUESTS.action_labels[action]}。")
                return HttpResponseRedirect(reverse("onestop:request_detail", args=[pk]))
        return render(request, self.template_name, self.context(request, req, bound=form), status=status)


class RatingPadView(LoginRequiredMixin, View):
    """The counter's rating pad (窗口评价器): the clerk turns the screen to the applicant, who taps 1–5 and may
    add a comment; recorded once (source ``pad``), never changed."""

    template_name = "onestop/request_rating_pad.html"

    def _req(self, request, pk):
        req = get_scoped_or_404(ServiceRequest, request.user, pk=pk)
        rating, _rect = selectors.feedback_of(req)
        return req, rating

    def get(self, request, pk: int):
        req, rating = self._req(request, pk)
        return render(request, self.template_name, {"req": req, "rating": rating, "form": RatingPadForm()})

    def post(self, request, pk: int):
        req, rating = self._req(request, pk)
        form = RatingPadForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                rating = services.rating_create(
                    actor=request.user,
                    service_request=req,
                    level=form.cleaned_data["level"],
                    comment=form.cleaned_data["comment"],
                    source=RatingSource.PAD,
                )
            except DomainError as exc:
                if exc.status == 404:
                    raise Http404(exc.message) from None
                show_refusal(form, exc)
                status = exc.status
            else:
                return render(request, self.template_name, {"req": req, "rating": rating, "thanks": True})
        ctx = {"req": req, "rating": None, "form": form}
        return render(request, self.template_name, ctx, status=status)


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
