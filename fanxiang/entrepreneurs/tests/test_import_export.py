"""Excel import/export: the report names every bad row exactly, all-or-nothing writes nothing, partial
writes the good rows and hands back the bad ones, re-imports change nothing, exports mask unless the
user may reveal and asks (logged), and the bulk write has the effects of the per-row services."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from fanxiang.core import pii
from fanxiang.core.errors import InvalidInput
from fanxiang.entrepreneurs import imports, services, tasks
from fanxiang.entrepreneurs.models import DuplicateCandidate, Entrepreneur, ImportJob
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.regions.models import RegionMonthStat

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded import files go to a throwaway MEDIA_ROOT, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


# --------------------------------------------------------------------------- helpers


def person_row(**overrides) -> dict:
    """One import row keyed by Chinese header."""
    row = {
        "姓名": "张三",
        "身份证号码": make_id(),
        "手机号码": "13800138000",
        "现居住地区划代码": "411625101",
        "户籍地区划代码": "411625101",
        "人员类别": "返乡农民工",
        "返乡/入乡时间": "2020-03-01",
        "创业时间": "2020-05-10",
        "原务工省份": "广东省",
        "原务工城市": "深圳市",
        "外出务工时长（月）": 60,
        "文化程度": "高中/中专/技校",
        "技能特长": "电工",
        "重点群体": "",
        "备注": "",
    }
    row.update(overrides)
    return row


def xlsx(rows: list[dict], headers: list[str] | None = None) -> bytes:
    headers = headers or imports.HEADERS
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[dict], encoding: str = "utf-8-sig") -> bytes:
    lines = [",".join(imports.HEADERS)]
    for row in rows:
        lines.append(",".join(str(row.get(h, "") or "") for h in imports.HEADERS))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def run(actor, content: bytes, *, dry_run=False, partial=False, name="人员.xlsx") -> imports.ImportReport:
    table = imports.read_table(content, name)
    return imports.run_import(actor=actor, table=table, dry_run=dry_run, partial=partial, source_name=name)


def upload(content: bytes, name: str = "人员.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def codes(report) -> set[tuple[int, str, str]]:
    return {(e["row"], e["column"], e["code"]) for e in report.errors}


def stats() -> dict:
    return {
        (s.region.code, s.indicator, s.year, s.month): s.value
        for s in RegionMonthStat.objects.select_related("region")
        if s.value
    }


def snapshot() -> dict:
    """What a registration leaves behind, independent of primary keys."""
    people = {}
    for e in Entrepreneur.objects.prefetch_related("priority_groups").select_related("region"):
        people[e.id_number] = (
            e.name,
            e.name_initials,
            e.id_number_masked,
            e.sex,
            e.birth_date,
            e.birthplace_code,
            e.mobile,
            e.mobile_hash,
            e.mobile_masked,
            e.region.code,
            e.category,
            e.counted_on,
            e.education,
            e.worked_months,
            tuple(sorted(g.code for g in e.priority_groups.all())),
        )
    by_id = {e.pk: e.id_number for e in Entrepreneur.objects.all()}
    dups = {
        (frozenset({by_id[d.entrepreneur_id], by_id[d.other_id]}), d.reason)
        for d in DuplicateCandidate.objects.all()
    }
    return {"people": people, "stats": stats(), "duplicates": dups}


# --------------------------------------------------------------------------- happy path, effects


def test_dry_run_writes_nothing_then_commit_creates_with_service_effects(demo):
    officer = demo["officer_411625"]
    rows = [
        person_row(姓名="李四", 重点群体="贫困家庭/建档立卡、epidemic_contributor"),
        person_row(姓名="王五", 原务工省份="湖北省", 原务工城市="武汉市", 手机号码=""),
    ]
    content = xlsx(rows)
    report = run(officer, content, dry_run=True)
    assert report.errors == []
    assert (report.total_rows, report.valid_rows, report.created, report.updated) == (2, 2, 2, 0)
    assert not report.committed
    assert Entrepreneur.objects.count() == 0 and not RegionMonthStat.objects.exists()

    report = run(officer, content)
    assert report.committed and (report.created, report.updated, report.unchanged) == (2, 0, 0)
    li = Entrepreneur.objects.get(name="李四")
    assert li.id_number == rows[0]["身份证号码"] and li.id_number not in li.id_number_enc
    assert li.id_number_masked.startswith("4116") and "*" in li.id_number_masked
    assert li.mobile == "13800138000" and li.mobile_masked == "138****8000"
    assert li.name_initials == "ls" and li.sex == "M" and li.birth_date == dt.date(1985, 1, 1)
    assert li.counted_on == dt.date(2020, 5, 10) and li.created_by == officer
    assert li.category == "returning_migrant_worker" and li.education == "senior"
    assert set(li.priority_groups.values_list("code", flat=True)) == {
        "poor_household",
        "epidemic_contributor",
    }
    wang = Entrepreneur.objects.get(name="王五")
    assert set(wang.priority_groups.values_list("code", flat=True)) == {"formerly_in_hubei"}
    assert wang.mobile_hash == "" and wang.mobile_masked == ""
    assert stats() == {("411625101", "new_entrepreneurs", 2020, 5): Decimal(2)}
    # the change log: one entry per person and one summary event for the import
    assert LogEntry.objects.get_for_object(li).filter(action=LogEntry.Action.CREATE).exists()
    summary = LogEntry.objects.filter(additional_data__import=True).get()
    assert summary.actor == officer and summary.additional_data["created"] == 2


def test_bulk_import_has_the_same_effects_as_the_per_row_service(demo):
    """Rollups, duplicate flags, priority groups, counted_on: import == services.entrepreneur_create."""
    officer = demo["officer_411625"]
    shared_mobile = "13912345678"
    rows = [
        person_row(姓名="赵六", 身份证号码=make_id(birth="19800101"), 创业时间="2020-01-15"),
        person_row(
            姓名="赵六", 身份证号码=make_id(birth="19800101"), 现居住地区划代码="411625102", 手机号码=""
        ),
        person_row(姓名="钱七", 手机号码=shared_mobile, 创业时间="", 原务工省份="湖北"),
        person_row(姓名="孙八", 手机号码=shared_mobile, 创业时间="2020-07-01", 现居住地区划代码="411625"),
        person_row(姓名="周九", 重点群体="poor_household", 创业时间="2019-12-31", 手机号码="13600136000"),
    ]
    existing = services.entrepreneur_create(
        actor=officer,
        data=person_data(name="吴十", mobile=shared_mobile, id_number=make_id(birth="19700101")),
    )
    assert existing.pk
    keys = {
        "姓名": "name", "身份证号码": "id_number", "手机号码": "mobile", "现居住地区划代码": "region",
        "户籍地区划代码": "hukou_region", "人员类别": "category", "返乡/入乡时间": "return_date",
        "创业时间": "started_on", "原务工省份": "worked_province", "原务工城市": "worked_city",
        "外出务工时长（月）": "worked_months", "文化程度": "education", "技能特长": "skills",
        "重点群体": "priority_groups", "备注": "notes",
    }  # fmt: skip
    with transaction.atomic():
        for row in rows:
            data = {keys[k]: v for k, v in row.items()}
            data["category"] = "returning_migrant_worker"
            data["education"] = "senior"
            data["priority_groups"] = [p for p in str(data["priority_groups"]).split(",") if p]
            services.entrepreneur_create(actor=officer, data=data)
        by_service = snapshot()
        transaction.set_rollback(True)
    report = run(officer, xlsx(rows))
    assert report.created == 5 and not report.errors
    by_import = snapshot()
    assert by_import["stats"] == by_service["stats"]
    assert by_import["duplicates"] == by_service["duplicates"]
    # 赵六 × 赵六 (name + birth date); 钱七, 孙八 and the existing 吴十 share a mobile (3 pairs)
    assert len(by_import["duplicates"]) == 4
    assert by_import["people"] == by_service["people"]


def test_export_then_reimport_changes_nothing(demo, api):
    officer = demo["officer_411625"]
    rows = [
        person_row(姓名="甲", 重点群体="疫情防控中做出突出贡献", 备注="多行\n备注"),
        person_row(姓名="乙", 手机号码="", 文化程度="", **{"外出务工时长（月）": None}, 户籍地区划代码=""),
        person_row(姓名="丙", 原务工省份="湖北省", 创业时间=""),
    ]
    assert run(officer, xlsx(rows)).created == 3
    before = snapshot()
    client = api("officer_411625")
    logs = LogEntry.objects.count()
    response = client.get("/api/v1/entrepreneurs/export", {"reveal": "true"})
    assert response.status_code == 200
    exported = response.content
    # through the API, like a clerk would re-upload it
    body = client.client.post(
        "/api/v1/entrepreneurs/import",
        {"file": upload(exported, "export.xlsx"), "dry_run": "false"},
        **client._headers(),
    ).json()
    assert body["errors"] == [], body["errors"]
    assert (body["total_rows"], body["created"], body["updated"], body["unchanged"]) == (3, 0, 0, 3)
    assert snapshot() == before
    # only the export event and the import summary were logged, no per-person changes
    new = LogEntry.objects.order_by("pk")[logs:]
    assert [e.additional_data.get("event") for e in new] == ["export", "create"]


def test_reimporting_the_same_file_creates_no_duplicates_and_updates_changed_rows(demo):
    officer = demo["officer_411625"]
    rows = [person_row(姓名=f"人{i}") for i in range(3)]
    content = xlsx(rows)
    assert run(officer, content).created == 3
    second = run(officer, content)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert Entrepreneur.objects.count() == 3
    rows[1]["现居住地区划代码"] = "411625102"
    rows[1]["创业时间"] = "2020-08-01"
    rows[2]["手机号码"] = "13700137000"
    third = run(officer, xlsx(rows))
    assert (third.created, third.updated, third.unchanged) == (0, 2, 1)
    moved = Entrepreneur.objects.get(name="人1")
    assert moved.region.code == "411625102" and moved.counted_on == dt.date(2020, 8, 1)
    assert Entrepreneur.objects.get(name="人2").mobile == "13700137000"
    assert stats() == {
        ("411625101", "new_entrepreneurs", 2020, 5): Decimal(2),
        ("411625102", "new_entrepreneurs", 2020, 8): Decimal(1),
    }
    change = LogEntry.objects.get_for_object(moved).filter(action=LogEntry.Action.UPDATE).get()
    assert set(change.changes) == {"region", "started_on"}


# --------------------------------------------------------------------------- the report


def test_mixed_bad_rows_are_each_reported_exactly_and_nothing_is_written(demo):
    officer = demo["officer_411625"]
    services.entrepreneur_create(actor=demo["officer_411628"], data=person_data(
        id_number=(held := make_id(area="411628")), region="411628101"
    ))  # fmt: skip
    dup = make_id()
    rows = [
        person_row(姓名="好人甲"),  # row 2: fine
        person_row(身份证号码="411625198501010010"),  # 3: checksum
        person_row(姓名="", 手机号码="12345"),  # 4: two errors
        person_row(现居住地区划代码="411628101"),  # 5: other county
        person_row(人员类别="宇航员", 文化程度="博士"),  # 6
        person_row(**{"返乡/入乡时间": "2020-13-01"}, 创业时间="2999-01-01"),  # 7
        person_row(身份证号码=dup),  # 8: first of a pair: fine
        person_row(身份证号码=dup, 姓名="重复"),  # 9: in-file duplicate
        person_row(身份证号码=held),  # 10: held by 411628
        person_row(重点群体="贵宾", **{"外出务工时长（月）": -3}),  # 11
        person_row(现居住地区划代码="999999999"),  # 12
        person_row(现居住地区划代码="411600"),  # 13: too coarse
    ]
    report = run(officer, xlsx(rows))
    assert codes(report) == {
        (3, "身份证号码", "id.invalid_checksum"),
        (4, "姓名", "name.required"),
        (4, "手机号码", "mobile.invalid"),
        (5, "现居住地区划代码", "scope.region_forbidden"),
        (6, "人员类别", "category.invalid"),
        (6, "文化程度", "education.invalid"),
        (7, "返乡/入乡时间", "date.invalid"),
        (7, "创业时间", "date.in_future"),
        (9, "身份证号码", "import.duplicate_in_file"),
        (10, "身份证号码", "entrepreneur.duplicate_id_number"),
        (11, "重点群体", "priority_group.unknown"),
        (11, "外出务工时长（月）", "worked_months.invalid"),
        (12, "现居住地区划代码", "region.unknown"),
        (13, "现居住地区划代码", "region.too_coarse"),
    }
    assert len(report.errors) == 14
    assert all(e["message"] for e in report.errors)
    held_error = next(e for e in report.errors if e["row"] == 10)
    assert held_error["message"] == "该身份证号码已在其他县区登记，可申请转移"
    assert "第8行" in next(e for e in report.errors if e["row"] == 9)["message"]
    assert (report.total_rows, report.valid_rows) == (12, 2)
    # all-or-nothing: nothing written
    assert not report.committed and report.created == 0
    assert Entrepreneur.objects.count() == 1
    assert stats() == {("411628101", "new_entrepreneurs", 2020, 5): Decimal(1)}


def test_partial_writes_good_rows_and_the_bad_rows_file_holds_exactly_the_bad_ones(demo):
    officer = demo["officer_411625"]
    rows = [
        person_row(姓名="好一"),
        person_row(姓名="坏一", 身份证号码="123"),
        person_row(姓名="好二"),
        person_row(姓名="坏二", 人员类别=""),
        person_row(姓名="好三"),
    ]
    content = xlsx(rows)
    job = tasks.import_job_create(actor=officer, upload=upload(content), dry_run=False, partial=True)
    assert job.status == ImportJob.Status.DONE and job.committed
    assert (job.created, job.valid_rows, job.total_rows) == (3, 3, 5)
    assert {(e["row"], e["code"]) for e in job.errors} == {(3, "id.invalid_length"), (5, "category.required")}
    assert set(Entrepreneur.objects.values_list("name", flat=True)) == {"好一", "好二", "好三"}
    assert stats() == {("411625101", "new_entrepreneurs", 2020, 5): Decimal(3)}

    wb = load_workbook(io.BytesIO(tasks.bad_rows_file(job)))
    got = list(wb.active.iter_rows(values_only=True))
    assert list(got[0]) == [*imports.HEADERS, "错误原因"]
    assert [r[0] for r in got[1:]] == ["坏一", "坏二"]
    assert "category.required" in got[2][-1] and "人员类别" in got[2][-1]
    # fix the bad rows in the downloaded file and upload it again: the 错误原因 column is ignored
    fixed = [dict(zip(got[0], r, strict=True)) for r in got[1:]]
    fixed[0]["身份证号码"] = make_id()
    fixed[1]["人员类别"] = "退役军人"
    again = run(officer, xlsx(fixed, headers=list(got[0])))
    assert again.errors == [] and again.created == 2 and again.ignored_columns == []


def test_other_county_id_is_a_per_row_error_even_in_partial_mode(demo):
    held = make_id(area="411628")
    services.entrepreneur_create(
        actor=demo["officer_411628"], data=person_data(id_number=held, region="411628101", name="鹿邑人")
    )
    report = run(demo["officer_411625"], xlsx([person_row(身份证号码=held), person_row()]), partial=True)
    assert codes(report) == {(2, "身份证号码", "entrepreneur.duplicate_id_number")}
    assert report.created == 1
    person = Entrepreneur.objects.get(id_number_hash=pii.index(held))
    assert person.name == "鹿邑人" and person.region.code == "411628101"


def test_in_file_duplicate_is_an_error_on_the_later_row(demo):
    same = make_id()
    report = run(
        demo["officer_411625"], xlsx([person_row(身份证号码=same), person_row(), person_row(身份证号码=same)])
    )
    assert codes(report) == {(4, "身份证号码", "import.duplicate_in_file")}


def test_csv_utf8_and_gbk_and_loose_dates(demo):
    officer = demo["officer_411625"]
    for encoding in ("utf-8-sig", "gbk", "utf-16"):
        rows = [person_row(**{"返乡/入乡时间": "2020/3/1", "创业时间": "2020年5月10日"})]
        report = run(officer, csv_bytes(rows, encoding), dry_run=True, name="people.csv")
        assert report.errors == [] and report.created == 1, encoding


def test_numeric_id_cell_explains_the_lost_digits(demo):
    report = run(demo["officer_411625"], xlsx([person_row(身份证号码=411625198501010011)]), dry_run=True)
    (error,) = report.errors
    assert error["column"] == "身份证号码" and "文本" in error["message"]


def test_region_code_with_name_from_the_dropdown(demo):
    officer = demo["officer_411625"]
    ok = run(officer, xlsx([person_row(现居住地区划代码="411625101 吴台镇")]), dry_run=True)
    assert ok.errors == [] and ok.created == 1
    bad = run(officer, xlsx([person_row(现居住地区划代码="411625101 玄武镇")]), dry_run=True)
    assert codes(bad) == {(2, "现居住地区划代码", "import.region_name_mismatch")}


# --------------------------------------------------------------------------- file-level errors


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"%PDF-1.4 binary", "people.pdf", "import.file_type"),
        (b"not really excel", "people.xlsx", "import.file_unreadable"),
        (b"", "people.xlsx", "import.empty_file"),
        (b"PK\x03\x04garbage", "people.xlsx", "import.file_unreadable"),
    ],
)
def test_bad_files_have_a_clear_code(demo, content, name, code):
    with pytest.raises(InvalidInput) as exc:
        tasks.import_job_create(actor=demo["officer_411625"], upload=upload(content, name), dry_run=True)
    assert exc.value.code == code
    assert not ImportJob.objects.exists()


def test_header_only_and_blank_files_are_empty(demo):
    for content in (xlsx([]), xlsx([], headers=[""])):
        with pytest.raises(InvalidInput) as exc:
            imports.read_table(content, "x.xlsx")
        assert exc.value.code == "import.empty_file"


def test_missing_required_header_names_the_column(demo):
    headers = [h for h in imports.HEADERS if h not in ("身份证号码", "人员类别")]
    with pytest.raises(InvalidInput) as exc:
        imports.read_table(xlsx([person_row()], headers=headers), "x.xlsx")
    assert exc.value.code == "import.missing_columns"
    assert exc.value.details["missing_columns"] == ["身份证号码", "人员类别"]
    assert "身份证号码" in exc.value.message and "人员类别" in exc.value.message


def test_unknown_and_unnamed_columns_are_reported_not_dropped(demo):
    headers = [*imports.HEADERS, "微信号", ""]
    rows = [person_row(微信号="wx1")]
    content = xlsx(rows, headers=headers)
    wb = load_workbook(io.BytesIO(content))
    wb.active.cell(row=2, column=len(headers), value="孤立的值")
    buf = io.BytesIO()
    wb.save(buf)
    report = run(demo["officer_411625"], buf.getvalue(), dry_run=True)
    assert report.ignored_columns == ["微信号", f"第{len(headers)}列（无列名）"]


def test_header_variants_are_recognised(demo):
    headers = ["姓名*", "身份证号", "手机号", "现居住地区划代码（必填）", "人员类别", "外出务工时长(月)"]
    row = {"姓名*": "变体", "身份证号": make_id(), "手机号": "13800138000",
           "现居住地区划代码（必填）": "411625101", "人员类别": "veteran", "外出务工时长(月)": 12}  # fmt: skip
    report = run(demo["officer_411625"], xlsx([row], headers=headers))
    assert report.errors == [] and report.created == 1
    assert Entrepreneur.objects.get().worked_months == 12


def test_roles_without_the_add_right_cannot_import(demo):
    from fanxiang.core.errors import Forbidden

    with pytest.raises(Forbidden):
        run(demo["leader"], xlsx([person_row()]), dry_run=True)


# --------------------------------------------------------------------------- API


def post_import(api, username, content, name="人员.xlsx", **fields):
    client = api(username)
    data = {"file": upload(content, name), **fields}
    return client.client.post("/api/v1/entrepreneurs/import", data, **client._headers())


def test_api_contract_shape(api):
    rows = [person_row(), person_row(身份证号码="1")]
    response = post_import(api, "officer_411625", xlsx(rows), dry_run="true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {"total_rows", "valid_rows", "created", "updated", "errors"} <= set(body)
    assert (body["total_rows"], body["valid_rows"], body["created"], body["updated"]) == (2, 1, 1, 0)
    assert body["errors"] == [
        {
            "row": 3,
            "column": "身份证号码",
            "code": "id.invalid_length",
            "message": body["errors"][0]["message"],
        }
    ]
    assert body["dry_run"] is True and body["committed"] is False and body["job_id"]
    assert Entrepreneur.objects.count() == 0
    # the all-or-nothing commit refuses the file; the partial one writes the good row
    body = post_import(api, "officer_411625", xlsx(rows), dry_run="false").json()
    assert body["committed"] is False and body["created"] == 0 and len(body["errors"]) == 1
    body = post_import(api, "officer_411625", xlsx(rows), dry_run="false", partial="true").json()
    assert body["committed"] is True and body["created"] == 1
    assert Entrepreneur.objects.count() == 1
    # job status and bad rows, owner only
    status = api("officer_411625").get(f"/api/v1/entrepreneurs/import/{body['job_id']}")
    assert status.status_code == 200 and status.json()["created"] == 1
    bad = api("officer_411625").get(body["bad_rows_url"])
    assert bad.status_code == 200 and bad["Content-Type"].startswith("application/vnd.openxmlformats")
    assert api("officer_411628").get(f"/api/v1/entrepreneurs/import/{body['job_id']}").status_code == 404
    assert api("officer_411628").get(body["bad_rows_url"]).status_code == 404


def test_api_file_errors(api):
    response = post_import(api, "officer_411625", b"hello", "x.pdf", dry_run="true")
    assert response.status_code == 422 and response.json()["code"] == "import.file_type"
    response = post_import(api, "officer_411625", xlsx([person_row()], headers=["姓名"]), dry_run="true")
    assert response.status_code == 422 and response.json()["code"] == "import.missing_columns"
    assert "身份证号码" in response.json()["message"]
    client = api("officer_411625")
    response = client.client.post("/api/v1/entrepreneurs/import", {"dry_run": "true"}, **client._headers())
    assert response.status_code == 422 and response.json()["code"] == "import.file_required"
    response = post_import(api, "leader", xlsx([person_row()]), dry_run="true")
    assert response.status_code == 403


def test_import_and_export_routes_do_not_collide_with_the_detail_route(api):
    client = api("city_admin")
    assert client.get("/api/v1/entrepreneurs/import-template").status_code == 200
    assert client.get("/api/v1/entrepreneurs/export").status_code == 200
    assert client.get("/api/v1/entrepreneurs/import/999999").json()["code"] == "not_found"


def test_template_has_headers_dropdowns_and_instructions(api, demo):
    response = api("officer_411625").get("/api/v1/entrepreneurs/import-template")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[:2] == ["人员信息", "代码表"] and "说明" in wb.sheetnames
    ws = wb["人员信息"]
    assert [c.value for c in ws[1]] == imports.HEADERS
    ranges = {str(dv.sqref).split(":")[0][0] for dv in ws.data_validations.dataValidation}
    assert {"D", "F", "L", "N"} <= ranges  # region, category, education, priority groups
    notes = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "全部正确才导入" in notes and "身份证号码" in notes
    regions = [r[0] for r in wb["区划代码"].iter_rows(min_row=2, values_only=True)]
    assert "411625101" in regions and not any(code.startswith("411628") for code in regions)
    # the template itself imports cleanly once filled in
    ws.append([person_row()[h] for h in imports.HEADERS])
    buf = io.BytesIO()
    wb.save(buf)
    report = run(demo["officer_411625"], buf.getvalue(), dry_run=True)
    assert report.errors == [] and report.created == 1


# --------------------------------------------------------------------------- background jobs


@override_settings(TASKS=IMMEDIATE)
def test_background_job_reports_progress_and_final_counts(demo, monkeypatch):
    monkeypatch.setattr(imports, "BACKGROUND_THRESHOLD", 3)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    seen = []
    rows = [person_row(姓名=f"后台{i}") for i in range(5)] + [person_row(身份证号码="x")]
    from fanxiang.entrepreneurs import tasks as task_module

    real_execute = task_module.import_job_execute

    def spy(job, table=None):
        seen.append(ImportJob.objects.get(pk=job.pk).status)
        return real_execute(job, table)

    monkeypatch.setattr(task_module, "import_job_execute", spy)
    job = tasks.import_job_create(
        actor=demo["officer_411625"], upload=upload(xlsx(rows)), dry_run=False, partial=True
    )
    assert seen == [ImportJob.Status.PENDING]  # went through the queue, not inline
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.task_id
    assert (job.total_rows, job.rows_done, job.created, job.valid_rows) == (6, 6, 5, 5)
    assert job.percent == 100 and job.error_count == 1
    assert Entrepreneur.objects.count() == 5


@override_settings(TASKS=IMMEDIATE)
def test_background_job_progress_is_visible_while_validating(demo, monkeypatch):
    monkeypatch.setattr(imports, "BACKGROUND_THRESHOLD", 1)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    snapshots = []
    real = imports.clean_entrepreneur

    def watching(*args, **kwargs):
        job = ImportJob.objects.order_by("-pk").first()
        snapshots.append((job.status, job.stage, job.rows_done))
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "clean_entrepreneur", watching)
    tasks.import_job_create(
        actor=demo["officer_411625"], upload=upload(xlsx([person_row() for _ in range(5)])), dry_run=True
    )
    assert [s[2] for s in snapshots] == [0, 0, 2, 2, 4]
    assert {s[:2] for s in snapshots} == {("running", "validating")}


@override_settings(TASKS=IMMEDIATE)
def test_background_job_via_api_returns_job_id_and_status(api, monkeypatch):
    monkeypatch.setattr(imports, "BACKGROUND_THRESHOLD", 1)
    body = post_import(api, "officer_411625", xlsx([person_row(), person_row()]), dry_run="false").json()
    assert body["job_id"] and body["status"] == "done" and body["created"] == 2
    status = api("officer_411625").get(body["status_url"]).json()
    assert status["progress"] == 100 and status["rows_done"] == 2


def test_failed_job_is_marked_failed_with_a_code_and_writes_nothing(demo, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "_flag_duplicates", boom)
    job = tasks.import_job_create(
        actor=demo["officer_411625"], upload=upload(xlsx([person_row()])), dry_run=False
    )
    assert job.status == ImportJob.Status.FAILED and job.error_code == "import.failed"
    assert Entrepreneur.objects.count() == 0 and not RegionMonthStat.objects.exists()


# --------------------------------------------------------------------------- export


def export_rows(response) -> list[tuple]:
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return [tuple(r) for r in wb.active.iter_rows(values_only=True)]


def test_export_masks_by_default_and_logs(api, demo):
    person = services.entrepreneur_create(actor=demo["officer_411625"], data=person_data(name="导出人"))
    response = api("officer_411625").get("/api/v1/entrepreneurs/export", {"q": "导出人"})
    assert response.status_code == 200
    header, row = export_rows(response)
    assert header[: len(imports.HEADERS)] == tuple(imports.HEADERS)
    assert row[1] == person.id_number_masked and row[2] == person.mobile_masked
    event = LogEntry.objects.filter(additional_data__event="export").latest("pk")
    assert event.actor == demo["officer_411625"]
    assert event.additional_data["reveal"] is False and event.additional_data["rows"] == 1
    assert event.additional_data["filters"] == {"q": "导出人"}


@pytest.mark.parametrize(
    ("username", "allowed"), [("city_admin", True), ("officer_411625", True), ("leader", False)]
)
def test_reveal_only_for_allowed_roles_and_logged(api, demo, username, allowed):
    person = services.entrepreneur_create(actor=demo["officer_411625"], data=person_data())
    response = api(username).get("/api/v1/entrepreneurs/export", {"reveal": "true"})
    if not allowed:
        assert response.status_code == 403 and response.json()["code"] == "pii.reveal_forbidden"
        assert not LogEntry.objects.filter(additional_data__event="export").exists()
        # the plain export still works for a read-only role, masked
        plain = api(username).get("/api/v1/entrepreneurs/export")
        assert export_rows(plain)[1][1] == person.id_number_masked
        return
    _header, row = export_rows(response)
    assert row[1] == person.id_number and row[2] == person.mobile
    event = LogEntry.objects.filter(additional_data__event="export").latest("pk")
    assert event.additional_data["reveal"] is True and event.additional_data["revealed_rows"] == 1
    assert event.actor == demo[username]


def test_county_officer_export_never_contains_other_counties(api, demo):
    services.entrepreneur_create(actor=demo["officer_411625"], data=person_data(name="郸城人"))
    services.entrepreneur_create(
        actor=demo["officer_411628"],
        data=person_data(name="鹿邑人", region="411628101", id_number=make_id(area="411628")),
    )
    for params in ({}, {"region": "411628"}, {"reveal": "true"}, {"q": "鹿邑人"}):
        response = api("officer_411625").get("/api/v1/entrepreneurs/export", params)
        text = " ".join(str(v) for row in export_rows(response) for v in row if v is not None)
        assert "鹿邑人" not in text and "411628101" not in text, params
    response = api("city_admin").get("/api/v1/entrepreneurs/export")
    names = {row[0] for row in export_rows(response)[1:]}
    assert names == {"郸城人", "鹿邑人"}


def test_export_filters_are_the_list_filters(api, demo):
    services.entrepreneur_create(
        actor=demo["officer_411625"], data=person_data(name="老兵", category="veteran")
    )
    services.entrepreneur_create(actor=demo["officer_411625"], data=person_data(name="农民工"))
    response = api("officer_411625").get("/api/v1/entrepreneurs/export", {"category": "veteran"})
    assert [r[0] for r in export_rows(response)[1:]] == ["老兵"]
    response = api("officer_411625").get("/api/v1/entrepreneurs/export", {"category": "astronaut"})
    assert response.status_code == 422 and response.json()["code"] == "filter.invalid"


def test_service_clerk_without_export_right_gets_403(api):
    response = api("service_clerk").get("/api/v1/entrepreneurs/export")
    assert response.status_code == 403


# --------------------------------------------------------------------------- pages


def test_import_wizard_dry_run_then_partial_commit(web, demo):
    client = web("officer_411625")
    page = client.get("/entrepreneurs/import/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "下载导入模板" in body and "<script>" not in body
    template = client.get("/entrepreneurs/import/template/")
    assert template.status_code == 200 and template["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )

    rows = [person_row(姓名="页面甲"), person_row(姓名="页面乙", 手机号码="1"), person_row(姓名="页面丙")]
    response = client.post("/entrepreneurs/import/", {"file": upload(xlsx(rows))})
    assert response.status_code == 302
    dry = ImportJob.objects.get()
    assert dry.dry_run and dry.status == "done" and Entrepreneur.objects.count() == 0
    report = client.get(response["Location"]).content.decode()
    assert "mobile.invalid" in report and "手机号码" in report and "仅导入有效的2行" in report
    assert 'data-row="3" data-code="mobile.invalid"><td class="num">3</td>' in report  # code: attribute only
    assert ">mobile.invalid<" not in report and "错误代码" not in report
    assert "全部导入" not in report and 'value="all"' not in report and "修改文件后重新上传" in report
    assert 'data-testid="bad-rows"' in report

    response = client.post(f"/entrepreneurs/import/{dry.pk}/commit/", {"mode": "partial"})
    assert response.status_code == 302
    job = ImportJob.objects.exclude(pk=dry.pk).get()
    assert job.parent == dry and job.committed and job.created == 2
    result = client.get(response["Location"]).content.decode()
    assert "已导入：新增 2 人" in result
    bad = client.get(f"/entrepreneurs/import/{job.pk}/bad-rows/")
    names = [
        r[0] for r in load_workbook(io.BytesIO(bad.content)).active.iter_rows(min_row=2, values_only=True)
    ]
    assert names == ["页面乙"]
    # an all-or-nothing commit of a file with bad rows is refused: no empty job, the report again
    response = client.post(f"/entrepreneurs/import/{dry.pk}/commit/", {"mode": "all"})
    assert response["Location"] == f"/entrepreneurs/import/{dry.pk}/"
    assert ImportJob.objects.count() == 2 and Entrepreneur.objects.count() == 2
    assert "不能全部导入" in client.get(response["Location"]).content.decode()


def test_import_pages_are_owner_only_and_need_the_add_right(web, demo):
    job = tasks.import_job_create(
        actor=demo["officer_411625"], upload=upload(xlsx([person_row()])), dry_run=True
    )
    assert web("officer_411628").get(f"/entrepreneurs/import/{job.pk}/").status_code == 404
    assert (
        web("officer_411628").post(f"/entrepreneurs/import/{job.pk}/commit/", {"mode": "all"}).status_code
        == 404
    )
    assert web("leader").get("/entrepreneurs/import/").status_code == 403
    assert not Entrepreneur.objects.exists()


def test_failed_job_reads_chinese_with_the_code_as_an_attribute(web, demo):
    job = tasks.import_job_create(
        actor=demo["officer_411625"], upload=upload(xlsx([person_row()])), dry_run=True
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status="failed", error_code="import.file_unreadable", error_message="文件无法读取。"
    )
    body = web("officer_411625").get(f"/entrepreneurs/import/{job.pk}/").content.decode()
    assert (
        '<div class="errorbox" data-testid="job-failed" data-code="import.file_unreadable">'
        "导入失败：文件无法读取。 未写入任何数据。</div>"
    ) in body
    assert "（import.file_unreadable）" not in body


def test_upload_page_shows_file_errors_with_their_code(web):
    response = web("officer_411625").post("/entrepreneurs/import/", {"file": upload(b"%PDF", "a.pdf")})
    assert response.status_code == 422
    assert "import.file_type" in response.content.decode()
    assert not ImportJob.objects.exists()


@override_settings(TASKS=IMMEDIATE)
def test_progress_partial_polls_until_done(web, demo):
    job = tasks.import_job_create(
        actor=demo["officer_411625"], upload=upload(xlsx([person_row()])), dry_run=True
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", stage="validating", rows_done=0, total_rows=4
    )
    client = web("officer_411625")
    body = client.get(f"/entrepreneurs/import/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in body and "0 / 4" in body
    ImportJob.objects.filter(pk=job.pk).update(rows_done=2)
    partial = client.get(f"/entrepreneurs/import/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert "2 / 4" in partial.content.decode() and "HX-Refresh" not in partial
    ImportJob.objects.filter(pk=job.pk).update(status="done", stage="finished", rows_done=4)
    partial = client.get(f"/entrepreneurs/import/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert partial["HX-Refresh"] == "true" and "hx-trigger" not in partial.content.decode()


def test_export_page_masks_by_default_and_reveals_only_when_allowed_and_asked(web, demo):
    person = services.entrepreneur_create(actor=demo["officer_411625"], data=person_data(name="页面导出"))
    officer = web("officer_411625")
    listing = officer.get("/entrepreneurs/").content.decode()
    assert 'data-testid="export-reveal"' in listing
    rows = export_rows(officer.get("/entrepreneurs/export/"))
    assert rows[1][1] == person.id_number_masked
    rows = export_rows(officer.get("/entrepreneurs/export/", {"reveal": "1", "q": "页面导出"}))
    assert rows[1][1] == person.id_number
    events = list(LogEntry.objects.filter(additional_data__event="export").order_by("pk"))
    assert [e.additional_data["reveal"] for e in events] == [False, True]
    assert events[1].additional_data["filters"]["q"] == "页面导出"
    leader = web("leader")
    assert 'data-testid="export-reveal"' not in leader.get("/entrepreneurs/").content.decode()
    assert leader.get("/entrepreneurs/export/", {"reveal": "1"}).status_code == 403
    assert export_rows(leader.get("/entrepreneurs/export/"))[1][1] == person.id_number_masked


def test_large_imports_log_created_people_in_the_summary_event(demo, monkeypatch):
    monkeypatch.setattr(imports, "PER_ROW_CREATE_LOG", 2)
    officer = demo["officer_411625"]
    report = run(officer, xlsx([person_row(姓名=f"批量{i}") for i in range(3)]))
    assert report.created == 3
    ids = sorted(Entrepreneur.objects.values_list("pk", flat=True))
    people = LogEntry.objects.filter(content_type__model="entrepreneur", object_id__in=ids)
    assert not people.filter(action=LogEntry.Action.CREATE).exists()
    summary = LogEntry.objects.get(additional_data__import=True)
    assert summary.additional_data["per_person_log"] is False
    covered = {pk for lo, hi in summary.additional_data["created_ids"] for pk in range(lo, hi + 1)}
    assert covered == set(ids)
