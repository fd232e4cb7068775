"""Notification pages: a staff user's inbox, the city admin's template editor and delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fanxiang.core.errors import DomainError
from fanxiang.core.views import apply_domain_error, paginate
from fanxiang.notifications import selectors, services
from fanxiang.notifications.events import EVENTS
from fanxiang.notifications.forms import TemplateForm
from fanxiang.notifications.models import DeliveryStatus


def _require_admin(user) -> None:
    if not selectors.is_city_admin(user):
        raise PermissionDenied


@login_required
def inbox(request):
    qs = selectors.inbox_for_user(request.user)
    if request.method == "POST":
        services.notification_mark_read(notifications=qs)
        return redirect("notifications:inbox")
    page = paginate(request, qs, 20)
    unread = qs.filter(read_at__isnull=True).count()
    return render(request, "notifications/inbox.html", {"title": "我的消息", "page": page, "unread": unread})


@login_required
def template_list(request):
    _require_admin(request.user)
    saved = {t.event: t for t in selectors.templates_for_admin(request.user)}
    rows = []
    for spec in EVENTS.values():
        tpl = saved.get(spec.code)
        rows.append(
            {
                "spec": spec,
                "title": tpl.title if tpl else spec.title,
                "sms": tpl.sms_enabled if tpl else spec.sms,
                "updated_at": tpl.updated_at if tpl else None,
                "updated_by": tpl.updated_by if tpl else None,
            }
        )
    return render(request, "notifications/template_list.html", {"title": "消息模板", "rows": rows})


@login_required
def template_edit(request, event: str):
    _require_admin(request.user)
    spec = EVENTS.get(event)
    if spec is None:
        raise Http404
    title, body, sms_enabled, sms_body = services.template_texts(event)
    initial = {"title": title, "body": body, "sms_enabled": sms_enabled, "sms_body": sms_body}
    form = TemplateForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("reset"):
                services.template_reset(actor=request.user, event=event)
                messages.success(request, "已恢复默认内容。")
                return redirect("notifications:template_edit", event=event)
            if form.is_valid():
                services.template_update(actor=request.user, event=event, data=form.cleaned_data)
                messages.success(request, "模板已保存。")
                return redirect("notifications:template_list")
        except DomainError as exc:
            apply_domain_error(form, exc)
        status = 422
    return render(
        request,
        "notifications/template_form.html",
        {
            "title": f"编辑消息模板：{spec.label}",
            "form": form,
            "spec": spec,
            "placeholders": ["{" + p + "}" for p in spec.placeholders],
            "preview": services.preview(event),
        },
        status=status,
    )


@login_required
def delivery_list(request):
    _require_admin(request.user)
    qs = selectors.deliveries_for_admin(request.user).filter(channel="sms")
    status = request.GET.get("status") or ""
    if status in DeliveryStatus.values:
        qs = qs.filter(status=status)
    page = paginate(request, qs, 30)
    return render(
        request,
        "notifications/delivery_list.html",
        {"title": "短信发送记录", "page": page, "status": status, "statuses": DeliveryStatus.choices},
    )


@login_required
@require_POST
def delivery_retry(request, pk: int):
    _require_admin(request.user)
    delivery = selectors.deliveries_for_admin(request.user).filter(pk=pk).first()
    if delivery is None:
        raise Http404
    try:
        result = services.delivery_retry(actor=request.user, delivery=delivery)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        label = result.get_status_display() if result is not None else "未到发送时间"
        messages.success(request, f"已重发：{label}。")
    return redirect("notifications:delivery_list")
