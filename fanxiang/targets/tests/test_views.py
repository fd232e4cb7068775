import io

import pytest
from openpyxl import load_workbook

from fanxiang.targets.models import Target

pytestmark = pytest.mark.django_db


def test_list_detail_pages_render_in_chinese(web):
    client = web("city_admin")
    page = client.get("/targets/?year=2020")
    assert page.status_code == 200
    assert "年度目标" in page.content.decode()
    target = Target.objects.get(year=2020, indicator="new_entrepreneurs", region__code="411600")
    detail = client.get(f"/targets/{target.pk}/").content.decode()
    assert "11,200 人" in detail
    assert "郸城县" in detail  # the breakdown


def test_breakdown_form_refuses_mismatch_and_saves_a_correct_one(web):
    client = web("city_admin")
    target = Target.objects.get(year=2020, indicator="new_entrepreneurs", region__code="411600")
    children = {
        t.region.code: t.value
        for t in Target.objects.filter(year=2020, indicator="new_entrepreneurs", region__parent=target.region)
    }
    data = {"value": "11200"} | {f"c_{code}": str(int(v)) for code, v in children.items()}
    data["c_411625"] = str(int(children["411625"]) + 5)
    bad = client.post(f"/targets/{target.pk}/breakdown/", data)
    assert bad.status_code == 422
    assert "不一致" in bad.content.decode()
    data["value"] = "11205"
    ok = client.post(f"/targets/{target.pk}/breakdown/", data)
    assert ok.status_code == 302
    target.refresh_from_db()
    assert target.value == 11205


def test_export_is_an_excel_of_the_filtered_list(web):
    response = web("city_admin").get("/targets/export/?year=2020&indicator=jobs_created")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("年度", "区划", "指标")
    assert len(rows) == 12
    assert all(r[2] == "带动就业人数" for r in rows[1:])


def test_read_only_role_has_no_create_button_and_cannot_post(web):
    client = web("leader")
    page = client.get("/targets/").content.decode()
    assert 'href="/targets/new/"' not in page
    response = client.post(
        "/targets/new/", {"year": 2030, "indicator": "jobs_created", "region": 1, "value": 1}
    )
    assert response.status_code == 403


def test_home_pages_render_for_every_role(web, demo):
    for username in (
        "city_admin",
        "leader",
        "unit_liaison",
        "guarantee_officer",
        "bank_officer",
        "expert",
        "service_clerk",
        "officer_411625",
        "officer_411628",
        "officer_411602",
    ):
        page = web(username).get("/")
        assert page.status_code == 200, username
        body = page.content.decode()
        assert "工作台" in body
        assert demo[username].real_name in body
