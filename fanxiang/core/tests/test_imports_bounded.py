"""Bomb workbooks are refused with a stable code, fast and without allocating the sheet."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from fanxiang.core import imports as bounded
from fanxiang.core.errors import InvalidInput
from fanxiang.entrepreneurs.imports import _read_excel_rows, read_table
from fanxiang.loans.repayment.imports import read_rows as repayment_rows

MiB = 1024 * 1024
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def book(
    sheet_body: str, *, dimension: str = "A1", shared: list[str] | None = None, huge_text: int = 0
) -> bytes:
    """A minimal .xlsx built with zipfile: the header row plus ``sheet_body`` rows."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{NS}" xmlns:r="{RNS}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(
                f'<?xml version="1.0"?><worksheet xmlns="{NS}"><dimension ref="{dimension}"/><sheetData>'
                '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'.encode()
            )
            if huge_text:
                f.write(b'<row r="2"><c r="A2" t="inlineStr"><is><t>')
                block = b"x" * MiB
                for _ in range(huge_text // MiB):
                    f.write(block)
                f.write(b"</t></is></c></row>")
            f.write(sheet_body.encode() + b"</sheetData></worksheet>")
        if shared is not None:
            z.writestr(
                "xl/sharedStrings.xml",
                f'<?xml version="1.0"?><sst xmlns="{NS}">'
                + "".join(f"<si><t>{s}</t></si>" for s in shared)
                + "</sst>",
            )
    return buf.getvalue()


FAR = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
ZZ = '<row r="100000"><c r="ZZ100000" t="inlineStr"><is><t>x</t></is></c></row>'
LYING = '<row r="300000"><c r="A300000" t="inlineStr"><is><t>x</t></is></c></row>'

BOMBS = {
    "far_cell": (lambda: book(FAR, dimension="A1:XFD1048576"), "import.sheet_too_large"),
    "zz100000": (lambda: book(ZZ, dimension="A1:ZZ100000"), "import.sheet_too_large"),
    "declared_only": (lambda: book("", dimension="A1:XFD1048576"), "import.sheet_too_large"),
    "lying_dimension": (lambda: book(LYING, dimension="A1:A2"), "import.sheet_too_large"),
    "huge_cell": (lambda: book("", huge_text=64 * MiB), "import.cell_too_long"),
    "huge_shared_strings": (lambda: book("", shared=["y" * 200_000]), "import.cell_too_long"),
}


def measured(call):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InvalidInput) as exc:
            call()
    finally:
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return exc.value, elapsed, peak


@pytest.mark.parametrize("name", list(BOMBS))
@pytest.mark.parametrize("reader", ["entrepreneurs", "repayments"])
def test_bomb_refused_fast_and_small(name, reader):
    make, code = BOMBS[name]
    content = make()
    assert len(content) < 200_000  # the bombs stay tiny on disk
    read = (
        (lambda: read_table(content, "x.xlsx"))
        if reader == "entrepreneurs"
        else (lambda: repayment_rows(content, "x.xlsx"))
    )
    error, elapsed, peak = measured(read)
    assert error.code == code and error.status == 422
    assert elapsed < 1.0, elapsed
    assert peak < 100 * MiB, peak


def test_zip_bomb_uncompressed_size_refused():
    limits = bounded.ImportLimits(max_uncompressed_bytes=MiB)
    with pytest.raises(InvalidInput) as exc:
        bounded.check_workbook(book("", huge_text=2 * MiB), limits)
    assert exc.value.code == "import.file_too_large"


def test_shared_strings_size_refused():
    limits = bounded.ImportLimits(max_shared_strings_bytes=1000)
    with pytest.raises(InvalidInput) as exc:
        bounded.check_workbook(book("", shared=["z" * 100] * 50), limits)
    assert exc.value.code == "import.file_too_large"


def test_csv_bounded():
    with pytest.raises(InvalidInput) as exc:
        read_table(("姓名\n" + "x" * 200_000 + "\n").encode(), "x.csv")
    assert exc.value.code == "import.cell_too_long"
    with pytest.raises(InvalidInput) as exc:
        read_table(("," * 1000 + "\n").encode(), "x.csv")
    assert exc.value.code == "import.sheet_too_large"


def test_normal_workbook_still_reads():
    wb = Workbook()
    wb.active.append(["姓名", "身份证号"])
    for i in range(50):
        wb.active.append([f"人{i}", "x"])
    buf = io.BytesIO()
    wb.save(buf)
    bounded.check_workbook(buf.getvalue())
    rows = bounded.check_rows(_read_excel_rows(buf.getvalue()))
    assert len(rows) == 51 and rows[50][0] == "人49"
    _header, data = repayment_rows(buf.getvalue(), "x.xlsx")
    assert len(data) == 50


@pytest.mark.django_db
@pytest.mark.parametrize(
    "user,url",
    [
        ("officer_411625", "/api/v1/entrepreneurs/import"),
        ("officer_411625", "/api/v1/policies/grants/import"),
        ("bank_officer", "/api/v1/loans/repayments/import"),
    ],
)
def test_api_answers_422_with_code(api, user, url):
    client = api(user)
    for content, code in (
        (book(FAR, dimension="A1:XFD1048576"), "import.sheet_too_large"),
        (book("", huge_text=64 * MiB), "import.cell_too_long"),
    ):
        upload = SimpleUploadedFile("bomb.xlsx", content)
        started = time.perf_counter()
        response = client.client.post(url, {"file": upload, "dry_run": "true"}, **client._headers())
        assert response.status_code == 422, response.content
        assert response.json()["code"] == code
        assert time.perf_counter() - started < 1.0
