"""Excel/CSV import of returnee entrepreneurs.

One column spec (Chinese headers ↔ field names) serves the downloadable template, the reader, the
report, the bad-rows file and the export (``exports.py``), so an exported file imports back unchanged.

Every row goes through ``validation.clean_entrepreneur`` — the validation of a manual edit — with the
regions and priority groups preloaded. The report names every bad row by its Excel row number (header =
row 1), column (Chinese header), stable code and message. Rows are never dropped silently: a row is
created, updated, unchanged or reported.

The write is set-wise but has the effects of ``services.entrepreneur_create`` / ``entrepreneur_update``
row by row: encrypted PII with its keyed hash and mask, pinyin initials, ``counted_on``, priority
groups (including the Hubei rule), per-region monthly rollups, duplicate-candidate flags, and the
change log — all in one transaction, so the default all-or-nothing mode writes everything or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fanxiang.core import audit, pii
from fanxiang.core import imports as core
from fanxiang.core.errors import Forbidden, InvalidInput
from fanxiang.core.imports import (
    BATCH,
    ImportStage,
    NothingWritten,
    RowErrors,
    Table,
    cell_date,
    cell_text,
    chunks,
    id_ranges,
    insert_rows,
)
from fanxiang.core.scope import ADD, CHANGE, VIEW, Scope, resolve
from fanxiang.entrepreneurs.choices import (
    INDICATOR_NEW_ENTREPRENEURS,
    Category,
    DuplicateReason,
    Education,
    RecordStatus,
)
from fanxiang.entrepreneurs.import_columns import (
    BY_FIELD,
    COLUMNS,
    EXPORT_ONLY_HEADERS,
    HEADERS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    REQUIRED_HEADERS,
    SPEC,
)
from fanxiang.entrepreneurs.models import DuplicateCandidate, Entrepreneur, PriorityGroup
from fanxiang.entrepreneurs.services import ID_HELD_ELSEWHERE, priority_changed
from fanxiang.entrepreneurs.validation import RegionIndex, clean_entrepreneur
from fanxiang.regions.models import Region, RegionLevel
from fanxiang.regions.rollups import rollup_add_many

# names of the import other modules use (the spec lives in import_columns, the framework in core.imports)
__all__ = ["BY_FIELD", "COLUMNS", "EXPORT_ONLY_HEADERS", "HEADERS", "MAX_FILE_BYTES", "MAX_ROWS", "SPEC"]

ImportColumn = core.Column
ERROR_HEADER = core.ERROR_HEADER
BACKGROUND_THRESHOLD = 2_000  # more data rows than this: a background task, with a progress bar
PROGRESS_EVERY = 1_000
PER_ROW_CREATE_LOG = (
    5_000  # imports creating more people log them in the summary event (see _write_change_log)
)


def read_table(content: bytes, filename: str) -> Table:
    """Parse an upload into a :class:`~fanxiang.core.imports.Table` (file-level problems: InvalidInput
    with an ``import.*`` code, see :func:`fanxiang.core.imports.read_table`)."""
    return core.read_table(content, filename, SPEC)


def _read_excel_rows(content: bytes) -> list[list[Any]]:
    return core.read_excel_rows(content, REQUIRED_HEADERS)


# --------------------------------------------------------------------------- cell normalisation

_REGION_RE = re.compile(r"^(\d{6,12}|\d{6}[A-Z]\d{2})(?:[\s\-—:：]+(.+))?$")
DATE_FIELDS = ("return_date", "started_on")
REGION_FIELDS = ("region", "hukou_region")


@dataclass
class RowInput:
    data: dict[str, Any]
    id_as_number: bool = False
    region_names: dict[str, str] = field(default_factory=dict)  # field -> name typed after the code


def row_input(table: Table, values: list[Any]) -> RowInput:
    data: dict[str, Any] = {}
    out = RowInput(data)
    for name, index in table.columns.items():
        value = values[index] if index < len(values) else None
        if name in DATE_FIELDS:
            data[name] = cell_date(value)
            continue
        text = cell_text(value)
        if name == "id_number":
            out.id_as_number = isinstance(value, (int, float)) and not isinstance(value, bool)
            text = text.upper()
        elif name in REGION_FIELDS:
            m = _REGION_RE.match(text.upper())
            if m:
                text = m.group(1)
                if m.group(2):
                    out.region_names[name] = m.group(2).strip()
        elif name == "priority_groups":
            text = text.replace("；", ",").replace(";", ",")
        data[name] = text
    return out


# --------------------------------------------------------------------------- report


@dataclass
class ImportReport(core.ImportReport):
    """The common report (:class:`fanxiang.core.imports.ImportReport`) plus the duplicate flags raised."""

    duplicate_candidates: int = 0

    def extra(self) -> dict[str, Any]:
        return {"duplicate_candidates": self.duplicate_candidates}


# --------------------------------------------------------------------------- the import


@dataclass
class _Pending:
    row: int
    clean: dict[str, Any]
    id_hash: str


@dataclass
class _Context:
    actor: Any
    add: Scope
    change: Scope
    view: Scope
    regions: RegionIndex
    region_by_id: dict[int, Region]
    groups: dict[str, str]  # code -> name
    today: dt.date
    present: set[str]


Progress = core.jobs.Progress


def _holder_name(ctx: _Context, region_id: int) -> str:
    node = ctx.region_by_id.get(region_id)
    while node is not None and node.level not in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):
        node = ctx.region_by_id.get(node.parent_id) if node.parent_id else None
    return node.name if node is not None else "其他县（市、区）"


def _load_context(actor: Any, present: set[str]) -> _Context:
    add = resolve(actor, Entrepreneur, ADD)
    if add.empty:
        raise Forbidden("scope.region_forbidden", "您的角色无权登记返乡创业人员，不能批量导入。")
    regions = RegionIndex.load()
    return _Context(
        actor=actor,
        add=add,
        change=resolve(actor, Entrepreneur, CHANGE),
        view=resolve(actor, Entrepreneur, VIEW),
        regions=regions,
        region_by_id={r.pk: r for r in Region.objects.all()},
        groups={g.code: g.name for g in PriorityGroup.objects.filter(is_active=True)},
        today=timezone.localdate(),
        present=present,
    )


def _validate(table: Table, ctx: _Context, errors: RowErrors, progress: Progress | None) -> list[_Pending]:
    """Validate every row on its own (no database writes): the shared validation, the importer's ADD
    scope, and ID numbers repeated inside the file (an error on the later row)."""
    seen: dict[str, int] = {}
    pending: list[_Pending] = []
    for done, (row, values) in enumerate(table.rows, start=1):
        table.rows[done - 1] = (row, [])  # the cells are not needed again: free them as we go
        given = row_input(table, values)
        clean, found = clean_entrepreneur(
            given.data, regions=ctx.regions, priority_codes=ctx.groups, today=ctx.today
        )
        for item in found.items:
            message = item["message"]
            if item["field"] == "id_number" and given.id_as_number:
                message += "（该单元格是数字格式，Excel 只保留15位有效数字，请把本列设为文本后重新填写）"
            errors.add(row, item["field"], item["code"], message)
        for name, typed in given.region_names.items():
            region = clean.get(name)
            if region is not None and typed not in (region.name, region.full_name):
                errors.add(
                    row,
                    name,
                    "import.region_name_mismatch",
                    f"区划代码 {region.code} 是“{region.name}”，与所填名称“{typed}”不一致。",
                )
        region = clean.get("region")
        if region is not None and not ctx.add.covers_path(region.tree_path):
            errors.add(
                row, "region", "scope.region_forbidden", f"“{region.full_name}”不在您负责的行政区划范围内。"
            )
        id_hash = ""
        if "id_number" in clean:
            id_hash = pii.index(clean["id_number"])
            first = seen.setdefault(id_hash, row)
            if first != row:
                errors.add(
                    row,
                    "id_number",
                    "import.duplicate_in_file",
                    f"与本文件第{first}行的身份证号码重复（同一人只能出现一次）。",
                )
        if not errors.has(row):
            pending.append(_Pending(row, clean, id_hash))
        if progress and done % PROGRESS_EVERY == 0:
            progress(ImportStage.VALIDATING, done)
    if progress:
        progress(ImportStage.VALIDATING, len(table.rows))
    return pending


# Fields a row may change on an existing person (the columns present in the file decide which).
_COMPARE = ("name", "region", "hukou_region", "category", "return_date", "started_on", "worked_province",
            "worked_city", "worked_months", "education", "skills", "notes")  # fmt: skip


def _clean_value(clean: dict[str, Any], name: str) -> Any:
    value = clean.get(name)
    if name in ("region", "hukou_region"):
        return value.pk if value is not None else None
    return value


@dataclass
class _Plan:
    creates: list[_Pending] = field(default_factory=list)
    updates: list[tuple[_Pending, Entrepreneur, dict[str, tuple[Any, Any]], set[str] | None]] = field(
        default_factory=list
    )
    unchanged: int = 0


def _classify(pending: list[_Pending], ctx: _Context, errors: RowErrors, *, lock: bool) -> _Plan:
    """Sort valid rows into creates, updates and unchanged against the database as it is now; an ID
    number another county holds, or a closed record, is an error on that row."""
    plan = _Plan()
    existing: dict[str, tuple[int, int, str, str]] = {}
    for chunk in chunks([p.id_hash for p in pending]):
        for h, pk, region_id, path, status in Entrepreneur.objects.filter(
            id_number_hash__in=chunk
        ).values_list("id_number_hash", "pk", "region_id", "region__tree_path", "status"):
            existing[h] = (pk, region_id, path, status)
    to_update: list[tuple[_Pending, int]] = []
    for p in pending:
        found = existing.get(p.id_hash)
        if found is None:
            plan.creates.append(p)
            continue
        pk, region_id, path, status = found
        if not ctx.change.covers_path(path):
            if ctx.view.covers_path(path):
                message = f"该身份证号码已登记（{_holder_name(ctx, region_id)}），您无权修改该记录。"
            else:
                message = ID_HELD_ELSEWHERE  # outside the actor's scope: name no county, no record
            errors.add(p.row, "id_number", "entrepreneur.duplicate_id_number", message)
        elif status != RecordStatus.ACTIVE:
            errors.add(
                p.row, "id_number", "entrepreneur.closed", "该身份证号码的人员记录已注销，不能通过导入修改。"
            )
        elif not ctx.change.covers_path(p.clean["region"].tree_path):
            errors.add(p.row, "region", "scope.region_forbidden", "不能把人员改到您负责范围以外的区划。")
        else:
            to_update.append((p, pk))
    if not to_update:
        return plan
    through = Entrepreneur.priority_groups.through
    columns = ["pk", *(_ATTNAMES[name] for name in _COMPARE), "mobile_hash", "mobile_masked"]
    for chunk in chunks(to_update):
        pks = [pk for _p, pk in chunk]
        # compare on plain values first: a re-imported file is mostly unchanged rows
        current = {
            row[0]: dict(zip(columns, row, strict=True))
            for row in Entrepreneur.objects.filter(pk__in=pks).values_list(*columns)
        }
        codes: dict[int, set[str]] = defaultdict(set)
        for eid, code in through.objects.filter(entrepreneur_id__in=pks).values_list(
            "entrepreneur_id", "prioritygroup__code"
        ):
            codes[eid].add(code)
        changed: list[tuple[_Pending, int]] = []
        for p, pk in chunk:
            changes, new_groups = _diff(p, current[pk].get, codes[pk], ctx)
            if changes or new_groups is not None:
                changed.append((p, pk))
            else:
                plan.unchanged += 1
        if not changed:
            continue
        qs = Entrepreneur.objects.filter(pk__in=[pk for _p, pk in changed])
        if lock and connection.features.has_select_for_update:
            qs = qs.select_for_update()
        people = {e.pk: e for e in qs}
        for p, pk in changed:  # diff again on the (locked) record: its values are what we change from
            person = people[pk]
            changes, new_groups = _diff(p, lambda attname, _e=person: getattr(_e, attname), codes[pk], ctx)
            plan.updates.append((p, person, changes, new_groups))
    return plan


_ATTNAMES = {name: f"{name}_id" if name in ("region", "hukou_region") else name for name in _COMPARE}


def _diff(
    p: _Pending, old: Callable[[str], Any], old_codes: set[str], ctx: _Context
) -> tuple[dict[str, tuple[Any, Any]], set[str] | None]:
    """What the row changes on an existing person: the columns present in the file, and the priority
    groups (the 重点群体 column, or only the Hubei rule when just 原务工省份 is given)."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name in _COMPARE:
        if name in ctx.present:
            before, after = old(_ATTNAMES[name]), _clean_value(p.clean, name)
            if before != after:
                changes[name] = (before, after)
    if "mobile" in ctx.present and old("mobile_hash") != pii.index(p.clean["mobile"]):
        changes["mobile"] = (old("mobile_masked"), p.clean["mobile_masked"])
    new_groups: set[str] | None = None
    if "priority_groups" in ctx.present or "worked_province" in ctx.present:
        wanted = set(p.clean["priority_groups"])
        if "priority_groups" not in ctx.present:  # only the Hubei rule applies: add, never remove
            wanted |= old_codes
        if wanted != old_codes:
            new_groups = wanted
    return changes, new_groups


def _new_person_row(p: _Pending, ctx: _Context, now: dt.datetime) -> dict[str, Any]:
    """The values ``services.entrepreneur_create`` saves for one person."""
    clean = p.clean
    hukou = clean["hukou_region"]
    return {
        "name": clean["name"],
        "name_initials": clean["name_initials"],
        "hukou_region_id": hukou.pk if hukou is not None else None,
        "region_id": clean["region"].pk,
        "category": clean["category"],
        "return_date": clean["return_date"],
        "started_on": clean["started_on"],
        "worked_province": clean["worked_province"],
        "worked_city": clean["worked_city"],
        "worked_months": clean["worked_months"],
        "education": clean["education"],
        "skills": clean["skills"],
        "notes": clean["notes"],
        "id_number_enc": pii.encrypt(clean["id_number"]),
        "id_number_hash": p.id_hash,
        "id_number_masked": clean["id_number_masked"],
        "sex": clean["sex"],
        "birth_date": clean["birth_date"],
        "birthplace_code": clean["birthplace_code"],
        "birthplace_name": clean["birthplace_name"],
        "mobile_enc": pii.encrypt(clean["mobile"]),
        "mobile_hash": pii.index(clean["mobile"]),
        "mobile_masked": clean["mobile_masked"],
        "status": RecordStatus.ACTIVE,
        "counted_on": clean["started_on"] or ctx.today,
        "created_at": now,
        "updated_at": now,
        "created_by_id": ctx.actor.pk if getattr(ctx.actor, "pk", None) else None,
    }


def _apply_update(person: Entrepreneur, p: _Pending, changes: dict[str, tuple[Any, Any]]) -> set[str]:
    clean = p.clean
    fields: set[str] = set()
    for name in changes:
        if name == "mobile":
            person.mobile_enc = pii.encrypt(clean["mobile"])
            person.mobile_hash = pii.index(clean["mobile"])
            person.mobile_masked = clean["mobile_masked"]
            fields |= {"mobile_enc", "mobile_hash", "mobile_masked"}
        elif name in ("region", "hukou_region"):
            setattr(person, name, clean[name])
            fields.add(name)
        else:
            setattr(person, name, clean[name])
            fields.add(name)
    if "name" in changes:
        person.name_initials = clean["name_initials"]
        fields.add("name_initials")
    if "started_on" in changes:
        # as entrepreneur_update: counted in the start-up month, else the month of registration
        person.counted_on = clean["started_on"] or timezone.localtime(person.created_at).date()
        fields.add("counted_on")
    return fields


def _flag_duplicates(ids: list[int]) -> int:
    """Set-wise ``services._flag_duplicates`` for many people: pair each with active people of the same
    name and birth date, or the same mobile (at most 20 others per person and reason, newest first, as
    the service). One self-join per reason over each run of new ids, not a query per person."""
    if not ids:
        return 0
    table = connection.ops.quote_name(Entrepreneur._meta.db_table)
    wanted = set(ids)
    runs, rest = id_ranges(ids)
    pairs: set[tuple[int, int, str]] = set()
    queries = (
        (DuplicateReason.SAME_NAME_BIRTH, "b.name = a.name AND b.birth_date = a.birth_date"),
        (DuplicateReason.SAME_MOBILE, "a.mobile_hash <> '' AND b.mobile_hash = a.mobile_hash"),
    )
    selections = [("a.id BETWEEN %s AND %s", [lo, hi]) for lo, hi in runs] + [
        (f"a.id IN ({', '.join(['%s'] * len(chunk))})", chunk) for chunk in chunks(rest)
    ]
    for reason, join in queries:
        per_person: dict[int, int] = defaultdict(int)
        for where, params in selections:
            sql = (
                f"SELECT a.id, b.id FROM {table} a JOIN {table} b ON {join} AND b.id <> a.id "  # noqa: S608
                f"AND b.status = %s WHERE {where} ORDER BY a.id, b.id DESC"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [RecordStatus.ACTIVE, *params])
                for a, b in cursor.fetchall():
                    if a not in wanted or per_person[a] >= 20:
                        continue
                    per_person[a] += 1
                    pairs.add((min(a, b), max(a, b), reason))
    if not pairs:
        return 0
    before = DuplicateCandidate.objects.count()
    DuplicateCandidate.objects.bulk_create(
        [DuplicateCandidate(entrepreneur_id=a, other_id=b, reason=r) for a, b, r in sorted(pairs)],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    return DuplicateCandidate.objects.count() - before


def _audit_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Region):
        return value.pk
    return str(value)


# What django-auditlog records for a created person (the tracked fields minus its exclude_fields).
_LOGGED_CREATE_FIELDS = ("name", "id_number_masked", "sex", "birth_date", "birthplace_code", "birthplace_name",
                         "mobile_masked", "hukou_region", "region", "category", "return_date", "started_on",
                         "worked_province", "worked_city", "worked_months", "education", "skills", "notes",
                         "status", "counted_on", "created_by")  # fmt: skip
_FK_FIELDS = ("hukou_region", "region", "created_by")


def _write_change_log(
    ctx: _Context,
    job_ref: dict[str, Any],
    created: list[tuple[int, dict[str, Any]]],
    updated: list[tuple[Entrepreneur, dict]],
) -> None:
    """The generic change log for imported rows, written in bulk (:func:`fanxiang.core.imports.write_change_log`).

    Our choice, measured against the 30 s budget for 100,000 rows:

    * every *changed* person gets a LogEntry with the before/after values (auditlog's JSON format, the
      actor, ``import_job`` in additional_data) — changes to existing records stay traceable per person;
    * every *created* person gets one too when the import creates up to ``PER_ROW_CREATE_LOG`` people
      (a clerk's everyday upload), so its timeline starts with "created by import #N";
    * above that, created people are covered by the import's summary event (written by the caller:
      actor, file, counts and the created id ranges) plus the job, which keeps the file (encrypted) and
      its report. 100,000 extra LogEntry rows cost ≈ 8 s of the budget (their JSON and seven indexes);
    * unchanged rows write nothing, as a no-op save writes nothing.
    """
    entries: list[dict[str, Any]] = []
    created_data = {"event": audit.EVENT_CREATE, **job_ref}
    for pk, values in created if len(created) <= PER_ROW_CREATE_LOG else ():
        changes: dict[str, list[Any]] = {}
        for name in _LOGGED_CREATE_FIELDS:
            value = values[f"{name}_id" if name in _FK_FIELDS else name]
            if value not in (None, ""):
                changes[name] = [None, _audit_value(value)]
        changes["id"] = [None, pk]
        entries.append(
            {
                "pk": pk,
                "repr": f"{values['name']}（{values['id_number_masked']}）",
                "action": "create",
                "changes": changes,
                "data": created_data,
            }
        )
    updated_data = {"event": audit.EVENT_UPDATE, **job_ref}
    for person, changes in updated:
        entries.append(
            {
                "pk": person.pk,
                "repr": str(person),
                "action": "update",
                "changes": {k: [_audit_value(a), _audit_value(b)] for k, (a, b) in changes.items()},
                "data": updated_data,
            }
        )
    core.write_change_log(model=Entrepreneur, actor=ctx.actor, entries=entries)


def _write(plan: _Plan, ctx: _Context, job_ref: dict[str, Any]) -> tuple[list[int], int, int]:
    """Apply the plan inside the caller's transaction. Returns (created ids, updated, duplicate flags)."""
    through = Entrepreneur.priority_groups.through
    group_ids = dict(PriorityGroup.objects.filter(code__in=list(ctx.groups)).values_list("code", "pk"))
    deltas: list[tuple[int, str, dt.date, int]] = []
    created: list[tuple[int, dict[str, Any]]] = []
    links: list[dict[str, Any]] = []
    now = timezone.now()
    log_each = len(plan.creates) <= PER_ROW_CREATE_LOG
    for chunk in chunks(plan.creates, 5_000):
        rows = [_new_person_row(p, ctx, now) for p in chunk]
        ids = insert_rows(Entrepreneur, rows, returning=True)
        for p, pk, row in zip(chunk, ids, rows, strict=True):
            deltas.append((row["region_id"], INDICATOR_NEW_ENTREPRENEURS, row["counted_on"], 1))
            links.extend(
                {"entrepreneur_id": pk, "prioritygroup_id": group_ids[c]} for c in p.clean["priority_groups"]
            )
            # keep the full values only where the change log will use them (see _write_change_log)
            created.append((pk, row if log_each else {}))
    insert_rows(through, links)

    updated: list[tuple[Entrepreneur, dict]] = []
    regrouped: list[int] = []
    by_fields: dict[frozenset[str], list[Entrepreneur]] = defaultdict(list)
    for p, person, changes, new_groups in plan.updates:
        old_key = (person.region_id, person.counted_on)
        fields = _apply_update(person, p, changes)
        if fields:
            person.updated_at = now
            by_fields[frozenset(fields | {"updated_at"})].append(person)
        if (person.region_id, person.counted_on) != old_key:
            deltas.append((old_key[0], INDICATOR_NEW_ENTREPRENEURS, old_key[1], -1))
            deltas.append((person.region_id, INDICATOR_NEW_ENTREPRENEURS, person.counted_on, 1))
        if new_groups is not None:
            through.objects.filter(entrepreneur_id=person.pk).exclude(
                prioritygroup__code__in=new_groups
            ).delete()
            have = set(
                through.objects.filter(entrepreneur_id=person.pk).values_list(
                    "prioritygroup__code", flat=True
                )
            )
            through.objects.bulk_create(
                [through(entrepreneur_id=person.pk, prioritygroup_id=group_ids[c]) for c in new_groups - have]
            )
            changes = {**changes, "priority_groups": (None, "、".join(sorted(new_groups)))}
            regrouped.append(person.pk)
        updated.append((person, changes))
    for fields, people in by_fields.items():
        Entrepreneur.objects.bulk_update(people, sorted(fields), batch_size=BATCH)
    # once for the batch, inside the import's transaction (entrepreneur_update does it per person)
    if regrouped:
        priority_changed(entrepreneur_ids=regrouped)

    rollup_add_many(deltas)
    created_ids = [pk for pk, _row in created]
    flags = _flag_duplicates(created_ids + [e.pk for e, _c in updated])
    _write_change_log(ctx, job_ref, created, updated)
    return created_ids, len(updated), flags


def run_import(
    *,
    actor: Any,
    table: Table,
    dry_run: bool,
    partial: bool = False,
    progress: Progress | None = None,
    job_ref: dict[str, Any] | None = None,
    source_name: str = "",
) -> ImportReport:
    """Validate every row and, unless ``dry_run``, write. All-or-nothing by default: any bad row and
    nothing is written; with ``partial`` the valid rows are written and the bad ones reported.
    Consumes ``table``: each row's cells are released once validated (read the file again for the
    bad-rows workbook)."""
    started = time.perf_counter()
    report = ImportReport(
        total_rows=table.total_rows,
        ignored_columns=list(table.ignored_columns),
        dry_run=dry_run,
        partial=partial,
    )
    ctx = _load_context(actor, set(table.columns))
    errors = RowErrors(SPEC)
    pending = _validate(table, ctx, errors, progress)
    job_ref = job_ref or {}
    if dry_run:
        plan = _classify(pending, ctx, errors, lock=False)
    else:
        if progress:
            progress(ImportStage.WRITING, table.total_rows)
        try:
            with core.bulk_write_session(), transaction.atomic():
                plan = _classify(pending, ctx, errors, lock=True)
                if not core.keep_write(dry_run=False, partial=partial, has_errors=bool(errors)):
                    raise NothingWritten
                created_ids, report.updated, report.duplicate_candidates = _write(plan, ctx, job_ref)
                report.created = len(created_ids)
                report.committed = True
                runs, _rest = id_ranges(created_ids, min_run=1)
                core.record_import_event(
                    actor=actor,
                    model=Entrepreneur,
                    label="批量导入",
                    file=source_name,
                    total_rows=report.total_rows,
                    created=report.created,
                    error_rows=len(errors),
                    partial=partial,
                    **job_ref,
                    updated=report.updated,
                    unchanged=plan.unchanged,
                    duplicate_candidates=report.duplicate_candidates,
                    # who was created by this import (detail pages, audits): id ranges [first, last]
                    created_ids=[list(r) for r in runs],
                    per_person_log=report.created <= PER_ROW_CREATE_LOG,
                )
        except NothingWritten:
            pass
        except IntegrityError:
            # A person was registered by someone else between our check and our write (the unique ID
            # hash refused it). Nothing of this import was written; running it again reports the row.
            raise InvalidInput(
                "import.concurrent_change",
                "导入期间有人登记了相同的人员，本次导入未写入任何数据，请重新导入。",
            )
    report.errors = errors.as_list()
    bad = len(errors.by_row)
    report.valid_rows = table.total_rows - bad
    if dry_run or report.committed:
        report.created = report.created if report.committed else len(plan.creates)
        report.updated = report.updated if report.committed else len(plan.updates)
        report.unchanged = plan.unchanged
    report.seconds = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------- files out


def _write_only_book():
    from openpyxl import Workbook

    return Workbook(write_only=True)


def _header_cells(ws, headers: Iterable[str], required: set[str] | None = None):
    from fanxiang.core.excel import header_cells

    return header_cells(ws, headers, required)


def bad_rows_workbook(table: Table, errors: list[dict[str, Any]]) -> bytes:
    """The bad rows with their original cells and a 错误原因 column, to fix and upload again."""
    return core.bad_rows_workbook(SPEC, table.headers, table.columns, table.rows, errors)


RULES = (
    "1. 在“人员信息”工作表填写，第1行为列名（不要修改），从第2行起每行一人；红色列名为必填列。",
    "2. 先“校验”：系统逐行检查并列出所有错误（行号、列名、错误代码、原因），不会写入任何数据。",
    "3. 默认“全部正确才导入”：文件中有任何错误行，整个文件都不导入。也可以选择“只导入正确的行”，"
    "错误行可下载为 Excel（含“错误原因”列），修改后重新上传。",
    "4. 身份证号码已登记的人员：在您负责的区划内则按本文件更新（内容相同的不做改动）；由其他县（市、区）"
    "登记的会报错，请提出转移申请。同一身份证号码在文件中出现多次，后出现的行报错。",
    "5. 同一文件重复导入不会产生重复人员。",
    "6. 身份证号码、手机号码、区划代码请设为“文本”格式，否则 Excel 会丢失身份证号码末几位。",
)


def template_workbook(user: Any) -> bytes:
    """The import template: a data sheet with Chinese headers and dropdowns for coded columns, an
    instructions sheet (说明), and the region codes the user may register people in."""
    scope = resolve(user, Entrepreneur, ADD)
    regions = [
        r
        for r in Region.objects.filter(is_active=True, level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP])
        .select_related("parent")
        .order_by("tree_path")
        if scope.covers_path(r.tree_path)
    ]
    groups = lists_pairs()
    rules = (
        *RULES,
        f"7. 每次最多{MAX_ROWS:,}行；超过{BACKGROUND_THRESHOLD:,}行的文件在后台处理，页面显示进度。",
        "8. 支持 .xlsx、.xls 和 .csv（UTF-8 或 GBK 编码）文件。",
    )
    template = core.Template(
        title="人员信息",
        notes_title="返乡入乡创业人员批量导入说明",
        rules=rules,
        dropdowns=(
            core.Dropdown("category", [str(label) for _v, label in Category.choices], strict=True),
            core.Dropdown("education", [str(label) for _v, label in Education.choices], strict=True),
            core.Dropdown(
                "priority_groups", [name for _c, name in groups], prompt="可多选时请用顿号“、”分隔"
            ),
            core.Dropdown("region", [f"{r.code} {r.name}" for r in regions], also=("hukou_region",)),
        ),
        sheets=(
            core.Sheet(
                "区划代码",
                ["区划代码", "名称", "所属"],
                [[r.code, r.name, r.parent.name if r.parent_id else ""] for r in regions],
                widths=(16, 20, 16),
                after_notes=True,
            ),
        ),
        notes_extra=(
            ("重点群体代码", "；".join(f"{code}＝{name}" for code, name in groups)),
            ("人员类别代码", "；".join(f"{v}＝{label}" for v, label in Category.choices)),
            ("文化程度代码", "；".join(f"{v}＝{label}" for v, label in Education.choices)),
        ),
    )
    return core.template_workbook(SPEC, template)


def lists_pairs() -> list[tuple[str, str]]:
    return list(PriorityGroup.objects.filter(is_active=True).values_list("code", "name"))
