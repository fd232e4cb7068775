import pytest

from fanxiang.targets.models import Target

pytestmark = pytest.mark.django_db


def test_list_is_paginated_and_filtered(api):
    response = api("city_admin").get(
        "/api/v1/targets/", {"year": 2020, "indicator": "jobs_created", "page_size": 5}
    )
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 11  # city + 10 counties
    assert len(body["items"]) == 5
    assert {i["indicator"] for i in body["items"]} == {"jobs_created"}


def test_region_filter_takes_the_subtree(api):
    body = api("city_admin").get("/api/v1/targets/", {"year": 2020, "region": "411625"}).json()
    assert body["count"] == 3
    assert {i["region"] for i in body["items"]} == {"411625"}


def test_post_with_breakdown_and_the_mismatch_error_format(api):
    client = api("city_admin")
    ok = client.post(
        "/api/v1/targets/",
        {
            "year": 2033,
            "indicator": "guaranteed_loans",
            "region": "411600",
            "value": "1000000.00",
            "breakdown": [{"region": "411625", "value": "600000"}, {"region": "411628", "value": "400000"}],
        },
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["value"] == "1000000.00"
    bad = client.post(
        "/api/v1/targets/",
        {
            "year": 2034,
            "indicator": "guaranteed_loans",
            "region": "411600",
            "value": "1000000.00",
            "breakdown": [{"region": "411625", "value": "1"}],
        },
    )
    assert bad.status_code == 422
    body = bad.json()
    assert body["code"] == "target.breakdown_mismatch"
    assert body["errors"] == {"breakdown": ["分解数之和与上级目标不一致。"]}
    assert not Target.objects.filter(year=2034).exists()


def test_schema_errors_use_the_error_format(api):
    response = api("city_admin").post("/api/v1/targets/", {"year": "x", "indicator": "jobs_created"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "request.invalid"
    assert "year" in body["errors"]


def test_unknown_region_is_422(api):
    response = api("city_admin").post(
        "/api/v1/targets/", {"year": 2030, "indicator": "jobs_created", "region": "999999", "value": "1"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "region.unknown"


def test_datetimes_are_in_shanghai_time(api):
    item = api("city_admin").get("/api/v1/targets/", {"year": 2020, "page_size": 1}).json()["items"][0]
    assert item["updated_at"].endswith("+08:00")


def test_anonymous_is_401(db):
    from django.test import Client

    response = Client().get("/api/v1/targets/")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"
