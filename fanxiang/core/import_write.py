"""The set-wise write of an import: plain rows in, ids out, and the change log of the rows written.

An import validates every row through the same validation as a manual edit and then writes the valid rows
set-wise, with the effects the per-row service would have, in one transaction. These are the pieces every
such write needs. Part of :mod:`fanxiang.core.imports`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, models
from django.utils import timezone

BATCH = 500  # rows per bulk statement / IN (...) list: well inside SQLite's and PostgreSQL's limits
SQLITE_CACHE_KIB = 256 * 1024
LOG_BATCH = 5_000


def chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_rows(
    model: type[models.Model], rows: list[dict[str, Any]], *, returning: bool = False
) -> list[int]:
    """Insert plain rows (attname → Python value); with ``returning``, give back their ids in row order.

    The hot path of a large import. ``bulk_create`` spends most of its time building model instances and
    preparing each value through the field API (≈40 % of a 100k-row commit). Here every field not given
    takes its model default and only values that need adapting (dates, datetimes, decimals, JSON) are
    adapted. PostgreSQL: ``COPY … FROM STDIN`` with ids drawn from the table's sequence first (a
    multi-row INSERT there spends its time parsing 30,000 placeholders). SQLite: multi-row ``INSERT …
    RETURNING id``, which keeps the VALUES order (SQLite ≥ 3.35; Django's bulk_create relies on it)."""
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in rows[0]}
    ops = connection.ops
    spec: list[tuple[str, Callable[[Any], Any] | None]] = []
    for f in fields:
        if isinstance(f, models.DateTimeField):
            adapter: Callable[[Any], Any] | None = ops.adapt_datetimefield_value
        elif isinstance(f, models.DateField):
            adapter = ops.adapt_datefield_value
        elif isinstance(f, (models.DecimalField, models.JSONField, models.UUIDField)):
            adapter = functools.partial(f.get_db_prep_save, connection=connection)
        else:
            adapter = None
        spec.append((f.attname, adapter))

    def values(row: dict[str, Any]) -> list[Any]:
        out = []
        for name, adapter in spec:
            value = row[name] if name in row else defaults[name]
            out.append(value if adapter is None or value is None else adapter(value))
        return out

    qn = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk.column
    ids: list[int] = []
    # The driver cursor under Django's wrapper: with DEBUG on, Django would keep each statement (a thousand
    # rows of values) in connection.queries. Errors still map to django.db exceptions (IntegrityError on a
    # concurrent registration).
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        if connection.vendor == "postgresql":
            columns = [qn(f.column) for f in fields]
            if returning:
                raw.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [qn(table), pk, len(rows)],
                )
                ids = [r[0] for r in raw.fetchall()]
                columns.insert(0, qn(pk))
            with raw.copy(f"COPY {qn(table)} ({', '.join(columns)}) FROM STDIN") as copy:
                if returning:
                    for pk_value, row in zip(ids, rows, strict=True):
                        copy.write_row([pk_value, *values(row)])
                else:
                    for row in rows:
                        copy.write_row(values(row))
            return ids
        columns_sql = ", ".join(qn(f.column) for f in fields)
        placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
        per_statement = max(1, min(1_000, (connection.features.max_query_params or 65_535) // len(fields)))
        suffix = f" RETURNING {qn(pk)}" if returning else ""
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            params: list[Any] = []
            for row in part:
                params.extend(values(row))
            raw.execute(
                f"INSERT INTO {qn(table)} ({columns_sql}) "  # noqa: S608
                f"VALUES {', '.join([placeholder] * len(part))}{suffix}",
                params,
            )
            if returning:
                ids.extend(r[0] for r in raw.fetchall())
    return ids


def id_ranges(ids: list[int], min_run: int = 50) -> tuple[list[tuple[int, int]], list[int]]:
    """Split ids into runs of consecutive values (a bulk insert's ids) and the scattered rest."""
    runs: list[tuple[int, int]] = []
    rest: list[int] = []
    ordered = sorted(set(ids))
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            if i - start >= min_run:
                runs.append((ordered[start], ordered[i - 1]))
            else:
                rest.extend(ordered[start:i])
            start = i
    return runs, rest


@contextmanager
def bulk_write_session() -> Iterator[None]:
    """SQLite keeps a 2 MB page cache per connection by default; a 100k-row transaction then spills pages
    to the WAL and reads them back over and over while it maintains the indexes. Give this import's
    connection a larger cache (pages are taken only as needed) and restore it afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def write_change_log(*, model: type[models.Model], actor: Any, entries: Iterable[dict[str, Any]]) -> None:
    """The generic change log (django-auditlog's ``LogEntry``) of rows an import wrote set-wise: auditlog
    writes its rows on ``save()``, which a bulk insert bypasses, and a ``save()`` a row would cost a round
    trip each. Each entry: ``pk``, ``repr``, ``action`` (``"create"`` or ``"update"``), ``changes`` (auditlog's
    ``{field: [before, after]}``) and ``data`` (``additional_data``)."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    actions = {"create": LogEntry.Action.CREATE, "update": LogEntry.Action.UPDATE}
    actor = actor if getattr(actor, "pk", None) else None
    common = {
        "content_type_id": ContentType.objects.get_for_model(model).pk,
        "actor_id": actor.pk if actor else None,
        "actor_email": getattr(actor, "email", None) if actor else None,
        "timestamp": timezone.now(),
        "remote_addr": None,
        "remote_port": None,
        "cid": None,
        "serialized_data": None,
        "changes_text": "",
    }
    rows = [
        {
            **common,
            "object_pk": str(e["pk"]),
            "object_id": e["pk"],
            "object_repr": str(e["repr"])[:500],
            "action": actions[e["action"]],
            "changes": e["changes"],
            "additional_data": e["data"],
        }
        for e in entries
    ]
    for part in chunks(rows, LOG_BATCH):
        insert_rows(LogEntry, part)


def record_import_event(
    *,
    actor: Any,
    model: type[models.Model],
    label: str,
    file: str,
    total_rows: int,
    created: int,
    error_rows: int,
    partial: bool,
    **data: Any,
) -> None:
    """The import's summary event in the audit log (actor, file, counts; ``data`` adds the import's own
    facts, e.g. which ids it created), written in the import's transaction."""
    from fanxiang.core import audit

    audit.record_event(
        event=audit.EVENT_CREATE,
        actor=actor,
        model=model,
        object_repr=f"{label}：{file or '文件'}"[:500],
        data={"import": True, "file": file, "total_rows": total_rows, "created": created,
              "error_rows": error_rows, "partial": partial, **data},
    )  # fmt: skip
