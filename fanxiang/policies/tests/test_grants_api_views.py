"""API contract of /api/v1/policies/grants and the grant pages: list filters, create (409 once-only), revoke,
import report, template, totals; pages render for the roles that hold the records and refuse the others."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from fanxiang.policies import grants
from fanxiang.policies.models import BenefitGrant
from fanxiang.policies.tests.scope_cases import grant_item, grant_person

pytestmark = pytest.mark.django_db
URL = "/api/v1/policies/grants/"


@pytest.fixture
def setup(demo):
    once = grant_item(code="api-once", title="一次性补贴（接口测试）", once_only=True)
    rent = grant_item(code="api-rent", title="场租补贴（接口测试）", benefit_type="premises_subsidy")
    person = grant_person("411625", name="接口甲")
    return {"once": once, "rent": rent, "person": person, "demo": demo}


def test_create_list_filter_detail_and_revoke(api, setup):
    client = api("officer_411625")
    person = setup["person"]
    body = {"item": "api-once", "id_number": person.id_number, "amount": "5000", "granted_on": "2021-06-01"}
    created = client.post(URL, body)
    assert created.status_code == 201, created.content
    grant = created.json()
    assert grant["item_code"] == "api-once" and grant["amount"] == "5000.00"
    assert grant["entrepreneur"] == person.pk and grant["entrepreneur_name"] == "接口甲"
    assert grant["region"] == person.region.code and grant["revoked"] is False
    assert grant["benefit_type"] == "startup_subsidy" and grant["benefit_type_label"] == "一次性创业补贴"

    again = client.post(URL, {**body, "granted_on": "2021-08-01"})
    assert again.status_code == 409
    assert again.json()["code"] == "policy.grant_once_only"
    assert f"享受记录 #{grant['id']}" in again.json()["message"]

    rent = client.post(
        URL,
        {"item": setup["rent"].pk, "entrepreneur": person.pk, "amount": "1200", "granted_on": "2021-03-01",
         "batch": "2021春季"},
    )  # fmt: skip
    assert rent.status_code == 201, rent.content
    listed = client.get(URL).json()
    assert [g["item_code"] for g in listed["items"]] == ["api-once", "api-rent"]  # newest grant date first
    assert [g["id"] for g in client.get(URL, {"type": "premises_subsidy"}).json()["items"]] == [
        rent.json()["id"]
    ]
    assert client.get(URL, {"item": setup["once"].pk}).json()["count"] == 1
    assert client.get(URL, {"batch": "春季"}).json()["count"] == 1
    assert client.get(URL, {"date_from": "2021-05-01", "date_to": "2021-06-30"}).json()["count"] == 1
    assert client.get(URL, {"region": "411625"}).json()["count"] == 2
    assert client.get(URL, {"region": "411628"}).json()["count"] == 0
    bad = client.get(URL, {"type": "lottery"})
    assert bad.status_code == 422 and bad.json()["code"] == "filter.invalid"

    assert client.get(f"{URL}{grant['id']}").json()["id"] == grant["id"]
    assert api("officer_411628").get(f"{URL}{grant['id']}").status_code == 404
    revoked = client.post(f"{URL}{grant['id']}/revoke", {"reason": "登记有误"})
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert revoked.json()["revoke_reason"] == "登记有误"
    assert client.get(URL, {"status": "revoked"}).json()["count"] == 1
    twice = client.post(f"{URL}{grant['id']}/revoke", {"reason": "再撤"})
    assert twice.status_code == 409 and twice.json()["code"] == "policy.grant_already_revoked"


def test_create_refusals(api, setup):
    person = setup["person"]
    body = {"item": "api-rent", "entrepreneur": person.pk, "amount": "100", "granted_on": "2021-06-01"}
    assert api("officer_411628").post(URL, body).status_code == 404  # the person is out of their scope
    response = api("leader").post(URL, body)
    assert response.status_code == 403 and response.json()["code"] == "policy.grant_forbidden"
    response = api("officer_411625").post(URL, {**body, "granted_on": "2019-12-31"})
    assert response.status_code == 422 and response.json()["code"] == "policy.grant_item_not_in_force"
    response = api("officer_411625").post(URL, {**body, "colour": "red"})
    assert response.status_code == 422 and response.json()["code"] == "request.invalid"
    assert not BenefitGrant.objects.exists()


def _upload(rows: list[list]) -> SimpleUploadedFile:
    wb = Workbook()
    wb.active.append(["政策条款代码", "身份证号码", "金额（元）", "享受日期"])
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("发放.xlsx", buf.getvalue())


def test_import_template_and_totals_api(api, setup):
    client = api("officer_411625")
    person = setup["person"]
    template = client.get(f"{URL}import-template")
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.content)).sheetnames[0] == "享受记录"
    assert api("leader").get(f"{URL}import-template").status_code == 403

    rows = [
        ["api-rent", person.id_number, 800, "2021-02-01"],
        ["api-rent", person.id_number, -1, "2021-02-02"],
    ]
    response = client.client.post(
        f"{URL}import",
        {"file": _upload(rows), "dry_run": "false"},
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["committed"] is False and report["created"] == 0
    assert report["errors"] == [
        {
            "row": 3,
            "column": "金额（元）",
            "code": "policy.grant_amount_invalid",
            "message": "金额应为不小于0的数字（元，最多两位小数）。",
        }
    ]
    response = client.client.post(
        f"{URL}import",
        {"file": _upload(rows), "dry_run": "false", "partial": "true", "batch": "外部"},
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )
    assert response.json()["created"] == 1

    totals = client.get(f"{URL}totals", {"year": 2021})
    assert totals.status_code == 200, totals.content
    body = totals.json()
    assert body["region"] == {"code": "411625", "name": "郸城县"}
    assert (body["amount"], body["count"]) == ("800.00", 1)
    assert body["months"][1]["by_type"]["premises_subsidy"] == "800.00"
    assert [t["amount"] for t in body["types"] if t["type"] == "premises_subsidy"] == ["800.00"]
    assert api("officer_411625").get(f"{URL}totals", {"region": "411628"}).status_code == 404
    assert (
        api("city_admin").get(f"{URL}totals", {"region": "411600", "year": 2021}).json()["amount"] == "800.00"
    )
    assert client.get(f"{URL}totals", {"year": 1999}).json()["code"] == "policy.totals_year_invalid"


# --------------------------------------------------------------------------- pages


def test_pages_render_and_refuse(web, setup):
    person = setup["person"]
    grant = grants.grant_create(
        actor=setup["demo"]["officer_411625"],
        data={"item": setup["rent"], "entrepreneur": person, "amount": "1200", "granted_on": dt.date(2021, 3, 1),
              "batch": "页面批次"},
    )  # fmt: skip
    client = web("officer_411625")
    body = client.get("/policies/grants/").content.decode()
    assert "接口甲" in body and "页面批次" in body and "1,200.00" in body
    assert "/policies/grants/new/" in body and "/policies/grants/import/" in body
    detail = client.get(f"/policies/grants/{grant.pk}/").content.decode()
    assert "场租补贴（接口测试）" in detail and 'data-testid="revoke-form"' in detail
    assert client.get("/policies/grants/new/").status_code == 200
    assert client.get("/policies/grants/import/").status_code == 200
    totals = client.get("/policies/grants/totals/", {"year": 2021})
    assert totals.status_code == 200 and "1,200.00" in totals.content.decode()
    assert client.get("/policies/grants/totals/", {"region": "411628"}).status_code == 404
    export = client.get("/policies/grants/export/")
    assert export.status_code == 200
    assert LogEntry.objects.filter(additional_data__event="export").exists()

    for username in ("guarantee_officer", "bank_officer", "expert"):
        other = web(username)
        assert other.get("/policies/grants/").status_code == 403, username
        assert other.get("/policies/grants/totals/").status_code == 403
    leader = web("leader")
    assert leader.get("/policies/grants/").status_code == 200
    assert leader.get("/policies/grants/new/").status_code == 403
    assert leader.get("/policies/grants/import/").status_code == 403
    assert 'data-testid="revoke-form"' not in leader.get(f"/policies/grants/{grant.pk}/").content.decode()
    assert web("officer_411628").get(f"/policies/grants/{grant.pk}/").status_code == 404


def test_create_form_shows_the_once_only_refusal(web, setup):
    person = setup["person"]
    client = web("officer_411625")
    data = {
        "item": setup["once"].pk,
        "id_number": person.id_number,
        "amount": "5000",
        "granted_on": "2021-06-01",
    }
    first = client.post("/policies/grants/new/", data)
    assert first.status_code == 302, first.content.decode()
    second = client.post("/policies/grants/new/", {**data, "granted_on": "2021-07-01"})
    assert second.status_code == 422
    body = second.content.decode()
    assert "policy.grant_once_only" in body and "一次性政策，不能重复享受" in body
    assert BenefitGrant.objects.count() == 1


def test_import_page_shows_every_bad_row(web, setup):
    person = setup["person"]
    rows = [["api-rent", person.id_number, 800, "2021-02-01"], ["nope", person.id_number, 800, "2021-02-01"]]
    client = web("officer_411625")
    page = client.post("/policies/grants/import/", {"file": _upload(rows), "mode": "all", "batch": ""})
    body = page.content.decode()
    assert page.status_code == 200
    assert "policy.grant_item_invalid" in body and "政策条款代码" in body and "本次未写入任何数据" in body
    assert 'data-code="policy.grant_item_invalid"><td class="num">' in body  # the code as an attribute only
    assert ">policy.grant_item_invalid<" not in body and "错误代码" not in body
    assert not BenefitGrant.objects.exists()
    page = client.post("/policies/grants/import/", {"file": _upload(rows[:1]), "mode": "all", "batch": "B"})
    assert "导入完成" in page.content.decode()
    assert BenefitGrant.objects.get().amount == Decimal("800.00")


def test_revoke_page(web, setup):
    grant = grants.grant_create(
        actor=setup["demo"]["officer_411625"],
        data={
            "item": setup["rent"],
            "entrepreneur": setup["person"],
            "amount": "10",
            "granted_on": "2021-03-01",
        },
    )
    client = web("officer_411625")
    response = client.post(f"/policies/grants/{grant.pk}/revoke/", {"reason": ""})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is None
    client.post(f"/policies/grants/{grant.pk}/revoke/", {"reason": "误登记"})
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoke_reason == "误登记"
    fresh = grants.grant_create(
        actor=setup["demo"]["officer_411625"],
        data={
            "item": setup["rent"],
            "entrepreneur": setup["person"],
            "amount": "20",
            "granted_on": "2021-03-02",
        },
    )
    # a service clerk records grants but may not revoke them
    assert (
        web("service_clerk").post(f"/policies/grants/{fresh.pk}/revoke/", {"reason": "x"}).status_code == 403
    )
    fresh.refresh_from_db()
    assert fresh.revoked_at is None
