"""Staff pages: the request queue with its deadline marks, the request detail with its timeline and the
steps the user may take (a refusal shown with its code, nothing changed), centres, rectifications, and the
to-do inbox's one-stop sources."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fanxiang.core.tasks import tasks_for
from fanxiang.onestop import services
from fanxiang.onestop.tests.factories import centre, clerk, make_request, request_in

pytestmark = pytest.mark.django_db


def test_queue_lists_own_county_and_marks_the_overdue(web):
    late = make_request(today=dt.date(2020, 9, 14), description="逾期工单甲")
    other = make_request("411628", description="鹿邑工单乙")
    body = web("officer_411625").get("/onestop/requests/").content.decode()
    assert late.description[:40] in body and other.description not in body
    assert 'data-code="onestop.overdue"' in body
    body = web("officer_411625").get("/onestop/requests/", {"overdue": "false"}).content.decode()
    assert late.description not in body


def test_detail_shows_the_timeline_and_takes_a_step(web, demo):
    req = request_in("submitted")
    client = web("service_clerk")
    page = client.get(f"/onestop/requests/{req.pk}/").content.decode()
    assert 'data-testid="timeline"' in page and 'data-action="submit"' in page
    assert 'data-testid="action-accept"' in page and "马上办" in page
    response = client.post(f"/onestop/requests/{req.pk}/", {"action": "accept", "text": ""})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == "accepted"
    response = client.post(f"/onestop/requests/{req.pk}/", {"action": "reject", "text": ""})
    assert response.status_code == 422
    assert 'data-code="onestop.reason_required"' in response.content.decode()
    req.refresh_from_db()
    assert req.status == "accepted"
    assert web("officer_411628").get(f"/onestop/requests/{req.pk}/").status_code == 404
    assert web("officer_411628").post(f"/onestop/requests/{req.pk}/", {"action": "start"}).status_code == 404


def test_on_the_spot_from_the_page(web):
    req = request_in("submitted")
    web("service_clerk").post(
        f"/onestop/requests/{req.pk}/", {"action": "accept", "complete_now": "1", "text": "当场办结"}
    )
    req.refresh_from_db()
    assert (req.status, req.result) == ("completed", "当场办结")


def test_centre_pages(web):
    own, other = centre("411625", name="郸城中心页面"), centre("411628", name="鹿邑中心页面")
    client = web("officer_411625")
    body = client.get("/onestop/centres/").content.decode()
    assert own.name in body and other.name not in body
    assert client.get(f"/onestop/centres/{own.pk}/").status_code == 200
    assert client.get(f"/onestop/centres/{other.pk}/").status_code == 404


def test_rectification_list_for_the_city(web):
    req = request_in("completed")
    services.rating_create(actor=clerk(), service_request=req, level=1, comment="差评页面标记")
    assert "差评页面标记" in web("city_admin").get("/onestop/rectifications/").content.decode()
    assert "差评页面标记" not in web("officer_411628").get("/onestop/rectifications/").content.decode()


def test_the_inbox_counts_the_centre_work(demo):
    today = timezone.localdate()
    make_request(today=today)  # fresh
    make_request(today=today - dt.timedelta(days=60))  # overdue
    request_in("completed", today=today)
    found = {i["kind"]: i for i in tasks_for(clerk(), today)["items"]}
    item = found["onestop.requests"]
    assert (item["count"], item["overdue"]) == (2, 1)
    assert item["url"] == "/onestop/requests/?task=open"
    assert "onestop.requests" not in {i["kind"] for i in tasks_for(clerk("411628"), today)["items"]}
    assert "onestop.requests" not in {i["kind"] for i in tasks_for(demo["leader"], today)["items"]}
