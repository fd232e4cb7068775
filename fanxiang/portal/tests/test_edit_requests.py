"""Edit requests: the person asks, the county approves (applied through the registry's services: validation,
scope, change log) or rejects with a reason sent back; nothing reaches the registry before approval."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.models import Business, Entrepreneur
from fanxiang.entrepreneurs.tests.factories import business_data
from fanxiang.notifications.models import Notification
from fanxiang.portal.models import EditRequest
from fanxiang.portal.tests.factories import portal_session, registry_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(portal, demo):
    officer = demo["officer_411625"]
    person = registry_person(officer, name="李变更", mobile="13700006001", skills="")
    business = registry.business_create(
        actor=officer,
        data=business_data(kind="unregistered", credit_code="", name="李家小卖部", jobs_created=2),
        founders=[person.pk],
    )
    client = portal("13700006001")
    assert (
        client.post("/api/v1/portal/bind", {"name": "李变更", "id_number": person.id_number}).json()["status"]
        == "bound"
    )
    client.person, client.business = person, business
    return client


def test_person_edit_approved_through_the_registry_service(me, api):
    response = me.post(
        "/api/v1/portal/edit-requests",
        {"kind": "person", "changes": {"skills": "电商运营", "worked_city": "深圳市", "education": "senior"}},
    )
    assert response.status_code == 201, response.content
    edit = response.json()
    # only what differs is kept (worked_city and education were already those values)
    assert edit["changes"] == {"skills": "电商运营"} and edit["previous"] == {"skills": ""}
    assert Entrepreneur.objects.get(pk=me.person.pk).skills == ""  # not before approval
    officer = api("officer_411625")
    assert (
        api("officer_411628").post(f"/api/v1/portal/review/edit-requests/{edit['id']}/approve").status_code
        == 404
    )
    response = officer.post(f"/api/v1/portal/review/edit-requests/{edit['id']}/approve")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    person = Entrepreneur.objects.get(pk=me.person.pk)
    assert person.skills == "电商运营"
    change = LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.UPDATE).first()
    assert (
        change is not None and "skills" in change.changes_dict and change.actor.username == "officer_411625"
    )
    assert Notification.objects.filter(
        event="edit_approved", recipient_user=person.portal_account.user
    ).exists()


def test_person_edit_rejected_with_reason(me, api):
    edit = me.post(
        "/api/v1/portal/edit-requests", {"kind": "person", "changes": {"region": "411625102"}}
    ).json()
    officer = api("officer_411625")
    response = officer.post(f"/api/v1/portal/review/edit-requests/{edit['id']}/reject", {"reason": ""})
    assert response.status_code == 422 and response.json()["code"] == "portal.reason_required"
    response = officer.post(
        f"/api/v1/portal/review/edit-requests/{edit['id']}/reject", {"reason": "请提供新居住地证明"}
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert Entrepreneur.objects.get(pk=me.person.pk).region.code == "411625101"
    inbox = me.get("/api/v1/portal/notifications").json()["items"]
    assert inbox[0]["event"] == "edit_rejected" and "请提供新居住地证明" in inbox[0]["body"]
    assert me.get("/api/v1/portal/edit-requests").json()[0]["reason"] == "请提供新居住地证明"


def test_edit_request_is_validated_and_needs_a_change(me):
    response = me.post(
        "/api/v1/portal/edit-requests", {"kind": "person", "changes": {"return_date": "2099-01-01"}}
    )
    assert response.status_code == 422 and response.json()["code"] == "date.in_future"
    response = me.post(
        "/api/v1/portal/edit-requests", {"kind": "person", "changes": {"worked_city": "深圳市"}}
    )
    assert response.status_code == 422 and response.json()["code"] == "portal.edit_no_changes"
    response = me.post("/api/v1/portal/edit-requests", {"kind": "person", "changes": {"name": "改名"}})
    assert response.status_code == 422 and response.json()["code"] == "request.unknown_fields"
    assert EditRequest.objects.count() == 0


def test_business_edit_and_jobs_report_approved(me, api):
    officer = api("officer_411625")
    edit = me.post(
        "/api/v1/portal/edit-requests",
        {
            "kind": "business",
            "business": me.business.pk,
            "changes": {"address": "南丰镇新街18号", "employees": 5},
        },
    ).json()
    jobs = me.post(
        "/api/v1/portal/edit-requests",
        {"kind": "jobs", "business": me.business.pk, "changes": {"jobs_created": 6}},
    ).json()
    assert officer.post(f"/api/v1/portal/review/edit-requests/{edit['id']}/approve").status_code == 200
    assert officer.post(f"/api/v1/portal/review/edit-requests/{jobs['id']}/approve").status_code == 200
    business = Business.objects.get(pk=me.business.pk)
    assert (business.address, business.employees, business.jobs_created) == ("南丰镇新街18号", 5, 6)
    assert business.job_reports.count() == 2  # the initial report and the approved one


def test_new_business_request_approved(me, api):
    edit = me.post(
        "/api/v1/portal/edit-requests",
        {"kind": "business_new", "changes": {"name": "李家电商", "kind": "unregistered", "industry": "F"}},
    )
    assert edit.status_code == 201, edit.content
    response = api("officer_411625").post(f"/api/v1/portal/review/edit-requests/{edit.json()['id']}/approve")
    assert response.status_code == 200
    assert Business.objects.get(name="李家电商").founders.get() == me.person


def test_cannot_ask_about_someone_elses_business(me, demo):
    other = registry_person(demo["officer_411625"], name="外人", mobile="")
    theirs = registry.business_create(
        actor=demo["officer_411625"],
        data=business_data(kind="unregistered", credit_code="", name="外人的店"),
        founders=[other.pk],
    )
    response = me.post(
        "/api/v1/portal/edit-requests",
        {"kind": "business", "business": theirs.pk, "changes": {"address": "x"}},
    )
    assert response.status_code == 404
    client = portal_session(me)
    assert client.get(f"/portal/businesses/{theirs.pk}/edit/").status_code == 404
    assert client.get(f"/portal/businesses/{me.business.pk}/edit/").status_code == 200
    assert EditRequest.objects.count() == 0


def test_approval_fails_when_the_registry_refuses_and_nothing_changes(me, api, demo):
    edit = me.post(
        "/api/v1/portal/edit-requests", {"kind": "person", "changes": {"region": "411628101"}}
    ).json()
    # moving to another county: the officer of 411625 cannot write a record into 411628 (registry scope check)
    response = api("officer_411625").post(f"/api/v1/portal/review/edit-requests/{edit['id']}/approve")
    assert response.status_code == 403 and response.json()["code"] == "scope.region_forbidden"
    assert EditRequest.objects.get(pk=edit["id"]).status == "pending"
    assert Entrepreneur.objects.get(pk=me.person.pk).region.code == "411625101"


def test_review_pages(me, web):
    edit = me.post("/api/v1/portal/edit-requests", {"kind": "person", "changes": {"skills": "木工"}}).json()
    client = web("officer_411625")
    assert client.get("/portal/review/edit-requests/").status_code == 200
    page = client.get(f"/portal/review/edit-requests/{edit['id']}/")
    assert page.status_code == 200 and "木工" in page.content.decode()
    assert web("officer_411628").get(f"/portal/review/edit-requests/{edit['id']}/").status_code == 404
    response = client.post(f"/portal/review/edit-requests/{edit['id']}/", {"action": "approve"})
    assert response.status_code == 302
    assert Entrepreneur.objects.get(pk=me.person.pk).skills == "木工"


def test_profile_edit_page_creates_a_request(me):
    client = portal_session(me)
    page = client.get("/portal/profile/edit/")
    assert page.status_code == 200
    data = {
        "region": "411625101",
        "worked_province": "广东省",
        "worked_city": "东莞市",
        "worked_months": "60",
        "education": "senior",
        "return_date": "2020-03-01",
        "started_on": "2020-05-10",
        "skills": "",
    }
    response = client.post("/portal/profile/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    edit = EditRequest.objects.get()
    assert edit.changes == {"worked_city": "东莞市"}


def test_the_change_log_names_the_account(me):
    from fanxiang.portal.models import PortalAccount

    me.post("/api/v1/portal/edit-requests", {"kind": "person", "changes": {"skills": "编织"}})
    edit = EditRequest.objects.get()
    entry = LogEntry.objects.get(
        content_type__model="editrequest", object_pk=str(edit.pk), action=LogEntry.Action.CREATE
    )
    assert entry.actor_id == PortalAccount.objects.get(entrepreneur=me.person).user_id
