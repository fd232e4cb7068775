"""Supervision pages: the city's 督办 view (overdue requests, 差评, rectifications) and a county's own; the
satisfaction charts read from the rollups, their tables and the Excel export; the rectification detail with
its call-back record and the second rating of the fix, refusals shown in Chinese with their codes."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from fanxiang.core import calendar
from fanxiang.onestop import services
from fanxiang.onestop.models import Rectification, SatisfactionMonth
from fanxiang.onestop.tests.factories import MONDAY, clerk, make_request, request_in

pytestmark = pytest.mark.django_db


def _bad(code: str = "411625", *, level: int = 1, day: dt.date = MONDAY, comment: str = "") -> Rectification:
    req = request_in("completed", code)
    services.rating_create(
        actor=clerk(code), service_request=req, level=level, comment=comment or f"差评{code}", today=day
    )
    return Rectification.objects.get(request=req)


def _days_over(due: dt.date) -> int:
    return -calendar.working_days_left(due, timezone.localdate())


def test_city_sees_every_county_and_the_working_days_over(web):
    a1 = make_request("411625", today=MONDAY)
    a2 = make_request("411625", today=MONDAY + dt.timedelta(days=7))
    b1 = make_request("411628", today=MONDAY)
    request_in("completed", "411625")  # done: not overdue
    fresh = make_request("411625", today=timezone.localdate())  # within its time limit
    response = web("city_admin").get("/onestop/supervision/")
    assert response.status_code == 200
    data = response.context["data"]
    assert data["requests"]["overdue"] == 3
    counties = {row["code"]: row for row in data["overdue_by_county"]}
    assert {k: v["count"] for k, v in counties.items()} == {"411625": 2, "411628": 1}
    assert counties["411625"]["max"] == _days_over(a1.due_date) > _days_over(a2.due_date)
    rows = {item["req"].pk: item["days_over"] for item in data["overdue"]}
    assert rows == {r.pk: _days_over(r.due_date) for r in (a1, a2, b1)}
    assert fresh.pk not in rows
    body = response.content.decode()
    assert f'href="/onestop/requests/{b1.pk}/"' in body and 'data-code="onestop.overdue"' in body
    # narrowed to one county
    narrowed = web("city_admin").get("/onestop/supervision/", {"region": "411628"}).context["data"]
    assert [item["req"].pk for item in narrowed["overdue"]] == [b1.pk]


def test_a_county_sees_only_its_own(web):
    own = make_request("411625", today=MONDAY, description="本县超期督办")
    other = make_request("411628", today=MONDAY, description="外县超期督办")
    rect_other = _bad("411628", comment="外县差评督办")
    rect_own = _bad("411625", comment="本县差评督办")
    response = web("officer_411625").get("/onestop/supervision/")
    assert response.status_code == 200
    data = response.context["data"]
    assert data["requests"]["overdue"] == 1 and data["bad"]["total"] == 1
    assert data["rectifications"]["overdue"] == 1
    assert [row["code"] for row in data["overdue_by_county"]] == ["411625"]
    body = response.content.decode()
    assert f"/onestop/requests/{own.pk}/" in body and f"/onestop/requests/{other.pk}/" not in body
    assert "本县差评督办" in body and "外县差评督办" not in body
    assert f"/onestop/rectifications/{rect_own.pk}/" in body
    assert f"/onestop/rectifications/{rect_other.pk}/" not in body
    assert 'id="sup-region"' not in body  # one county: no county picker
    # another county's code in the filter shows nothing of it
    data = web("officer_411625").get("/onestop/supervision/", {"region": "411628"}).context["data"]
    assert data["requests"]["overdue"] == 1 and data["overdue"][0]["req"].pk == own.pk


def test_rectification_tiles_and_the_due_list(web):
    today = timezone.localdate()
    late = _bad(level=1, day=MONDAY)  # due in 2020: overdue
    due = _bad(level=2, day=calendar.workdays_before(today, 14))  # due within 3 working days
    later = _bad(level=2, day=today)  # 15 working days ahead: neither
    called = _bad(level=1, day=today)
    services.rectification_call_back(actor=clerk(), rectification=called, note="已回访")
    data = web("city_admin").get("/onestop/supervision/").context["data"]
    assert data["bad"]["total"] == 4
    assert data["rectifications"] == {"open": 3, "called_back": 1, "closed": 0, "overdue": 1, "due": 1}
    listed = {item["rect"].pk: item for item in data["due_rectifications"]}
    assert set(listed) == {late.pk, due.pk} and later.pk not in listed
    assert listed[late.pk]["overdue"] and listed[late.pk]["days_left"] == -_days_over(late.due_date)
    assert not listed[due.pk]["overdue"] and 0 <= listed[due.pk]["days_left"] <= 3
    statuses = {item["rect"].pk: item["rect"].status for item in data["bad_ratings"]}
    assert statuses[called.pk] == "called_back" and statuses[late.pk] == "open"


def test_the_page_costs_the_same_queries_with_more_rows(web):
    client = web("city_admin")
    make_request("411625", today=MONDAY)
    _bad("411625")
    client.get("/onestop/supervision/")  # warm caches (content types, calendar)
    with CaptureQueriesContext(connection) as few:
        client.get("/onestop/supervision/")
    for code in ("411625", "411628", "411602"):
        make_request(code, today=MONDAY)
        make_request(code, today=MONDAY + dt.timedelta(days=3))
        _bad(code)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/onestop/supervision/")
    assert response.context["data"]["requests"]["overdue"] == 7
    assert len(many) == len(few)


def test_supervision_needs_a_role_that_sees_requests(web):
    assert web("bank_officer").get("/onestop/supervision/").status_code == 403


# --------------------------------------------------------------------------- satisfaction


def _rate(code: str, level: int, day: dt.date, service_type: str = "startup_guidance"):
    req = request_in("completed", code, service_type=service_type)
    return services.rating_create(actor=clerk(code), service_request=req, level=level, today=day)


def _chart(body: str, key: str) -> dict:
    found = re.search(rf'<script id="chart-{key}" type="application/json">(.*?)</script>', body, re.S)
    assert found, key
    return json.loads(found.group(1))


@pytest.fixture
def rated():
    year = timezone.localdate().year
    jan, feb = dt.date(year, 1, 15), dt.date(year, 2, 10)
    for code, level, day, kind in (
        ("411625", 5, jan, "startup_guidance"),
        ("411625", 1, jan, "startup_guidance"),
        ("411625", 4, feb, "policy_consultation"),
        ("411625", 2, feb, "policy_consultation"),
        ("411625", 3, feb, "startup_guidance"),
        ("411628", 1, jan, "registration"),
    ):
        _rate(code, level, day, kind)
    _rate("411625", 5, dt.date(year - 1, 6, 1))  # another year
    return year


def _expected_by_month(year: int, **scope) -> dict[int, tuple[int, float | None]]:
    """(差评数, 好评率 %) per month from the rollup rows themselves."""
    rows = (
        SatisfactionMonth.objects.filter(month__year=year, **scope)
        .values("month")
        .annotate(n=Sum("ratings"), bad=Sum("bad"), l5=Sum("level_5"), l4=Sum("level_4"), l3=Sum("level_3"))
    )
    return {
        r["month"].month: (r["bad"], round((r["l5"] + r["l4"] + r["l3"]) / r["n"] * 100, 1)) for r in rows
    }


def test_the_month_chart_reads_the_rollups(web, rated):
    body = web("city_admin").get("/onestop/satisfaction/", {"year": rated}).content.decode()
    chart = _chart(body, "month")
    bars, line = chart["series"][0]["data"], chart["series"][1]["data"]
    assert chart["xAxis"]["data"][0] == "1月" and len(bars) == 12
    expected = _expected_by_month(rated)
    assert expected == {1: (2, 33.3), 2: (1, 66.7)}
    for month in range(1, 13):
        bad, good = expected.get(month, (0, None))
        assert (bars[month - 1], line[month - 1]) == (bad, good)
    kinds = _chart(body, "service_type")
    assert kinds["xAxis"]["data"] == ["注册登记", "政策咨询", "创业指导"]
    assert kinds["series"][0]["data"] == [1, 1, 1]
    assert 'data-testid="table-month"' in body and "static/vendor/echarts-5.6.0.min.js" in body
    assert 'data-testid="total-ratings">6<' in body


def test_a_county_charts_only_its_own_centres(web, rated):
    body = web("officer_411625").get("/onestop/satisfaction/", {"year": rated}).content.decode()
    centres = _chart(body, "centre")
    assert len(centres["xAxis"]["data"]) == 1 and "郸城" in centres["xAxis"]["data"][0]
    month = _chart(body, "month")
    expected = _expected_by_month(rated, centre__region__code="411625")
    assert month["series"][0]["data"][0] == expected[1][0] == 1
    last_year = web("officer_411625").get("/onestop/satisfaction/", {"year": rated - 1}).content.decode()
    assert _chart(last_year, "month")["series"][0]["data"][5] == 0  # one rating of 5 in June
    assert _chart(last_year, "month")["series"][1]["data"][5] == 100.0


def test_the_export_has_the_figures(web, rated):
    response = web("city_admin").get("/onestop/satisfaction/export.xlsx", {"year": rated})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["按月份", "按服务中心", "按服务事项"]
    months = list(wb["按月份"].iter_rows(values_only=True))
    assert months[0][:5] == ("月份", "评价数", "平均等级", "好评率（%）", "差评数")
    assert len(months) == 1 + 12 + 1 and months[-1][:2] == ("合计", 6)
    assert months[1][:5] == ("1月", 3, round(7 / 3, 2), 33.3, 2)
    assert months[3][1:2] == (0,)
    centres = list(wb["按服务中心"].iter_rows(values_only=True))
    assert [r[1] for r in centres[1:-1]] == [5, 1]
    assert web("service_clerk").get("/onestop/satisfaction/export.xlsx").status_code == 403
    assert web("service_clerk").get("/onestop/satisfaction/").status_code == 200


# --------------------------------------------------------------------------- rectification detail


def test_call_back_and_second_rating_through_the_page(web):
    rect = _bad(comment="等候太久", day=timezone.localdate())
    url = f"/onestop/rectifications/{rect.pk}/"
    client = web("service_clerk")
    page = client.get(url).content.decode()
    assert 'data-testid="callback-form"' in page and 'data-testid="rate-fix-form"' not in page
    assert rect.due_date.strftime("%Y-%m-%d") in page and 'data-testid="days-left"' in page
    assert 'data-action="open"' in page and "等候太久" in page
    response = client.post(url, {"action": "call_back", "note": "  "})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-code="onestop.note_required"' in body and "请填写回访记录" in body
    response = client.post(url, {"action": "rate_fix", "level": "4"})
    assert response.status_code == 409 and 'data-code="onestop.wrong_state"' in response.content.decode()
    rect.refresh_from_db()
    assert rect.status == "open" and rect.second_level is None
    assert client.post(url, {"action": "call_back", "note": "已电话致歉并改进"}).status_code == 302
    rect.refresh_from_db()
    assert (rect.status, rect.callback_note) == ("called_back", "已电话致歉并改进")
    response = client.post(url, {"action": "rate_fix", "level": "9"})
    assert response.status_code == 422
    assert 'data-code="onestop.level_invalid"' in response.content.decode()
    assert "评价等级应为1至5" in response.content.decode()
    assert client.post(url, {"action": "rate_fix", "level": "4", "comment": "满意"}).status_code == 302
    rect.refresh_from_db()
    assert (rect.status, rect.second_level, rect.second_comment) == ("closed", 4, "满意")
    page = client.get(url).content.decode()
    assert 'data-action="rate_fix"' in page and 'data-testid="callback-form"' not in page


def test_the_detail_in_scope_and_the_city_reads_it(web):
    rect = _bad()
    url = f"/onestop/rectifications/{rect.pk}/"
    assert web("officer_411628").get(url).status_code == 404
    assert web("officer_411628").post(url, {"action": "call_back", "note": "x"}).status_code == 404
    page = web("city_admin").get(url)
    assert page.status_code == 200 and 'data-code="onestop.rectification_overdue"' in page.content.decode()
    assert 'data-testid="callback-form"' not in page.content.decode()
    response = web("city_admin").post(url, {"action": "call_back", "note": "市里回访"})
    assert response.status_code == 403 and 'data-code="onestop.wrong_role"' in response.content.decode()
    rect.refresh_from_db()
    assert rect.status == "open" and rect.callback_note == ""
