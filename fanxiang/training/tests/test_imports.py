"""The enrolment import: every row through the single enrolment's rules, each bad row reported by Excel row,
column and Chinese reason with its code; nothing written on a check, the good rows only on confirmation
(all-or-nothing or partial); the report page, the bad-rows workbook and the template."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from fanxiang.core.errors import DomainError
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.entrepreneurs.tests.factories import make_id
from fanxiang.training.imports import enrolment_import
from fanxiang.training.models import Enrolment
from fanxiang.training.tests.factories import MONDAY, class_in, officer, person

pytestmark = pytest.mark.django_db
HEADERS = ["姓名", "身份证号码", "手机号", "村", "职务"]


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: MONDAY)


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sample() -> tuple[list[list], object]:
    """Rows 2–6: a registry person, a new trainee, a bad ID number, a repeat of row 3, a 65-year-old."""
    known = person()
    new_id = make_id(area="411625", birth="19920303")
    good = make_id(area="411625", birth="19930303")
    bad_id = good[:-1] + ("1" if good[-1] == "0" else "0")  # a wrong check character
    rows = [
        [known.name, _plain_id(known), "", "", ""],
        ["赵新", new_id, "13912345678", "", ""],
        ["钱错", bad_id, "", "", ""],
        ["赵新", new_id, "", "", ""],
        ["孙老", make_id(area="411625", birth="19500101"), "", "", ""],
    ]
    return rows, known


def _plain_id(p) -> str:
    return p.id_number


def run(klass, rows, mode):
    return enrolment_import(
        actor=officer(), training_class=klass, content=xlsx(rows), filename="学员.xlsx", mode=mode
    )


def test_check_reports_every_bad_row_and_writes_nothing():
    klass = class_in("approved")
    rows, _known = sample()
    people = Entrepreneur.objects.count()
    report = run(klass, rows, "check")
    by_row = {e["row"]: e for e in report.errors}
    assert (report.total_rows, report.valid_rows, report.error_rows) == (5, 2, 3)
    assert sorted(by_row) == [4, 5, 6]
    assert by_row[4]["column"] == "身份证号码" and by_row[4]["code"].startswith("id")
    assert by_row[5]["code"] == "training.import_duplicate" and "第3行" in by_row[5]["message"]
    assert by_row[6]["code"] == "training.age_out_of_range" and "周岁" in by_row[6]["message"]
    assert not report.committed and report.created == 0
    assert Enrolment.objects.filter(training_class=klass).count() == 0
    assert Entrepreneur.objects.count() == people  # the new trainee was not registered by the check


def test_all_or_nothing_writes_nothing_with_a_bad_row_and_partial_writes_the_good_ones():
    klass = class_in("approved")
    rows, known = sample()
    report = run(klass, rows, "all")
    assert not report.committed and Enrolment.objects.filter(training_class=klass).count() == 0
    report = run(klass, rows, "partial")
    assert report.committed and report.created == 2 and report.registered == 1
    enrolled = Enrolment.objects.filter(training_class=klass)
    assert {e.entrepreneur.name for e in enrolled} == {known.name, "赵新"}
    assert {e.source for e in enrolled} == {"import"}


def test_capacity_counts_the_rows_of_the_file():
    klass = class_in("approved", capacity=1)
    rows, _known = sample()
    report = run(klass, rows[:2], "check")
    assert [e["code"] for e in report.errors] == ["training.class_full"]


def test_a_name_not_matching_the_registry_is_refused():
    klass = class_in("approved")
    _rows, known = sample()
    report = run(klass, [["别人", _plain_id(known), "", "", ""]], "check")
    assert [e["code"] for e in report.errors] == ["training.name_mismatch"]


def test_wrong_file_is_refused_with_a_code():
    klass = class_in("approved")
    with pytest.raises(DomainError) as caught:
        enrolment_import(actor=officer(), training_class=klass, content=b"", filename="x.xlsx")
    assert caught.value.code == "import.empty_file"


def test_import_page_report_bad_rows_and_template(demo):
    klass = class_in("approved")
    rows, _known = sample()
    c = Client()
    c.force_login(officer())
    url = f"/training/classes/{klass.pk}/import/"
    assert c.get(url).status_code == 200
    r = c.post(url, {"mode": "check", "file": SimpleUploadedFile("学员.xlsx", xlsx(rows))})
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="report"' in html
    assert re.search(r'data-row="6" data-code="training.age_out_of_range"', html)
    assert "training.age_out_of_range" not in re.sub(
        r'data-[a-z]+="[^"]*"', "", html
    )  # the code only in data-code
    token = re.search(r"/import/bad-rows/([0-9a-f]+)/", html).group(1)
    bad = c.get(f"{url}bad-rows/{token}/")
    assert bad.status_code == 200
    sheet = load_workbook(io.BytesIO(bad.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 4 and any("周岁" in str(v) for v in values[-1])
    other = Client()
    other.force_login(officer("411628"))
    assert other.get(f"{url}bad-rows/{token}/").status_code == 404
    template = c.get(f"{url}template/")
    assert template.status_code == 200
    assert [c.value for c in load_workbook(io.BytesIO(template.content)).active[1]][:5] == HEADERS
    r = c.post(url, {"mode": "partial", "file": SimpleUploadedFile("学员.xlsx", xlsx(rows))})
    assert r.status_code == 200 and Enrolment.objects.filter(training_class=klass).count() == 2
