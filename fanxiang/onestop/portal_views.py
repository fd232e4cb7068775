"""The entrepreneur's service-request pages on the portal (phone first): 我的服务工单, 网上办 (start a request
of a type that may be done online at a centre of the person's county), the request with each step, its
deadline and who holds it now, the missing materials of a supplement request, uploading materials from the
phone (photo or PDF), resubmitting, withdrawing and rating once after completion.

The pages are the portal's (:func:`fanxiang.portal.views.portal_page`: the signed-in portal account and its
bound registry person); only the person's own requests are found (another one is 404), as in
:mod:`fanxiang.onestop.portal_api`. Every write goes through a service; a refusal shows its message, its code
in ``data-code``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from fanxiang.accounts.roles import role_label
from fanxiang.core.errors import DomainError
from fanxiang.core.views import apply_domain_error
from fanxiang.onestop import attachments, selectors, services
from fanxiang.onestop.choices import (
    OPEN_STATUSES,
    CentreStatus,
    Mode,
    RatingSource,
    RequestStatus,
)
from fanxiang.onestop.models import Centre, ServiceRequest
from fanxiang.onestop.rating_link import LEVELS
from fanxiang.onestop.workflows import REQUESTS
from fanxiang.portal.views import Ctx, _need_person, _page, portal_page

S = RequestStatus
BASE = "/portal/service-requests/"


class StartForm(forms.Form):
    centre = forms.TypedChoiceField(label="服务中心", coerce=int, choices=())
    service_type = forms.ChoiceField(label="服务事项", choices=())
    description = forms.CharField(
        label="诉求描述", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, centres, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].choices = [("", "请选择")] + [(c.pk, c.name) for c in centres]
        self.fields["service_type"].choices = [("", "请选择")] + [
            (t.code, f"{t.name}（{t.time_limit_days}个工作日内办结）" if t.time_limit_days else t.name)
            for t in types
        ]
        if len(centres) == 1:
            self.initial.setdefault("centre", centres[0].pk)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="材料（拍照或选择 PDF/JPG/PNG，不超过10MB）",
        widget=forms.ClearableFileInput(attrs={"accept": attachments.ACCEPT}),
    )


def _own(ctx: Ctx, pk: int) -> ServiceRequest:
    """The person's own request, or 404 (never whether another person's exists)."""
    found = (
        ServiceRequest.objects.filter(pk=pk, entrepreneur_id=ctx.person_id)
        .exclude(status=S.DRAFT)
        .select_related("service_type", "centre", "centre__region", "origin_centre", "transferred_to_unit")
        .first()
    )
    if found is None:
        raise Http404
    return found


def _county_centres(ctx: Ctx) -> list[Centre]:
    county = ctx.person.region.county if ctx.person.region_id else None
    if county is None:
        return []
    return list(
        Centre.objects.filter(region=county, status=CentreStatus.ACTIVE)
        .prefetch_related("services")
        .order_by("name", "pk")
    )


def _online_types(centres: list[Centre]) -> list:
    offered = {s.pk for c in centres for s in c.services.all()}
    return [t for t in selectors.service_types() if t.pk in offered and Mode.ONLINE in (t.modes or [])]


def _holder(req: ServiceRequest) -> str:
    if req.status == S.SUPPLEMENT_REQUESTED:
        return "待您补正材料"
    if req.status not in OPEN_STATUSES:
        return ""
    if req.transferred_to_unit_id:
        return f"{req.centre.name}（已转{req.transferred_to_unit.name}办理）"
    return req.centre.name


def _steps(req: ServiceRequest, state: dict) -> list[dict]:
    """Each step taken (time, who in which role, note and details), then the step open now with its holder
    and deadline."""
    rows = []
    for e in req.events.all():
        data = e.data or {}
        details = []
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
                "state": "done",
                "label": REQUESTS.action_labels.get(e.action, "办理"),
                "status": REQUESTS.status_label(e.to_status),
                "at": e.at,
                "role": "本人"
                if e.actor_role == "applicant"
                else role_label(e.actor_role)
                if e.actor_role
                else "",
                "note": e.note,
                "details": details,
            }
        )
    if req.status in OPEN_STATUSES:
        rows.append(
            {
                "state": "current",
                "label": REQUESTS.status_label(req.status),
                "holder": _holder(req),
                "due": state["due_date"],
                "left": state["working_days_left"],
                "paused": state["paused"],
                "overdue": state["overdue"],
                "due_soon": state["due_soon"],
            }
        )
    return rows


def _detail(request, ctx: Ctx, req: ServiceRequest, *, upload_form=None, rate_error=None, status=200):
    today = timezone.localdate()
    state = selectors.deadline_state(req, today)
    rating, rect = selectors.feedback_of(req)
    return _page(
        request,
        "onestop/portal_request_detail.html",
        ctx,
        {
            "req": req,
            "status_label": REQUESTS.status_label(req.status),
            "state": state,
            "steps": _steps(req, state),
            "holder": _holder(req),
            "files": list(attachments.attachments_of(req)),
            "can_upload": req.status in OPEN_STATUSES,
            "upload_form": upload_form or UploadForm(),
            "can_resubmit": req.status == S.SUPPLEMENT_REQUESTED,
            "can_withdraw": req.status in OPEN_STATUSES,
            "can_rate": req.status == S.COMPLETED and rating is None,
            "rating": rating,
            "rect": rect,
            "levels": LEVELS,
            "rate_error": rate_error,
            "chosen": _int(request.POST.get("level")) if rate_error else None,
            "comment": request.POST.get("comment", "") if rate_error else "",
        },
        status,
    )


def _int(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() else None


def _refused(request, exc: DomainError) -> None:
    messages.error(request, f"{exc.message}（{exc.code}）")


# --------------------------------------------------------------------------- pages


@portal_page
def request_list(request, ctx: Ctx):
    if (r := _need_person(request, ctx)) is not None:
        return r
    today = timezone.localdate()
    rows = []
    for req in (
        ServiceRequest.objects.filter(entrepreneur_id=ctx.person_id)
        .exclude(status=S.DRAFT)
        .select_related("service_type", "centre")
        .order_by("-created_at", "-id")[:100]
    ):
        rows.append(
            {"req": req, "label": REQUESTS.status_label(req.status), **selectors.row_deadline(req, today)}
        )
    return _page(request, "onestop/portal_request_list.html", ctx, {"rows": rows})


@portal_page
def request_new(request, ctx: Ctx):
    if (r := _need_person(request, ctx)) is not None:
        return r
    centres = _county_centres(ctx)
    types = _online_types(centres)
    form = StartForm(request.POST or None, centres=centres, types=types)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.service_request_create(
                actor=ctx.actor,
                channel=Mode.ONLINE,
                centre=form.cleaned_data["centre"],
                service_type=form.cleaned_data["service_type"],
                description=form.cleaned_data.get("description", ""),
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "工单已提交，服务中心受理后将按时限办理。如需材料，请在工单页上传。")
            return redirect(f"{BASE}{req.pk}/")
    return _page(
        request,
        "onestop/portal_request_form.html",
        ctx,
        {"form": form, "centres": centres, "types": types},
        422 if request.method == "POST" else 200,
    )


@portal_page
def request_detail(request, ctx: Ctx, pk: int):
    return _detail(request, ctx, _own(ctx, pk))


@portal_page
@require_POST
def request_upload(request, ctx: Ctx, pk: int):
    req = _own(ctx, pk)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachments.attachment_add(actor=ctx.actor, service_request=req, upload=form.cleaned_data["file"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "材料已上传。")
            return redirect(f"{BASE}{req.pk}/")
    return _detail(request, ctx, _own(ctx, pk), upload_form=form, status=422)


@portal_page
def request_attachment(request, ctx: Ctx, pk: int, aid: int):
    doc = attachments.attachments_of(_own(ctx, pk)).filter(pk=aid).first()
    if doc is None:
        raise Http404
    return FileResponse(doc.file.open("rb"), as_attachment=not doc.is_image, filename=doc.original_name)


@portal_page
@require_POST
def request_attachment_delete(request, ctx: Ctx, pk: int, aid: int):
    req = _own(ctx, pk)
    try:
        attachments.attachment_remove(actor=ctx.actor, service_request=req, attachment_id=aid)
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "材料已删除。")
    return redirect(f"{BASE}{req.pk}/")


@portal_page
@require_POST
def request_resubmit(request, ctx: Ctx, pk: int):
    req = _own(ctx, pk)
    try:
        services.service_request_resubmit(
            actor=ctx.actor, service_request=req, note=request.POST.get("note", "")[:500]
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "已补正并重新提交，办理时限恢复计时。")
    return redirect(f"{BASE}{req.pk}/")


@portal_page
@require_POST
def request_withdraw(request, ctx: Ctx, pk: int):
    req = _own(ctx, pk)
    try:
        services.service_request_withdraw(
            actor=ctx.actor, service_request=req, note=request.POST.get("note", "")[:500]
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "工单已撤回。")
    return redirect(f"{BASE}{req.pk}/")


@portal_page
@require_POST
def request_rate(request, ctx: Ctx, pk: int):
    req = _own(ctx, pk)
    try:
        services.rating_create(
            actor=ctx.actor,
            service_request=req,
            level=_int(request.POST.get("level")),
            comment=request.POST.get("comment", ""),
            source=RatingSource.PORTAL,
        )
    except DomainError as exc:
        if exc.code == "onestop.already_rated":
            _refused(request, exc)
            return redirect(f"{BASE}{req.pk}/")
        return _detail(request, ctx, _own(ctx, pk), rate_error=exc, status=exc.status)
    messages.success(request, "感谢您的评价。")
    return redirect(f"{BASE}{req.pk}/")
