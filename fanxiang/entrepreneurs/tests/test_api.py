"""API contract of the registry: paths, field names, status codes and error codes."""

import pytest
from auditlog.models import LogEntry

from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.entrepreneurs.tests.factories import business_data, make_id, person_data

pytestmark = pytest.mark.django_db


def create(client, **overrides):
    return client.post("/api/v1/entrepreneurs/", person_data(**overrides))


def test_create_returns_201_with_masked_personal_data(api):
    response = create(api("officer_411625"), name="张三", priority_groups=["poor_household"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "张三"
    assert body["region"] == "411625101"
    assert body["category"] == "returning_migrant_worker"
    assert body["priority_groups"] == ["poor_household"]
    assert "*" in body["id_number"] and body["id_number"].startswith("4116")
    assert body["mobile"] == "138****8000"
    assert body["sex"] == "M" and body["birth_date"] == "1985-01-01"
    assert body["birthplace"]["code"] == "411625"


def test_duplicate_id_is_409_and_invalid_id_is_422_with_validator_code(api):
    client = api("officer_411625")
    data = person_data()
    assert client.post("/api/v1/entrepreneurs/", data).status_code == 201
    dup = client.post("/api/v1/entrepreneurs/", data)
    assert dup.status_code == 409
    assert dup.json()["code"] == "entrepreneur.duplicate_id_number"
    bad = create(client, id_number="11010519491231002Y")
    assert bad.status_code == 422
    assert bad.json()["code"] == "id.invalid_format"
    bad = create(client, id_number="110105194912310021")
    assert bad.json()["code"] == "id.invalid_checksum"
    assert bad.json()["errors"]["id_number"]
    assert Entrepreneur.objects.count() == 1


def test_wrong_region_is_403(api):
    response = create(api("officer_411625"), region="411628101")
    assert response.status_code == 403
    assert response.json()["code"] == "scope.region_forbidden"


def test_list_search_by_initials_id_and_mobile(api):
    client = api("officer_411625")
    zs_id = make_id()
    create(client, name="张三", id_number=zs_id, mobile="13700000001")
    create(client, name="李四", id_number=make_id(), mobile="13700000002")
    names = lambda r: [i["name"] for i in r.json()["items"]]  # noqa: E731
    assert names(client.get("/api/v1/entrepreneurs/", {"q": "zs"})) == ["张三"]
    assert names(client.get("/api/v1/entrepreneurs/", {"q": "ls"})) == ["李四"]
    assert names(client.get("/api/v1/entrepreneurs/", {"q": zs_id})) == ["张三"]
    assert names(client.get("/api/v1/entrepreneurs/", {"q": "137-0000-0002"})) == ["李四"]
    assert names(client.get("/api/v1/entrepreneurs/", {"q": "张"})) == ["张三"]
    page = client.get("/api/v1/entrepreneurs/", {"page_size": 1, "ordering": "name"}).json()
    assert page["count"] == 2 and len(page["items"]) == 1


def test_list_filters(api):
    client = api("officer_411625")
    create(client, name="甲", category="veteran", region="411625102")
    create(client, name="乙", id_number=make_id(), worked_province="湖北省")
    get = lambda **p: [i["name"] for i in client.get("/api/v1/entrepreneurs/", p).json()["items"]]  # noqa: E731
    assert get(category="veteran") == ["甲"]
    assert get(priority_group="formerly_in_hubei") == ["乙"]
    assert get(region="411625102") == ["甲"]
    assert get(started_from="2020-05-10", started_to="2020-05-10") != []
    bad = client.get("/api/v1/entrepreneurs/", {"category": "nope"})
    assert bad.status_code == 422 and bad.json()["code"] == "filter.invalid"


def test_patch_close_and_detail(api):
    client = api("officer_411625")
    pk = create(client).json()["id"]
    patched = client.patch(
        f"/api/v1/entrepreneurs/{pk}", {"skills": "电商运营", "mobile": "+86 139 0000 0000"}
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["skills"] == "电商运营" and patched.json()["mobile"] == "139****0000"
    bad = client.patch(f"/api/v1/entrepreneurs/{pk}", {"region": "411628101"})
    assert bad.status_code == 403
    closed = client.post(f"/api/v1/entrepreneurs/{pk}/close", {"reason": "重复登记"})
    assert closed.json()["status"] == "closed"
    assert client.get(f"/api/v1/entrepreneurs/{pk}").status_code == 200


def test_reveal_is_logged_and_needs_the_right(api):
    client = api("officer_411625")
    data = person_data()
    pk = client.post("/api/v1/entrepreneurs/", data).json()["id"]
    revealed = client.get(f"/api/v1/entrepreneurs/{pk}", {"reveal": "true"}).json()
    assert revealed["id_number"] == data["id_number"]
    assert LogEntry.objects.filter(additional_data__event="reveal", object_pk=str(pk)).exists()
    leader = api("leader").get(f"/api/v1/entrepreneurs/{pk}", {"reveal": "true"})
    assert leader.status_code == 403 and leader.json()["code"] == "pii.reveal_forbidden"
    assert "*" in api("leader").get(f"/api/v1/entrepreneurs/{pk}").json()["id_number"]


def test_other_county_gets_404_not_the_record(api):
    pk = create(api("officer_411625")).json()["id"]
    response = api("officer_411628").get(f"/api/v1/entrepreneurs/{pk}")
    assert response.status_code == 404


def test_business_api_and_jobs(api):
    client = api("officer_411625")
    pk = create(client).json()["id"]
    response = client.post("/api/v1/businesses/", business_data() | {"founders": [pk]})
    assert response.status_code == 201, response.content
    biz = response.json()
    assert biz["founders"] == [{"id": pk, "name": "张三", "is_primary": True}]
    report = client.post(
        f"/api/v1/businesses/{biz['id']}/jobs", {"report_date": "2020-06-30", "jobs_created": 9}
    )
    assert report.status_code == 201 and report.json()["delta"] == 9
    assert client.get(f"/api/v1/businesses/{biz['id']}").json()["jobs_created"] == 9
    refused = client.patch(f"/api/v1/businesses/{biz['id']}", {"jobs_created": 3})
    assert refused.status_code == 422
    listed = client.get("/api/v1/businesses/", {"q": "91110000600037341L"}).json()
    assert listed["count"] == 1
    assert api("officer_411628").get(f"/api/v1/businesses/{biz['id']}").status_code == 404


def test_transfer_api_flow(api):
    data = person_data()
    api("officer_411625").post("/api/v1/entrepreneurs/", data)
    req = api("officer_411628").post(
        "/api/v1/entrepreneurs/transfers/",
        {"id_number": data["id_number"], "to_region": "411628101", "reason": "迁居"},
    )
    assert req.status_code == 201, req.content
    tid = req.json()["id"]
    assert (
        api("officer_411628")
        .post(f"/api/v1/entrepreneurs/transfers/{tid}/decide", {"approve": True})
        .status_code
        == 403
    )
    ok = api("officer_411625").post(
        f"/api/v1/entrepreneurs/transfers/{tid}/decide", {"approve": True, "note": "同意"}
    )
    assert ok.json()["status"] == "approved"
    assert api("officer_411628").get("/api/v1/entrepreneurs/").json()["count"] == 1
    assert api("officer_411625").get("/api/v1/entrepreneurs/").json()["count"] == 0


def test_progress_api_counts_from_rollups(api):
    client = api("officer_411625")
    create(client, started_on="2020-05-10")
    create(client, id_number=make_id(), started_on="2020-07-01", region="411625102")
    body = api("city_admin").get("/api/v1/targets/progress", {"year": 2020, "region": "411600"}).json()
    people = next(i for i in body["indicators"] if i["indicator"] == "new_entrepreneurs")
    assert people["target"] == "11200.00" and people["actual"] == "2.00"
    dancheng = next(c for c in people["children"] if c["region"] == "411625")
    assert dancheng["actual"] == "2.00"
    assert [m["actual"] for m in people["months"]][4:7] == ["1.00", "0.00", "1.00"]
    assert people["months"][11]["cumulative"] == "2.00"
    forbidden = api("officer_411628").get("/api/v1/targets/progress", {"year": 2020, "region": "411625"})
    assert forbidden.status_code == 404
