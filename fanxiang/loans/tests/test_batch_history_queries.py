"""The subsidy batch page names each step's actor (name and Chinese role) without a query per history row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fanxiang.loans.models import SubsidyBatch
from fanxiang.loans.tests.test_views_work import book, claimable, create_batch  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def _page(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_batch_page_queries_do_not_grow_with_its_history(claimable, web):  # noqa: F811
    client = web("bank_officer")
    assert create_batch(client).status_code == 302
    url = f"/loans/subsidy-batches/{SubsidyBatch.objects.get().pk}/"
    assert client.get(f"{url}export/").status_code == 200
    _page(client, url)  # warm the per-process caches
    few, html = _page(client, url)
    for _ in range(6):
        assert client.get(f"{url}export/").status_code == 200
    many, html = _page(client, url)
    assert html.count("<td>导出申报表</td>") == 7
    assert many == few, f"{few} queries with one export in the history, {many} with seven"
