"""The blacklist page names each recorder (name and Chinese role) without a query per row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fanxiang.credit.models import CreditEntry
from fanxiang.loans.tests.repayment_factories import person

pytestmark = pytest.mark.django_db

NAMES = ["甲一", "乙二", "丙三", "丁四", "戊五", "己六", "庚七"]


def _blacklist(demo, name: str) -> None:
    CreditEntry.objects.create(
        entrepreneur=person(demo["officer_411625"], name=name),
        event="blacklisted",
        date=dt.date(2021, 1, 1),
        reason="失信记录",
        recorded_by=demo["officer_411625"],
    )


def _page(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/credit/blacklist/")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_blacklist_queries_do_not_grow_with_rows(demo, web):
    client = web("officer_411625")
    _blacklist(demo, NAMES[0])
    _page(client)  # warm the per-process caches
    few, html = _page(client)
    assert html.count("（县区人社经办人员）") >= 1
    for name in NAMES[1:]:
        _blacklist(demo, name)
    many, html = _page(client)
    assert all(name in html for name in NAMES)
    assert many == few, f"{few} queries with one row, {many} with seven"
