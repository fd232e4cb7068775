"""The one history query: the generic change log (django-auditlog's ``LogEntry``, see :mod:`fanxiang.core.audit`)
of an object — and, for a page that shows one timeline over several records, of the records that belong
to it — newest first, with the actor and the content type joined.

Scope is the caller's business: pass only objects (and ids) the user may see; a selector computes the ids
from its scoped querysets (``transfers_for_user(user).filter(…)``) and hands them over.

What a person reads of an entry comes from here too (:func:`history_rows`): the actor as name and Chinese
role ("王市管（市级管理员）", never a login name or a role code), the action in Chinese (新增/修改/删除 …),
and the changed fields by their Chinese labels — bookkeeping fields (ids, timestamps, "created by") left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from auditlog.models import LogEntry
    from django.db.models import QuerySet

HISTORY_LIMIT = 20


def _entries_of(model: type[models.Model], pks: Iterable) -> Q:
    from django.contrib.contenttypes.models import ContentType

    pks = list(pks)
    ct = ContentType.objects.get_for_model(model)
    if all(isinstance(pk, int) for pk in pks):
        return Q(content_type=ct, object_id__in=pks)
    return Q(content_type=ct, object_pk__in=[str(pk) for pk in pks])


def history_of(
    obj: models.Model,
    *also: tuple[type[models.Model], Iterable],
    limit: int | None = HISTORY_LIMIT,
) -> QuerySet[LogEntry]:
    """The change-log entries of ``obj`` and of ``also`` (``(Model, ids)`` pairs), newest first
    (``-timestamp``, then ``-id`` so that entries of one instant keep their order), at most ``limit``
    (``None``: all). Each entry comes with ``actor`` and ``content_type`` joined."""
    from auditlog.models import LogEntry

    # obj.__class__, not type(obj): request.user is a SimpleLazyObject that proxies __class__
    q = _entries_of(obj.__class__, [obj.pk])
    for model, pks in also:
        pks = list(pks)
        if pks:
            q |= _entries_of(model, pks)
    entries = LogEntry.objects.filter(q).select_related("actor", "content_type").order_by("-timestamp", "-id")
    return entries[:limit] if limit is not None else entries


# --------------------------------------------------------------------------- display

SYSTEM_ACTOR = "系统"
# Bookkeeping: they change with every write or only repeat the entry's own actor and time.
SKIPPED_FIELDS = frozenset(
    {
        "id",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "name_initials",
        "session_epoch",
        "password",
    }
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def actor_label(actor: Any) -> str:
    """The person as a change log names them, "王市管（市级管理员）": the name and the Chinese label of the
    main role (a user model that offers ``role_label``); "系统" for a change no person made."""
    if actor is None:
        return SYSTEM_ACTOR
    name = getattr(actor, "display_name", None) or getattr(actor, "real_name", None) or str(actor)
    role = getattr(actor, "role_label", "") or ""
    return f"{name}（{role}）" if role else str(name)


def action_label(entry: LogEntry) -> str:
    """The entry's action in Chinese: 新增 / 修改 / 删除, or the service event it records (流程流转, 导出 …)."""
    from fanxiang.core import audit

    event = audit.event_of(entry)
    label = audit.EVENT_LABELS.get(event) or {"access": "查看"}.get(event, "变更")
    return str(label)


def _shown(value: Any) -> str:
    return "" if value in (None, "None") else str(value)


def change_rows(entry: LogEntry) -> list[tuple[str, str, str]]:
    """``(Chinese field label, before, after)`` per changed field of the entry, in the model's terms (choice
    labels, related objects by name); bookkeeping fields and fields with no Chinese label are left out."""
    from django.core.exceptions import FieldDoesNotExist

    model = entry.content_type.model_class() if entry.content_type_id else None
    raw = entry.changes_dict or {}
    if model is None or not raw:
        return []
    try:
        display = {str(k): v for k, v in entry.changes_display_dict.items()}
    except Exception:  # a change of a field that no longer exists: show the raw values
        display = {}
    rows = []
    for name, values in raw.items():
        if name in SKIPPED_FIELDS:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        label = str(getattr(field, "verbose_name", name))
        if not _CJK.search(label):
            continue
        is_m2m = isinstance(values, dict) and values.get("type") == "m2m"
        shown = values if is_m2m else display.get(label, values)
        if isinstance(shown, dict) and shown.get("type") == "m2m":
            objects = "、".join(map(str, shown.get("objects", [])))
            rows.append((label, "", f"{shown.get('operation', '')}：{objects}"))
        elif isinstance(shown, (list, tuple)) and len(shown) == 2:
            rows.append((label, _shown(shown[0]), _shown(shown[1])))
        else:
            rows.append((label, "", _shown(shown)))
    return rows


def history_rows(entries: Iterable[LogEntry]) -> list[dict[str, Any]]:
    """The entries as a change-log table shows them (``core/_history.html``): ``timestamp``, ``actor``,
    ``action``, ``changes`` (label, before, after), ``remote_addr``."""
    labels: dict[Any, str] = {}
    rows = []
    for entry in entries:
        actor = entry.actor
        key = getattr(actor, "pk", None)
        if key not in labels:
            labels[key] = actor_label(actor)
        rows.append(
            {
                "timestamp": entry.timestamp,
                "actor": labels[key],
                "action": action_label(entry),
                "changes": change_rows(entry),
                "remote_addr": entry.remote_addr or "",
            }
        )
    return rows
