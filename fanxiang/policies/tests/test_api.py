"""API contract of /api/v1/policies: /match, /documents/?q=, rules, outreach (scoped, export audited)."""

import datetime as dt

import pytest
from auditlog.models import LogEntry

from fanxiang.policies.models import PolicyDocument
from fanxiang.policies.tests.factories import grant, make_business, make_document, make_item, make_person

ON = "2020-09-01"


@pytest.fixture
def library(demo):
    doc = make_document(number="测试发〔2020〕5号", title="关于返乡创业场租补贴的通知",
                        full_text="对入驻园区的返乡创业企业给予场租补贴。")  # fmt: skip
    items = {
        "age": make_item(doc, {"all": [{"field": "age", "op": "lte", "value": 60}]}, code="t-api-age",
                         title="年龄条款", amount_fixed="3000"),
        "once": make_item(doc, {"all": [{"field": "has_business", "op": "eq", "value": True}]},
                          code="t-api-once", title="一次性", once_only=True),
    }  # fmt: skip
    return doc, items


def test_match_contract(api, library):
    _doc, items = library
    person = make_person("19590901")  # 61 on ON
    make_business(person)
    grant(person, items["once"], on=dt.date(2020, 5, 1))
    response = api("officer_411625").get("/api/v1/policies/match", {"entrepreneur": person.pk, "on": ON})
    assert response.status_code == 200, response.content
    body = response.json()
    assert {"eligible", "near_misses", "received"} <= set(body)
    for entry in body["eligible"]:
        assert {"item", "document_number", "title", "estimated_amount", "reasons"} <= set(entry)
        assert isinstance(entry["reasons"], list)
    near = next(n for n in body["near_misses"] if n["code"] == "t-api-age")
    assert {"item", "title", "failed"} <= set(near)
    assert near["item"] == items["age"].pk
    assert near["failed"][0]["condition"] == "rule.all[0]"
    assert near["failed"][0]["message"] == "年龄 61 岁，超过上限 60 岁"
    received = next(r for r in body["received"] if r["code"] == "t-api-once")
    assert received["once_only"] is True and received["total_amount"] == "5000.00"
    assert "不能重复享受" in received["message"]

    young = make_person("19850101")
    body = api("officer_411625").get("/api/v1/policies/match", {"entrepreneur": young.pk, "on": ON}).json()
    hit = next(e for e in body["eligible"] if e["code"] == "t-api-age")
    assert hit["estimated_amount"] == "3000.00"
    assert hit["document_number"] == "测试发〔2020〕5号"
    assert hit["reasons"][0] == "年龄 35 岁，不超过 60 岁"


def test_match_is_scoped(api, library):
    other = make_person("19850101", county="411628")
    response = api("officer_411625").get("/api/v1/policies/match", {"entrepreneur": other.pk})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api("officer_411628").get("/api/v1/policies/match", {"entrepreneur": other.pk}).status_code == 200
    assert api("officer_411625").get("/api/v1/policies/match", {"entrepreneur": 10**9}).status_code == 404
    bad = api("officer_411628").get("/api/v1/policies/match", {"entrepreneur": other.pk, "max_failed": 9})
    assert bad.status_code == 422 and bad.json()["code"] == "policy.bad_max_failed"
    assert api("officer_411625").get("/api/v1/policies/match").status_code == 422


def test_documents_search_number_title_and_text(api, library):
    doc, _items = library
    client = api("officer_411625")
    for q in ("测试发〔2020〕5号", "场租补贴的通知", "入驻园区"):
        body = client.get("/api/v1/policies/documents/", {"q": q}).json()
        assert [d["number"] for d in body["items"]] == ["测试发〔2020〕5号"], q
        assert body["count"] == 1
    body = client.get("/api/v1/policies/documents/", {"q": "人社部发〔2019〕129号"}).json()
    assert body["items"][0]["unconfirmed"] is True
    everything = client.get("/api/v1/policies/documents/", {"page_size": 2}).json()
    assert everything["count"] == PolicyDocument.objects.count() and len(everything["items"]) == 2
    detail = client.get(f"/api/v1/policies/documents/{doc.pk}").json()
    assert [i["code"] for i in detail["items"]] == ["t-api-age", "t-api-once"]
    assert detail["items"][0]["rule"] == {"all": [{"field": "age", "op": "lte", "value": 60}]}
    assert detail["items"][0]["amount_fixed"] == "3000.00"
    items = client.get(f"/api/v1/policies/documents/{doc.pk}/items").json()
    assert [i["title"] for i in items] == ["年龄条款", "一次性"]
    assert client.get("/api/v1/policies/documents/999999").status_code == 404
    # The document lists the levels; one outside them is refused rather than silently matching nothing.
    unknown = client.get("/api/v1/policies/documents/", {"level": "planet"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "choice.invalid"


def test_documents_need_a_login(library):
    from django.test import Client

    response = Client().get("/api/v1/policies/documents/")
    assert response.status_code == 401


def test_rule_save_publish_and_try_through_the_api(api, library):
    _doc, items = library
    admin_client = api("city_admin")
    url = f"/api/v1/policies/items/{items['age'].pk}/rule"
    bad = admin_client.post(url, {"rule": {"all": [{"field": "age", "op": "lte", "value": "sixty"}]}})
    assert bad.status_code == 422
    assert bad.json()["code"] == "policy.rule_type_mismatch"
    assert "rule.all[0].value" in bad.json()["errors"]
    created = admin_client.post(
        url, {"rule": {"all": [{"field": "age", "op": "lte", "value": 65}]}, "note": "放宽"}
    )
    assert created.status_code == 201, created.content
    version = created.json()
    assert version["version"] == 2 and version["status"] == "draft"
    officer = api("officer_411625")
    assert officer.post(url, {"rule": {}}).json()["code"] == "policy.forbidden"
    person = make_person("19590901")
    tried = officer.post(f"{url}/try", {"version": 2, "entrepreneur": person.pk, "on": ON}).json()
    assert tried["passed"] is True
    tried = officer.post(f"{url}/try", {"rule": {"all": [{"field": "age", "op": "lte", "value": 60}]},
                                        "facts": {"age": 62}}).json()  # fmt: skip
    assert tried["failed"][0]["message"] == "年龄 62 岁，超过上限 60 岁"
    bad_facts = officer.post(f"{url}/try", {"facts": {"age": "x", "planet": "mars"}})
    assert bad_facts.status_code == 422
    assert set(bad_facts.json()["errors"]) == {"facts.age", "facts.planet"}
    published = admin_client.post(f"/api/v1/policies/rule-versions/{version['id']}/publish")
    assert published.status_code == 200 and published.json()["rule_version"] == 2
    versions = officer.get(f"/api/v1/policies/items/{items['age'].pk}/rule-versions").json()
    assert [(v["version"], v["status"]) for v in versions] == [(2, "published"), (1, "superseded")]
    fields = {f["field"]: f for f in officer.get("/api/v1/policies/rule-fields").json()}
    assert {"op": "lte", "label": "不超过"} in fields["age"]["operators"]


def test_outreach_api_is_scoped_and_export_is_audited(api, library):
    a = make_person("19850101")
    make_business(a)
    other = make_person("19850101", county="411628")
    client = api("officer_411625")
    body = client.get("/api/v1/policies/outreach", {"region": "411625", "on": ON}).json()
    counts = {i["code"]: i["eligible_not_received"] for i in body["items"]}
    assert counts["t-api-once"] == 1 and counts["t-api-age"] == 1
    people = client.get(
        "/api/v1/policies/outreach/people", {"item": "t-api-once", "region": "411625", "on": ON}
    )
    assert [p["id"] for p in people.json()["items"]] == [a.pk]
    assert people.json()["items"][0]["id_number_masked"] == a.id_number_masked
    forbidden = client.get("/api/v1/policies/outreach", {"region": "411628"})
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "scope.region_forbidden"
    # a city admin sees the whole city; the county officer's default is their county
    assert client.get("/api/v1/policies/outreach").json()["region"] == "411625"
    city = api("city_admin").get("/api/v1/policies/outreach", {"on": ON}).json()
    assert city["region"] == "411600" and city["people"] >= 2
    before = LogEntry.objects.filter(additional_data__event="export").count()
    response = client.get(
        "/api/v1/policies/outreach/export", {"region": "411625", "item": "t-api-once", "on": ON}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    entry = LogEntry.objects.filter(additional_data__event="export").order_by("-pk").first()
    assert LogEntry.objects.filter(additional_data__event="export").count() == before + 1
    assert entry.additional_data["export"] == "policy_outreach" and entry.additional_data["rows"] == 1
    assert other.pk not in [p["id"] for p in people.json()["items"]]
