"""The item page and the rule editor name each rule version's author (name and Chinese role) without a
query per version."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fanxiang.policies.models import PolicyRuleVersion
from fanxiang.policies.tests.factories import make_document, make_item

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("page", ["", "rule/"])
def test_version_tables_do_not_query_per_version(demo, web, page):
    doc = make_document(number="测试发〔2020〕9号", title="测试版本")
    item = make_item(doc, {"all": [{"field": "age", "op": "lte", "value": 60}]}, code="t-ver", title="测试")
    PolicyRuleVersion.objects.filter(item=item).update(created_by=demo["city_admin"])
    client = web("city_admin")
    url = f"/policies/items/{item.pk}/{page}"
    _queries(client, url)  # warm the per-process caches
    few, html = _queries(client, url)
    start = PolicyRuleVersion.objects.filter(item=item).count()
    for n in range(start + 1, start + 6):
        PolicyRuleVersion.objects.create(
            item=item, version=n, rule={}, note=f"第{n}版", created_by=demo["city_admin"]
        )
    many, html = _queries(client, url)
    assert html.count("（市级管理员）") >= start + 5
    assert many == few, f"{few} queries with {start} version(s), {many} with {start + 5}"
