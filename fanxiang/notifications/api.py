"""Notifications API (staff): my inbox; templates and the SMS delivery log for the city admin.
The portal's inbox is served under /api/v1/portal/notifications with the portal's own authentication."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema
from ninja.pagination import paginate

from fanxiang.core.api import ErrorOut, InputSchema, PageNumberPagination
from fanxiang.core.errors import Forbidden, NotFound
from fanxiang.notifications import selectors, services
from fanxiang.notifications.events import EVENTS

router = Router(tags=["消息通知"])

ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class NotificationOut(Schema):
    id: int
    event: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class MarkedOut(Schema):
    marked: int


@router.get("/", response=list[NotificationOut], summary="我的消息")
@paginate(PageNumberPagination)
def inbox(request):
    return selectors.inbox_for_user(request.user)


@router.post("/{int:notification_id}/read", response={200: MarkedOut, **ERRORS}, summary="标为已读")
def mark_read(request, notification_id: int):
    qs = selectors.inbox_for_user(request.user).filter(pk=notification_id)
    if not qs.exists():
        raise NotFound("not_found", "记录不存在或无权访问。")
    return {"marked": services.notification_mark_read(notifications=qs)}


class TemplateOut(Schema):
    event: str
    label: str
    placeholders: list[str]
    title: str
    body: str
    sms_enabled: bool
    sms_body: str


class TemplateIn(InputSchema):
    title: str
    body: str
    sms_enabled: bool = False
    sms_body: str = ""


def _require_admin(request) -> None:
    if not selectors.is_city_admin(request.user):
        raise Forbidden("notification.template_forbidden", "只有市级管理员可以查看和修改消息模板。")


def _template_out(event: str) -> dict:
    spec = EVENTS[event]
    title, body, sms_enabled, sms_body = services.template_texts(event)
    return {
        "event": event,
        "label": spec.label,
        "placeholders": list(spec.placeholders),
        "title": title,
        "body": body,
        "sms_enabled": sms_enabled,
        "sms_body": sms_body,
    }


@router.get("/templates", response={200: list[TemplateOut], **ERRORS}, summary="消息模板（市级管理员）")
def template_list(request):
    _require_admin(request)
    return [_template_out(e) for e in EVENTS]


@router.put("/templates/{event}", response={200: TemplateOut, **ERRORS}, summary="修改消息模板（市级管理员）")
def template_update(request, event: str, payload: TemplateIn):
    _require_admin(request)
    if event not in EVENTS:
        raise NotFound("not_found", "消息事件不存在。")
    services.template_update(actor=request.user, event=event, data=payload.dict())
    return _template_out(event)


class DeliveryOut(Schema):
    id: int
    notification: int
    event: str
    channel: str
    status: str
    to_masked: str
    attempts: int
    last_error: str
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_notification(obj) -> int:
        return obj.notification_id

    @staticmethod
    def resolve_event(obj) -> str:
        return obj.notification.event


@router.get("/deliveries", response=list[DeliveryOut], summary="短信发送记录（市级管理员）")
@paginate(PageNumberPagination)
def delivery_list(request, status: str = ""):
    _require_admin(request)
    qs = selectors.deliveries_for_admin(request.user)
    if status:
        qs = qs.filter(status=status)
    return qs
