"""The one history query: the generic change log (django-auditlog's ``LogEntry``, see :mod:`fanxiang.core.audit`)
of an object — and, for a page that shows one timeline over several records, of the records that belong
to it — newest first, with the actor and the content type joined.

Scope is the caller's business: pass only objects (and ids) the user may see; a selector computes the ids
from its scoped querysets (``transfers_for_user(user).filter(…)``) and hands them over.

What a person reads of an entry comes from here too (:func:`history_rows`): the actor as name and Chinese
role ("王市管（市级管理员）", never a login name or a role code), the action in Chinese (新增/修改/删除 …),
and the changed fields by their Chinese labels — bookkeeping fields (ids, timestamps, "created by") left out —
with readable values: 是/否 for a yes/no field, the Chinese label of a stored code (the field's choices, or the
model's ``history_value_labels`` for a field that stores codes without declaring choices, such as a JSON list
of categories), a JSON list as "甲、乙", and a structured JSON value (a check result, a formula) as 已更新.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.db.models.query import ModelIterable

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
    entries = (
        HistoryQuerySet(model=LogEntry)
        .filter(q)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-id")
    )
    return entries[:limit] if limit is not None else entries


class HistoryQuerySet(models.QuerySet):
    """Change-log entries that, once read, know the people they name (:func:`prime_people`): the actors'
    roles and the users a changed field points to come in two queries for the whole page, not two a row."""

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._iterable_class is ModelIterable:
            prime_people(self._result_cache)


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


YES_NO = {"True": "是", "False": "否"}
STRUCTURED = "已更新"


def _value_labels(model: type[models.Model], field: Any) -> dict[str, str]:
    """Chinese label per stored code of a field: the model's ``history_value_labels[name]`` (choices of a
    field that stores codes without declaring them), else the field's own choices."""
    declared = getattr(model, "history_value_labels", {}).get(field.name)
    if declared is None:  # declared choices only (a relation's choices would query every row)
        declared = field.flatchoices if getattr(field, "choices", None) else []
    return {str(code): str(label) for code, label in declared}


def _parsed(value: str) -> Any:
    for parse in (json.loads, ast.literal_eval):  # auditlog keeps a JSON field's value as its Python repr
        try:
            return parse(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return value


def _readable(field: Any, labels: dict[str, str], value: Any) -> str:
    """A logged value as a person reads it (codes never shown when a label is known)."""
    if isinstance(field, models.JSONField):
        data = _parsed(value) if isinstance(value, str) else value
        if data in ([], {}, None, "", "None"):
            return ""
        if isinstance(data, list) and all(
            isinstance(x, (str, int)) and not isinstance(x, bool) for x in data
        ):
            return "、".join(labels.get(str(x), str(x)) for x in data)
        if isinstance(data, (dict, list)):
            return STRUCTURED
        value = data
    value = _shown(value)
    if isinstance(field, models.BooleanField):
        return YES_NO.get(value, value)
    return labels.get(value, value)


def field_change(
    model: type[models.Model] | None,
    name: str,
    before: Any,
    after: Any,
    related: dict[tuple[str, int], str] | None = None,
) -> tuple[str, Any, Any]:
    """One logged change of a field as ``(label, before, after)`` for a reader (the audit page): the Chinese
    label and readable values (None for an empty one) when the model has the field, else as logged. A
    foreign key reads as the record's text in ``related`` (:func:`related_labels` of the page, scoped to
    the reader); a record not there (hidden from the reader, deleted, or no ``related`` given) by its id."""
    from django.core.exceptions import FieldDoesNotExist

    try:
        field = model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        field = None
    label = str(getattr(field, "verbose_name", "")) if field is not None else ""
    if not _CJK.search(label) or getattr(field, "many_to_many", False):
        return name, before, after
    if _relation(model, name) is not None and field.concrete:
        shown = (related_value(field, v, related or {}, scoped=True) for v in (before, after))
        return (label, *(text or None for text in shown))
    labels = _value_labels(model, field)
    return label, _readable(field, labels, before) or None, _readable(field, labels, after) or None


def _is_user_field(field: Any) -> bool:
    from django.contrib.auth import get_user_model

    return isinstance(field, models.ForeignKey) and field.related_model is get_user_model()


DELETED_USER = "（已删除的用户）"


def _pk_of(value: Any) -> int | None:
    if value in (None, "", "None") or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _model_of(entry: LogEntry) -> type[models.Model] | None:
    return entry.content_type.model_class() if entry.content_type_id else None


def _relation(model: type[models.Model] | None, name: str) -> Any:
    """The foreign key (or one-to-one) field ``name`` of ``model``, None for any other key."""
    from django.core.exceptions import FieldDoesNotExist

    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "many_to_one", False) or getattr(field, "one_to_one", False) else None


def related_ids(entries: Iterable[LogEntry]) -> dict[type[models.Model], set[int]]:
    """Per related model, the ids the entries' changed foreign keys point to (before and after)."""
    wanted: dict[type[models.Model], set[int]] = {}
    for entry in entries:
        model = _model_of(entry)
        changes = entry.changes if isinstance(entry.changes, dict) else (entry.changes_dict or {})
        for name, values in changes.items():
            field = _relation(model, str(name))
            if field is not None and field.concrete and isinstance(values, (list, tuple)):
                ids = {pk for pk in map(_pk_of, values) if pk is not None}
                if ids:
                    wanted.setdefault(field.related_model, set()).update(ids)
    return wanted


def roles_prefetch(to_user: str = "") -> Any:
    """``prefetch_related`` of the role assignments (with their regions, in ``User.assignments()`` order) of
    the user a row's foreign key ``to_user`` points to (``"recorded_by"``; "" for a queryset of users): one
    query for a whole page, so that ``|actor_label`` on every row reads no more."""
    from django.contrib.auth import get_user_model
    from django.db.models import Prefetch

    related = get_user_model()._meta.get_field("role_assignments").related_model
    return Prefetch(
        f"{to_user}__role_assignments" if to_user else "role_assignments",
        queryset=related._default_manager.select_related("region").order_by("region__tree_path", "role"),
    )


def people_labels(ids: Iterable[int], *, also: Iterable[Any] = ()) -> dict[int, str]:
    """:func:`actor_label` of each user id in ``ids``, in one user query and one role query (the roles of
    the users in ``also``, e.g. the entries' actors, come with that same role query)."""
    from django.contrib.auth import get_user_model
    from django.db.models import prefetch_related_objects

    ids = set(ids)
    users = list(get_user_model()._default_manager.filter(pk__in=ids)) if ids else []
    others = [u for u in also if u is not None and getattr(u, "_fx_assignments", None) is None]
    if users or others:
        prefetch_related_objects([*users, *others], roles_prefetch())
    return {u.pk: actor_label(u) for u in users}


DELETED_RECORD = "（已删除的记录）"


def record_placeholder(pk: Any) -> str:
    """A related record the reader may not see (or that no longer exists), named by id only."""
    return f"（记录 #{pk}）"


def related_labels(
    entries: Iterable[LogEntry],
    *,
    user: Any = None,
    public: Iterable[type[models.Model]] = (),
    also: Iterable[Any] = (),
) -> dict[tuple[str, int], str]:
    """``(model label, id) -> text`` for every record the entries' changed foreign keys point to, one query
    per related model: a user by name and Chinese role (:func:`people_labels`), any other record by
    ``str(obj)``. With ``user``, a region-owned record shows only when ``user`` may view it, a catalogue
    record only for the models in ``public``; every other one reads :func:`record_placeholder`."""
    from django.contrib.auth import get_user_model

    from fanxiang.core.scope import VIEW

    user_model = get_user_model()
    public = set(public)
    labels: dict[tuple[str, int], str] = {}
    wanted = related_ids(entries)
    users = people_labels(wanted.pop(user_model, set()), also=also)
    labels.update({(user_model._meta.label, pk): text for pk, text in users.items()})
    for model, ids in wanted.items():
        manager = model._default_manager
        if user is not None and hasattr(manager, "for_user"):
            qs = manager.for_user(user, VIEW)
        elif user is not None and model not in public:
            continue
        else:
            qs = manager.all()
        labels.update({(model._meta.label, obj.pk): str(obj) for obj in qs.filter(pk__in=ids)})
    return labels


def related_value(field: Any, value: Any, labels: dict[tuple[str, int], str], *, scoped: bool) -> str:
    """A logged foreign-key value as text: the related record's label, "" for none; a record missing from
    ``labels`` reads by its id when the labels are scoped to a reader (``scoped``: hidden or deleted, the
    reader is not told which), else as deleted."""
    if value in (None, "", "None"):
        return ""
    pk = _pk_of(value)
    if pk is None:
        return str(value)
    found = labels.get((field.related_model._meta.label, pk))
    if found is not None:
        return found
    if scoped:
        return record_placeholder(pk)
    return DELETED_USER if _is_user_field(field) else DELETED_RECORD


class _Page:
    """Entries read together; what their changed foreign keys point to is read for all of them on the
    first :func:`change_rows` of one (a page that lists only actors and actions never reads it)."""

    def __init__(self, entries: list[LogEntry]) -> None:
        self.entries = entries
        self._labels: dict[tuple[str, int], str] | None = None

    def labels(self) -> dict[tuple[str, int], str]:
        if self._labels is None:
            self._labels = related_labels(self.entries)
        return self._labels


def prime_people(entries: Iterable[LogEntry]) -> None:
    """Read, for a page of entries at once, the people and records they name: the actors' roles now (one
    query), what their changed foreign keys point to when :func:`change_rows` first needs it."""
    from django.db.models import prefetch_related_objects

    entries = list(entries)
    actors = [
        e.actor
        for e in entries
        if e.actor_id is not None and getattr(e.actor, "_fx_assignments", None) is None
    ]
    if actors:
        prefetch_related_objects(actors, roles_prefetch())
    page = _Page(entries)
    for entry in entries:
        entry._fx_page = page


def _display_without_relations(entry: LogEntry, model: type[models.Model], raw: dict) -> dict[str, Any]:
    """auditlog's display values (choice labels, local times) of the entry's fields other than foreign
    keys: its display of a foreign key reads the related record, one query a value (they come from
    :func:`related_labels` instead, for the whole page at once)."""
    import copy

    plain = {k: v for k, v in raw.items() if _relation(model, str(k)) is None}
    if not plain:
        return {}
    shadow = copy.copy(entry)
    shadow.changes = plain
    try:
        return {str(k): v for k, v in shadow.changes_display_dict.items()}
    except Exception:  # a change of a field that no longer exists: show the raw values
        return {}


def change_rows(entry: LogEntry) -> list[tuple[str, str, str]]:
    """``(Chinese field label, before, after)`` per changed field of the entry, in the model's terms (choice
    labels, related objects by name); bookkeeping fields and fields with no Chinese label are left out."""
    from django.core.exceptions import FieldDoesNotExist

    model = entry.content_type.model_class() if entry.content_type_id else None
    raw = entry.changes_dict or {}
    if model is None or not raw:
        return []
    display = _display_without_relations(entry, model, raw)
    page = getattr(entry, "_fx_page", None)
    related = page.labels() if page is not None else related_labels([entry])  # read on its own: just its own
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
        if _relation(model, name) is not None and isinstance(values, (list, tuple)) and len(values) == 2:
            # a person by name and role, another record by its name: read for the whole page at once
            rows.append((label, *(related_value(field, v, related, scoped=False) for v in values)))
            continue
        # a JSON field's raw value: its display form is a truncated repr
        shown = values if is_m2m or isinstance(field, models.JSONField) else display.get(label, values)
        if isinstance(shown, dict) and shown.get("type") == "m2m":
            objects = "、".join(map(str, shown.get("objects", [])))
            rows.append((label, "", f"{shown.get('operation', '')}：{objects}"))
        elif isinstance(shown, (list, tuple)) and len(shown) == 2:
            labels = _value_labels(model, field)
            rows.append(
                (
                    label,
                    _readable(field, labels, shown[0]),
                    _readable(field, labels, shown[1]),
                )
            )
        else:
            rows.append((label, "", _readable(field, _value_labels(model, field), shown)))
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
