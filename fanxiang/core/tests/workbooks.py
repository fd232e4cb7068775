"""Excel files built in memory for the import tests (and the import benchmarks)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook


def xlsx_bytes(
    headers: list, rows: Iterable[list], *, sheet: str | None = None, write_only: bool = False
) -> bytes:
    """An .xlsx file: ``headers`` on the first line, then ``rows``; ``write_only`` streams large files."""
    wb = Workbook(write_only=write_only)
    if write_only:
        ws = wb.create_sheet(sheet)
    else:
        ws = wb.active
        if sheet:
            ws.title = sheet
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
