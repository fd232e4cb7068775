from __future__ import annotations

import datetime as dt
from typing import Any

from auditlog.models import LogEntry
from django.db.models import Q, QuerySet
from django.utils import timezone

from fanxiang.accounts.models import Organization, RoleAssignment
from fanxiang.core import audit
from fanxiang.core.scope import VIEW

_ACTION_OF = {audit.EVENT_CREATE: LogEntry.Action.CREATE, audit.EVENT_DELETE: LogEntry.Action.DELETE}


def audit_entries(
    *,
    event: str = "",
    actor: str = "",
    model: str = "",
    object: str = "",
    date_from: str = "",
    date_to: str = "",
    ip: str = "",
) -> QuerySet[LogEntry]:
    """The audit trail, filtered. Only city admins reach this (checked by the callers)."""
    qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if event:
        if event in _ACTION_OF:
            qs = qs.filter(action=_ACTION_OF[event])
        elif event == audit.EVENT_UPDATE:
            qs = qs.filter(action=LogEntry.Action.UPDATE).exclude(
                additional_data__event=audit.EVENT_TRANSITION
            )
        else:
            qs = qs.filter(additional_data__event=event)
    if actor:
        qs = qs.filter(Q(actor__username__icontains=actor) | Q(actor__real_name__icontains=actor))
    if model:
        qs = qs.filter(content_type__model=model.lower().split(".")[-1])
    if object:
        qs = qs.filter(Q(object_pk=object) | Q(object_repr__icontains=object))
    if ip:
        qs = qs.filter(remote_addr=ip)
    tz = timezone.get_current_timezone()
    for value, op in ((date_from, "gte"), (date_to, "lt")):
        if value:
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                continue
            if op == "lt":
                day += dt.timedelta(days=1)
            qs = qs.filter(**{f"timestamp__{op}": dt.datetime.combine(day, dt.time.min, tzinfo=tz)})
    return qs


def organizations(*, kind: str | None = None) -> QuerySet[Organization]:
    """Organizations are a city-wide catalogue (member units, banks, guarantee institutions), not
    region-owned personal data: every signed-in user may list them."""
    qs = Organization.objects.filter(is_active=True).select_related("region")
    return qs.filter(kind=kind) if kind else qs


def staff_users():
    """Staff accounts (portal accounts sign in at /portal/), for the city admin's user list."""
    from fanxiang.accounts.models import User

    return User.objects.filter(portal_account__isnull=True)


def assignments_for_user(user, action: str = VIEW) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.for_user(user, action).select_related("user", "region")


def audit_change_rows(entry: LogEntry) -> list[tuple[str, Any, Any]]:
    """The changes of an audit entry as (field, before, after) rows, whatever the field names: a change
    to a field called ``items`` or ``keys`` must not shadow the dict's methods in a template. A field of the
    entry's model reads by its Chinese label with readable values (是/否, labels of codes); any other key
    stays as logged."""
    from fanxiang.core.history import field_change

    changes = entry.changes if isinstance(entry.changes, dict) else {}
    model = entry.content_type.model_class() if entry.content_type_id else None
    rows = []
    for field, value in changes.items():
        if isinstance(value, (list, tuple)) and len(value) == 2:
            rows.append(field_change(model, str(field), value[0], value[1]))
        else:
            rows.append(field_change(model, str(field), None, value))
    return rows


# what every workflow step records (core.workflow): the step, the acting role and the note, in Chinese
NOTE_LABELS = {"transition": "流程操作", "role": "办理角色", "note": "意见"}


def _note_value(entry: LogEntry, key: str, value: Any) -> Any:
    from fanxiang.accounts.roles import role_label
    from fanxiang.core.workflow import workflows

    if key == "role" and isinstance(value, str):
        return role_label(value)
    if key == "transition" and isinstance(value, str):
        model = entry.content_type.model_class() if entry.content_type_id else None
        for flow in workflows():
            if flow.model is model and value in flow.action_labels:
                return flow.action_labels[value]
    return value


def audit_note_rows(entry: LogEntry) -> list[tuple[str, Any]]:
    """The additional data of an audit entry as (key, value) rows, the event code left out; a workflow
    step's step, role and note by Chinese name and label, any other key as logged."""
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    return [
        (NOTE_LABELS.get(str(k), str(k)), _note_value(entry, str(k), v))
        for k, v in data.items()
        if k != "event"
    ]
