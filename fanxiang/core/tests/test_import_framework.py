"""The import framework (``core.imports``) on its own: a small spec drives the reader, the report, the
template and the bad-rows workbook; the three modes; a job runs to its end through the protocol."""

from __future__ import annotations

import io
import logging

import pytest
from openpyxl import Workbook, load_workbook

from fanxiang.core import imports as core
from fanxiang.core.errors import InvalidInput

SPEC = core.ImportSpec(
    columns=(
        core.Column("编号", "code", True, 12, text=True, help="必填。", aliases=("代码",)),
        core.Column("名称", "name", True, help="必填。"),
        core.Column("手机号码", "mobile", help="选填。"),
        core.Column("信用代码", "credit", help="选填。"),
    ),
    max_rows=3,
    max_file_bytes=1024 * 1024,
    ignored_headers=(core.ERROR_HEADER, "序号"),
    error_columns={"person": "编号"},
    one_of=(("mobile", "credit"),),
)


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    for line in wb.active.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text as typed, even "=..."
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def refused(content: bytes, name: str = "x.xlsx") -> InvalidInput:
    with pytest.raises(InvalidInput) as exc:
        core.read_table(content, name, SPEC)
    return exc.value


def test_headers_map_through_aliases_and_marks_and_unknown_columns_are_reported():
    content = xlsx(
        [["代码*", "名称（必填）", "手机号码", "序号", "微信", ""], ["A1", "甲", "13800138000", 1, "w", "x"]]
    )
    table = core.read_table(content, "x.xlsx", SPEC)
    assert table.columns == {"code": 0, "name": 1, "mobile": 2}
    assert table.ignored_columns == ["微信", "第6列（无列名）"]
    assert table.rows == [(2, ["A1", "甲", "13800138000", 1, "w", "x"])]
    assert table.cell(table.rows[0][1], "credit") is None


def test_file_level_codes():
    assert refused(b"").code == "import.empty_file"
    assert refused(b"x" * (2 * 1024 * 1024), "x.csv").code == "import.file_too_large"
    assert refused(b"%PDF", "x.pdf").code == "import.file_type"
    assert refused(b"text", "x.xlsx").code == "import.file_unreadable"
    assert refused(xlsx([["编号", "名称", "手机号码"]])).code == "import.empty_file"
    missing = refused(xlsx([["编号"], ["A"]]))
    assert missing.code == "import.missing_columns"
    assert missing.details["missing_columns"] == ["名称", "手机号码或信用代码"]
    assert refused(xlsx([["编号", "代码", "名称", "手机号码"], ["A", "B", "甲", "1"]])).code == (
        "import.duplicate_column"
    )
    rows = [["编号", "名称", "手机号码"]] + [[f"A{i}", "甲", "1"] for i in range(4)]
    assert refused(xlsx(rows)).code == "import.too_many_rows"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "utf-16"])
def test_csv_encodings_and_delimiters(encoding):
    for sep in (",", "\t", ";"):
        text = sep.join(["编号", "名称", "手机号码"]) + "\n" + sep.join(["A1", "甲乙", "138"]) + "\n"
        table = core.read_table(text.encode(encoding), "x.csv", SPEC)
        assert table.file_format == "csv" and table.rows == [(2, ["A1", "甲乙", "138"])]


def test_cells():
    import datetime as dt
    from decimal import Decimal

    assert core.cell_text(411625.0) == "411625" and core.cell_text(True) == "是"
    assert core.cell_date("2020年3月1日") == "2020-03-01" and core.cell_date("20200301") == "2020-03-01"
    assert core.parse_date("2021/6/1") == dt.date(2021, 6, 1) and core.parse_date("2021-13-40") is None
    assert core.parse_decimal("2,500.00") == Decimal("2500.00") and core.parse_decimal("abc") is None
    assert core.parse_decimal(float("inf")) is None and core.parse_decimal(True) is None


def test_report_shape_and_error_order():
    errors = core.RowErrors(SPEC)
    errors.add(3, "name", "x.bad", "名称有误")
    errors.add(3, "person", "x.person", "人员有误")  # reported under 编号
    errors.add(2, "other", "x.row", "整行有误")
    report = core.ImportReport(total_rows=3, valid_rows=1, errors=errors.as_list(), dry_run=False)
    body = report.as_dict()
    assert {"total_rows", "valid_rows", "created", "updated", "unchanged", "errors"} <= set(body)
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (2, "", "x.row"),
        (3, "编号", "x.person"),
        (3, "名称", "x.bad"),
    ]
    assert body["error_rows"] == 2 and len(errors) == 2 and errors.has(3) and not errors.has(4)
    assert set(body["errors"][0]) == {"row", "column", "code", "message"}


def test_modes():
    assert core.keep_write(dry_run=False, partial=False, has_errors=False)
    assert not core.keep_write(dry_run=False, partial=False, has_errors=True)
    assert core.keep_write(dry_run=False, partial=True, has_errors=True)
    assert not core.keep_write(dry_run=True, partial=True, has_errors=False)


def test_bad_rows_workbook_keeps_text_and_never_writes_a_formula():
    content = xlsx(
        [["编号", "名称", "手机号码", "错误原因"], [1234.0, "=HYPERLINK(1)", "1", "旧原因"], ["B", "乙", "2"]]
    )
    table = core.read_table(content, "x.xlsx", SPEC)
    errors = [{"row": 2, "column": "名称", "code": "x.bad", "message": "名称有误"}]
    out = load_workbook(
        io.BytesIO(core.bad_rows_workbook(SPEC, table.headers, table.columns, table.rows, errors))
    )
    ws = out.active
    assert [c.value for c in ws[1]] == ["编号", "名称", "手机号码", "错误原因"]
    assert [c.value for c in ws[2]] == ["1234", "=HYPERLINK(1)", "1", "名称：名称有误（x.bad）"]
    assert ws["B2"].data_type == "s" and ws.max_row == 2


def test_template_from_the_spec():
    template = core.Template(
        title="数据",
        notes_title="导入说明",
        rules=("1. 规则",),
        dropdowns=(core.Dropdown("name", ["=甲", "乙"], strict=True),),
        sheets=(core.Sheet("参考", ["代码"], [["A"]], after_notes=True),),
        examples=[["示例", "甲", "1", ""]],
    )
    wb = load_workbook(io.BytesIO(core.template_workbook(SPEC, template)))
    assert wb.sheetnames == ["数据", "代码表", "说明", "参考"]
    data = wb["数据"]
    assert [c.value for c in data[1]] == SPEC.headers and data["A2"].value == "示例"
    (dv,) = data.data_validations.dataValidation
    assert str(dv.sqref) == "B2:B20001" and dv.showErrorMessage
    assert wb["代码表"].sheet_state == "hidden" and wb["代码表"]["A2"].data_type == "s"
    notes = [r[0] for r in wb["说明"].iter_rows(values_only=True)]
    assert "导入说明" in notes and "1. 规则" in notes and "编号" in notes
    _wb, ws = core.export_sheet(SPEC, "导出", ["状态"])
    assert ws.title == "导出"


@pytest.mark.django_db
def test_job_runs_through_the_protocol(demo):
    from fanxiang.entrepreneurs.models import ImportJob

    job = ImportJob(created_by=demo["officer_411625"], original_name="x.csv", dry_run=True)
    core.jobs.store_source(job, b"secret")
    job.save()
    assert core.jobs.load_source(job) == b"secret"
    seen = []

    def run(actor, progress):
        progress(core.ImportStage.VALIDATING, 1)
        seen.append(ImportJob.objects.get(pk=job.pk).rows_done)
        return core.ImportReport(total_rows=2, valid_rows=2, created=2, dry_run=True)

    core.jobs.execute(job, run, logger=logging.getLogger("test"))
    assert seen == [1] and job.status == core.jobs.JobStatus.DONE
    body = core.jobs.job_report(job)
    assert (body["progress"], body["created"], body["rows_done"]) == (100, 2, 2)

    def boom(actor, progress):
        raise InvalidInput("import.sheet_too_large", "太大")

    failed = core.jobs.execute(job, boom, logger=logging.getLogger("test"))
    assert (failed.status, failed.error_code) == ("failed", "import.sheet_too_large")
