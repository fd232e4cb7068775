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

import csv
import datetime as dt
import functools
import io
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from fanxiang.core import audit, pii
from fanxiang.core import imports as bounded
from fanxiang.core.errors import Forbidden, InvalidInput
from fanxiang.core.scope import ADD, CHANGE, VIEW, Scope, resolve
from fanxiang.entrepreneurs.choices import (
    INDICATOR_NEW_ENTREPRENEURS,
    Category,
    DuplicateReason,
    Education,
    RecordStatus,
)
from fanxiang.entrepreneurs.models import DuplicateCandidate, Entrepreneur, PriorityGroup
from fanxiang.entrepreneurs.services import ID_HELD_ELSEWHERE, priority_changed
from fanxiang.entrepreneurs.validation import RegionIndex, clean_entrepreneur
from fanxiang.regions.models import Region, RegionLevel
from fanxiang.regions.rollups import rollup_add_many

# --------------------------------------------------------------------------- the column spec


@dataclass(frozen=True)
class ImportColumn:
    header: str
    field: str
    required: bool = False
    width: int = 14
    text: bool = False  # stored as text in the template, so Excel keeps leading zeros and all 18 digits
    help: str = ""
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("姓名", "name", True, 10, help="必填，不超过32个字。", aliases=("人员姓名",)),
    ImportColumn(
        "身份证号码",
        "id_number",
        True,
        22,
        text=True,
        help="必填，18位（15位旧号码自动转换）；校验位、出生日期、出生地代码均须正确。"
        "已登记的号码视为修改该人员（须在本人负责的区划内）。请将本列设为文本格式。",
        aliases=("身份证号", "公民身份号码", "证件号码"),
    ),
    ImportColumn(
        "手机号码",
        "mobile",
        False,
        14,
        text=True,
        help="选填，11位大陆手机号。",
        aliases=("手机号", "联系电话"),
    ),
    ImportColumn(
        "现居住地区划代码",
        "region",
        True,
        20,
        text=True,
        help="必填，乡镇（街道）的9位代码或县（市、区）的6位代码，须在本人负责的区划内；"
        "可从下拉列表选择（形如“411625101 吴台镇”），全部代码见“区划代码”工作表。",
        aliases=("现居住地代码", "现居住地区划", "区划代码"),
    ),
    ImportColumn(
        "户籍地区划代码",
        "hukou_region",
        False,
        20,
        text=True,
        help="选填，格式同现居住地区划代码。",
        aliases=("户籍地代码", "户籍地区划"),
    ),
    ImportColumn(
        "人员类别",
        "category",
        True,
        12,
        help="必填，从下拉列表选择："
        + "、".join(str(label) for _v, label in Category.choices)
        + "（也可填代码）。",
        aliases=("类别",),
    ),
    ImportColumn(
        "返乡/入乡时间",
        "return_date",
        False,
        14,
        help="选填，日期，如 2020-03-01（也可写 2020/3/1、2020年3月1日）。",
        aliases=("返乡时间", "入乡时间", "返乡入乡时间"),
    ),
    ImportColumn(
        "创业时间",
        "started_on",
        False,
        12,
        help="选填，日期；计入“新增返乡创业人数”的月份（不填则按登记月份计）。",
        aliases=("创业日期",),
    ),
    ImportColumn(
        "原务工省份",
        "worked_province",
        False,
        12,
        help="选填；填湖北（湖北省）自动标记重点群体“原在湖北务工”。",
    ),
    ImportColumn("原务工城市", "worked_city", False, 12, help="选填。"),
    ImportColumn(
        "外出务工时长（月）",
        "worked_months",
        False,
        10,
        help="选填，0至720的整数。",
        aliases=("外出务工时长",),
    ),
    ImportColumn(
        "文化程度",
        "education",
        False,
        14,
        help="选填，从下拉列表选择：" + "、".join(str(label) for _v, label in Education.choices) + "。",
    ),
    ImportColumn("技能特长", "skills", False, 16, help="选填，不超过200字。"),
    ImportColumn(
        "重点群体",
        "priority_groups",
        False,
        20,
        help="选填，可填多个，用顿号“、”或逗号分隔；填名称或代码。",
    ),
    ImportColumn("备注", "notes", False, 20, help="选填，不超过2000字。"),
)
BY_FIELD = {c.field: c for c in COLUMNS}
HEADERS = [c.header for c in COLUMNS]
REQUIRED_HEADERS = [c.header for c in COLUMNS if c.required]
ERROR_HEADER = "错误原因"
# Read-only columns of our own export: recognised on re-import and ignored (they derive from the others).
EXPORT_ONLY_HEADERS = ("现居住地", "户籍地", "性别", "出生日期", "出生地", "状态", "登记时间", ERROR_HEADER)

MAX_ROWS = 200_000
MAX_FILE_BYTES = 50 * 1024 * 1024
BACKGROUND_THRESHOLD = 2_000  # more data rows than this: a background task, with a progress bar
BATCH = 500  # rows per bulk statement / IN (...) list: well inside SQLite's and PostgreSQL's limits
PROGRESS_EVERY = 1_000
SQLITE_CACHE_KIB = 256 * 1024
PER_ROW_CREATE_LOG = (
    5_000  # imports creating more people log them in the summary event (see _write_change_log)
)


def _norm_header(value: Any) -> str:
    text = "" if value is None else str(value)
    text = re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")
    text = text.rstrip("*＊").removesuffix("（必填）").removesuffix("（选填）")
    return text


_HEADER_TO_FIELD: dict[str, str] = {}
for _col in COLUMNS:
    for _name in (_col.header, *_col.aliases):
        _HEADER_TO_FIELD[_norm_header(_name)] = _col.field
_IGNORED_KNOWN = {_norm_header(h) for h in EXPORT_ONLY_HEADERS}


# --------------------------------------------------------------------------- reading


@dataclass
class Table:
    """A parsed upload: the header row and the data rows with their Excel row numbers."""

    headers: list[str]  # as written in the file
    columns: dict[str, int]  # field -> column index
    rows: list[tuple[int, list[Any]]]
    ignored_columns: list[str] = field(default_factory=list)
    file_format: str = "xlsx"

    @property
    def total_rows(self) -> int:
        return len(self.rows)


def _file_error(code: str, message: str, **details: Any) -> InvalidInput:
    return InvalidInput(code, message, errors={"file": [message]}, details=details or None)


def _detect_format(content: bytes, filename: str) -> str:
    name = (filename or "").lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if content[:4] == b"PK\x03\x04":
        kind = "xlsx"
    elif content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        kind = "xls"
    else:
        kind = "csv"
    if ext in ("xlsx", "xlsm", "xls", "ods", "csv", "txt") or (not ext and kind != "csv"):
        if ext in ("csv", "txt") and kind != "csv":
            return kind  # an Excel file renamed .csv: read what it really is
        if ext in ("xlsx", "xlsm", "xls", "ods") and kind == "csv":
            raise _file_error(
                "import.file_unreadable", "文件内容不是有效的 Excel 文件（可能已损坏或只是改了扩展名）。"
            )
        return "xls" if ext in ("xls", "ods") and kind != "xlsx" else kind
    raise _file_error(
        "import.file_type", f"不支持的文件类型“.{ext or '无扩展名'}”：请上传 Excel（.xlsx/.xls）或 CSV 文件。"
    )


def _read_excel_rows(content: bytes) -> list[list[Any]]:
    if content[:4] == b"PK\x03\x04":
        bounded.check_workbook(content)  # refuse far cells, huge cells and zip bombs before reading
    try:
        import python_calamine
    except ImportError:  # pragma: no cover - python-calamine is a dependency; openpyxl reads .xlsx
        return _read_openpyxl_rows(content)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        candidates = [
            m.name
            for m in book.sheets_metadata
            if str(getattr(m, "visible", "Visible")).endswith("Visible")
            and str(getattr(m, "typ", "WorkSheet")).endswith("WorkSheet")
        ] or book.sheet_names
        chosen = candidates[0]
        for name in candidates:  # the first sheet whose header row names a required column
            head = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=1)
            if head and {_norm_header(h) for h in head[0]} & {_norm_header(h) for h in REQUIRED_HEADERS}:
                chosen = name
                break
        return bounded.check_rows(book.get_sheet_by_name(chosen).to_python(skip_empty_area=False))
    except InvalidInput:
        raise
    except Exception as exc:
        if type(exc).__name__ == "PasswordError":
            raise _file_error("import.file_unreadable", "文件设置了密码，请取消密码保护后再上传。")
        if content[:4] == b"PK\x03\x04":  # a .xlsx calamine refuses: let openpyxl try before giving up
            return _read_openpyxl_rows(content)
        raise _file_error(
            "import.file_unreadable", "无法读取该 Excel 文件（可能已损坏），请另存为 .xlsx 后重试。"
        )


def _read_openpyxl_rows(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    bounded.check_workbook(content)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        return bounded.check_rows([list(r) for r in wb.worksheets[0].iter_rows(values_only=True)])
    except InvalidInput:
        raise
    except Exception:
        raise _file_error(
            "import.file_unreadable", "无法读取该 Excel 文件（可能已损坏），请另存为 .xlsx 后重试。"
        )


def _read_csv_rows(content: bytes) -> list[list[Any]]:
    # Excel's "Unicode text" is UTF-16 with a byte-order mark; otherwise UTF-8 (with or without BOM) or GBK
    encodings = ("utf-16",) if content[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise _file_error("import.file_encoding", "无法识别CSV文件的编码，请另存为 UTF-8 或 GBK 编码。")
    if "\x00" in text:
        raise _file_error("import.file_type", "文件不是文本格式的CSV，请上传 Excel（.xlsx）或 CSV 文件。")
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return bounded.read_csv_text(text, dialect)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(content: bytes, filename: str) -> Table:
    """Parse an upload into a :class:`Table`, or raise InvalidInput with a file-level code:
    ``import.file_type``, ``import.file_unreadable``, ``import.file_too_large``, ``import.empty_file``,
    ``import.missing_columns``, ``import.duplicate_column``, ``import.too_many_rows``."""
    if not content:
        raise _file_error("import.empty_file", "上传的文件是空的。")
    if len(content) > MAX_FILE_BYTES:
        raise _file_error(
            "import.file_too_large", f"文件超过{MAX_FILE_BYTES // 1024 // 1024}MB，请拆分后分批导入。"
        )
    kind = _detect_format(content, filename)
    raw = _read_csv_rows(content) if kind == "csv" else _read_excel_rows(content)
    if not raw or all(_blank(v) for v in raw[0]):
        raise _file_error("import.empty_file", "文件第1行应为列名（表头），但第1行是空的。请使用导入模板。")
    headers = ["" if h is None else str(h).strip() for h in raw[0]]
    columns: dict[str, int] = {}
    ignored: list[str] = []
    unnamed: set[int] = set()
    for index, header in enumerate(headers):
        key = _norm_header(header)
        if not key:
            unnamed.add(index)
            continue
        name = _HEADER_TO_FIELD.get(key)
        if name is None:
            if key not in _IGNORED_KNOWN:
                ignored.append(header)
            continue
        if name in columns:
            raise _file_error(
                "import.duplicate_column",
                f"列“{BY_FIELD[name].header}”出现了两次（第{columns[name] + 1}列和第{index + 1}列），请删除其中一列。",
                column=BY_FIELD[name].header,
            )
        columns[name] = index
    missing = [c.header for c in COLUMNS if c.required and c.field not in columns]
    if missing:
        raise InvalidInput(
            "import.missing_columns",
            f"缺少必填列：{'、'.join(missing)}。请使用导入模板，第1行为列名。",
            errors={header: ["缺少此列。"] for header in missing},
            details={"missing_columns": missing},
        )
    rows: list[tuple[int, list[Any]]] = []
    width = len(headers)
    beyond_reported = False
    for number, values in enumerate(raw[1:], start=2):
        if all(_blank(v) for v in values):
            continue
        # data under no header is reported as an ignored column, never dropped silently
        for index in [i for i in unnamed if i < len(values) and not _blank(values[i])]:
            ignored.append(f"第{index + 1}列（无列名）")
            unnamed.discard(index)
        if not beyond_reported and len(values) > width and any(not _blank(v) for v in values[width:]):
            ignored.append(f"第{width + 1}列起（无列名）")
            beyond_reported = True
        rows.append((number, values))
        if len(rows) > MAX_ROWS:
            raise _file_error("import.too_many_rows", f"一次最多导入{MAX_ROWS:,}行，请拆分文件后分批导入。")
    if not rows:
        raise _file_error("import.empty_file", "文件只有表头，没有数据行。")
    return Table(headers=headers, columns=columns, rows=rows, ignored_columns=ignored, file_format=kind)


# --------------------------------------------------------------------------- cell normalisation

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE8_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_REGION_RE = re.compile(r"^(\d{6,12}|\d{6}[A-Z]\d{2})(?:[\s\-—:：]+(.+))?$")
DATE_FIELDS = ("return_date", "started_on")
REGION_FIELDS = ("region", "hukou_region")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _cell_date(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    text = _cell_text(value)
    m = _DATE_RE.match(text) or _DATE8_RE.match(text)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return text


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
            data[name] = _cell_date(value)
            continue
        text = _cell_text(value)
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
class ImportReport:
    total_rows: int = 0
    valid_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = True
    partial: bool = False
    committed: bool = False
    duplicate_candidates: int = 0
    seconds: float = 0.0

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e["row"] for e in self.errors})

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "valid_rows": self.valid_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "error_rows": len(self.bad_rows),
            "ignored_columns": self.ignored_columns,
            "dry_run": self.dry_run,
            "partial": self.partial,
            "committed": self.committed,
            "duplicate_candidates": self.duplicate_candidates,
        }


_COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)}


class _Errors:
    """Per-row errors keyed by Excel row number."""

    def __init__(self) -> None:
        self.by_row: dict[int, list[dict[str, Any]]] = defaultdict(list)

    def add(self, row: int, field_name: str, code: str, message: str) -> None:
        column = BY_FIELD[field_name].header if field_name in BY_FIELD else ""
        self.by_row[row].append({"row": row, "column": column, "code": code, "message": str(message)})

    def has(self, row: int) -> bool:
        return row in self.by_row

    def as_list(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for row in sorted(self.by_row):
            out.extend(sorted(self.by_row[row], key=lambda e: _COLUMN_ORDER.get(e["column"], 99)))
        return out


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


Progress = Callable[[str, int], None]


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


def _validate(table: Table, ctx: _Context, errors: _Errors, progress: Progress | None) -> list[_Pending]:
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


class ImportStage:
    VALIDATING = "validating"
    WRITING = "writing"


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _classify(pending: list[_Pending], ctx: _Context, errors: _Errors, *, lock: bool) -> _Plan:
    """Sort valid rows into creates, updates and unchanged against the database as it is now; an ID
    number another county holds, or a closed record, is an error on that row."""
    plan = _Plan()
    existing: dict[str, tuple[int, int, str, str]] = {}
    for chunk in _chunks([p.id_hash for p in pending]):
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
    for chunk in _chunks(to_update):
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


def _insert(model: type[models.Model], rows: list[dict[str, Any]], *, returning: bool = False) -> list[int]:
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


def _id_ranges(ids: list[int], min_run: int = 50) -> tuple[list[tuple[int, int]], list[int]]:
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


def _flag_duplicates(ids: list[int]) -> int:
    """Set-wise ``services._flag_duplicates`` for many people: pair each with active people of the same
    name and birth date, or the same mobile (at most 20 others per person and reason, newest first, as
    the service). One self-join per reason over each run of new ids, not a query per person."""
    if not ids:
        return 0
    table = connection.ops.quote_name(Entrepreneur._meta.db_table)
    wanted = set(ids)
    runs, rest = _id_ranges(ids)
    pairs: set[tuple[int, int, str]] = set()
    queries = (
        (DuplicateReason.SAME_NAME_BIRTH, "b.name = a.name AND b.birth_date = a.birth_date"),
        (DuplicateReason.SAME_MOBILE, "a.mobile_hash <> '' AND b.mobile_hash = a.mobile_hash"),
    )
    selections = [("a.id BETWEEN %s AND %s", [lo, hi]) for lo, hi in runs] + [
        (f"a.id IN ({', '.join(['%s'] * len(chunk))})", chunk) for chunk in _chunks(rest)
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
    """The generic change log for imported rows, written in bulk (django-auditlog writes one LogEntry per
    ``save()``; bulk inserts bypass it, and one ``save()`` per row would cost a round trip each).

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
    from auditlog.models import LogEntry

    content_type_id = ContentType.objects.get_for_model(Entrepreneur).pk
    actor = ctx.actor if getattr(ctx.actor, "pk", None) else None
    common = {
        "content_type_id": content_type_id,
        "actor_id": actor.pk if actor else None,
        "actor_email": getattr(actor, "email", None) if actor else None,
        "timestamp": timezone.now(),
        "remote_addr": None,
        "remote_port": None,
        "cid": None,
        "serialized_data": None,
        "changes_text": "",
    }
    created_data = {"event": audit.EVENT_CREATE, **job_ref}
    rows: list[dict[str, Any]] = []
    for pk, values in created if len(created) <= PER_ROW_CREATE_LOG else ():
        changes: dict[str, list[Any]] = {}
        for name in _LOGGED_CREATE_FIELDS:
            value = values[f"{name}_id" if name in _FK_FIELDS else name]
            if value not in (None, ""):
                changes[name] = [None, _audit_value(value)]
        changes["id"] = [None, pk]
        rows.append(
            {
                **common,
                "object_pk": str(pk),
                "object_id": pk,
                "object_repr": f"{values['name']}（{values['id_number_masked']}）",
                "action": LogEntry.Action.CREATE,
                "changes": changes,
                "additional_data": created_data,
            }
        )
    updated_data = {"event": audit.EVENT_UPDATE, **job_ref}
    for person, changes in updated:
        rows.append(
            {
                **common,
                "object_pk": str(person.pk),
                "object_id": person.pk,
                "object_repr": str(person)[:500],
                "action": LogEntry.Action.UPDATE,
                "changes": {k: [_audit_value(a), _audit_value(b)] for k, (a, b) in changes.items()},
                "additional_data": updated_data,
            }
        )
    for chunk in _chunks(rows, 5_000):
        _insert(LogEntry, chunk)


def _write(plan: _Plan, ctx: _Context, job_ref: dict[str, Any]) -> tuple[list[int], int, int]:
    """Apply the plan inside the caller's transaction. Returns (created ids, updated, duplicate flags)."""
    through = Entrepreneur.priority_groups.through
    group_ids = dict(PriorityGroup.objects.filter(code__in=list(ctx.groups)).values_list("code", "pk"))
    deltas: list[tuple[int, str, dt.date, int]] = []
    created: list[tuple[int, dict[str, Any]]] = []
    links: list[dict[str, Any]] = []
    now = timezone.now()
    log_each = len(plan.creates) <= PER_ROW_CREATE_LOG
    for chunk in _chunks(plan.creates, 5_000):
        rows = [_new_person_row(p, ctx, now) for p in chunk]
        ids = _insert(Entrepreneur, rows, returning=True)
        for p, pk, row in zip(chunk, ids, rows, strict=True):
            deltas.append((row["region_id"], INDICATOR_NEW_ENTREPRENEURS, row["counted_on"], 1))
            links.extend(
                {"entrepreneur_id": pk, "prioritygroup_id": group_ids[c]} for c in p.clean["priority_groups"]
            )
            # keep the full values only where the change log will use them (see _write_change_log)
            created.append((pk, row if log_each else {}))
    _insert(through, links)

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


@contextmanager
def _bulk_write_session() -> Iterator[None]:
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
    errors = _Errors()
    pending = _validate(table, ctx, errors, progress)
    job_ref = job_ref or {}
    if dry_run:
        plan = _classify(pending, ctx, errors, lock=False)
    else:
        if progress:
            progress(ImportStage.WRITING, table.total_rows)
        try:
            with _bulk_write_session(), transaction.atomic():
                plan = _classify(pending, ctx, errors, lock=True)
                if errors.by_row and not partial:
                    raise _NothingWritten
                created_ids, report.updated, report.duplicate_candidates = _write(plan, ctx, job_ref)
                report.created = len(created_ids)
                report.committed = True
                runs, _rest = _id_ranges(created_ids, min_run=1)
                audit.record_event(
                    event=audit.EVENT_CREATE,
                    actor=actor,
                    model=Entrepreneur,
                    object_repr=f"批量导入：{source_name or '文件'}"[:500],
                    data={
                        "import": True,
                        **job_ref,
                        "file": source_name,
                        "total_rows": report.total_rows,
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": plan.unchanged,
                        "error_rows": len(errors.by_row),
                        "partial": partial,
                        "duplicate_candidates": report.duplicate_candidates,
                        # who was created by this import (detail pages, audits): id ranges [first, last]
                        "created_ids": [list(r) for r in runs],
                        "per_person_log": report.created <= PER_ROW_CREATE_LOG,
                    },
                )
        except _NothingWritten:
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


class _NothingWritten(Exception):
    """All-or-nothing import with bad rows: leave the transaction without writing."""


# --------------------------------------------------------------------------- files out


def _write_only_book():
    from openpyxl import Workbook

    return Workbook(write_only=True)


def _header_cells(ws, headers: Iterable[str], required: set[str] | None = None):
    from fanxiang.core.excel import header_cells

    return header_cells(ws, headers, required)


def bad_rows_workbook(table: Table, errors: list[dict[str, Any]]) -> bytes:
    """The bad rows with their original cells and a 错误原因 column, to fix and upload again."""
    from openpyxl.utils import get_column_letter

    reasons: dict[int, list[str]] = defaultdict(list)
    for e in errors:
        prefix = f"{e['column']}：" if e.get("column") else ""
        reasons[e["row"]].append(f"{prefix}{e['message']}（{e['code']}）")
    headers = [h for h in table.headers]
    keep = [i for i, h in enumerate(headers) if _norm_header(h) != _norm_header(ERROR_HEADER)]
    from fanxiang.core.excel import append_row

    wb = _write_only_book()
    ws = wb.create_sheet("错误行")
    text_columns = {table.columns[c.field] for c in COLUMNS if c.text and c.field in table.columns}
    for position in range(1, len(keep) + 1):
        ws.column_dimensions[get_column_letter(position)].width = 18
    ws.column_dimensions[get_column_letter(len(keep) + 1)].width = 60
    ws.freeze_panes = "A2"
    ws.append(_header_cells(ws, [headers[i] for i in keep] + [ERROR_HEADER]))
    for row, values in table.rows:
        if row not in reasons:
            continue
        out = []
        for i in keep:
            value = values[i] if i < len(values) else None
            if i in text_columns and value is not None:
                value = _cell_text(value)
            out.append(value)
        # The core writer: an uploaded "=..." cell comes back as text, not a live formula.
        append_row(ws, [*out, "；".join(reasons[row])])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_workbook(user: Any) -> bytes:
    """The import template: a data sheet with Chinese headers and dropdowns for coded columns, an
    instructions sheet (说明), and the region codes the user may register people in."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "人员信息"
    ws.append(HEADERS)
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="B4232A" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        if col.text:
            ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"

    scope = resolve(user, Entrepreneur, ADD)
    regions = [
        r
        for r in Region.objects.filter(is_active=True, level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP])
        .select_related("parent")
        .order_by("tree_path")
        if scope.covers_path(r.tree_path)
    ]
    codes = wb.create_sheet("代码表")
    lists = {
        "category": [str(label) for _v, label in Category.choices],
        "education": [str(label) for _v, label in Education.choices],
        "priority_groups": [g.name for g in PriorityGroup.objects.filter(is_active=True)],
        "region": [f"{r.code} {r.name}" for r in regions],
    }
    for index, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        codes.cell(row=1, column=index, value=BY_FIELD[name].header)
        for row, value in enumerate(values, start=2):
            codes.cell(row=row, column=index, value=value)
        if not values:
            continue
        last = len(values) + 1
        formula = f"'代码表'!${letter}$2:${letter}${last}"
        column = get_column_letter(HEADERS.index(BY_FIELD[name].header) + 1)
        strict = name in ("category", "education")
        dv = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=strict,
            errorTitle="输入有误",
            error="请从下拉列表中选择。",
            promptTitle=BY_FIELD[name].header,
            prompt="可多选时请用顿号“、”分隔" if name == "priority_groups" else "请从下拉列表选择",
            showInputMessage=True,
        )
        dv.add(f"{column}2:{column}20001")
        ws.add_data_validation(dv)
        if name == "region":
            hukou = get_column_letter(HEADERS.index(BY_FIELD["hukou_region"].header) + 1)
            dv2 = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
            dv2.add(f"{hukou}2:{hukou}20001")
            ws.add_data_validation(dv2)
    codes.sheet_state = "hidden"

    notes = wb.create_sheet("说明")
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 8
    notes.column_dimensions["C"].width = 90
    notes.append(["返乡入乡创业人员批量导入说明"])
    notes["A1"].font = Font(bold=True, size=14)
    rules = [
        "1. 在“人员信息”工作表填写，第1行为列名（不要修改），从第2行起每行一人；红色列名为必填列。",
        "2. 先“校验”：系统逐行检查并列出所有错误（行号、列名、错误代码、原因），不会写入任何数据。",
        "3. 默认“全部正确才导入”：文件中有任何错误行，整个文件都不导入。也可以选择“只导入正确的行”，"
        "错误行可下载为 Excel（含“错误原因”列），修改后重新上传。",
        "4. 身份证号码已登记的人员：在您负责的区划内则按本文件更新（内容相同的不做改动）；由其他县（市、区）"
        "登记的会报错，请提出转移申请。同一身份证号码在文件中出现多次，后出现的行报错。",
        "5. 同一文件重复导入不会产生重复人员。",
        "6. 身份证号码、手机号码、区划代码请设为“文本”格式，否则 Excel 会丢失身份证号码末几位。",
        f"7. 每次最多{MAX_ROWS:,}行；超过{BACKGROUND_THRESHOLD:,}行的文件在后台处理，页面显示进度。",
        "8. 支持 .xlsx、.xls 和 .csv（UTF-8 或 GBK 编码）文件。",
    ]
    for line in rules:
        notes.append([line])
        notes.merge_cells(start_row=notes.max_row, start_column=1, end_row=notes.max_row, end_column=3)
        notes.cell(row=notes.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        notes.row_dimensions[notes.max_row].height = 32
    notes.append([])
    notes.append(["列名", "必填", "填写要求"])
    for cell in notes[notes.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for col in COLUMNS:
        notes.append([col.header, "是" if col.required else "", col.help])
        notes.cell(row=notes.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
    notes.append([])
    notes.append(["重点群体代码", "", "；".join(f"{code}＝{name}" for code, name in lists_pairs())])
    notes.append(["人员类别代码", "", "；".join(f"{v}＝{label}" for v, label in Category.choices)])
    notes.append(["文化程度代码", "", "；".join(f"{v}＝{label}" for v, label in Education.choices)])

    region_sheet = wb.create_sheet("区划代码")
    region_sheet.append(["区划代码", "名称", "所属"])
    for cell in region_sheet[1]:
        cell.font = Font(bold=True)
    for r in regions:
        region_sheet.append([r.code, r.name, r.parent.name if r.parent_id else ""])
    region_sheet.column_dimensions["A"].width = 16
    region_sheet.column_dimensions["B"].width = 20
    region_sheet.column_dimensions["C"].width = 16
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def lists_pairs() -> list[tuple[str, str]]:
    return list(PriorityGroup.objects.filter(is_active=True).values_list("code", "name"))
