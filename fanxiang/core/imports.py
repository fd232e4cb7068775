"""The import framework of every Excel/CSV import: the entry point.

An import declares an :class:`ImportSpec` (Chinese headers ↔ fields, required columns, limits) and gets:

* :func:`read_table`: the upload (``.xlsx``/``.xls``/``.ods`` through python-calamine with an openpyxl
  fallback, ``.csv`` in UTF-8, GBK or Excel's UTF-16 with its delimiter detected) as header-mapped
  rows with their Excel row numbers, every file-level problem refused with a stable ``import.*`` code;
* cell helpers (:func:`cell_text`, :func:`cell_date`, :func:`parse_date`, :func:`parse_decimal`);
* :class:`ImportReport` (one shape for every import), :class:`RowErrors`, the modes
  (all-or-nothing / partial / dry run: :class:`NothingWritten`, :func:`keep_write`);
* the set-wise write (:func:`insert_rows`, :func:`write_change_log`, :func:`bulk_write_session`);
* files out: :func:`template_workbook`, :func:`bad_rows_workbook`, :func:`export_sheet`, all through
  the safe writer :mod:`fanxiang.core.excel`;
* background jobs with progress (:mod:`fanxiang.core.import_jobs`, by protocol over an app's job model).

Bounded reading.

An ``.xlsx`` is a zip of XML: a 2 KB file can declare a cell at ``XFD1048576`` or hold one
512 MiB cell, and a dense reader then allocates the whole grid.  :func:`check_workbook`
inspects the zip directory and streams each worksheet's XML in bounded chunks *before*
any reader allocates in proportion to the sheet, refusing with a stable code
(``import.sheet_too_large``, ``import.cell_too_long``, ``import.file_too_large``).
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fanxiang.core import import_jobs as jobs
from fanxiang.core.errors import InvalidInput
from fanxiang.core.import_cells import blank, cell_date, cell_text, parse_date, parse_decimal
from fanxiang.core.import_report import (
    ImportReport,
    ImportStage,
    NothingWritten,
    RowErrors,
    check_commit,
    commit_offers,
    keep_write,
)
from fanxiang.core.import_spec import (
    ERROR_HEADER,
    Column,
    Dropdown,
    ImportSpec,
    Sheet,
    Template,
    bad_rows_workbook,
    export_sheet,
    file_error,
    norm_header,
    template_workbook,
)
from fanxiang.core.import_write import (
    BATCH,
    bulk_write_session,
    chunks,
    id_ranges,
    insert_rows,
    record_import_event,
    write_change_log,
)

__all__ = [
    "BATCH", "ERROR_HEADER", "Column", "Dropdown", "ImportLimits", "ImportReport", "ImportSpec", "ImportStage",
    "NothingWritten", "RowErrors", "Sheet", "Table", "Template", "bad_rows_workbook", "blank",
    "bulk_write_session", "cell_date", "cell_text", "check_commit", "check_rows", "check_workbook", "chunks",
    "commit_offers", "detect_format", "export_sheet", "file_error", "id_ranges", "insert_rows", "jobs", "keep_write", "norm_header",
    "parse_date", "parse_decimal", "read_csv_rows", "read_csv_text", "read_excel_rows", "read_rows", "read_table", "record_import_event",
    "template_workbook", "write_change_log",
]  # fmt: skip

MiB = 1024 * 1024


def _setting(name: str, default: int) -> int:
    from django.conf import settings

    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return int(value)


@dataclass(frozen=True)
class ImportLimits:
    max_file_bytes: int = field(default_factory=lambda: _setting("FANXIANG_IMPORT_MAX_FILE_BYTES", 50 * MiB))
    max_rows: int = field(default_factory=lambda: _setting("FANXIANG_IMPORT_MAX_ROWS", 200_000))
    max_columns: int = field(default_factory=lambda: _setting("FANXIANG_IMPORT_MAX_COLUMNS", 256))
    max_cell_chars: int = field(default_factory=lambda: _setting("FANXIANG_IMPORT_MAX_CELL_CHARS", 32_767))
    max_uncompressed_bytes: int = field(
        default_factory=lambda: _setting("FANXIANG_IMPORT_MAX_UNCOMPRESSED_BYTES", 512 * MiB)
    )
    max_shared_strings_bytes: int = field(
        default_factory=lambda: _setting("FANXIANG_IMPORT_MAX_SHARED_STRINGS_BYTES", 128 * MiB)
    )
    max_compression_ratio: int = field(
        default_factory=lambda: _setting("FANXIANG_IMPORT_MAX_COMPRESSION_RATIO", 200)
    )


def _too_large(limits: ImportLimits) -> InvalidInput:
    return file_error(
        "import.file_too_large",
        f"文件解压后过大（超过{limits.max_uncompressed_bytes // MiB}MB），请拆分后分批导入。",
    )


def _sheet_too_large(limits: ImportLimits, ref: str) -> InvalidInput:
    return file_error(
        "import.sheet_too_large",
        f"工作表范围过大（单元格{ref}）：一次最多导入{limits.max_rows:,}行、{limits.max_columns}列，请删除多余内容或拆分文件。",
        cell=ref,
    )


def _cell_too_long(limits: ImportLimits) -> InvalidInput:
    return file_error(
        "import.cell_too_long", f"文件中有单元格内容超过{limits.max_cell_chars:,}个字符，请检查后重新上传。"
    )


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*?ref=\"([A-Z]*)([0-9]*)(?::([A-Z]*)([0-9]*))?\"")
_CHUNK = MiB


def _check_ref(letters: bytes, digits: bytes, limits: ImportLimits) -> None:
    # +1: the header row comes on top of max_rows data rows
    if (digits and (len(digits) > 9 or int(digits) > limits.max_rows + 1)) or (
        letters and _column_number(letters) > limits.max_columns
    ):
        raise _sheet_too_large(limits, (letters + digits).decode("ascii", "replace"))


def _column_letters(n: int) -> str:
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def _check_refs(window: bytes, limits: ImportLimits) -> None:
    """Refuse a reference beyond the limits in ``window``; the work stays in the regex engine.

    A reference with more row digits (column letters) than the limit is refused at once; among those
    with as many, equal-length byte strings compare like numbers, so ``max`` finds the farthest one.
    """
    digits = len(str(limits.max_rows + 1))
    letters = len(_column_letters(limits.max_columns))
    for pattern in (rb' r="([A-Z]*[0-9]{%d})' % (digits + 1), rb' r="([A-Z]{%d})' % (letters + 1)):
        far = re.search(pattern, window)
        if far:
            raise _sheet_too_large(limits, far.group(1).decode("ascii", "replace"))
    rows = re.findall(rb' r="[A-Z]*([0-9]{%d})"' % digits, window)
    if rows:
        _check_ref(b"", max(rows), limits)
    cols = re.findall(rb' r="([A-Z]{%d})[0-9]' % letters, window)
    if cols:
        _check_ref(max(cols), b"", limits)


def _scan_xml(stream: Any, limits: ImportLimits, *, refs: bool) -> None:
    """Stream XML in bounded chunks: refuse far cell references and over-long text runs."""
    max_run = limits.max_cell_chars * 4 + 64  # UTF-8 bytes of the longest allowed text, plus escapes
    run = 0
    tail = b""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return
        first = chunk.find(b"<")
        if first < 0:
            run += len(chunk)
        else:
            if run + first > max_run or max(map(len, chunk[first:].split(b"<"))) > max_run:
                raise _cell_too_long(limits)
            run = len(chunk) - chunk.rfind(b"<") - 1
        if run > max_run:
            raise _cell_too_long(limits)
        if refs:
            window = tail + chunk
            if tail == b"" and b"dimension" in window[:4096]:
                m = _DIMENSION.search(window, 0, 4096)
                if m:
                    _check_ref(m.group(3) or m.group(1), m.group(4) or m.group(2), limits)
            _check_refs(window, limits)
            tail = window[-256:]


def check_workbook(content: bytes, limits: ImportLimits | None = None) -> None:
    """Refuse an .xlsx whose zip or sheets exceed the limits, before any reader opens it."""
    limits = limits or ImportLimits()
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a readable zip: the reader answers import.file_unreadable
    with zf:
        if sum(i.file_size for i in infos) > limits.max_uncompressed_bytes:
            raise _too_large(limits)
        for info in infos:
            name = info.filename.lower()
            if name.endswith("sharedstrings.xml") and info.file_size > limits.max_shared_strings_bytes:
                raise file_error(
                    "import.file_too_large",
                    f"文件中的文字内容过多（超过{limits.max_shared_strings_bytes // MiB}MB），请拆分后分批导入。",
                )
        for info in infos:
            name = info.filename.lower()
            is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            if not (is_sheet or name.endswith("sharedstrings.xml")):
                continue
            try:
                with zf.open(info) as stream:
                    _scan_xml(stream, limits, refs=is_sheet)
            except InvalidInput:
                raise
            except Exception:
                return  # a damaged member: the reader answers import.file_unreadable
        # the streaming scan above names a far cell or a huge cell first; what is left is a plain zip bomb
        for info in infos:
            if info.file_size > MiB and info.file_size > limits.max_compression_ratio * max(
                info.compress_size, 1
            ):
                raise _too_large(limits)


def check_rows(rows: list[list[Any]], limits: ImportLimits | None = None) -> list[list[Any]]:
    limits = limits or ImportLimits()
    if len(rows) > limits.max_rows + 1:
        raise _sheet_too_large(limits, f"A{len(rows)}")
    for n, row in enumerate(rows, start=1):
        if len(row) > limits.max_columns:
            raise _sheet_too_large(limits, f"第{n}行")
        for v in row:
            if isinstance(v, str) and len(v) > limits.max_cell_chars:
                raise _cell_too_long(limits)
    return rows


def read_csv_text(text: str, dialect: Any = csv.excel, limits: ImportLimits | None = None) -> list[list[Any]]:
    """Read CSV text row by row, refusing too many rows, columns or too-long cells as they come."""
    limits = limits or ImportLimits()
    rows: list[list[Any]] = []
    old = csv.field_size_limit()
    csv.field_size_limit(limits.max_cell_chars + 1)
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            rows.append(row)
            if len(rows) > limits.max_rows + 1 or len(row) > limits.max_columns:
                raise _sheet_too_large(limits, f"第{len(rows)}行")
            for v in row:
                if len(v) > limits.max_cell_chars:
                    raise _cell_too_long(limits)
    except csv.Error:
        raise _cell_too_long(limits)
    finally:
        csv.field_size_limit(old)
    return rows


# --------------------------------------------------------------------------- readers

_EXCEL_UNREADABLE = "无法读取该 Excel 文件（可能已损坏），请另存为 .xlsx 后重试。"


def detect_format(content: bytes, filename: str) -> str:
    """``xlsx``, ``xls`` or ``csv`` from the file's first bytes and its extension; an Excel file renamed
    ``.csv`` is read as what it is, a text file named ``.xlsx`` is ``import.file_unreadable``, any other
    extension ``import.file_type``."""
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
            raise file_error(
                "import.file_unreadable", "文件内容不是有效的 Excel 文件（可能已损坏或只是改了扩展名）。"
            )
        return "xls" if ext in ("xls", "ods") and kind != "xlsx" else kind
    if not name and kind == "csv":
        return "csv"  # no file name at all (a bare API upload): text is CSV
    raise file_error(
        "import.file_type", f"不支持的文件类型“.{ext or '无扩展名'}”：请上传 Excel（.xlsx/.xls）或 CSV 文件。"
    )


def read_excel_rows(content: bytes, required_headers: Sequence[str] = ()) -> list[list[Any]]:
    """The cells of the first visible worksheet whose header row names one of ``required_headers`` (else
    the first), bounded (:func:`check_workbook` before any reader allocates, :func:`check_rows` after)."""
    if content[:4] == b"PK\x03\x04":
        check_workbook(content)  # refuse far cells, huge cells and zip bombs before reading
    try:
        import python_calamine
    except ImportError:  # pragma: no cover - python-calamine is a dependency; openpyxl reads .xlsx
        return read_openpyxl_rows(content)
    wanted = {norm_header(h) for h in required_headers}
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        candidates = [
            m.name
            for m in book.sheets_metadata
            if str(getattr(m, "visible", "Visible")).endswith("Visible")
            and str(getattr(m, "typ", "WorkSheet")).endswith("WorkSheet")
        ] or book.sheet_names
        chosen = candidates[0]
        for name in candidates if wanted else ():  # the first sheet whose header row names a required column
            head = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=1)
            if head and {norm_header(h) for h in head[0]} & wanted:
                chosen = name
                break
        return check_rows(book.get_sheet_by_name(chosen).to_python(skip_empty_area=False))
    except InvalidInput:
        raise
    except Exception as exc:
        if type(exc).__name__ == "PasswordError":
            raise file_error("import.file_unreadable", "文件设置了密码，请取消密码保护后再上传。")
        if content[:4] == b"PK\x03\x04":  # a .xlsx calamine refuses: let openpyxl try before giving up
            return read_openpyxl_rows(content)
        raise file_error("import.file_unreadable", _EXCEL_UNREADABLE)


def read_openpyxl_rows(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    check_workbook(content)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        return check_rows([list(r) for r in wb.worksheets[0].iter_rows(values_only=True)])
    except InvalidInput:
        raise
    except Exception:
        raise file_error("import.file_unreadable", _EXCEL_UNREADABLE)


def read_csv_rows(content: bytes) -> list[list[Any]]:
    """CSV bytes → rows: Excel's "Unicode text" (UTF-16 with a byte-order mark), else UTF-8 (with or
    without BOM) or GBK; the delimiter (comma, tab, semicolon) detected."""
    encodings = ("utf-16",) if content[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise file_error("import.file_encoding", "无法识别CSV文件的编码，请另存为 UTF-8 或 GBK 编码。")
    if "\x00" in text:
        raise file_error("import.file_type", "文件不是文本格式的CSV，请上传 Excel（.xlsx）或 CSV 文件。")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return read_csv_text(text, dialect)


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

    def cell(self, values: list[Any], name: str) -> Any:
        """The cell of column ``name`` in a row (None when the file has no such column)."""
        index = self.columns.get(name)
        return values[index] if index is not None and index < len(values) else None

    def column_values(self, name: str) -> list[Any]:
        """The non-empty cells of column ``name`` (a file-wide preload: one query for all rows)."""
        index = self.columns.get(name)
        if index is None:
            return []
        return [v[index] for _r, v in self.rows if index < len(v) and v[index] not in (None, "")]


def read_rows(
    content: bytes, filename: str, *, max_file_bytes: int, required_headers: Sequence[str] = ()
) -> tuple[str, list[str], list[list[Any]]]:
    """An upload's format, its header row (stripped text) and the rows under it, as read (bounded)."""
    if not content:
        raise file_error("import.empty_file", "上传的文件是空的。")
    if len(content) > max_file_bytes:
        raise file_error("import.file_too_large", f"文件超过{max_file_bytes // MiB}MB，请拆分后分批导入。")
    kind = detect_format(content, filename)
    raw = read_csv_rows(content) if kind == "csv" else read_excel_rows(content, required_headers)
    if not raw or all(blank(v) for v in raw[0]):
        raise file_error("import.empty_file", "文件第1行应为列名（表头），但第1行是空的。请使用导入模板。")
    headers = ["" if h is None else str(h).strip() for h in raw[0]]
    del raw[0]  # the rows under the header, without copying a 200,000-row list
    return kind, headers, raw


def read_table(content: bytes, filename: str, spec: ImportSpec) -> Table:
    """Parse an upload into a :class:`Table`, or raise InvalidInput with a file-level code:
    ``import.file_type``, ``import.file_unreadable``, ``import.file_too_large``, ``import.empty_file``,
    ``import.missing_columns``, ``import.duplicate_column``, ``import.too_many_rows`` (and the bounded
    reader's ``import.sheet_too_large``, ``import.cell_too_long``). Data under no header is reported in
    ``ignored_columns``, never dropped silently."""
    kind, headers, raw = read_rows(
        content, filename, max_file_bytes=spec.max_file_bytes, required_headers=spec.required_headers
    )
    columns, ignored, unnamed = spec.map_headers(headers)
    rows: list[tuple[int, list[Any]]] = []
    width = len(headers)
    beyond_reported = False
    for number, values in enumerate(raw, start=2):
        if all(blank(v) for v in values):
            continue
        for index in [i for i in unnamed if i < len(values) and not blank(values[i])]:
            ignored.append(f"第{index + 1}列（无列名）")
            unnamed.discard(index)
        if not beyond_reported and len(values) > width and any(not blank(v) for v in values[width:]):
            ignored.append(f"第{width + 1}列起（无列名）")
            beyond_reported = True
        rows.append((number, values))
        if len(rows) > spec.max_rows:
            raise file_error(
                "import.too_many_rows", f"一次最多导入{spec.max_rows:,}行，请拆分文件后分批导入。"
            )
    if not rows:
        raise file_error("import.empty_file", "文件只有表头，没有数据行。")
    return Table(headers=headers, columns=columns, rows=rows, ignored_columns=ignored, file_format=kind)
