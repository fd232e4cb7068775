"""The one notification service every app uses, template edits and SMS delivery with retries.

``notify()`` writes the inbox item and its deliveries in the caller's transaction: the inbox channel is
delivered at once; an SMS channel (decisive events, per the event's template) is handed to the task queue
*after commit* (django-tasks, task :func:`fanxiang.notifications.tasks.deliver_sms`). A failed SMS is retried
with back-off (1, 5, 30, 120 minutes; at most ``MAX_ATTEMPTS`` attempts): the task re-enqueues itself with
``run_after``; ``manage.py retry_notifications`` sweeps whatever is due as well (e.g. after the worker was
down). Every attempt's status and error is recorded on the ``Delivery``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import ErrorCollector, Forbidden, InvalidInput, NotFound
from fanxiang.core.registry import hooks
from fanxiang.core.validators import mask_mobile
from fanxiang.notifications import sms, templating
from fanxiang.notifications.events import EVENTS, spec
from fanxiang.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationTemplate,
)

logger = logging.getLogger("fanxiang.notifications")

MAX_ATTEMPTS = 5
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
# a "sending" claim older than this is taken as lost (the process died mid-send) and retried
STALE_SENDING = dt.timedelta(minutes=10)


# --------------------------------------------------------------------------- templates


def template_texts(event: str) -> tuple[str, str, bool, str]:
    """(title, body, sms_enabled, sms_body) in force for ``event``: the edited template, else the default."""
    es = spec(event)
    tpl = NotificationTemplate.objects.filter(event=event).first()
    if tpl is None:
        return es.title, es.body, es.sms, es.sms_body or es.body
    return tpl.title, tpl.body, tpl.sms_enabled, tpl.sms_body or tpl.body


def load_default_templates() -> int:
    """Seed a template per event with the default texts (reference data; idempotent: never overwrites an
    edited template). Returns how many were created."""
    created = 0
    for es in EVENTS.values():
        _, was_created = NotificationTemplate.objects.get_or_create(
            event=es.code,
            defaults={"title": es.title, "body": es.body, "sms_enabled": es.sms, "sms_body": es.sms_body},
        )
        created += int(was_created)
    return created


def _is_city_admin(actor: Any) -> bool:
    return bool(
        getattr(actor, "is_superuser", False) or (hasattr(actor, "has_role") and actor.has_role("city_admin"))
    )


def clean_template(event: str, data: Mapping[str, Any]) -> dict[str, Any]:
    es = spec(event)
    errors = ErrorCollector()
    clean: dict[str, Any] = {}
    title = str(data.get("title") or "").strip()
    body = str(data.get("body") or "").strip()
    sms_body = str(data.get("sms_body") or "").strip()
    sms_enabled = bool(data.get("sms_enabled"))
    if not title:
        errors.add("title", "template.required", "请填写标题。")
    elif len(title) > 100:
        errors.add("title", "template.too_long", "标题不能超过100个字。")
    if not body:
        errors.add("body", "template.required", "请填写站内消息内容。")
    elif len(body) > 1000:
        errors.add("body", "template.too_long", "站内消息内容不能超过1000个字。")
    if sms_enabled and not sms_body:
        errors.add("sms_body", "template.required", "发送短信时须填写短信内容。")
    if len(sms_body) > 300:
        errors.add("sms_body", "template.too_long", "短信内容不能超过300个字（约4条短信）。")
    templating.check(errors, "title", title, es.placeholders)
    templating.check(errors, "body", body, es.placeholders)
    templating.check(errors, "sms_body", sms_body, es.placeholders)
    errors.raise_if_any()
    clean.update(title=title, body=body, sms_enabled=sms_enabled, sms_body=sms_body)
    return clean


@audit.audited
@transaction.atomic
def template_update(*, actor: Any, event: str, data: Mapping[str, Any]) -> NotificationTemplate:
    """City admin edits an event's texts; placeholders are checked against the event's list."""
    if not _is_city_admin(actor):
        raise Forbidden("notification.template_forbidden", "只有市级管理员可以修改消息模板。")
    if event not in EVENTS:
        raise NotFound("not_found", "消息事件不存在。")
    clean = clean_template(event, data)
    tpl, _ = NotificationTemplate.objects.select_for_update().get_or_create(
        event=event, defaults={**clean, "updated_by": actor}
    )
    for key, value in clean.items():
        setattr(tpl, key, value)
    tpl.updated_by = actor
    tpl.save()
    return tpl


@audit.audited
@transaction.atomic
def template_reset(*, actor: Any, event: str) -> NotificationTemplate:
    es = spec(event) if event in EVENTS else None
    if es is None:
        raise NotFound("not_found", "消息事件不存在。")
    return template_update(
        actor=actor,
        event=event,
        data={"title": es.title, "body": es.body, "sms_enabled": es.sms, "sms_body": es.sms_body},
    )


def preview(event: str, data: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Render texts with the event's sample values (the template page's preview)."""
    es = spec(event)
    title, body, _sms_on, sms_body = template_texts(event)
    if data:
        title, body, sms_body = (
            data.get("title", title),
            data.get("body", body),
            data.get("sms_body", sms_body),
        )
    sample = dict(es.sample)
    return {
        "title": templating.render(title, sample),
        "body": templating.render(body, sample),
        "sms_body": templating.render(sms_body, sample),
    }


# --------------------------------------------------------------------------- notify


def notify(
    *,
    event: str,
    recipient_user: Any = None,
    recipient_entrepreneur: Any = None,
    context: Mapping[str, Any] | None = None,
    link: str = "",
    dedup_key: str | None = None,
    sms: bool | None = None,
) -> Notification | None:
    """Raise ``event`` for a user and/or a registry person: an inbox item always, an SMS when the event's
    template says so (``sms`` overrides). ``context`` fills the template's placeholders (values are turned
    into text). With ``dedup_key`` the call is idempotent: a second call with the same key returns the
    first notification and sends nothing. Runs in the caller's transaction; the SMS is queued after commit."""
    es = spec(event)
    if recipient_user is None and recipient_entrepreneur is None:
        raise ValueError("notify() needs recipient_user or recipient_entrepreneur")
    if dedup_key:
        existing = Notification.objects.filter(dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    values = {k: ("" if v is None else str(v)) for k, v in (context or {}).items() if k in es.placeholders}
    title, body, sms_enabled, sms_body = template_texts(event)
    now = timezone.now()
    notification = Notification(
        event=event,
        recipient_user=recipient_user,
        recipient_entrepreneur=recipient_entrepreneur,
        title=templating.render(title, values)[:100],
        body=templating.render(body, values),
        link=link[:200],
        context=values,
        dedup_key=dedup_key or None,
    )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:  # the same reminder raised concurrently
        return Notification.objects.filter(dedup_key=dedup_key).first()
    Delivery.objects.create(
        notification=notification, channel=Channel.INBOX, status=DeliveryStatus.SENT, sent_at=now, attempts=1
    )
    if sms if sms is not None else sms_enabled:
        delivery = Delivery.objects.create(
            notification=notification,
            channel=Channel.SMS,
            status=DeliveryStatus.PENDING,
            text=templating.render(sms_body, values)[:500],
        )
        transaction.on_commit(lambda: enqueue_delivery(delivery.pk))
    return notification


def notify_region_staff(
    *, role: str, region: Any, event: str, context: Mapping[str, Any], link: str = ""
) -> int:
    """Raise ``event`` for every active user holding ``role`` over ``region`` (their assignment's region is
    the region or one of its ancestors), e.g. the county officers who must review a portal request."""
    from fanxiang.accounts.models import RoleAssignment

    paths = [region.tree_path[: i + 1] for i, ch in enumerate(region.tree_path) if ch == "/" and i > 0]
    user_ids = (
        RoleAssignment.objects.filter(role=role, region__tree_path__in=paths, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    from fanxiang.accounts.models import User

    users = list(User.objects.filter(pk__in=list(user_ids)))
    for user in users:
        notify(event=event, recipient_user=user, context=context, link=link)
    return len(users)


def enqueue_delivery(delivery_id: int, run_after: dt.datetime | None = None) -> None:
    """Hand an SMS delivery to the task queue: :func:`fanxiang.notifications.tasks.enqueue_delivery`, on the
    hook ``notifications.sms_queue`` (registered in ready(); the task calls this module, so this module does
    not import it). Never raises: the sweep command picks up what failed."""
    for enqueue in hooks("notifications.sms_queue"):
        enqueue(delivery_id, run_after=run_after)


# --------------------------------------------------------------------------- delivery


def recipient_mobile(notification: Notification) -> str:
    """Where an SMS goes, looked up at send time: the verified mobile of the portal account (of the user, or
    bound to the person), else the registry's mobile of the person, else a staff user's mobile."""
    user = notification.recipient_user
    person = notification.recipient_entrepreneur
    for owner in (user, person):
        account = getattr(owner, "portal_account", None) if owner is not None else None
        if account is not None and getattr(account, "mobile", ""):
            return account.mobile
    if person is not None and person.mobile_enc:
        return person.mobile
    if user is not None and getattr(user, "mobile", ""):
        return user.mobile
    return ""


def _claim(delivery_id: int, now: dt.datetime) -> Delivery | None:
    with transaction.atomic():
        d = Delivery.objects.select_for_update().filter(pk=delivery_id, channel=Channel.SMS).first()
        if d is None:
            return None
        due = d.status == DeliveryStatus.PENDING or (
            d.status == DeliveryStatus.RETRYING and (d.next_attempt_at is None or d.next_attempt_at <= now)
        )
        stale = d.status == DeliveryStatus.SENDING and d.updated_at <= now - STALE_SENDING
        if not (due or stale):
            return None
        d.status = DeliveryStatus.SENDING
        d.attempts += 1
        d.save(update_fields=["status", "attempts", "updated_at"])
        return d


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> Delivery | None:
    """One attempt at an SMS delivery that is due. The row is claimed (``sending``) in a short transaction
    and the gateway is called outside it, so a slow gateway never holds a lock. Returns the delivery (None
    when it was not due or not found)."""
    now = now or timezone.now()
    d = _claim(delivery_id, now)
    if d is None:
        return None
    notification = Notification.objects.select_related("recipient_user", "recipient_entrepreneur").get(
        pk=d.notification_id
    )
    to = recipient_mobile(notification)
    fields = ["status", "last_error", "next_attempt_at", "sent_at", "provider_id", "to_masked", "updated_at"]
    d.to_masked = mask_mobile(to)
    if not to:
        d.status = DeliveryStatus.SKIPPED
        d.last_error = "接收人没有登记手机号码，未发送短信。"
        d.save(update_fields=fields)
        return d
    try:
        d.provider_id = sms.send(to, d.text, "notification")[:100]
    except sms.SmsError as exc:
        d.last_error = f"{exc.code}: {exc.message}"[:300]
        if exc.retryable and d.attempts < MAX_ATTEMPTS:
            d.status = DeliveryStatus.RETRYING
            d.next_attempt_at = now + BACKOFF[min(d.attempts, len(BACKOFF)) - 1]
        else:
            d.status = DeliveryStatus.FAILED
            d.next_attempt_at = None
    except Exception as exc:  # a backend bug: record it and retry like a temporary failure
        logger.exception("SMS backend error on delivery %s", d.pk)
        d.last_error = f"sms.backend_error: {type(exc).__name__}"[:300]
        d.status = DeliveryStatus.RETRYING if d.attempts < MAX_ATTEMPTS else DeliveryStatus.FAILED
        d.next_attempt_at = (
            now + BACKOFF[min(d.attempts, len(BACKOFF)) - 1] if d.attempts < MAX_ATTEMPTS else None
        )
    else:
        d.status = DeliveryStatus.SENT
        d.sent_at = now
        d.last_error = ""
        d.next_attempt_at = None
    d.save(update_fields=fields)
    return d


def deliveries_due(now: dt.datetime | None = None):
    now = now or timezone.now()
    from django.db.models import Q

    return Delivery.objects.filter(channel=Channel.SMS).filter(
        Q(status=DeliveryStatus.PENDING)
        | Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.SENDING, updated_at__lte=now - STALE_SENDING)
    )


def deliveries_retry_due(*, now: dt.datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Attempt every SMS delivery that is due (the sweep). Returns counts per resulting status."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for pk in list(deliveries_due(now).order_by("id").values_list("pk", flat=True)[:limit]):
        d = delivery_send(delivery_id=pk, now=now)
        if d is not None:
            counts[d.status] = counts.get(d.status, 0) + 1
    return counts


@audit.audited
def delivery_retry(*, actor: Any, delivery: Delivery, now: dt.datetime | None = None) -> Delivery | None:
    """City admin: send a failed (or skipped) SMS again now."""
    if not _is_city_admin(actor):
        raise Forbidden("notification.retry_forbidden", "只有市级管理员可以重发短信。")
    delivery = Delivery.objects.get(pk=delivery.pk)
    if delivery.channel != Channel.SMS or delivery.status not in (
        DeliveryStatus.FAILED,
        DeliveryStatus.SKIPPED,
        DeliveryStatus.RETRYING,
    ):
        raise InvalidInput("notification.not_retryable", "只有发送失败或未发送的短信可以重发。")
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.RETRYING, next_attempt_at=None, attempts=0
        )
        audit.record_event(event=audit.EVENT_UPDATE, actor=actor, obj=delivery, data={"action": "sms_retry"})
    return delivery_send(delivery_id=delivery.pk, now=now)


# --------------------------------------------------------------------------- inbox


def notification_mark_read(*, notifications, now: dt.datetime | None = None) -> int:
    """Mark the given (already owner-filtered) notifications read."""
    return notifications.filter(read_at__isnull=True).update(read_at=now or timezone.now())
