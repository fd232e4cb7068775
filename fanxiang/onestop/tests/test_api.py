"""The ``/api/v1/onestop`` contract: centres, coverage, service types, requests with their clock and events,
the actions with their refusal codes (nothing changes on a refusal), ratings and rectifications."""

from __future__ import annotations

import pytest

from fanxiang.onestop.models import Centre, Rating, ServiceRequest
from fanxiang.onestop.tests.factories import centre, clerk, make_request, person, request_in
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db
BASE = "/api/v1/onestop"


@pytest.fixture
def window(api):
    clerk("411625")  # the demo clerk of 411625 exists; make sure a 411628 centre has staff too
    return api("service_clerk")


def test_service_types_are_the_five_of_point_seven(api):
    response = api("officer_411625").get(f"{BASE}/service-types/")
    assert response.status_code == 200
    items = {i["code"]: i for i in response.json()}
    assert list(items) == [
        "registration",
        "policy_consultation",
        "startup_guidance",
        "social_insurance_transfer",
        "policy_enjoyment",
    ]
    assert items["policy_consultation"]["name"] == "政策咨询"
    assert items["social_insurance_transfer"]["time_limit_days"] == 15
    assert items["social_insurance_transfer"]["modes"] == ["window", "assisted"]


def test_centres_create_list_detail_and_region_filter(api):
    officer = api("officer_411625")
    body = {
        "region": "411625",
        "name": "郸城县返乡创业综合服务中心",
        "services": ["registration"],
        "hours": "周一至周五",
    }
    response = officer.post(f"{BASE}/centres/", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["services"] == [{"code": "registration", "name": "注册登记"}]
    assert officer.get(f"{BASE}/centres/{created['id']}").json()["name"] == body["name"]
    listed = officer.get(f"{BASE}/centres/", {"region": "411625"}).json()
    assert created["id"] in [c["id"] for c in listed["items"]]
    assert officer.get(f"{BASE}/centres/", {"region": "411628"}).json()["count"] == 0
    refused = officer.post(f"{BASE}/centres/", {**body, "region": "411628"})
    assert refused.status_code == 403 and refused.json()["code"] == "scope.region_forbidden"
    township = Region.objects.filter(parent__code="411625").first().code
    refused = officer.post(f"{BASE}/centres/", {**body, "region": township})
    assert refused.status_code == 422 and refused.json()["code"] == "onestop.region_not_county"
    assert api("service_clerk").post(f"{BASE}/centres/", body).status_code == 403


def test_coverage_per_county(api):
    centre("411625", opened_on=__import__("datetime").date(2020, 6, 1))
    rows = api("city_admin").get(f"{BASE}/coverage", {"year": 2020}).json()
    by_code = {r["region"]: r for r in rows}
    assert by_code["411625"]["has_centre"] and by_code["411625"]["centre"]["name"]
    assert by_code["411625"]["grade"] is None and by_code["411625"]["assessed_on"] is None
    assert not by_code["411628"]["has_centre"] and by_code["411628"]["centre"] is None
    earlier = {r["region"]: r for r in api("city_admin").get(f"{BASE}/coverage", {"year": 2019}).json()}
    assert not earlier["411625"]["has_centre"]
    own = api("officer_411625").get(f"{BASE}/coverage", {"year": 2020}).json()
    assert [r["region"] for r in own] == ["411625"]


def test_a_request_through_the_api(window):
    c = centre("411625")
    who = person("411625")
    response = window.post(
        f"{BASE}/requests/",
        {
            "service_type": "policy_consultation",
            "channel": "window",
            "centre": c.pk,
            "entrepreneur": who.pk,
            "visitor_id_number": None,
            "description": "咨询创业担保贷款",
        },
    )
    assert response.status_code == 201, response.content
    req = response.json()
    assert req["status"] == "submitted" and req["due_date"] and req["time_limit_days"] == 1
    assert req["working_days_left"] is not None and req["paused_days"] == 0
    assert [e["action"] for e in req["events"]] == ["submit"]
    url = f"{BASE}/requests/{req['id']}"
    done = window.post(f"{url}/actions/request_supplement", {"missing": ["营业执照"]}).json()
    assert done["status"] == "supplement_requested" and done["missing"] == ["营业执照"] and done["paused"]
    assert window.post(f"{url}/actions/resubmit").json()["status"] == "resubmitted"
    assert window.post(f"{url}/actions/accept", {"note": ""}).json()["status"] == "accepted"
    assert window.post(f"{url}/actions/start").json()["status"] == "in_progress"
    done = window.post(f"{url}/actions/complete", {"result": "已解答"}).json()
    assert done["status"] == "completed" and done["result"] == "已解答"
    detail = window.get(url).json()
    assert [e["action"] for e in detail["events"]] == [
        "submit",
        "request_supplement",
        "resubmit",
        "accept",
        "start",
        "complete",
    ]
    assert detail["events"][1]["label"] == "一次性告知补正"
    listed = window.get(f"{BASE}/requests/", {"status": "completed", "type": "policy_consultation"}).json()
    assert req["id"] in [r["id"] for r in listed["items"]]


def test_action_refusals_have_their_codes_and_change_nothing(api, window):
    req = request_in("submitted")
    url = f"{BASE}/requests/{req.pk}/actions"
    cases = [
        (window, "start", {}, 409, "onestop.wrong_state"),
        (api("leader"), "accept", {}, 403, "onestop.wrong_role"),
        (api("officer_411628"), "accept", {}, 404, "not_found"),
        (window, "reject", {"reason": ""}, 422, "onestop.reason_required"),
        (window, "request_supplement", {"missing": []}, 422, "onestop.missing_required"),
        (window, "transfer", {"reason": "转办"}, 422, "onestop.transfer_target_required"),
        (window, "fly", {}, 404, "onestop.unknown_action"),
        (window, "accept", {"bogus": 1}, 422, None),
    ]
    for client, action, body, status, code in cases:
        response = client.post(f"{url}/{action}", body)
        assert response.status_code == status, (action, response.content)
        if code:
            assert response.json()["code"] == code, action
    req.refresh_from_db()
    assert req.status == "submitted" and req.events.count() == 1


def test_on_the_spot_through_the_api(window):
    req = request_in("submitted")
    done = window.post(
        f"{BASE}/requests/{req.pk}/actions/accept", {"complete_now": True, "result": "当场办结"}
    ).json()
    assert done["status"] == "completed" and [e["action"] for e in done["events"]][-2:] == [
        "accept",
        "complete",
    ]


def test_rating_through_the_api(window, api):
    req = request_in("completed")
    url = f"{BASE}/requests/{req.pk}/rating"
    assert window.post(url, {"level": 6}).status_code == 422
    assert window.post(url, {"level": 0}).json()["code"] == "onestop.level_invalid"
    response = window.post(url, {"level": 2, "comment": "办理慢"})
    assert response.status_code == 201, response.content
    again = window.post(url, {"level": 5})
    assert again.status_code == 409 and again.json()["code"] == "onestop.already_rated"
    detail = window.get(f"{BASE}/requests/{req.pk}").json()
    assert detail["rating"]["level"] == 2
    rect = detail["rectification"]
    assert rect["status"] == "open" and rect["due_date"] and rect["allowed_actions"] == ["call_back"]
    city = api("city_admin").get(f"{BASE}/rectifications/").json()
    assert rect["id"] in [r["id"] for r in city["items"]]
    done = window.post(f"{BASE}/rectifications/{rect['id']}/actions/call_back", {"note": "已回访"}).json()
    assert done["status"] == "called_back"
    done = window.post(f"{BASE}/rectifications/{rect['id']}/actions/rate_fix", {"level": 5}).json()
    assert done["status"] == "closed" and done["second_level"] == 5
    assert Rating.objects.filter(request=req).count() == 1


def test_list_filters_overdue_region_centre(window, api):
    old = make_request(today=__import__("datetime").date(2020, 9, 14))
    officer = api("officer_411625")
    assert old.pk in [r["id"] for r in officer.get(f"{BASE}/requests/", {"overdue": True}).json()["items"]]
    assert old.pk not in [
        r["id"] for r in officer.get(f"{BASE}/requests/", {"overdue": False}).json()["items"]
    ]
    assert officer.get(f"{BASE}/requests/", {"region": "411628"}).json()["count"] == 0
    assert old.pk in [
        r["id"] for r in officer.get(f"{BASE}/requests/", {"centre": old.centre_id}).json()["items"]
    ]
    assert (
        ServiceRequest.objects.filter(pk=old.pk).exists() and Centre.objects.filter(pk=old.centre_id).exists()
    )


def test_the_queue_costs_the_same_for_five_rows_or_twenty(window, django_assert_max_num_queries):
    for _ in range(5):
        make_request()
    with django_assert_max_num_queries(12) as few:
        assert window.get(f"{BASE}/requests/", {"page_size": 20}).status_code == 200
    for _ in range(15):
        make_request()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = window.get(f"{BASE}/requests/", {"page_size": 20})
    assert len(response.json()["items"]) == 20


def test_the_queue_page_costs_the_same_for_five_rows_or_twenty(web, django_assert_max_num_queries):
    client = web("service_clerk")
    for _ in range(5):
        make_request()
    client.get("/onestop/requests/")  # warm the session and the caches
    with django_assert_max_num_queries(40) as few:
        assert client.get("/onestop/requests/").status_code == 200
    for _ in range(15):
        make_request()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/onestop/requests/").status_code == 200


def test_year_out_of_range_is_422_not_500(api):
    client = api("city_admin")
    for path in ("/api/v1/onestop/coverage", "/api/v1/onestop/satisfaction"):
        response = client.get(f"{path}?year=-629571")
        assert response.status_code == 422, (path, response.content)
        assert response.status_code != 500
