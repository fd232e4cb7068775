"""Audit trail.

Two layers share one table (django-auditlog's ``LogEntry``):

* the generic change log: every create/update/delete of a registered model with before/after values,
  written by django-auditlog in the same transaction as the save;
* explicit events written by services: workflow transitions, logins, logouts, failed logins, reveals
  and exports of personal data. They carry ``additional_data["event"]``.

``record_event`` is the one function services call; it writes inside the caller's transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

EVENT_CREATE = "create"
EVENT_UPDATE = "update"
EVENT_DELETE = "delete"
EVENT_TRANSITION = "transition"
EVENT_LOGIN = "login"
EVENT_LOGOUT = "logout"
EVENT_LOGIN_FAILED = "login_failed"
EVENT_REVEAL = "reveal"
EVENT_EXPORT = "export"
EVENT_SECURITY = "security"

EVENT_LABELS = {
    EVENT_CREATE: _("新增"),
    EVENT_UPDATE: _("修改"),
    EVENT_DELETE: _("删除"),
    EVENT_TRANSITION: _("流程流转"),
    EVENT_LOGIN: _("登录"),
    EVENT_LOGOUT: _("退出"),
    EVENT_LOGIN_FAILED: _("登录失败"),
    EVENT_REVEAL: _("查看个人敏感信息"),
    EVENT_EXPORT: _("导出"),
    EVENT_SECURITY: _("安全设置"),
}

_ACTION_FOR_EVENT = {
    EVENT_CREATE: LogEntry.Action.CREATE,
    EVENT_UPDATE: LogEntry.Action.UPDATE,
    EVENT_DELETE: LogEntry.Action.DELETE,
    EVENT_TRANSITION: LogEntry.Action.UPDATE,
}

_EVENT_FOR_ACTION = {
    LogEntry.Action.CREATE: EVENT_CREATE,
    LogEntry.Action.UPDATE: EVENT_UPDATE,
    LogEntry.Action.DELETE: EVENT_DELETE,
}


_actor: ContextVar[Any] = ContextVar("fanxiang_audit_actor", default=None)
F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def acting_as(actor: Any) -> Iterator[None]:
    """Changes logged inside this block name ``actor`` when no request supplied one (services called from
    management commands, imports, background tasks)."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def audited(func: F) -> F:
    """Decorate a service taking ``actor=``: its generic change-log rows carry that actor."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with acting_as(kwargs.get("actor")):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def fill_actor(sender: Any, instance: LogEntry, **kwargs: Any) -> None:
    """pre_save on LogEntry: take the service's actor where the request context gave none."""
    if instance.actor_id is None:
        actor = _actor.get()
        if actor is not None and getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None):
            instance.actor = actor
            instance.actor_email = getattr(actor, "email", None)


def track(model: type[models.Model], **options: Any) -> type[models.Model]:
    """Register a model for the generic change log (one line per model, in its app's ready())."""
    auditlog.register(model, **options)
    return model


def client_ip(request: Any) -> str | None:
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def record_event(
    *,
    event: str,
    actor: Any = None,
    obj: models.Model | None = None,
    model: type[models.Model] | None = None,
    object_repr: str = "",
    request: Any = None,
    changes: dict | None = None,
    data: dict | None = None,
) -> LogEntry:
    """Write one audit event. ``obj`` or ``model`` names what it concerns."""
    # obj.__class__, not type(obj): request.user is a SimpleLazyObject that proxies __class__.
    target_model = obj.__class__ if obj is not None else model
    if target_model is None:
        raise ValueError("record_event needs obj or model")
    content_type = ContentType.objects.get_for_model(target_model)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    additional = {"event": event}
    if data:
        additional.update(data)
    entry = LogEntry(
        content_type=content_type,
        object_pk=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_id=obj.pk if obj is not None and isinstance(obj.pk, int) else None,
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:500],
        action=_ACTION_FOR_EVENT.get(event, LogEntry.Action.ACCESS),
        changes=changes,
        actor=actor,
        actor_email=getattr(actor, "email", None) if actor else None,
        remote_addr=client_ip(request),
        additional_data=additional,
    )
    entry.save()
    return entry


def record_transition(
    *,
    obj: models.Model,
    actor: Any,
    transition: str,
    from_state: str,
    to_state: str,
    request: Any = None,
    data: dict | None = None,
) -> LogEntry:
    payload = {"transition": transition}
    if data:
        payload.update(data)
    return record_event(
        event=EVENT_TRANSITION,
        actor=actor,
        obj=obj,
        request=request,
        changes={"status": [from_state, to_state]},
        data=payload,
    )


def event_of(entry: LogEntry) -> str:
    data = entry.additional_data or {}
    return data.get("event") or _EVENT_FOR_ACTION.get(entry.action, "access")
