"""Real-name binding and self-registration: bind to an existing record, the answers that reveal nothing, the
county's confirm / merge / reject (with the reason sent back), and the county's scope."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from fanxiang.entrepreneurs.models import Business, Entrepreneur
from fanxiang.entrepreneurs.tests.factories import make_id
from fanxiang.notifications.models import Notification
from fanxiang.portal import services
from fanxiang.portal.models import PortalAccount, Registration
from fanxiang.portal.tests.factories import bound_account, registration_data, registry_person

pytestmark = pytest.mark.django_db


def _account(mobile: str) -> PortalAccount:
    from fanxiang.core import pii

    return PortalAccount.objects.get(mobile_hash=pii.index(mobile))


def test_binds_to_the_registry_record_with_the_same_id_and_name(portal, demo):
    person = registry_person(demo["officer_411625"], name="王绑定", mobile="13700004001")
    client = portal("13700004001")
    response = client.post("/api/v1/portal/bind", {"name": "王绑定", "id_number": person.id_number})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "bound" and body["person"]["id"] == person.pk
    assert body["person"]["id_number_masked"] == person.id_number_masked
    account = _account("13700004001")
    assert account.entrepreneur_id == person.pk and account.user.real_name == "王绑定"
    assert client.get("/api/v1/portal/me").json()["bound"] is True
    # binding again is refused with its code
    response = client.post("/api/v1/portal/bind", {"name": "王绑定", "id_number": person.id_number})
    assert response.status_code == 409 and response.json()["code"] == "portal.already_bound"


def test_binds_when_the_registry_mobile_is_the_accounts(portal, demo):
    person = registry_person(demo["officer_411625"], name="王同号", mobile="13700004002")
    client = portal("13700004002")
    response = client.post("/api/v1/portal/bind", {"name": "王同号", "id_number": person.id_number})
    assert response.json()["status"] == "bound"


def test_no_mobile_on_record_goes_to_the_county_and_its_officer_binds(portal, api, demo):
    """Name and ID number alone never bind: without a registry mobile to match, the binding is a registration
    that the person's county confirms by merging it into the record; another county cannot see or decide it."""
    person = registry_person(demo["officer_411625"], name="王无号", mobile="")
    client = portal("13700004009")
    response = client.post("/api/v1/portal/bind", {"name": "王无号", "id_number": person.id_number})
    assert response.status_code == 200
    assert response.json()["status"] == "review_needed"
    assert _account("13700004009").entrepreneur_id is None
    assert client.get("/api/v1/portal/me").json()["bound"] is False
    reg = _submit(client, name="王无号", id_number=person.id_number, business={})
    assert reg["status"] == "pending"
    other = api("officer_411628")
    assert other.get(f"/api/v1/portal/review/registrations/{reg['id']}").status_code == 404
    listed = other.get("/api/v1/portal/review/registrations/", {"status": "pending"}).json()
    assert reg["id"] not in [r["id"] for r in listed["items"]]
    response = other.post(
        f"/api/v1/portal/review/registrations/{reg['id']}/merge", {"entrepreneur": person.pk}
    )
    assert response.status_code == 404
    assert _account("13700004009").entrepreneur_id is None
    officer = api("officer_411625")
    response = officer.post(
        f"/api/v1/portal/review/registrations/{reg['id']}/merge", {"entrepreneur": person.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "merged"
    assert _account("13700004009").entrepreneur_id == person.pk
    assert client.get("/api/v1/portal/me").json()["bound"] is True


def test_other_registry_mobile_goes_to_the_county(portal, demo):
    person = registry_person(demo["officer_411625"], name="王异号", mobile="13911112222")
    client = portal("13700004003")
    response = client.post("/api/v1/portal/bind", {"name": "王异号", "id_number": person.id_number})
    assert response.status_code == 200
    assert response.json()["status"] == "review_needed"
    assert _account("13700004003").entrepreneur_id is None


def test_wrong_name_unknown_id_and_closed_record_answer_the_same(portal, demo):
    officer = demo["officer_411625"]
    person = registry_person(officer, name="王真名", mobile="")
    closed = registry_person(officer, name="王注销", mobile="")
    from fanxiang.entrepreneurs import services as registry

    registry.entrepreneur_close(actor=officer, entrepreneur=closed, reason="迁出")
    client = portal("13700004004")
    answers = {
        client.post("/api/v1/portal/bind", {"name": "王假名", "id_number": person.id_number}).json()[
            "status"
        ],
        client.post(
            "/api/v1/portal/bind", {"name": "王真名", "id_number": make_id(area="411625", birth="19700101")}
        ).json()["status"],
        client.post("/api/v1/portal/bind", {"name": "王注销", "id_number": closed.id_number}).json()[
            "status"
        ],
    }
    assert answers == {"registration_needed"}
    assert _account("13700004004").entrepreneur_id is None


def test_invalid_id_number_is_refused_with_its_code(portal):
    client = portal("13700004005")
    response = client.post("/api/v1/portal/bind", {"name": "张三", "id_number": "411625198501010010"})
    assert response.status_code == 422
    assert response.json()["code"] == "id.invalid_checksum"
    assert "id_number" in response.json()["errors"]


def test_record_bound_to_another_account_is_refused(portal, demo):
    person = registry_person(demo["officer_411625"], name="王已绑", mobile="13700004007")
    bound_account(person, "13700004006")
    client = portal("13700004007")
    response = client.post("/api/v1/portal/bind", {"name": "王已绑", "id_number": person.id_number})
    assert response.status_code == 409 and response.json()["code"] == "portal.record_bound_elsewhere"


def test_binding_attempts_are_limited(portal, demo):
    client = portal("13700004008")
    for i in range(10):
        response = client.post(
            "/api/v1/portal/bind",
            {"name": "猜名字", "id_number": make_id(area="411625", birth="19700101", seq=200 + i)},
        )
        assert response.status_code == 200
    response = client.post(
        "/api/v1/portal/bind", {"name": "猜名字", "id_number": make_id(area="411625", seq=250)}
    )
    assert response.status_code == 429 and response.json()["code"] == "portal.bind_rate_limited"


def _submit(client, **overrides):
    response = client.post("/api/v1/portal/registrations", registration_data(**overrides))
    assert response.status_code == 201, response.content
    return response.json()


def test_self_registration_confirmed_by_the_county(portal, api, demo, django_capture_on_commit_callbacks):
    client = portal("13700004010")
    reg = _submit(client)
    assert reg["status"] == "pending" and reg["region"] == "411625101"
    # a second submission while one is pending is refused
    response = client.post("/api/v1/portal/registrations", registration_data())
    assert response.status_code == 409 and response.json()["code"] == "portal.registration_pending"
    # the other county cannot see or decide it
    other = api("officer_411628")
    assert other.get(f"/api/v1/portal/review/registrations/{reg['id']}").status_code == 404
    assert other.post(f"/api/v1/portal/review/registrations/{reg['id']}/confirm", {}).status_code == 404
    officer = api("officer_411625")
    listed = officer.get("/api/v1/portal/review/registrations/", {"status": "pending"}).json()
    assert [r["id"] for r in listed["items"]] == [reg["id"]]
    with django_capture_on_commit_callbacks(execute=False):
        response = officer.post(f"/api/v1/portal/review/registrations/{reg['id']}/confirm", {})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"
    person = Entrepreneur.objects.get(name="赵新登")
    assert person.region.code == "411625101" and person.created_by.username == "officer_411625"
    assert person.mobile == "13700004010"
    business = Business.objects.get(name="郸城县赵家养殖场")
    assert list(business.founders.all()) == [person]
    account = _account("13700004010")
    assert account.entrepreneur_id == person.pk
    note = Notification.objects.get(event="registration_confirmed")
    assert note.recipient_user_id == account.user_id and "郸城县" in note.body
    assert note.deliveries.filter(channel="sms").exists()
    me = client.get("/api/v1/portal/me").json()
    assert me["bound"] is True and me["person"]["name"] == "赵新登"
    # deciding twice is refused
    response = officer.post(f"/api/v1/portal/review/registrations/{reg['id']}/reject", {"reason": "重复"})
    assert response.status_code == 409 and response.json()["code"] == "portal.already_decided"


def test_self_registration_rejected_with_the_reason_sent_back(portal, api, demo):
    client = portal("13700004011")
    reg = _submit(client)
    officer = api("officer_411625")
    response = officer.post(f"/api/v1/portal/review/registrations/{reg['id']}/reject", {"reason": " "})
    assert response.status_code == 422 and response.json()["code"] == "portal.reason_required"
    response = officer.post(
        f"/api/v1/portal/review/registrations/{reg['id']}/reject",
        {"reason": "身份证号码与姓名不一致，请核对"},
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert not Entrepreneur.objects.filter(name="赵新登").exists()
    inbox = client.get("/api/v1/portal/notifications").json()
    assert inbox["count"] == 1
    assert inbox["items"][0]["event"] == "registration_rejected"
    assert "身份证号码与姓名不一致" in inbox["items"][0]["body"]
    assert client.get("/api/v1/portal/registrations").json()[0]["reason"] == "身份证号码与姓名不一致，请核对"
    # they may submit again
    _submit(client)


def test_self_registration_merged_into_an_existing_record(portal, api, demo):
    officer_user = demo["officer_411625"]
    existing = registry_person(officer_user, name="王合并", mobile="13911113333")
    client = portal("13700004012")
    assert (
        client.post("/api/v1/portal/bind", {"name": "王合并", "id_number": existing.id_number}).json()[
            "status"
        ]
        == "review_needed"
    )
    reg = _submit(client, name="王合并", id_number=existing.id_number, business={})
    candidates = services.merge_candidates(officer_user, Registration.objects.get(pk=reg["id"]))
    assert existing in list(candidates)
    # confirming would duplicate the ID number: the registry refuses it
    response = api("officer_411625").post(f"/api/v1/portal/review/registrations/{reg['id']}/confirm", {})
    assert response.status_code == 409 and response.json()["code"] == "entrepreneur.duplicate_id_number"
    response = api("officer_411625").post(
        f"/api/v1/portal/review/registrations/{reg['id']}/merge", {"entrepreneur": existing.pk}
    )
    assert response.status_code == 200 and response.json()["status"] == "merged"
    assert _account("13700004012").entrepreneur_id == existing.pk
    # a record of another county cannot be the merge target
    other_person = registry_person(demo["officer_411628"], region="411628101", name="王外县", mobile="")
    reg2 = _submit(portal("13700004013"), name="王外县2")
    response = api("officer_411625").post(
        f"/api/v1/portal/review/registrations/{reg2['id']}/merge", {"entrepreneur": other_person.pk}
    )
    assert response.status_code == 404


def test_registration_is_validated_like_the_registry(portal):
    client = portal("13700004014")
    response = client.post(
        "/api/v1/portal/registrations",
        registration_data(
            id_number="123",
            region="411600",
            business={"name": "某公司", "kind": "enterprise", "industry": "A"},
        ),
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "id_number" in errors and "region" in errors
    assert "business_credit_code" in errors  # a registered enterprise needs its credit code
    assert Registration.objects.count() == 0


def test_confirm_and_reject_pages(portal, web, demo):
    reg_id = _submit(portal("13700004015"))["id"]
    client = web("officer_411625")
    page = client.get(f"/portal/review/registrations/{reg_id}/")
    assert page.status_code == 200 and "赵新登" in page.content.decode()
    assert web("officer_411628").get(f"/portal/review/registrations/{reg_id}/").status_code == 404
    response = client.post(f"/portal/review/registrations/{reg_id}/", {"action": "reject", "reason": ""})
    assert response.status_code == 422
    response = client.post(f"/portal/review/registrations/{reg_id}/", {"action": "confirm"})
    assert response.status_code == 302
    assert Registration.objects.get(pk=reg_id).status == "confirmed"
    entries = LogEntry.objects.filter(content_type__model="registration", object_pk=str(reg_id))
    assert any((e.additional_data or {}).get("transition") == "confirmed" for e in entries)


def test_the_countys_officers_are_told_of_a_new_registration(portal, demo):
    _submit(portal("13700004016"))
    told = Notification.objects.filter(event="registration_submitted")
    assert {n.recipient_user.username for n in told} == {"officer_411625"}
    assert "赵新登" in told.get().body and told.get().link.startswith("/portal/review/registrations/")
