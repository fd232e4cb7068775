"""Target progress: people, businesses and job reports registered through the services feed the
per-region monthly rollups; the API, the progress page and the home panel read them back exactly."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.tests.factories import business_data, make_id, person_data
from fanxiang.targets.models import Target

pytestmark = pytest.mark.django_db

PEOPLE_TARGET_411625 = Decimal(1209)
JOBS_TARGET_411625 = Decimal(8060)


@pytest.fixture
def registry(demo):
    """In 2020, 郸城县 gets 4 new entrepreneurs (March, May ×2, July) and 17 jobs (April +10, May +5, June
    +4, September −2); 鹿邑县 one person in May. Records outside 2020, and a closed one, do not count."""
    officer = demo["officer_411625"]

    def add(started_on, region="411625101", user=officer, area="411625", **extra):
        data = person_data(
            id_number=make_id(area=area),
            mobile="",
            region=region,
            started_on=started_on,
            return_date="2019-01-01",
            **extra,
        )
        return services.entrepreneur_create(actor=user, data=data)

    p1 = add("2020-03-10")
    add("2020-05-01")
    p3 = add("2020-05-20", region="411625102")
    add("2020-07-01", region="411625")  # the county itself: in its total, in no township's
    add("2019-12-01")  # another year
    closed = add("2020-06-15")
    services.entrepreneur_close(actor=officer, entrepreneur=closed, reason="登记有误")
    add("2020-05-05", region="411628101", user=demo["officer_411628"], area="411628")

    b1 = services.business_create(
        actor=officer,
        data=business_data(credit_code="", kind="unregistered", started_on="2020-04-15", jobs_created=10),
        founders=[p1.pk],
    )
    services.business_report_jobs(actor=officer, business=b1, report_date=_d("2020-06-30"), jobs_created=14)
    services.business_report_jobs(actor=officer, business=b1, report_date=_d("2020-09-01"), jobs_created=12)
    services.business_create(
        actor=officer,
        data=business_data(
            credit_code="",
            kind="unregistered",
            name="郸城县南丰镇养殖场",
            region="411625102",
            started_on="2020-05-10",
            jobs_created=5,
        ),
        founders=[p3.pk],
    )


def _d(value: str):
    import datetime as dt

    return dt.date.fromisoformat(value)


def indicator(body: dict, key: str) -> dict:
    return next(i for i in body["indicators"] if i["indicator"] == key)


def dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def test_progress_api_for_a_county(registry, api):
    response = api("officer_411625").get("/api/v1/targets/progress", {"year": 2020, "region": "411625"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["year"], body["region"], body["region_name"]) == (2020, "411625", "郸城县")

    people = indicator(body, "new_entrepreneurs")
    assert dec(people["target"]) == PEOPLE_TARGET_411625
    assert dec(people["actual"]) == 4
    assert dec(people["ratio"]) == Decimal("0.0033")  # 4 / 1209
    monthly = [dec(m["actual"]) for m in people["months"]]
    assert monthly == [0, 0, 1, 0, 2, 0, 1, 0, 0, 0, 0, 0]
    assert [dec(m["cumulative"]) for m in people["months"]] == [0, 0, 1, 1, 3, 3, 4, 4, 4, 4, 4, 4]
    assert [m["month"] for m in people["months"]] == list(range(1, 13))
    children = {c["region"]: c for c in people["children"]}
    assert dec(children["411625101"]["actual"]) == 2
    assert dec(children["411625102"]["actual"]) == 1
    assert sum(dec(c["actual"]) for c in children.values()) == 3  # the county-level person is in no township
    assert children["411625101"]["target"] is None and children["411625101"]["ratio"] is None
    assert all(code.startswith("411625") for code in children)

    jobs = indicator(body, "jobs_created")
    assert dec(jobs["target"]) == JOBS_TARGET_411625
    assert dec(jobs["actual"]) == 17
    assert dec(jobs["ratio"]) == Decimal("0.0021")  # 17 / 8060
    assert [dec(m["actual"]) for m in jobs["months"]] == [0, 0, 0, 10, 5, 4, 0, 0, -2, 0, 0, 0]
    assert [dec(m["cumulative"]) for m in jobs["months"]][-1] == 17
    children = {c["region"]: c for c in jobs["children"]}
    assert dec(children["411625101"]["actual"]) == 12
    assert dec(children["411625102"]["actual"]) == 5


def test_progress_api_for_the_city_and_other_years(registry, api):
    client = api("city_admin")
    body = client.get("/api/v1/targets/progress", {"year": 2020, "region": "411600"}).json()
    people = indicator(body, "new_entrepreneurs")
    assert dec(people["target"]) == 11200 and dec(people["actual"]) == 5
    assert dec(people["ratio"]) == Decimal("0.0004")  # 5 / 11200
    children = {c["region"]: c for c in people["children"]}
    assert dec(children["411625"]["actual"]) == 4 and dec(children["411628"]["actual"]) == 1
    assert dec(children["411625"]["target"]) == PEOPLE_TARGET_411625
    assert dec(children["411625"]["ratio"]) == Decimal("0.0033")
    assert dec(children["411602"]["actual"]) == 0
    assert dec(indicator(body, "jobs_created")["actual"]) == 17
    earlier = client.get("/api/v1/targets/progress", {"year": 2019, "region": "411625"}).json()
    assert dec(indicator(earlier, "new_entrepreneurs")["actual"]) == 1
    assert indicator(earlier, "new_entrepreneurs")["target"] is None


def test_progress_api_refuses_other_regions_and_bad_years(registry, api):
    client = api("officer_411625")
    response = client.get("/api/v1/targets/progress", {"year": 2020, "region": "411628"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.get("/api/v1/targets/progress", {"year": 1800, "region": "411625"})
    assert response.status_code == 422 and response.json()["code"] == "target.invalid_year"


def _cells(body: str, testid: str) -> list[list[str]]:
    table = body.split(f'data-testid="{testid}"')[1].split("</table>")[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)]
        for r in rows
    ]


def test_progress_page_tables_and_charts(registry, web):
    response = web("officer_411625").get("/targets/progress/", {"year": 2020, "region": "411625"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "目标完成进度" in body and "郸城县" in body
    children = {row[0]: row[1:] for row in _cells(body, "children-new_entrepreneurs")[1:]}
    assert children["吴台镇"] == ["—", "2", "—"]
    assert children["合计（郸城县）"] == ["1,209", "4", "0.3%"]
    months = _cells(body, "months-jobs_created")[1:]
    assert months[3] == ["4月", "10", "10", "0.1%"]
    assert months[8] == ["9月", "-2", "17", "0.2%"]
    # the chart options travel in JSON islands that app.js renders (no inline code)
    island = re.search(
        r'<script type="application/json" id="chart-jobs_created-children">(.*?)</script>', body, re.S
    )
    option = json.loads(island.group(1))
    series = {s["name"]: s["data"] for s in option["series"]}
    names = option["xAxis"]["data"]
    assert series["完成"][names.index("吴台镇")] == 12
    assert 'data-chart="chart-new_entrepreneurs-months"' in body
    assert "vendor/echarts-5.6.0.min.js" in body
    # the region select offers only the officer's own regions
    assert 'value="411625"' in body and 'value="411628"' not in body and 'value="411600"' not in body


def test_progress_page_refuses_bad_input_without_a_500(registry, web):
    client = web("officer_411625")
    bad_year = client.get("/targets/progress/", {"year": "abc", "region": "411625"})
    assert bad_year.status_code == 200
    assert "target.invalid_year" in bad_year.content.decode()
    other = client.get("/targets/progress/", {"year": 2020, "region": "411628"})
    assert other.status_code == 404
    assert "not_found" in other.content.decode() and "鹿邑县" not in other.content.decode().split("<main")[1]


def test_progress_page_defaults_to_the_top_region_and_latest_year(registry, web):
    body = web("leader").get("/targets/progress/").content.decode()
    assert 'value="411600" selected' in body and 'value="2020" selected' in body
    assert "周口市 · 2020年" in body


def test_home_panel_shows_actual_and_ratio(registry, web):
    body = web("officer_411625").get("/").content.decode()
    assert "完成进度待登记数据接入后统计" not in body
    card = body.split('data-testid="target-card-new_entrepreneurs"')[1]
    assert "已完成 4 人，完成率 0.3%" in card
    assert "/targets/progress/?year=2020&amp;region=411625" in card
    assert "已完成 17 人，完成率 0.2%" in body
    Target.objects.filter(year=2020, region__code="411625", indicator="jobs_created").update(value=17)
    assert "已完成 17 人，完成率 100.0%" in web("officer_411625").get("/").content.decode()
