"""A person's detail page reads the change log's people (actors and the 对接服务人员 a change points to) in a
fixed number of queries, however many contact changes the timeline lists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.contacts import contact_assign
from fanxiang.entrepreneurs.tests.factories import person_data

pytestmark = pytest.mark.django_db


def _page_queries(client, pk: int) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/entrepreneurs/{pk}/")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_detail_page_queries_do_not_grow_with_contact_changes(demo, web):
    officer = demo["officer_411625"]
    one = services.entrepreneur_create(actor=officer, data=person_data())
    ten = services.entrepreneur_create(actor=officer, data=person_data(name="李十次"))
    contact_assign(actor=officer, entrepreneurs=[one], contact=demo["service_clerk"])
    for i in range(10):
        contact = demo["service_clerk"] if i % 2 == 0 else None
        contact_assign(actor=officer, entrepreneurs=[ten], contact=contact)
    client = web("officer_411625")
    _page_queries(client, one.pk)  # warm the per-process caches (content types, parameters)
    few, html_one = _page_queries(client, one.pk)
    many, html_ten = _page_queries(client, ten.pk)
    for html in (html_one, html_ten):
        timeline = html.split('data-testid="timeline"', 1)[1]
        assert "<b>对接服务人员</b>" in timeline and "吴窗口（服务中心窗口人员）" in timeline
    assert (
        html_ten.split('data-testid="timeline"', 1)[1].count("吴窗口（服务中心窗口人员）") == 10
    )  # set, then cleared
    assert many == few, f"{few} queries with one contact change, {many} with ten"
