"""Excel import of repayments: every bad row reported by row, column and code; all-or-nothing by default."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fanxiang.core.tests.workbooks import xlsx_bytes
from fanxiang.loans.models import Repayment
from fanxiang.loans.repayment.imports import import_repayments
from fanxiang.loans.tests.repayment_factories import loan, person

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list]) -> bytes:
    return xlsx_bytes(["贷款编号", "还款日期", "还款金额（元）", "银行流水号", "备注", "借款人姓名"], rows)


@pytest.fixture
def setup(demo):
    borrower = person(demo["officer_411625"])
    ours = loan(borrower, number="DK-A")
    loan(borrower, number="DK-RCB", bank="DEMO-BANK-RCB")
    rows = [
        ["DK-A", "2021-04-15", 391.67, "R-001", "", "张三"],  # 2 good
        ["NOPE", "2021-04-15", "391.67", "", "", ""],  # 3 unknown loan
        ["DK-A", "2021-13-40", "391.67", "", "", ""],  # 4 bad date
        ["DK-A", "2021-05-15", "abc", "", "", ""],  # 5 bad amount
        ["DK-A", "2021-05-15", "391.67", "R-001", "", ""],  # 6 reference repeats row 2
        ["DK-RCB", "2021-04-15", "391.67", "", "", ""],  # 7 another bank's loan
        ["DK-A", "2021-06-01", "999999.00", "", "", ""],  # 8 more than everything owed
        ["DK-A", "2021-06-10", None, "", "", ""],  # 9 amount missing
        ["DK-A", "2021年5月15日", "391.67", "R-002", "", ""],  # 10 good
        ["DK-A", "2021-03-01", "10.00", "", "", ""],  # 11 before the contract date
        ["", "x", "-5", "", "", ""],  # 12 three errors in one row
    ]
    return ours, xlsx(rows)


EXPECTED = [
    (3, "贷款编号", "repayment.loan_not_found"),
    (4, "还款日期", "repayment.date_invalid"),
    (5, "还款金额（元）", "repayment.amount_invalid"),
    (6, "银行流水号", "repayment.duplicate_reference"),
    (7, "贷款编号", "repayment.loan_not_found"),
    (8, "还款金额（元）", "repayment.exceeds_outstanding"),
    (9, "还款金额（元）", "import.required"),
    (11, "还款日期", "repayment.date_before_contract"),
    (12, "贷款编号", "import.required"),
    (12, "还款日期", "repayment.date_invalid"),
    (12, "还款金额（元）", "repayment.amount_invalid"),
]


def codes(report) -> list[tuple]:
    return [(e["row"], e["column"], e["code"]) for e in report.as_dict()["errors"]]


def test_bad_rows_reported_exactly_and_nothing_written(setup, demo):
    ours, content = setup
    report = import_repayments(actor=demo["bank_officer"], content=content, filename="还款.xlsx")
    assert codes(report) == EXPECTED
    body = report.as_dict()
    assert (body["total_rows"], body["valid_rows"], body["created"], body["error_rows"]) == (11, 2, 0, 9)
    assert body["committed"] is False and body["ignored_columns"] == ["借款人姓名"]
    assert all(e["message"] for e in body["errors"])
    assert not Repayment.objects.exists()
    ours.refresh_from_db()
    assert ours.status == "repaying"


def test_partial_writes_the_good_rows(setup, demo):
    _ours, content = setup
    report = import_repayments(
        actor=demo["bank_officer"], content=content, filename="还款.xlsx", partial=True
    )
    assert codes(report) == EXPECTED
    assert report.created == 2 and report.committed
    assert sorted(Repayment.objects.values_list("reference", flat=True)) == ["R-001", "R-002"]
    assert set(Repayment.objects.values_list("source", flat=True)) == {"import"}


def test_dry_run_writes_nothing(setup, demo):
    _ours, content = setup
    report = import_repayments(
        actor=demo["bank_officer"], content=content, filename="还款.xlsx", dry_run=True, partial=True
    )
    assert report.valid_rows == 2 and report.created == 0 and not report.committed
    assert not Repayment.objects.exists()


def test_clean_file_commits_in_date_order(demo):
    ours = loan(person(demo["officer_411625"]), number="DK-B")
    content = "贷款编号,还款日期,还款金额（元）\nDK-B,2021-05-15,391.67\nDK-B,2021-04-15,391.67\n".encode()
    report = import_repayments(actor=demo["bank_officer"], content=content, filename="r.csv")
    assert report.errors == [] and report.created == 2 and report.committed
    assert list(Repayment.objects.filter(loan=ours).order_by("date").values_list("amount", flat=True)) == [
        Decimal("391.67"),
        Decimal("391.67"),
    ]


def test_file_level_errors(demo):
    bank = demo["bank_officer"]
    from fanxiang.core.errors import Forbidden, InvalidInput

    for content, code in (
        (b"", "import.empty_file"),
        ("贷款编号,还款日期\nDK-1,2021-04-15\n".encode(), "import.missing_columns"),
        (b"PK\x03\x04garbage", "import.file_unreadable"),
    ):
        with pytest.raises(InvalidInput) as exc:
            import_repayments(
                actor=bank, content=content, filename="x.csv" if content[:2] != b"PK" else "x.xlsx"
            )
        assert exc.value.code == code
    with pytest.raises(Forbidden):
        import_repayments(actor=demo["officer_411625"], content=b"a", filename="x.csv")


def test_import_api(setup, api):
    _ours, content = setup
    client = api("bank_officer")
    upload = SimpleUploadedFile("还款.xlsx", content)
    response = client.client.post(
        "/api/v1/loans/repayments/import", {"file": upload, "partial": "true"}, **client._headers()
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == EXPECTED
    assert body["created"] == 2
    template = client.get("/api/v1/loans/repayments/import-template")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
