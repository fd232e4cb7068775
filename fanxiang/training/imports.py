"""Excel/CSV import of a class's enrolments (报名学员批量导入), on the import framework (``core.imports``).

Every row goes through :meth:`fanxiang.training.services.EnrolmentBatch.enrol`, the very code of a single
enrolment (:func:`~fanxiang.training.services.enrolment_create`: ID number checked, the person linked or
registered, every enrolment rule: age window, already completed the kind, overlapping class, capacity,
pensioner/student, village and post), each row inside its own savepoint so a refused row leaves nothing
behind. The class is locked once for the file, its rule and seat count read once; the people of every
chunk of rows and their enrolments (already in the class, completed the kind, in an overlapping class) are
looked up together before the chunk. A bad row is reported by Excel row number, column and
the rule's Chinese reason with its code. ``check`` runs every row and rolls everything back (nothing is
written, so the seats counted are the file's own); ``all`` writes only when no row is bad; ``partial``
writes the good rows. A later row repeating an earlier row's ID number is an error on the later row.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from fanxiang.core import imports as core
from fanxiang.core.errors import DomainError, Forbidden
from fanxiang.core.imports import Column, NothingWritten, RowErrors, Table, cell_text
from fanxiang.core.scope import ADD, resolve
from fanxiang.training import services
from fanxiang.training.choices import EnrolmentSource, ProgrammeKind, VillagePost
from fanxiang.training.models import Enrolment, TrainingClass

COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", True, 10, help="必填；已登记人员须与登记的姓名一致。", aliases=("学员姓名",)),
    Column(
        "身份证号码",
        "id_number",
        True,
        22,
        text=True,
        help="必填，18位；未登记的学员按此号码登记。请将本列设为文本格式。",
        aliases=("身份证号", "公民身份号码"),
    ),
    Column(
        "手机号", "mobile", False, 14, text=True, help="新学员登记时使用。", aliases=("手机号码", "联系电话")
    ),
    Column("村", "village_name", False, 16, help="致富带头人培训必填：学员所在村。", aliases=("所在村",)),
    Column(
        "职务",
        "post",
        False,
        14,
        help="致富带头人培训必填：" + "、".join(str(label) for _v, label in VillagePost.choices) + "。",
        aliases=("村内职务",),
    ),
    Column("备注", "note", False, 20, help="选填，不导入。"),
)
MAX_ROWS = 10_000
CHUNK = 500  # rows whose people and enrolment facts are looked up together
SPEC = core.ImportSpec(
    columns=COLUMNS,
    max_rows=MAX_ROWS,
    max_file_bytes=20 * 1024 * 1024,
    ignored_headers=(core.ERROR_HEADER, "序号"),
    error_columns={"entrepreneur": "身份证号码", "village": "村", "region": "身份证号码", "confirm": "姓名"},
)
POSTS = {str(label): value for value, label in VillagePost.choices} | {v: v for v in VillagePost.values}
POSTS |= {"村支书": VillagePost.SECRETARY, "支书": VillagePost.SECRETARY, "村主任": VillagePost.DIRECTOR}
FIELDS = {c.field for c in COLUMNS}
RULES = (
    "1. 在“报名学员”工作表填写，第1行为列名（不要修改），每行一名学员；红色列名为必填列。",
    "2. 每行按单个报名的同一规则校验：身份证号码、年龄范围、是否已结业同类培训、是否报名同期其他培训班、"
    "是否满员、退休人员/全日制在校生。",
    "3. 先“只校验”：列出每个错误行的行号、列名和原因，不写入任何数据。确认后再选择导入方式上传同一文件。",
    "4. 未登记的学员按身份证号码、姓名和手机号登记到本班所在县。",
    f"5. 每次最多{MAX_ROWS:,}行；支持 .xlsx、.xls 和 .csv 文件。",
)


@dataclass
class EnrolmentImportReport(core.ImportReport):
    registered: int = 0  # new trainees registered in the registry (committed imports)

    def extra(self) -> dict[str, Any]:
        return {"registered": self.registered}


def _row_data(table: Table, values: list[Any]) -> dict[str, Any]:
    data = {name: cell_text(table.cell(values, name)) for name in FIELDS if name in table.columns}
    data["id_number"] = (data.get("id_number") or "").upper()
    post = data.pop("post", "")
    if post:
        data["post"] = POSTS.get(post.strip(), post.strip())
    return data


def _field_of(exc: DomainError) -> str:
    items = (exc.details or {}).get("items") or []
    if items:
        return items[0]["field"]
    for field in exc.errors or {}:
        return field
    return "id_number"


def _add_error(errors: RowErrors, row: int, exc: DomainError) -> None:
    items = (exc.details or {}).get("items") or []
    if items:
        for item in items:
            errors.add(row, _column_field(item["field"]), item["code"], item["message"])
        return
    errors.add(row, _column_field(_field_of(exc)), exc.code, exc.message)


def _column_field(field: str) -> str:
    return field if field in FIELDS or field in SPEC.error_columns else "id_number"


def _prefetched(table: Table, batch: services.EnrolmentBatch, known: set[int]) -> Iterator[tuple[int, list]]:
    """The rows of ``table``, the registry people and enrolment facts of each chunk looked up before it."""
    rows = iter(table.rows)
    while chunk := list(itertools.islice(rows, CHUNK)):
        batch.prefetch(cell_text(table.cell(values, "id_number")).upper() for _row, values in chunk)
        known |= batch.known
        yield from chunk


def enrolment_import(
    *, actor: Any, training_class: TrainingClass, content: bytes, filename: str, mode: str = "check"
) -> EnrolmentImportReport:
    """Import the enrolments of ``training_class``. ``mode``: ``check`` (validate, write nothing),
    ``all`` (write only if no row is bad), ``partial`` (write the good rows)."""
    if resolve(actor, Enrolment, ADD).empty:
        raise Forbidden("training.forbidden", "您的角色无权为培训班报名学员。")
    table = core.read_table(content, filename, SPEC)
    dry_run, partial = mode == "check", mode == "partial"
    report = EnrolmentImportReport(
        total_rows=table.total_rows, ignored_columns=table.ignored_columns, dry_run=dry_run, partial=partial
    )
    errors = RowErrors(SPEC)
    valid = 0
    village = training_class.programme.kind == ProgrammeKind.VILLAGE_LEADER
    known: set[int] = set()  # registry people of the file before the import (not counted as registered)
    try:
        with transaction.atomic():
            batch = services.EnrolmentBatch.open(actor=actor, training_class=training_class)
            seen: dict[str, int] = {}
            for row, values in _prefetched(table, batch, known):
                data = _row_data(table, values)
                first = seen.get(data["id_number"]) if data["id_number"] else None
                if first is not None:
                    errors.add(
                        row,
                        "id_number",
                        "training.import_duplicate",
                        f"与本文件第{first}行的身份证号码重复。",
                    )
                    continue
                if data["id_number"]:
                    seen[data["id_number"]] = row
                if not data.get("name"):
                    errors.add(row, "name", "training.name_required", "请填写姓名。")
                    continue
                if not village:
                    data.pop("village_name", None)
                    data.pop("post", None)
                try:
                    with transaction.atomic():  # the row's one savepoint: a refused row may have registered
                        enrolment = batch.enrol(data, source=EnrolmentSource.IMPORT, expect_name=data["name"])
                except DomainError as exc:
                    _add_error(errors, row, exc)
                    continue
                valid += 1
                report.registered += enrolment.entrepreneur_id not in known
            report.errors = errors.as_list()
            if not core.keep_write(dry_run=dry_run, partial=partial, has_errors=bool(errors)) or not valid:
                raise NothingWritten
            report.created = valid
            report.committed = True
            core.record_import_event(
                actor=actor,
                model=Enrolment,
                label="批量导入报名学员",
                file=filename,
                total_rows=report.total_rows,
                created=report.created,
                error_rows=report.error_rows,
                partial=partial,
                training_class=training_class.pk,
            )
    except NothingWritten:
        report.registered = 0
    report.errors = errors.as_list()
    report.valid_rows = valid
    return report


def bad_rows(content: bytes, filename: str, report_errors: list[dict]) -> bytes:
    """The bad rows of an upload with their 错误原因, to fix and upload again."""
    table = core.read_table(content, filename, SPEC)
    bad = {e["row"] for e in report_errors}
    return core.bad_rows_workbook(
        SPEC, table.headers, table.columns, [(r, v) for r, v in table.rows if r in bad], report_errors
    )


def template_workbook() -> bytes:
    template = core.Template(
        title="报名学员",
        notes_title="培训班报名学员批量导入说明",
        rules=RULES,
        examples=(["张三", "", "13800000000", "", "", ""],),
        rows=1000,
    )
    return core.template_workbook(SPEC, template)
