"""Every time a person reads is Beijing time (Asia/Shanghai): the list page, the Excel export and the API
show a record stamped 01:18 UTC as 09:18 (+08:00)."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from fanxiang.regions.models import Region
from fanxiang.targets.models import Target

UTC_STAMP = dt.datetime(2026, 4, 16, 1, 18, tzinfo=dt.UTC)


def _target() -> Target:
    target = Target.objects.create(
        year=2033, indicator="jobs_created", region=Region.objects.get(code="411600"), value=10
    )
    Target.objects.filter(pk=target.pk).update(updated_at=UTC_STAMP)  # update() leaves auto_now alone
    return target


def test_targets_page_shows_beijing_time(web):
    _target()
    html = web("city_admin").get("/targets/", {"year": 2033}).content.decode()
    assert "2026-04-16 09:18" in html
    assert "2026-04-16 01:18" not in html


def test_targets_export_cell_is_beijing_wall_clock(web):
    _target()
    response = web("city_admin").get("/targets/export/", {"year": 2033})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[1]]
    column = headers.index("更新时间")
    values = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == [dt.datetime(2026, 4, 16, 9, 18)]


def test_api_time_has_plus_eight_offset(api):
    target = _target()
    body = api("city_admin").get("/api/v1/targets/", {"year": 2033}).json()
    item = next(i for i in body["items"] if i["id"] == target.pk)
    assert item["updated_at"] == "2026-04-16T09:18:00+08:00"
