"""Excel output shared by every export.

Every export writes its cells through :func:`safe_cell` / :func:`append_row` (or the
:func:`build_workbook` / :func:`stream_workbook` wrappers), so that:

* numbers, ``Decimal``, dates and booleans stay typed values (a negative number stays a number);
* text is always a string cell (``data_type == "s"``), never a formula, whatever it begins with
  (``=``, ``+``, ``-``, ``@``, tab, CR, full-width ``＝＋－＠``). openpyxl would otherwise turn
  a ``str`` starting with ``=`` into ``<f>``. In xlsx the string type is enough: no spreadsheet
  evaluates a shared/inline string, and prefixing ``'`` would change the data a clerk re-imports.
  OWASP's leading-quote prefix is for CSV, where there is no cell type; :func:`csv_text` does it
  for any CSV output (there is none today);
* characters XML cannot hold (control characters other than tab/newline/CR, lone surrogates)
  are dropped instead of raising ``IllegalCharacterError``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# ``openapi_extra`` of an API operation that answers with a workbook.
XLSX_RESPONSE = {
    "responses": {
        "200": {
            "description": "Excel 文件（.xlsx）",
            "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}

_SURROGATES_RE = re.compile("[\ud800-\udfff]")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def clean_text(text: str) -> str:
    """``text`` without the characters XML (and so xlsx) cannot hold."""
    return _SURROGATES_RE.sub("", ILLEGAL_CHARACTERS_RE.sub("", text))


def csv_text(text: str) -> str:
    """OWASP advice for CSV cells: quote text a spreadsheet would read as a formula."""
    text = clean_text(text)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _cell(value):
    """Excel takes numbers, text, dates and booleans; everything else goes in as its text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, (int, float, Decimal, bool, dt.date, dt.datetime)):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    return clean_text(str(value))


def safe_cell(ws, value, *, number_format: str | None = None):
    """A cell for ``ws`` holding ``value`` as a typed value; text is always a string cell."""
    value = _cell(value) if value is not None else None
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, dt.datetime) and number_format is None:
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date) and number_format is None:
        cell.number_format = "yyyy-mm-dd"
    if number_format is not None:
        cell.number_format = number_format
    return cell


def append_row(ws, values: Iterable) -> None:
    """Append ``values`` to ``ws`` (normal or write-only sheet) through :func:`safe_cell`;
    values that already are cells (styled headers) are made safe in place."""
    from openpyxl.cell.cell import Cell

    cells = []
    for value in values:
        if isinstance(value, Cell):
            if isinstance(value.value, str):
                value.value = clean_text(value.value)
                value.data_type = "s"
            cells.append(value)
        else:
            cells.append(safe_cell(ws, value))
    ws.append(cells)


def header_cells(ws, headers: Iterable[str], required: set[str] | None = None) -> list:
    """Bold, shaded header cells (required headers in red) for :func:`append_row`."""
    cells = []
    for header in headers:
        cell = safe_cell(ws, header)
        cell.font = Font(bold=True, color="B4232A" if required and header in required else "000000")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cells.append(cell)
    return cells


def stream_workbook(
    title: str, headers: Sequence[str], rows: Iterable[Sequence], widths: Sequence[int] | None = None
) -> bytes:
    """Like :func:`build_workbook` for big exports: a write-only workbook, rows streamed."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    for i, w in enumerate(widths or [max(8, len(str(h)) * 2 + 2) for h in headers], start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    append_row(ws, header_cells(ws, headers))
    for row in rows:
        append_row(ws, row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build_workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = title[:31]
    append_row(ws, header_cells(ws, headers))
    widths = [max(8, len(str(h)) * 2 + 2) for h in headers]
    for row in rows:
        values = [_cell(v) for v in row]
        append_row(ws, values)
        for i, v in enumerate(values):
            widths[i] = min(60, max(widths[i], len(str(v)) + 2))
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
