from __future__ import annotations

import datetime as dt
import re
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


def audit_change_rows(
    entry: LogEntry, related: dict[tuple[str, int], str] | None = None
) -> list[tuple[str, Any, Any]]:
    """The changes of an audit entry as (field, before, after) rows, whatever the field names: a change
    to a field called ``items`` or ``keys`` must not shadow the dict's methods in a template. A field of the
    entry's model reads by its Chinese label with readable values (是/否, labels of codes, a foreign key as
    the record ``related`` names, else by its id); any other key stays as logged."""
    from fanxiang.core.history import field_change

    changes = entry.changes if isinstance(entry.changes, dict) else {}
    model = entry.content_type.model_class() if entry.content_type_id else None
    rows = []
    for field, value in _in_field_order(model, changes):
        if isinstance(value, (list, tuple)) and len(value) == 2:
            rows.append(field_change(model, str(field), value[0], value[1], related))
        else:
            rows.append(field_change(model, str(field), None, value, related))
    return rows


def _in_field_order(model: Any, changes: dict) -> list[tuple[Any, Any]]:
    """The changes in the model's field order, other keys after them as logged: the same order on every
    database (PostgreSQL's jsonb keeps its keys sorted by length, not as written)."""
    order = {f.name: i for i, f in enumerate(model._meta.get_fields())} if model is not None else {}
    items = list(changes.items())
    return sorted(items, key=lambda kv: (0, order[kv[0]]) if kv[0] in order else (1, items.index(kv)))


def audit_related_labels(entries: list[LogEntry], viewer: Any) -> dict[tuple[str, int], str]:
    """What the page's changed foreign keys point to, read once for the page: a user by name and Chinese
    role (the audit page is the city admin's, who manages every account), a region-owned record by its
    name only when ``viewer`` may view it, a region or organization (city-wide catalogues) by name; any
    other record by its id (core.history.related_labels)."""
    from fanxiang.core.history import related_labels
    from fanxiang.regions.models import Region

    actors = [e.actor for e in entries if e.actor_id is not None]
    return related_labels(entries, user=viewer, public=(Region, Organization), also=actors)


# what every workflow step records (core.workflow): the step, the acting role and the note, and what the
# export, print, reveal and security events record (audit.record_event callers), in Chinese
NOTE_LABELS = {
    "transition": "流程操作",
    "role": "办理角色",
    "note": "意见",
    "filters": "导出条件",
    "ids": "勾选的记录",
    "format": "格式",
    "rows": "行数",
    "reveal": "是否显示完整信息",
    "revealed_rows": "显示完整信息的行数",
    "lines": "明细行数",
    "export": "导出内容",
    "region": "区划",
    "on": "日期",
    "item": "政策事项",
    "year": "年度",
    "document": "文件",
    "kind": "类别",
    "field": "查看的信息",
    "via": "方式",
    "what": "操作",
    "reason": "原因",
    "tokens_revoked": "撤销的令牌数",
    "tokens": "撤销的令牌数",
    "sessions_ended": "是否结束会话",
    "username": "登录名",
    "locked_out": "是否已锁定",
    "address": "IP 地址",
    "version": "版本",
    "supersedes": "取代的版本",
    "effective_from": "生效日期",
    "number": "编号",
    "passed": "是否通过",
}
_NOTE_VALUES = {
    "format": {"xlsx": "Excel", "pdf": "PDF", "csv": "CSV"},
    "via": {"web": "网页", "api_token": "接口令牌"},
    "export": {"policy_outreach": "政策精准推送名单"},
    "what": {
        "password_reset": "重置密码",
        "password_change": "修改密码",
        "lock": "锁定账号",
        "lockout": "登录失败锁定",
        "unlock": "解除锁定",
        "credentials_revoked": "撤销登录凭据",
    },
}
# what a reveal showed (kept encrypted, so the model's own field reads "（密文）")
REVEALED_FIELDS = {"id_number": "身份证号码", "mobile": "手机号码", "contact": "联系方式"}
YES_NO = {True: "是", False: "否"}


def _field_label(model: Any, name: str) -> str:
    from django.core.exceptions import FieldDoesNotExist

    try:
        label = str(model._meta.get_field(name).verbose_name) if model is not None else ""
    except FieldDoesNotExist:
        label = ""
    return label if _CJK.search(label) else name


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _note_value(entry: LogEntry, key: str, value: Any) -> Any:
    from fanxiang.accounts.roles import role_label
    from fanxiang.core.history import STRUCTURED
    from fanxiang.core.workflow import workflows

    model = entry.content_type.model_class() if entry.content_type_id else None
    if isinstance(value, bool):
        return YES_NO[value]
    if key == "role" and isinstance(value, str):
        return role_label(value)
    if key == "transition" and isinstance(value, str):
        for flow in workflows():
            if flow.model is model and value in flow.action_labels:
                return flow.action_labels[value]
    if key in _NOTE_VALUES and isinstance(value, str):
        return _NOTE_VALUES[key].get(value, value)
    if key == "field" and isinstance(value, str):  # the fields a reveal showed: "id_number,mobile"
        parts = [part.strip() for part in value.split(",") if part.strip()]
        return "、".join(REVEALED_FIELDS.get(part) or _field_label(model, part) for part in parts)
    if key == "filters" and isinstance(value, dict):
        shown = [(k, v) for k, v in value.items() if v not in (None, "")]
        if not shown:
            return "无（全部记录）"
        if any(isinstance(v, (dict, list)) for _, v in shown):
            return STRUCTURED
        return "；".join(f"{_field_label(model, str(k))}={v}" for k, v in shown)
    if isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        return "、".join(map(str, value)) or "—"
    if isinstance(value, (dict, list)):
        return STRUCTURED
    return value


def audit_note_rows(entry: LogEntry) -> list[tuple[str, Any]]:
    """The additional data of an audit entry as (key, value) rows, the event code left out; a workflow
    step's step, role and note, an export's conditions, format and rows, a reveal's fields (and the other
    keys the services log, NOTE_LABELS) by Chinese name and readable value (是/否 for yes/no), any other
    key as logged."""
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    known = {k: i for i, k in enumerate(NOTE_LABELS)}  # the table's order on every database (jsonb reorders)
    logged = [k for k in data if k != "event"]
    keys = sorted(logged, key=lambda k: (0, known[k]) if k in known else (1, logged.index(k)))
    return [(NOTE_LABELS.get(str(k), str(k)), _note_value(entry, str(k), data[k])) for k in keys]
