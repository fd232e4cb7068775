"""The /api/v1/training contract: programmes, classes with their timetable and actions, enrolments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fanxiang.training.models import Enrolment, Programme, TrainingClass
from fanxiang.training.tests.factories import class_data, class_in, make_class, person

pytestmark = pytest.mark.django_db


def test_programmes_list_with_kind(api):
    response = api("officer_411625").get("/api/v1/training/programmes/")
    assert response.status_code == 200
    items = {p["code"]: p for p in response.json()["items"]}
    assert items["syb"]["kind"] == "SYB"
    assert items["village_leader"]["kind"] == "village_leader"
    assert items["village_leader"]["kind_label"] == "贫困村创业致富带头人培训"


def test_programme_create_is_for_the_city(api):
    body = {
        "code": "ecommerce_plus",
        "kind": "online_startup",
        "name": "电商进阶培训",
        "hours_required": "30",
    }
    response = api("officer_411625").post("/api/v1/training/programmes/", body)
    assert response.status_code == 403 and response.json()["code"] == "training.forbidden"
    assert not Programme.objects.filter(code="ecommerce_plus").exists()
    response = api("city_admin").post("/api/v1/training/programmes/", body)
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "online_startup"
    assert Programme.objects.get(code="ecommerce_plus").rules.count() == 1
    response = api("city_admin").post("/api/v1/training/programmes/", {**body, "kind": "MBA"})
    assert response.status_code == 422
    assert {e["code"] for e in response.json()["details"]["items"]} == {
        "training.code_taken",
        "training.kind_invalid",
    }


def _future_class_body(region: str = "411625") -> dict:
    start = timezone.localdate() + dt.timedelta(days=30)
    data = class_data(
        region, start_date=start.isoformat(), end_date=(start + dt.timedelta(days=2)).isoformat()
    )
    return data


def test_class_create_list_filters_and_detail(api):
    client = api("officer_411625")
    response = client.post("/api/v1/training/classes/", _future_class_body())
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["status"], created["capacity"], created["sessions"]) == ("draft", 30, [])
    assert created["allowed_actions"] == ["file", "cancel"]
    klass = make_class()
    listed = client.get("/api/v1/training/classes/", {"status": "draft", "region": "411625"}).json()
    assert {created["id"], klass.pk} <= {c["id"] for c in listed["items"]}
    assert client.get("/api/v1/training/classes/", {"status": "approved"}).json()["count"] == 0
    assert client.get("/api/v1/training/classes/", {"region": "411628"}).json()["count"] == 0
    detail = client.get(f"/api/v1/training/classes/{klass.pk}").json()
    assert detail["status"] == "draft"
    sessions = list(klass.sessions.order_by("date"))
    assert [{k: s[k] for k in ("id", "date", "hours")} for s in detail["sessions"]] == [
        {"id": s.pk, "date": s.date.isoformat(), "hours": "8.0"} for s in sessions
    ]


def test_class_create_reports_every_bad_field(api):
    body = {**_future_class_body(), "name": "", "capacity": 0, "mode": "tv"}
    response = api("officer_411625").post("/api/v1/training/classes/", body)
    assert response.status_code == 422
    codes = {e["code"] for e in response.json()["details"]["items"]}
    assert {"training.name_required", "training.capacity_invalid", "training.mode_invalid"} <= codes


def test_session_added_through_the_api(api):
    klass = make_class(sessions=0)
    body = {"date": klass.start_date.isoformat(), "start_time": "08:30", "end_time": "11:30", "hours": "3"}
    response = api("officer_411625").post(f"/api/v1/training/classes/{klass.pk}/sessions", body)
    assert response.status_code == 201, response.content
    assert response.json()["hours"] == "3.0"
    bad = {**body, "start_time": "12:00", "end_time": "11:00"}
    response = api("officer_411625").post(f"/api/v1/training/classes/{klass.pk}/sessions", bad)
    assert response.status_code == 422 and response.json()["code"] == "training.session_times_invalid"


def test_class_actions(api):
    start = timezone.localdate() + dt.timedelta(days=30)
    klass = make_class(today=timezone.localdate(), start_date=start)
    client = api("officer_411625")
    response = client.post(f"/api/v1/training/classes/{klass.pk}/actions/file")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "filed"
    # the window clerk sees the class but may not approve it
    response = api("service_clerk").post(f"/api/v1/training/classes/{klass.pk}/actions/approve")
    assert response.status_code == 403 and response.json()["code"] == "training.wrong_role"
    response = client.post(f"/api/v1/training/classes/{klass.pk}/actions/return", {"note": ""})
    assert response.status_code == 422 and response.json()["code"] == "training.reason_required"
    response = client.post(f"/api/v1/training/classes/{klass.pk}/actions/approve", {"note": "同意开班"})
    assert response.json()["status"] == "approved"
    response = client.post(f"/api/v1/training/classes/{klass.pk}/actions/finish")
    assert response.status_code == 409 and response.json()["code"] == "training.wrong_state"
    response = client.post(f"/api/v1/training/classes/{klass.pk}/actions/claim")
    assert response.status_code == 404 and response.json()["code"] == "training.unknown_action"
    response = client.post(f"/api/v1/training/classes/{klass.pk}/actions/cancel", {"note": "报名不足"})
    assert response.json()["status"] == "cancelled"
    klass.refresh_from_db()
    assert klass.status == "cancelled"
    assert list(klass.events.values_list("action", flat=True)) == ["file", "approve", "cancel"]


def test_another_countys_class_is_not_found(api):
    klass = make_class("411628")
    client = api("officer_411625")
    assert client.get(f"/api/v1/training/classes/{klass.pk}").status_code == 404
    response = client.post(f"/api/v1/training/classes/{klass.pk}/actions/file")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert TrainingClass.objects.get(pk=klass.pk).status == "draft"


def test_enrolment_by_registry_person_and_by_id_number(api):
    klass = class_in("approved")
    client = api("officer_411625")
    response = client.post(f"/api/v1/training/classes/{klass.pk}/enrolments", {"entrepreneur": person().pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["hours_attended"], body["hours_required"]) == ("enrolled", "0.0", "20.0")
    assert body["completed"] is None and body["certificate"] is None
    assert client.get(f"/api/v1/training/enrolments/{body['id']}").json()["id"] == body["id"]
    response = client.post(
        f"/api/v1/training/classes/{klass.pk}/enrolments",
        {"id_number": "411625199001010000", "name": "新学员"},  # wrong check digit
    )
    assert response.status_code == 422 and response.json()["code"] == "id.invalid_checksum"
    listed = client.get(f"/api/v1/training/classes/{klass.pk}/enrolments").json()
    assert listed["count"] == 1
    assert "*" in listed["items"][0]["id_number_masked"]


def test_enrolment_refusals_carry_the_rule_code(api):
    klass = class_in("approved", capacity=1)
    client = api("officer_411625")
    url = f"/api/v1/training/classes/{klass.pk}/enrolments"
    old = person(birth="19500101")
    response = client.post(url, {"entrepreneur": old.pk})
    assert response.status_code == 422 and response.json()["code"] == "training.age_out_of_range"
    assert client.post(url, {"entrepreneur": person().pk}).status_code == 201
    response = client.post(url, {"entrepreneur": person().pk})
    assert response.status_code == 422 and response.json()["code"] == "training.class_full"
    assert response.json()["details"]["failed"][0]["code"] == "training.class_full"
    response = client.post(url, {})
    assert response.status_code == 422 and response.json()["code"] == "training.trainee_required"
    assert Enrolment.objects.filter(training_class=klass).count() == 1


def test_enrolment_cannot_reach_another_countys_person_by_id(api):
    klass = class_in("approved")
    other = person("411628")
    response = api("officer_411625").post(
        f"/api/v1/training/classes/{klass.pk}/enrolments", {"entrepreneur": other.pk}
    )
    assert response.status_code == 422 and response.json()["code"] == "training.entrepreneur_unknown"


def test_class_list_costs_the_same_for_two_rows_or_six(api, django_assert_max_num_queries):
    client = api("officer_411625")
    shared = make_class().provider_id
    make_class(provider_id=shared)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/api/v1/training/classes/").json()["count"] == 2
    for _ in range(4):
        make_class()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/training/classes/").json()["count"] == 6


def test_providers_and_bases_are_city_data_linked_not_copied(api):
    from fanxiang.accounts.models import Organization, OrganizationKind
    from fanxiang.credit.models import Recommender
    from fanxiang.regions.models import Region

    org = Organization.objects.create(
        code="TRN-API",
        name="周口市创业培训学校",
        kind=OrganizationKind.OTHER,
        region=Region.objects.get(code="411600"),
    )
    body = {"organization": org.pk, "valid_from": "2020-01-01", "programmes": ["syb", "gyb"]}
    response = api("officer_411625").post("/api/v1/training/providers/", body)
    assert response.status_code == 403 and response.json()["code"] == "training.forbidden"
    response = api("city_admin").post("/api/v1/training/providers/", body)
    assert response.status_code == 201, response.content
    assert (response.json()["name"], response.json()["programmes"]) == ("周口市创业培训学校", ["syb", "gyb"])
    again = api("city_admin").post("/api/v1/training/providers/", {**body, "valid_to": "2019-01-01"})
    assert {e["code"] for e in again.json()["details"]["items"]} == {
        "training.provider_exists",
        "training.validity_invalid",
    }
    listed = api("officer_411625").get("/api/v1/training/providers/").json()["items"]
    assert org.pk in {p["organization"] for p in listed}

    village = Recommender.objects.create(
        kind="credit_village",
        name="信用村",
        region=Region.objects.get(code="411625"),
        valid_from="2019-01-01",
    )
    base = Recommender.objects.create(
        kind="incubation_training_base",
        name="郸城县返乡创业孵化园",
        region=Region.objects.get(code="411625"),
        valid_from="2019-01-01",
    )
    response = api("city_admin").post("/api/v1/training/bases/", {"recommender": village.pk})
    assert response.status_code == 422 and response.json()["code"] == "training.recommender_unknown"
    response = api("city_admin").post("/api/v1/training/bases/", {"recommender": base.pk, "seats": 40})
    assert response.status_code == 201, response.content
    # the name lives on the recommender: renamed there, the base shows the new name
    Recommender.objects.filter(pk=base.pk).update(name="郸城县返乡创业孵化实训园")
    listed = api("officer_411625").get("/api/v1/training/bases/").json()["items"]
    assert {(b["name"], b["seats"]) for b in listed} == {("郸城县返乡创业孵化实训园", 40)}
