"""Staff pages of the portal's work: the county officer's review of self-registrations and edit requests, and
the service clerk's assisted sessions (全程帮办: start, consent, end). Staff layout (base.html), staff login."""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fanxiang.core.errors import DomainError, NotFound
from fanxiang.core.views import Column, ScopedListView, apply_domain_error
from fanxiang.entrepreneurs.choices import BusinessKind, Category, Education, Industry
from fanxiang.portal import forms, selectors, services
from fanxiang.portal.models import AssistStatus, EditRequest, Registration, RequestStatus
from fanxiang.portal.workflows import EDIT_REQUESTS, REGISTRATION_ACTIONS, REGISTRATIONS

LABELS = {
    "category": ("人员类别", dict(Category.choices)),
    "education": ("文化程度", dict(Education.choices)),
    "kind": ("主体类型", dict(BusinessKind.choices)),
    "industry": ("行业", dict(Industry.choices)),
}
FIELD_LABELS = {
    "region": "现居住地/经营地", "hukou_region": "户籍地", "return_date": "返乡/入乡时间", "started_on": "创业/开业时间",
    "worked_province": "原务工省份", "worked_city": "原务工城市", "worked_months": "外出务工时长（月）",
    "education": "文化程度", "skills": "技能特长", "priority_groups": "重点群体（自报）", "category": "人员类别",
    "name": "名称", "kind": "主体类型", "credit_code": "统一社会信用代码", "industry": "行业", "address": "详细地址",
    "employees": "从业人数", "registered_on": "登记日期", "jobs_created": "带动就业人数",
    "poor_workers_employed": "吸纳贫困劳动力",
}  # fmt: skip


def _display(key: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if key in LABELS:
        return str(LABELS[key][1].get(value, value))
    if key in ("region", "hukou_region"):
        return selectors.region_label(value)
    if key == "priority_groups":
        names = selectors.priority_group_names()
        return "、".join(names.get(v, v) for v in value)
    return str(value)


def _pairs(data: dict) -> list[tuple[str, str]]:
    return [(FIELD_LABELS.get(k, k), _display(k, v)) for k, v in data.items()]


class StatusFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=RequestStatus.choices)
    q = django_filters.CharFilter(label="姓名", field_name="name", lookup_expr="icontains")

    class Meta:
        model = Registration
        fields = ["status"]


class EditStatusFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=RequestStatus.choices)
    q = django_filters.CharFilter(label="姓名", field_name="entrepreneur__name", lookup_expr="icontains")

    class Meta:
        model = EditRequest
        fields = ["status"]


class RegistrationListView(ScopedListView):
    model = Registration
    title = "门户自助登记审核"
    filterset_class = StatusFilter
    detail_url_name = "portal:review_registration"
    columns = [
        Column("姓名", "name"),
        Column("身份证号码", "id_number_masked"),
        Column("现居住地", "region.name"),
        Column("提交时间", lambda r: timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M")),
        Column("状态", "status"),
    ]

    def scoped_queryset(self, action=None):
        return selectors.registrations_for_user(self.request.user, action or self.action)


class EditRequestListView(ScopedListView):
    model = EditRequest
    title = "门户信息变更审核"
    filterset_class = EditStatusFilter
    detail_url_name = "portal:review_edit"
    columns = [
        Column("申请人", "entrepreneur.name"),
        Column("变更类别", "kind"),
        Column("经营主体", lambda e: e.business.name if e.business else ""),
        Column(
            "申请变更",
            lambda e: "；".join(f"{FIELD_LABELS.get(k, k)}：{_display(k, v)}" for k, v in e.changes.items())[
                :120
            ],
        ),
        Column("提交时间", lambda e: timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M")),
        Column("状态", "status"),
    ]

    def scoped_queryset(self, action=None):
        return selectors.edit_requests_for_user(self.request.user, action or self.action)


def _refuse_to_http(exc: DomainError) -> None:
    if exc.status == 404:
        raise Http404(exc.message)
    if exc.status == 403:
        raise PermissionDenied(exc.message)


@login_required
def registration_detail(request, pk: int):
    reg = selectors.registrations_for_user(request.user).filter(pk=pk).first()
    if reg is None:
        raise Http404
    actions = REGISTRATIONS.allowed_actions(reg, request.user)
    reason_form = forms.ReasonForm(request.POST or None)
    status = 200
    action = REGISTRATION_ACTIONS.get(request.POST.get("action", ""))
    if request.method == "POST" and actions:
        try:
            if action == "confirmed":
                services.registration_confirm(
                    actor=request.user, registration=reg, with_business=not request.POST.get("skip_business")
                )
                messages.success(request, f"已确认登记并完成账号实名绑定：{reg.name}。")
                return redirect("portal:review_registrations")
            if action == "merged":
                target = selectors.merge_target(request.user, request.POST.get("entrepreneur"))
                if target is None:
                    raise NotFound("not_found", "请选择要合并的已有登记记录（须在您的管辖范围内）。")
                services.registration_merge(actor=request.user, registration=reg, entrepreneur=target)
                messages.success(request, f"已合并到已有记录并完成账号绑定：{target.name}。")
                return redirect("portal:review_registrations")
            if action == "rejected" and reason_form.is_valid():
                services.registration_reject(
                    actor=request.user, registration=reg, reason=reason_form.cleaned_data["reason"]
                )
                messages.success(request, "已驳回，原因已通知申请人。")
                return redirect("portal:review_registrations")
        except DomainError as exc:
            apply_domain_error(reason_form, exc)
        status = 422
    return render(
        request,
        "portal/review_registration.html",
        {
            "title": f"自助登记：{reg.name}",
            "reg": reg,
            "person_pairs": _pairs(reg.person),
            "business_pairs": _pairs(reg.business) if reg.business else [],
            "actions": actions,
            "candidates": list(services.merge_candidates(request.user, reg)) if "merged" in actions else [],
            "same_id_elsewhere": bool(actions) and selectors.id_number_held_elsewhere(request.user, reg),
            "reason_form": reason_form,
        },
        status=status,
    )


@login_required
def edit_detail(request, pk: int):
    edit = selectors.edit_requests_for_user(request.user).filter(pk=pk).first()
    if edit is None:
        raise Http404
    actions = EDIT_REQUESTS.allowed_actions(edit, request.user)
    reason_form = forms.ReasonForm(request.POST or None)
    status = 200
    action = request.POST.get("action")
    if request.method == "POST" and actions:
        try:
            if action == "approve":
                services.edit_request_approve(actor=request.user, edit=edit)
                messages.success(request, "已同意，变更已写入登记库。")
                return redirect("portal:review_edits")
            if action == "reject" and reason_form.is_valid():
                services.edit_request_reject(
                    actor=request.user, edit=edit, reason=reason_form.cleaned_data["reason"]
                )
                messages.success(request, "已不同意，原因已通知申请人。")
                return redirect("portal:review_edits")
        except DomainError as exc:
            apply_domain_error(reason_form, exc)
        status = 422
    rows = [
        (FIELD_LABELS.get(k, k), _display(k, edit.previous.get(k)), _display(k, v))
        for k, v in edit.changes.items()
    ]
    return render(
        request,
        "portal/review_edit.html",
        {
            "title": f"信息变更：{edit.entrepreneur.name}",
            "edit": edit,
            "rows": rows,
            "actions": actions,
            "reason_form": reason_form,
        },
        status=status,
    )


# --------------------------------------------------------------------------- assisted sessions (clerk)


def _require_clerk(user) -> None:
    if not user.has_role("service_clerk"):
        raise PermissionDenied


@login_required
def assist_start(request):
    _require_clerk(request.user)
    form = forms.AssistStartForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            session = services.assist_start(
                actor=request.user,
                id_number=form.cleaned_data["id_number"],
                purpose=form.cleaned_data["purpose"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
            status = 422
        else:
            return redirect("portal:assist_consent", sid=session.pk)
    sessions = list(selectors.assist_sessions_of(request.user)[:20])
    return render(
        request,
        "portal/assist_start.html",
        {"title": "全程帮办", "form": form, "sessions": sessions},
        status=status,
    )


@login_required
def assist_consent(request, sid: int):
    _require_clerk(request.user)
    try:
        session = selectors.assist_session(request.user, sid)
    except NotFound:
        raise Http404 from None
    if session.status == AssistStatus.ACTIVE:
        return redirect("portal:assist_home", sid=session.pk)
    code_form = forms.ConsentCodeForm(request.POST if request.POST.get("action") == "confirm" else None)
    file_form = forms.ConsentFileForm(
        request.POST if request.POST.get("action") == "upload" else None,
        request.FILES if request.POST.get("action") == "upload" else None,
    )
    status = 200
    if request.method == "POST" and session.status == AssistStatus.AWAITING_CONSENT:
        action = request.POST.get("action")
        try:
            if action == "send":
                try:
                    sent = services.assist_send_consent_code(actor=request.user, session=session)
                except DomainError as exc:
                    messages.error(request, f"{exc.message}（{exc.code}）")
                else:
                    messages.info(request, f"授权码已发送至本人手机 {sent.mobile_masked}，请本人告知授权码。")
                return redirect("portal:assist_consent", sid=session.pk)
            if action == "confirm" and code_form.is_valid():
                services.assist_confirm_code(
                    actor=request.user, session=session, code=code_form.cleaned_data["code"]
                )
                messages.success(request, "已取得本人授权（短信验证码），开始帮办。")
                return redirect("portal:assist_home", sid=session.pk)
            if action == "upload" and file_form.is_valid():
                services.assist_confirm_signed_form(
                    actor=request.user, session=session, upload=file_form.cleaned_data["file"]
                )
                messages.success(request, "已上传本人签字的授权书，开始帮办。")
                return redirect("portal:assist_home", sid=session.pk)
        except DomainError as exc:
            form = code_form if action == "confirm" else file_form
            if not hasattr(form, "cleaned_data"):
                form.cleaned_data = {}
            apply_domain_error(form, exc)
        status = 422
    session.refresh_from_db()
    return render(
        request,
        "portal/assist_consent.html",
        {"title": "帮办授权", "session": session, "code_form": code_form, "file_form": file_form},
        status=status,
    )


@login_required
def assist_home(request, sid: int):
    _require_clerk(request.user)
    try:
        session = selectors.assist_session(request.user, sid)
    except NotFound:
        raise Http404 from None
    if session.status != AssistStatus.ACTIVE:
        return (
            redirect("portal:assist_consent", sid=session.pk)
            if session.status == AssistStatus.AWAITING_CONSENT
            else redirect("portal:assist_start")
        )
    return redirect(f"/portal/assist/{session.pk}/loans/")


@login_required
@require_POST
def assist_end(request, sid: int):
    _require_clerk(request.user)
    try:
        session = selectors.assist_session(request.user, sid)
        services.assist_end(actor=request.user, session=session)
    except NotFound:
        raise Http404 from None
    messages.success(request, "本次帮办已结束。")
    return redirect("portal:assist_start")
