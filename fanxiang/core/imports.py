"""Bounded reading of uploaded workbooks and CSV files, shared by every import.

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
from dataclasses import dataclass, field
from typing import Any

from fanxiang.core.errors import InvalidInput

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


def file_error(code: str, message: str, **details: Any) -> InvalidInput:
    return InvalidInput(code, message, errors={"file": [message]}, details=details or None)


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


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
