"""The column spec of an import: Chinese headers ↔ field names, and the files it drives.

One :class:`ImportSpec` per import serves the reader (header → field, aliases, required columns), the
report (an error's column is the Chinese header of its field, errors ordered as the columns), the
downloadable template (data sheet, dropdowns, instructions sheet), the bad-rows workbook and the export
header, so an exported file imports back unchanged. Every workbook is written through
:mod:`fanxiang.core.excel` (text stays text: an uploaded ``=...`` cell never comes back as a formula).

Part of :mod:`fanxiang.core.imports` (the entry point, which re-exports these names).
"""

from __future__ import annotations

import functools
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fanxiang.core.errors import InvalidInput

ERROR_HEADER = "错误原因"
TEMPLATE_ROWS = 20_000  # rows of the data sheet a dropdown covers
HEADER_FILL = "DDEBF7"
REQUIRED_COLOR = "B4232A"


def file_error(code: str, message: str, **details: Any) -> InvalidInput:
    """A file-level refusal (the whole upload), shown on the form's file field."""
    return InvalidInput(code, message, errors={"file": [message]}, details=details or None)


def norm_header(value: Any) -> str:
    """A header as written by a clerk → its lookup key: no spaces, full-width brackets, no ``*``,
    ``（必填）`` or ``（选填）`` marks."""
    text = "" if value is None else str(value)
    text = re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")
    return text.rstrip("*＊").removesuffix("（必填）").removesuffix("（选填）")


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    width: int = 14
    text: bool = False  # a text column in the template, so Excel keeps leading zeros and all 18 digits
    help: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportSpec:
    """What an import reads: its columns, its limits and the headers it knows but ignores."""

    columns: tuple[Column, ...]
    max_rows: int
    max_file_bytes: int
    # headers recognised and skipped without a mention (our own export's read-only columns, 错误原因)
    ignored_headers: tuple[str, ...] = (ERROR_HEADER,)
    # the column of an error on a field that is not a column (grants: "entrepreneur" → 身份证号码)
    error_columns: Mapping[str, str] = field(default_factory=dict)
    # groups of fields of which the file must hold at least one column
    one_of: tuple[tuple[str, ...], ...] = ()

    @functools.cached_property
    def by_field(self) -> dict[str, Column]:
        return {c.field: c for c in self.columns}

    @functools.cached_property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @functools.cached_property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]

    @functools.cached_property
    def header_to_field(self) -> dict[str, str]:
        return {norm_header(name): c.field for c in self.columns for name in (c.header, *c.aliases)}

    @functools.cached_property
    def ignored_keys(self) -> set[str]:
        return {norm_header(h) for h in self.ignored_headers}

    @functools.cached_property
    def order(self) -> dict[str, int]:
        return {c.header: i for i, c in enumerate(self.columns)}

    def column_of(self, field_name: str) -> str:
        """The Chinese header an error on ``field_name`` is reported under ("" for a row-level error)."""
        column = self.by_field.get(field_name)
        return column.header if column is not None else self.error_columns.get(field_name, "")

    def text_fields(self) -> set[str]:
        return {c.field for c in self.columns if c.text}

    def map_headers(self, headers: Sequence[str]) -> tuple[dict[str, int], list[str], set[int]]:
        """Header row → (field → column index, unknown headers, indexes of unnamed columns). Refuses a
        column named twice (``import.duplicate_column``) and missing required columns
        (``import.missing_columns``, naming each)."""
        columns: dict[str, int] = {}
        ignored: list[str] = []
        unnamed: set[int] = set()
        for index, header in enumerate(headers):
            key = norm_header(header)
            if not key:
                unnamed.add(index)
                continue
            name = self.header_to_field.get(key)
            if name is None:
                if key not in self.ignored_keys:
                    ignored.append(header)
                continue
            if name in columns:
                raise file_error(
                    "import.duplicate_column",
                    f"列“{self.by_field[name].header}”出现了两次（第{columns[name] + 1}列和第{index + 1}列），"
                    "请删除其中一列。",
                    column=self.by_field[name].header,
                )
            columns[name] = index
        missing = [c.header for c in self.columns if c.required and c.field not in columns]
        for group in self.one_of:
            if not any(name in columns for name in group):
                missing.append("或".join(self.by_field[name].header for name in group))
        if missing:
            raise InvalidInput(
                "import.missing_columns",
                f"缺少必填列：{'、'.join(missing)}。请使用导入模板，第1行为列名。",
                errors={header: ["缺少此列。"] for header in missing},
                details={"missing_columns": missing},
            )
        return columns, ignored, unnamed


# --------------------------------------------------------------------------- workbooks


def _header_row(ws, spec: ImportSpec, headers: Sequence[str]) -> None:
    from fanxiang.core.excel import append_row, header_cells

    append_row(ws, header_cells(ws, headers, set(spec.required_headers)))


def export_sheet(spec: ImportSpec, title: str, extra_headers: Sequence[str] = (), width: int = 14):
    """A write-only workbook whose first sheet has the spec's headers (then ``extra_headers``) and widths,
    for an export that imports back unchanged. Returns (workbook, sheet); append rows with
    :func:`fanxiang.core.excel.append_row`."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from fanxiang.core.excel import append_row, header_cells

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    widths = [c.width for c in spec.columns] + [width] * len(extra_headers)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    append_row(ws, header_cells(ws, [*spec.headers, *extra_headers]))
    return wb, ws


def bad_rows_workbook(
    spec: ImportSpec,
    headers: Sequence[str],
    columns: Mapping[str, int],
    rows: Iterable[tuple[int, Sequence[Any]]],
    errors: Iterable[Mapping[str, Any]],
) -> bytes:
    """The bad rows with their original cells and a 错误原因 column, to fix and upload again (the reader
    ignores 错误原因). ``rows`` are (Excel row number, cells) as read."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from fanxiang.core.excel import append_row, header_cells
    from fanxiang.core.import_cells import cell_text

    reasons: dict[int, list[str]] = defaultdict(list)
    for e in errors:
        prefix = f"{e['column']}：" if e.get("column") else ""
        reasons[e["row"]].append(f"{prefix}{e['message']}（{e['code']}）")
    keep = [i for i, h in enumerate(headers) if norm_header(h) != norm_header(ERROR_HEADER)]
    text_columns = {columns[name] for name in spec.text_fields() if name in columns}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误行")
    for position in range(1, len(keep) + 1):
        ws.column_dimensions[get_column_letter(position)].width = 18
    ws.column_dimensions[get_column_letter(len(keep) + 1)].width = 60
    ws.freeze_panes = "A2"
    append_row(ws, header_cells(ws, [headers[i] for i in keep] + [ERROR_HEADER]))
    for row, values in rows:
        if row not in reasons:
            continue
        out = []
        for i in keep:
            value = values[i] if i < len(values) else None
            if i in text_columns and value is not None:
                value = cell_text(value)
            out.append(value)
        append_row(ws, [*out, "；".join(reasons[row])])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class Dropdown:
    """A list a template column picks from: ``values`` (listed on the hidden code sheet) or ``source``, a
    range of another sheet (``'政策条款'!$A$2:$A$9``). ``also``: columns sharing the list, unprompted."""

    field: str
    values: Sequence[str] = ()
    source: str = ""
    strict: bool = False
    allow_blank: bool = True
    prompt: str = "请从下拉列表选择"
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """A reference sheet of the template (bold header row, then ``rows``)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths: Sequence[int] = ()
    after_notes: bool = False


@dataclass(frozen=True)
class Template:
    title: str  # the data sheet
    notes_title: str  # first line of the instructions sheet (说明)
    rules: Sequence[str] = ()
    dropdowns: Sequence[Dropdown] = ()
    sheets: Sequence[Sheet] = ()
    notes_extra: Sequence[tuple[str, str]] = ()  # (label, text) lines under the column table
    examples: Sequence[Sequence[Any]] = ()  # rows under the header of the data sheet
    rows: int = TEMPLATE_ROWS


def _list_validation(ws, dropdown: Dropdown, formula: str, column: str, rows: int, header: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=dropdown.allow_blank,
        showErrorMessage=dropdown.strict,
        errorTitle="输入有误",
        error="请从下拉列表中选择。",
        promptTitle=header,
        prompt=dropdown.prompt,
        showInputMessage=bool(dropdown.prompt),
    )
    dv.add(f"{column}2:{column}{rows + 1}")
    ws.add_data_validation(dv)


def _reference_sheet(wb, sheet: Sheet) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from fanxiang.core.excel import append_row

    ws = wb.create_sheet(sheet.title)
    append_row(ws, sheet.headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in sheet.rows:
        append_row(ws, row)
    for i, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _notes_sheet(wb, spec: ImportSpec, template: Template) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    from fanxiang.core.excel import append_row

    notes = wb.create_sheet("说明")
    for letter, width in zip("ABC", (22, 8, 90), strict=True):
        notes.column_dimensions[letter].width = width
    append_row(notes, [template.notes_title])
    notes["A1"].font = Font(bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in template.rules:
        append_row(notes, [line])
        notes.merge_cells(start_row=notes.max_row, start_column=1, end_row=notes.max_row, end_column=3)
        notes.cell(row=notes.max_row, column=1).alignment = wrap
        notes.row_dimensions[notes.max_row].height = 32
    notes.append([])
    append_row(notes, ["列名", "必填", "填写要求"])
    for cell in notes[notes.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    for col in spec.columns:
        append_row(notes, [col.header, "是" if col.required else "", col.help])
        notes.cell(row=notes.max_row, column=3).alignment = wrap
    if template.notes_extra:
        notes.append([])
        for label, text in template.notes_extra:
            append_row(notes, [label, "", text])


def template_workbook(spec: ImportSpec, template: Template) -> bytes:
    """The import template: the data sheet (Chinese headers, required ones in red, text columns formatted
    as text, dropdowns), a hidden 代码表 holding the dropdown lists, the reference sheets and the
    instructions sheet 说明 (rules, then every column with its requirement)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from fanxiang.core.excel import append_row, clean_text

    wb = Workbook()
    ws = wb.active
    ws.title = template.title[:31]
    _header_row(ws, spec, spec.headers)
    for i, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        if col.text:
            ws.column_dimensions[letter].number_format = "@"
    for example in template.examples:
        append_row(ws, example)
    ws.freeze_panes = "A2"

    letter_of = {c.field: get_column_letter(i) for i, c in enumerate(spec.columns, start=1)}
    listed = [d for d in template.dropdowns if not d.source]
    codes = wb.create_sheet("代码表") if listed else None
    for index, dropdown in enumerate(listed, start=1):
        letter = get_column_letter(index)
        header = spec.by_field[dropdown.field].header
        codes.cell(row=1, column=index, value=header)
        for row, value in enumerate(dropdown.values, start=2):
            cell = codes.cell(row=row, column=index)
            cell.value, cell.data_type = clean_text(str(value)), "s"  # a list value is never a formula
        if dropdown.values:
            formula = f"'代码表'!${letter}$2:${letter}${len(dropdown.values) + 1}"
            _list_validation(ws, dropdown, formula, letter_of[dropdown.field], template.rows, header)
            for other in dropdown.also:
                _list_validation(
                    ws,
                    Dropdown(other, strict=False, prompt=""),
                    formula,
                    letter_of[other],
                    template.rows,
                    spec.by_field[other].header,
                )
    if codes is not None:
        codes.sheet_state = "hidden"
    for dropdown in template.dropdowns:
        if dropdown.source:
            header = spec.by_field[dropdown.field].header
            _list_validation(ws, dropdown, dropdown.source, letter_of[dropdown.field], template.rows, header)
    for sheet in template.sheets:
        if not sheet.after_notes:
            _reference_sheet(wb, sheet)
    _notes_sheet(wb, spec, template)
    for sheet in template.sheets:
        if sheet.after_notes:
            _reference_sheet(wb, sheet)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
