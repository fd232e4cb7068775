"""Loan applications on the portal: start, save a draft, upload from the phone, submit, answer a supplement
request, see the steps; and never reach another person's application — by id or by guessing."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fanxiang.loans import applications as loans
from fanxiang.loans.models import LoanApplication
from fanxiang.loans.tests.factories import PDF, PNG, attach_required, draft_data
from fanxiang.portal.models import PortalAccount
from fanxiang.portal.tests.factories import portal_session, registry_person

pytestmark = pytest.mark.django_db

DRAFT = {
    "amount": "150000.00",
    "term_months": 36,
    "purpose": "购置农机扩大种植",
    "counter_guarantee": "natural_person",
    "counter_guarantee_detail": "自然人保证：李四（教师）",
    "borrower_categories": ["returning_migrant_worker"],
}


@pytest.fixture
def me(portal, demo):
    """A bound portal account (its own person in 郸城县) with its API client."""
    person = registry_person(demo["officer_411625"], name="孙申请", mobile="13700005001")
    client = portal("13700005001")
    assert (
        client.post("/api/v1/portal/bind", {"name": "孙申请", "id_number": person.id_number}).json()["status"]
        == "bound"
    )
    client.person = person
    return client


def _bank_id():
    from fanxiang.accounts.models import Organization

    return Organization.objects.get(code="DEMO-BANK-PSBC").pk


def _upload(client, app_id, kind, name="scan.pdf", content=PDF, content_type="application/pdf"):
    return client.client.post(
        f"/api/v1/portal/applications/{app_id}/documents",
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type=content_type)},
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )


def test_start_draft_upload_submit(me, demo):
    response = me.post("/api/v1/portal/applications", {**DRAFT, "bank": _bank_id()})
    assert response.status_code == 201, response.content
    app = response.json()
    assert app["status"] == "draft" and app["number"].startswith("DB")
    assert {m["code"] for m in app["still_missing"]} == {"loan.document_missing"}
    assert app["steps"][0]["state"] == "current" and "您本人" in app["steps"][0]["holder"]
    for kind in ("id_card", "business_proof", "category_proof"):
        response = _upload(me, app["id"], kind, name=f"{kind}.png", content=PNG, content_type="image/png")
        assert response.status_code == 201, response.content
    # a file whose content is not what its name says is refused with the loan service's code
    response = _upload(me, app["id"], "other", name="fake.pdf", content=b"not a pdf")
    assert response.status_code == 422 and response.json()["code"] == "loan.document_type_invalid"
    response = me.patch(f"/api/v1/portal/applications/{app['id']}", {"amount": "160000.00"})
    assert response.status_code == 200 and response.json()["amount"] == "160000.00"
    response = me.post(f"/api/v1/portal/applications/{app['id']}/submit")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted"
    current = [s for s in body["steps"] if s["state"] == "current"]
    assert [s["label"] for s in current] == ["县区人社资格审核"]
    assert current[0]["holder"] == "县区人社经办人员" and current[0]["due"]
    stored = LoanApplication.objects.get(pk=app["id"])
    assert stored.created_by.portal_account.pk == PortalAccount.objects.get(entrepreneur=me.person).pk
    assert stored.events.get(action="submit").actor_role == "entrepreneur"
    # the county officer's API shows it
    from fanxiang.loans.applications import selectors

    assert stored in list(selectors.review_queue(demo["officer_411625"]))


def test_submit_incomplete_lists_everything_missing(me):
    app = me.post("/api/v1/portal/applications", {**DRAFT, "bank": None}).json()
    response = me.post(f"/api/v1/portal/applications/{app['id']}/submit")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "loan.incomplete"
    assert "bank" in body["errors"] and "documents" in body["errors"]


def test_unbound_account_cannot_apply(portal):
    client = portal("13700005002")
    response = client.post("/api/v1/portal/applications", DRAFT)
    assert response.status_code == 403 and response.json()["code"] == "portal.not_bound"
    assert client.get("/api/v1/portal/applications").json() == []


def test_another_persons_application_is_refused_by_id_and_by_guessing(me, demo):
    officer = demo["officer_411625"]
    other_person = registry_person(officer, name="钱别人", mobile="")
    other = loans.application_create(actor=officer, data=draft_data(other_person))
    attach_required(officer, other)
    doc = other.documents.first()
    mine = me.post("/api/v1/portal/applications", {**DRAFT, "bank": _bank_id()}).json()
    # by id
    for method, path in (
        ("get", f"/api/v1/portal/applications/{other.pk}"),
        ("get", f"/api/v1/portal/applications/{other.pk}/documents/{doc.pk}"),
        ("get", f"/api/v1/portal/applications/{mine['id']}/documents/{doc.pk}"),
        ("post", f"/api/v1/portal/applications/{other.pk}/submit"),
        ("post", f"/api/v1/portal/applications/{other.pk}/withdraw"),
        ("patch", f"/api/v1/portal/applications/{other.pk}"),
    ):
        if method == "get":
            response = me.get(path)
        elif method == "patch":
            response = me.patch(path, {"amount": "1.00"})
        else:
            response = me.post(path)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["code"] == "not_found"
    response = _upload(me, other.pk, "other")
    assert response.status_code == 404
    # by guessing: every id around the real ones answers like a missing one
    answers = {
        me.get(f"/api/v1/portal/applications/{pk}").status_code
        for pk in range(1, other.pk + 20)
        if pk != mine["id"]
    }
    assert answers == {404}
    # the list shows only mine
    assert [a["id"] for a in me.get("/api/v1/portal/applications").json()] == [mine["id"]]
    other.refresh_from_db()
    assert other.status == "draft" and other.documents.count() == 3
    # the pages refuse it too
    page_client = portal_session(me)
    assert page_client.get(f"/portal/loans/{other.pk}/").status_code == 404
    assert page_client.get(f"/portal/loans/{other.pk}/documents/{doc.pk}/").status_code == 404
    assert page_client.post(f"/portal/loans/{other.pk}/submit/").status_code == 404
    assert page_client.get(f"/portal/loans/{mine['id']}/").status_code == 200


def test_supplement_request_answered_and_resubmitted(me, demo):
    app = me.post("/api/v1/portal/applications", {**DRAFT, "bank": _bank_id()}).json()
    for kind in ("id_card", "business_proof", "category_proof"):
        assert _upload(me, app["id"], kind).status_code == 201
    assert me.post(f"/api/v1/portal/applications/{app['id']}/submit").status_code == 200
    loans.application_return(
        actor=demo["officer_411625"],
        application=app["id"],
        missing_items=["身份证反面照片不清晰", "经营场所租赁合同"],
    )
    body = me.get(f"/api/v1/portal/applications/{app['id']}").json()
    assert body["status"] == "returned"
    assert body["missing_items"] == ["身份证反面照片不清晰", "经营场所租赁合同"]
    assert body["steps"][0]["label"] == "补正后重新提交" and body["steps"][0]["state"] == "current"
    assert _upload(me, app["id"], "business_proof", name="lease.pdf").status_code == 201
    response = me.post(f"/api/v1/portal/applications/{app['id']}/submit")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    events = [e["action"] for e in response.json()["events"]]
    assert events.count("submit") == 2 and "return" in events


def test_withdraw(me):
    app = me.post("/api/v1/portal/applications", {**DRAFT, "bank": _bank_id()}).json()
    response = me.post(f"/api/v1/portal/applications/{app['id']}/withdraw", {"note": "暂不需要"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert all(s["state"] == "stopped" for s in response.json()["steps"])


def test_pages_start_upload_submit(me, demo):
    client = portal_session(me)
    page = client.get("/portal/loans/new/")
    assert page.status_code == 200 and "申请创业担保贷款" in page.content.decode()
    response = client.post(
        "/portal/loans/new/",
        {
            "amount": "80000",
            "term_months": "24",
            "purpose": "开网店",
            "bank": str(_bank_id()),
            "counter_guarantee": "natural_person",
            "counter_guarantee_detail": "李四担保",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    app = LoanApplication.objects.get(entrepreneur=me.person)
    assert response.url == f"/portal/loans/{app.pk}/"
    for kind in ("id_card", "business_proof", "category_proof"):
        response = client.post(
            f"/portal/loans/{app.pk}/upload/",
            {
                "kind": kind,
                "file": SimpleUploadedFile(
                    "photo.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 64, content_type="image/jpeg"
                ),
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
    response = client.post(
        f"/portal/loans/{app.pk}/upload/", {"kind": "other", "file": SimpleUploadedFile("x.exe", b"MZ")}
    )
    assert response.status_code == 422 and "loan.document_type_invalid" in response.content.decode()
    page = client.get(f"/portal/loans/{app.pk}/").content.decode()
    assert "提交申请" in page and "photo.jpg" in page
    response = client.post(f"/portal/loans/{app.pk}/submit/")
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == "submitted"
    page = client.get(f"/portal/loans/{app.pk}/").content.decode()
    assert "正在办理：县区人社经办人员" in page and "办理时限" in page


def test_page_submit_problem_is_shown(me):
    client = portal_session(me)
    app = me.post("/api/v1/portal/applications", {**DRAFT, "bank": None}).json()
    response = client.post(f"/portal/loans/{app['id']}/submit/")
    assert response.status_code == 422
    body = response.content.decode()
    problem = re.search(
        r'<div class="alert" data-testid="submit-problem" data-code="([^"]+)">([^<]*)</div>', body
    )
    assert problem and problem.group(1) == "loan.incomplete"  # the code as an attribute only
    assert re.search(r"[\u4e00-\u9fff]", problem.group(2)) and "loan." not in problem.group(2)


def test_portal_pages_render_for_a_bound_account(me):
    client = portal_session(me)
    for path in (
        "/portal/",
        "/portal/loans/",
        "/portal/profile/",
        "/portal/policies/",
        "/portal/notifications/",
        "/portal/profile/edit/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        # no asset from outside the app (a bare "cdn" could occur by chance in a random CSRF token or nonce)
        page = response.content.decode().lower()
        assert "//cdn" not in page and 'src="http' not in page and 'href="http' not in page
    assert "孙申请" in client.get("/portal/").content.decode()


def test_unbound_account_is_sent_to_binding(portal):
    client = portal_session(portal("13700005003"))
    response = client.get("/portal/loans/")
    assert response.status_code == 302 and response.url == "/portal/bind/"
    assert client.get("/portal/bind/").status_code == 200
