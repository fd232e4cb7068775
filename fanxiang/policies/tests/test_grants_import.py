"""Excel import of grants made outside the system: every bad row reported by row, column and reason; nothing
written unless every row is good (default), valid rows only with ``partial``; once-only repeats inside the
file and against the database; re-importing a file never double-counts; the template round-trips."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from openpyxl import load_workbook

from fanxiang.core.errors import Forbidden, InvalidInput
from fanxiang.core.tests.workbooks import xlsx_bytes
from fanxiang.policies import grants
from fanxiang.policies.models import BenefitGrant
from fanxiang.policies.tests.scope_cases import grant_item, grant_person
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db
HEADERS = ["政策条款代码", "身份证号码", "姓名", "金额（元）", "享受日期", "批次"]


def xlsx(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    return xlsx_bytes(headers, rows)


@pytest.fixture
def world(demo):
    once = grant_item(code="imp-once", title="一次性补贴（导入测试）", once_only=True, amount_kind="fixed",
                      amount_fixed=Decimal("5000"))  # fmt: skip
    ranged = grant_item(
        code="imp-range",
        benefit_type="social_insurance_subsidy",
        amount_kind="range",
        amount_min=Decimal("1000"),
        amount_max=Decimal("30000"),
    )
    return {
        "once": once,
        "range": ranged,
        "p1": grant_person("411625", name="导入甲"),
        "p2": grant_person("411625", name="导入乙"),
        "far": grant_person("411628", name="鹿邑丙"),
        "officer": demo["officer_411625"],
        "leader": demo["leader"],
    }


def bad_file(w) -> bytes:
    p1, p2, far = w["p1"], w["p2"], w["far"]
    return xlsx(
        [
            [
                "imp-once 一次性补贴（导入测试）",
                p1.id_number,
                "导入甲",
                5000,
                dt.date(2021, 6, 1),
                "外部批次A",
            ],
            ["imp-once", p1.id_number, "", 5000, "2021-07-01", ""],
            ["imp-range", p2.id_number, "", 40000, "2021-06-01", ""],
            ["imp-range", far.id_number, "", 2000, "2021-06-01", ""],
            ["no-such-item", p2.id_number, "", 2000, "2021-06-01", ""],
            ["imp-range", p2.id_number, "", 2000, "2021-13-01", ""],
            ["imp-range", p2.id_number, "错名", 2000, "2021/6/1", ""],
            ["imp-range", p2.id_number, "导入乙", "2,500.00", "2021年6月2日", ""],
        ]
    )


EXPECTED = [
    (3, "身份证号码", "policy.grant_once_only"),
    (4, "金额（元）", "policy.grant_amount_out_of_range"),
    (5, "身份证号码", "policy.grant_beneficiary_not_found"),
    (6, "政策条款代码", "policy.grant_item_invalid"),
    (7, "享受日期", "policy.grant_date_invalid"),
    (8, "姓名", "policy.grant_name_mismatch"),
]


def run(w, content: bytes, **kwargs) -> grants.GrantImportReport:
    kwargs.setdefault("dry_run", False)
    return grants.grant_import(actor=w["officer"], content=content, filename="外部发放.xlsx", **kwargs)


def test_bad_rows_are_reported_and_nothing_is_written(world):
    report = run(world, bad_file(world))
    assert [(e["row"], e["column"], e["code"]) for e in report.errors] == EXPECTED
    messages = {e["row"]: e["message"] for e in report.errors}
    assert (
        messages[3] == "与本文件第2行重复：“一次性补贴（导入测试）”为一次性政策，同一人员或主体只能享受一次。"
    )
    assert messages[4] == "金额 4万元 超过该政策上限 3万元"
    assert messages[8] == "姓名“错名”与该身份证号码登记的姓名“导入乙”不一致。"
    assert (report.total_rows, report.valid_rows, report.error_rows) == (8, 2, 6)
    assert (report.committed, report.created) == (False, 0)
    assert not BenefitGrant.objects.exists()
    assert (
        grants.grant_totals(user=world["officer"], region=Region.objects.get(code="411625"), year=2021)[
            "count"
        ]
        == 0
    )


def test_dry_run_reports_the_same_and_writes_nothing(world):
    report = run(world, bad_file(world), dry_run=True)
    assert [(e["row"], e["column"], e["code"]) for e in report.errors] == EXPECTED
    assert report.amount == Decimal("7500.00")  # the two valid rows: 5000 + 2500
    assert not BenefitGrant.objects.exists()


def test_partial_writes_the_valid_rows_and_a_reimport_counts_nothing_twice(world):
    report = run(world, bad_file(world), partial=True, batch="页面批次")
    assert report.committed and report.created == 2
    rows = list(
        BenefitGrant.objects.order_by("pk").values_list(
            "item__code", "amount", "granted_on", "batch", "source"
        )
    )
    assert rows == [
        ("imp-once", Decimal("5000.00"), dt.date(2021, 6, 1), "外部批次A", "import"),
        (
            "imp-range",
            Decimal("2500.00"),
            dt.date(2021, 6, 2),
            "页面批次",
            "import",
        ),  # the file left it blank
    ]
    totals = grants.grant_totals(user=world["officer"], region=Region.objects.get(code="411625"), year=2021)
    assert (totals["amount"], totals["count"]) == (Decimal("7500.00"), 2)

    again = run(world, bad_file(world), partial=True, batch="页面批次")
    assert again.created == 0
    codes = {(e["row"], e["code"]) for e in again.errors}
    assert (2, "policy.grant_once_only") in codes and (9, "policy.grant_duplicate") in codes
    assert BenefitGrant.objects.count() == 2


def test_a_clean_file_imports_whole(world):
    content = xlsx(
        [
            ["imp-once", world["p1"].id_number, "导入甲", 5000, "2021-06-01", "A"],
            ["imp-range", world["p1"].id_number, "", 1000, "2021-06-01", "A"],
            ["imp-range", world["p1"].id_number, "", 1000, "2021-07-01", "A"],
        ]
    )
    report = run(world, content)
    assert (report.committed, report.created, report.errors) == (True, 3, [])
    assert set(BenefitGrant.objects.values_list("created_by__username", flat=True)) == {"officer_411625"}
    for grant in BenefitGrant.objects.all():  # each imported grant starts its change log, naming the importer
        entry = LogEntry.objects.get_for_object(grant).get()
        assert entry.actor == world["officer"] and entry.changes["amount"] == [None, str(grant.amount)]
    summary = LogEntry.objects.get(additional_data__import=True, object_pk="")
    assert summary.additional_data["created"] == 3


def test_id_numbers_typed_as_numbers_get_a_hint(world):
    report = run(
        world, xlsx([["imp-range", float(world["p1"].id_number[:17] + "0"), "", 1000, "2021-06-01", ""]])
    )
    assert report.errors[0]["code"] == "policy.grant_beneficiary_not_found"
    assert "请把本列设为文本" in report.errors[0]["message"]


def test_file_level_errors(world):
    with pytest.raises(InvalidInput) as exc:
        run(world, xlsx([["imp-range", 1000]], headers=["政策条款代码", "金额（元）"]))
    assert exc.value.code == "import.missing_columns"
    assert "享受日期" in exc.value.message and "身份证号码或统一社会信用代码" in exc.value.message
    with pytest.raises(InvalidInput) as exc:
        run(world, xlsx([]))
    assert exc.value.code == "import.empty_file"
    with pytest.raises(InvalidInput) as exc:
        grants.grant_import(actor=world["officer"], content=b"x", filename="a.pdf")
    assert exc.value.code == "import.file_type"
    with pytest.raises(Forbidden):
        grants.grant_import(actor=world["leader"], content=xlsx([]), filename="a.xlsx")


def test_csv_in_gbk_is_read(world):
    text = "政策条款代码,身份证号码,金额（元）,享受日期\nimp-range,{},1500,2021-06-01\n".format(
        world["p2"].id_number
    )
    report = grants.grant_import(actor=world["officer"], content=text.encode("gb18030"), filename="发放.csv")
    assert report.errors == [] and report.valid_rows == 1


def test_template_round_trip(world):
    content = grants.template_workbook()
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["享受记录", "政策条款", "说明"]
    sheet = wb["享受记录"]
    assert [c.value for c in sheet[1]] == grants.HEADERS
    options = [row[0] for row in wb["政策条款"].iter_rows(min_row=2, values_only=True)]
    assert "imp-once 一次性补贴（导入测试）" in options
    sheet.append(
        ["imp-once 一次性补贴（导入测试）", world["p1"].id_number, "导入甲", None, 5000, "2021-06-01"]
    )
    buf = io.BytesIO()
    wb.save(buf)
    report = run(world, buf.getvalue())
    assert (report.created, report.errors) == (1, [])
