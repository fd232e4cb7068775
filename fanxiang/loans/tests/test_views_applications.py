"""Loan application pages: the multi-step form (draft saved at every step, going back, service errors on the
fields with their codes, submission), the reviewer queue, and the detail page's action forms — each side
path through the pages, wrong role / wrong state / other county refused with the code and nothing changed.

Dates: "today" (the 2021+ policy: individual cap 200,000 yuan; rate cap 3.50%)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from fanxiang.loans import applications as services
from fanxiang.loans.applications import views
from fanxiang.loans.models import LoanApplication
from fanxiang.loans.tests.factories import PDF, advance, draft_data, make_person, org, ready_draft, snapshot

pytestmark = pytest.mark.django_db

NEW = "/loans/applications/new/"
QUEUE = "/loans/queue/"


def step_url(app_id: int, step: str) -> str:
    return f"/loans/applications/{app_id}/edit/{step}/"


def detail_url(app_id: int) -> str:
    return f"/loans/applications/{app_id}/"


def action_url(app_id: int, action: str) -> str:
    return f"/loans/applications/{app_id}/actions/{action}/"


def text(response) -> str:
    return response.content.decode()


def field_error(body: str, field: str) -> str:
    match = re.search(rf'data-testid="error-{field}">(.*?)</ul>', body, re.S)
    return match.group(1) if match else ""


def upload(client, app_id: int, kind: str, content: bytes = PDF, name: str | None = None):
    return client.post(
        step_url(app_id, "documents"),
        {"nav": "upload", "kind": kind, "file": SimpleUploadedFile(name or f"{kind}.pdf", content)},
    )


@pytest.fixture
def person(demo):
    return make_person(demo["officer_411625"], name="张返乡")


def submitted(demo, person=None, **overrides) -> LoanApplication:
    officer = demo["officer_411625"]
    app = ready_draft(officer, person, **overrides)
    return services.application_submit(actor=officer, application=app)


# --------------------------------------------------------------------------- the multi-step form


def test_wizard_saves_a_draft_at_every_step_goes_back_and_submits(demo, web, person):
    clerk = web("service_clerk")
    page = clerk.get(NEW)
    assert page.status_code == 200
    body = text(page)
    assert "新建创业担保贷款申请" in body and "1. 借款人" in body and 'id="applicant-search"' in body

    # the picker finds the applicant by the last 4 characters of the ID number (masked on screen)
    tail = person.id_number[-4:]
    options = clerk.get("/loans/applications/applicant-options/", {"applicant_q": tail})
    assert options.status_code == 200 and f'value="{person.pk}"' in text(options)
    assert person.id_number not in text(options)

    # step 1 opens the draft
    response = clerk.post(
        NEW,
        {
            "entrepreneur": person.pk,
            "borrower_type": "individual",
            "borrower_categories": ["returning_migrant_worker"],
            "epidemic_affected": "on",
            "nav": "next",
        },
    )
    app = LoanApplication.objects.get(entrepreneur=person)
    assert response.status_code == 302 and response["Location"] == step_url(app.pk, "loan")
    assert app.status == "draft" and app.epidemic_affected and app.priority
    assert app.borrower_categories == ["returning_migrant_worker"]
    assert [e.action for e in app.events.all()] == ["create"]

    # step 2: the amount is typed, not a confirmed default
    page = clerk.get(step_url(app.pk, "loan"))
    assert page.status_code == 200 and 'data-testid="limits"' in text(page)
    assert 'name="amount" value=' not in text(page)
    response = clerk.post(
        step_url(app.pk, "loan"),
        {
            "amount": "120000.00",
            "term_months": "24",
            "purpose": "购置冷链设备",
            "bank": org("DEMO-BANK-PSBC").pk,
            "guarantee_org": org("DEMO-GUAR").pk,
            "nav": "next",
        },
    )
    assert response.status_code == 302 and response["Location"] == step_url(app.pk, "guarantee")
    app.refresh_from_db()
    assert (str(app.amount), app.term_months, app.purpose) == ("120000.00", 24, "购置冷链设备")
    assert app.bank.code == "DEMO-BANK-PSBC"

    # step 3
    response = clerk.post(
        step_url(app.pk, "guarantee"),
        {
            "counter_guarantee": "natural_person",
            "counter_guarantee_detail": "李四（教师）保证",
            "nav": "next",
        },
    )
    assert response.status_code == 302 and response["Location"] == step_url(app.pk, "documents")

    # step 4: uploads, then back to step 3 (it shows what was saved), then forward
    for kind in ("id_card", "business_proof", "category_proof"):
        assert upload(clerk, app.pk, kind).status_code == 302
    page = clerk.get(step_url(app.pk, "documents"))
    assert text(page).count("✓") >= 3 and "category_proof.pdf" in text(page)
    back = clerk.post(step_url(app.pk, "documents"), {"nav": "back"})
    assert back["Location"] == step_url(app.pk, "guarantee")
    page = clerk.get(step_url(app.pk, "guarantee"))
    assert "李四（教师）保证" in text(page)
    back = clerk.post(
        step_url(app.pk, "guarantee"),
        {
            "counter_guarantee": "natural_person",
            "counter_guarantee_detail": "李四（教师）保证",
            "nav": "back",
        },
    )
    assert back["Location"] == step_url(app.pk, "loan")
    assert 'value="120000.00"' in text(clerk.get(step_url(app.pk, "loan")))

    # step 5: every rule with its reason, then submit
    page = clerk.get(step_url(app.pk, "review"))
    body = text(page)
    assert page.status_code == 200 and 'data-testid="eligibility-checks"' in body
    assert "符合创业担保贷款条件" in body and "属于扶持对象：返乡创业农民工" in body
    assert "review-missing" not in body
    response = clerk.post(step_url(app.pk, "review"), {"nav": "submit"})
    assert response.status_code == 302 and response["Location"] == detail_url(app.pk)
    app.refresh_from_db()
    assert app.status == "submitted" and app.eligibility["eligible"] is True
    assert [e.action for e in app.events.all()][-1] == "submit"
    # a submitted application can no longer be edited through the form
    late = clerk.get(step_url(app.pk, "loan"), follow=True)
    assert "loan.wrong_state" in text(late)


def test_service_errors_show_on_the_fields_with_their_codes(demo, web, person):
    clerk = web("service_clerk")
    refused = clerk.post(NEW, {"entrepreneur": "999999", "borrower_type": "individual", "nav": "next"})
    assert refused.status_code == 422
    assert "loan.entrepreneur_not_found" in field_error(text(refused), "entrepreneur")
    assert not LoanApplication.objects.exists()

    app = services.application_create(
        actor=demo["service_clerk"], data=draft_data(person, counter_guarantee="", bank=None)
    )
    before = (app.amount, app.term_months, app.purpose)
    bad = clerk.post(
        step_url(app.pk, "loan"),
        {"amount": "12.345", "term_months": "x", "purpose": "", "bank": "", "nav": "next"},
    )
    body = text(bad)
    assert bad.status_code == 422
    assert "loan.field_required" in field_error(body, "purpose")
    bad = clerk.post(
        step_url(app.pk, "loan"), {"amount": "12.345", "term_months": "x", "purpose": "养殖", "nav": "next"}
    )
    body = text(bad)
    assert bad.status_code == 422
    assert "loan.amount_invalid" in field_error(body, "amount")
    assert "loan.term_invalid" in field_error(body, "term_months")
    app.refresh_from_db()
    assert (app.amount, app.term_months, app.purpose) == before

    waiver = clerk.post(step_url(app.pk, "guarantee"), {"counter_guarantee": "waiver", "nav": "next"})
    assert waiver.status_code == 422
    assert "loan.recommender_invalid" in field_error(text(waiver), "recommender")
    assert 'data-testid="no-recommenders"' in text(waiver)

    wrong = upload(clerk, app.pk, "id_card", b"MZ\x90\x00 not a pdf", "id.pdf")
    assert wrong.status_code == 422 and "loan.document_type_invalid" in field_error(text(wrong), "file")
    assert not app.documents.exists()

    incomplete = clerk.post(step_url(app.pk, "review"), {"nav": "submit"})
    body = text(incomplete)
    assert incomplete.status_code == 422 and "loan.incomplete" in body
    assert "请选择经办银行" in body and "loan.document_missing" in body
    assert LoanApplication.objects.get(pk=app.pk).status == "draft"


def test_soft_failure_is_overridden_on_the_review_step(demo, web, person):
    clerk, officer = web("service_clerk"), web("officer_411625")
    app = ready_draft(demo["service_clerk"], person, declared_other_debts=True)
    review = clerk.get(step_url(app.pk, "review"))
    assert "⚠ 待认定" in text(review) and 'data-testid="override-needed"' in text(review)
    refused = clerk.post(step_url(app.pk, "review"), {"nav": "submit"})
    assert refused.status_code == 409 and "loan.override_required" in text(refused)
    assert "loan.existing_debt" in text(refused)

    page = officer.get(step_url(app.pk, "review"))
    assert 'data-testid="override-card"' in text(page)
    blank = officer.post(
        action_url(app.pk, "override"),
        {"rule": "existing_debt", "reason": " ", "next": step_url(app.pk, "review")},
    )
    assert blank.status_code == 422 and "loan.override_reason_required" in text(blank)
    done = officer.post(
        action_url(app.pk, "override"),
        {
            "rule": "existing_debt",
            "reason": "征信仅有住房贷款，属除外情形",
            "next": step_url(app.pk, "review"),
        },
    )
    assert done.status_code == 302 and done["Location"] == step_url(app.pk, "review")
    assert clerk.post(step_url(app.pk, "review"), {"nav": "submit"}).status_code == 302
    assert LoanApplication.objects.get(pk=app.pk).status == "submitted"


def test_form_is_refused_for_the_wrong_role_and_other_county(demo, web, person):
    assert web("bank_officer").get(NEW).status_code == 403
    assert web("city_admin").get(NEW).status_code == 403
    assert web("leader").get(NEW).status_code == 403
    app = ready_draft(demo["officer_411625"], person)
    assert web("officer_411628").get(step_url(app.pk, "borrower")).status_code == 404
    assert web("guarantee_officer").get(step_url(app.pk, "borrower")).status_code == 403
    assert web("city_admin").get(step_url(app.pk, "borrower")).status_code == 403
    assert web("service_clerk").get(step_url(app.pk, "nowhere")).status_code == 404
    other = web("officer_411628").post(step_url(app.pk, "loan"), {"amount": "1.00", "nav": "save"})
    assert other.status_code == 404
    assert web("bank_officer").get("/loans/applications/applicant-options/").status_code == 403


# --------------------------------------------------------------------------- queue


def test_queue_priority_first_overdue_flag_filter_and_pagination(demo, web, monkeypatch):
    officer = demo["officer_411625"]
    plain = submitted(demo, make_person(officer, name="甲"))
    poor = submitted(demo, make_person(officer, name="乙", priority=["poor_household"]))
    LoanApplication.objects.filter(pk=plain.pk).update(step_due=timezone.localdate() - dt.timedelta(days=10))
    draft = ready_draft(officer, make_person(officer, name="丙"))

    page = web("officer_411625").get(QUEUE)
    body = text(page)
    assert page.status_code == 200 and "我的待办" in body and "县区人社经办人员" in body
    rows = re.findall(r'data-testid="queue-row" data-id="(\d+)"', body)
    assert rows == [str(poor.pk), str(plain.pk)]  # priority first; the draft waits for the clerk
    assert "贫困家庭/建档立卡" in body.split(f'data-id="{poor.pk}"')[1].split("</tr>")[0]
    plain_row = body.split(f'data-id="{plain.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="overdue"' in plain_row and "已超时" in plain_row
    assert "剩" in body.split(f'data-id="{poor.pk}"')[1].split("</tr>")[0]
    assert "资格审核通过" in plain_row

    # filter by status: only the states waiting for the user's roles are offered
    clerk = web("service_clerk")
    drafts = text(clerk.get(QUEUE, {"status": "draft"}))
    assert re.findall(r'data-testid="queue-row" data-id="(\d+)"', drafts) == [str(draft.pk)]
    assert '<option value="returned">' in drafts and '<option value="submitted">' not in drafts
    returned = text(clerk.get(QUEUE, {"status": "returned"}))
    assert "暂无待办" in returned and 'data-testid="queue-row"' not in returned
    foreign = text(web("officer_411625").get(QUEUE, {"status": "contracted"}))
    assert "filter.invalid" in foreign and len(re.findall(r'data-testid="queue-row"', foreign)) == 2

    monkeypatch.setattr(views.QueueView, "page_size", 1)
    second = text(web("officer_411625").get(QUEUE, {"page": 2}))
    assert re.findall(r'data-testid="queue-row" data-id="(\d+)"', second) == [str(plain.pk)]
    assert "第 2 / 2 页" in second

    # the clerk's queue holds the drafts; another county sees nothing; roles without a queue are refused
    assert f'data-id="{draft.pk}"' in text(web("service_clerk").get(QUEUE))
    assert 'data-testid="queue-row"' not in text(web("officer_411628").get(QUEUE))
    assert web("leader").get(QUEUE).status_code == 403
    assert web("city_admin").get(QUEUE).status_code == 403
    home = text(web("officer_411625").get("/"))
    # the queue is in the reviewers' navigation only (every home page has its 我的待办 panel: core.tasks)
    assert 'href="/loans/queue/"' in home and 'href="/loans/queue/"' not in text(web("leader").get("/"))


def test_queue_follows_the_chain(demo, web, person):
    app = submitted(demo, person)
    assert f'data-id="{app.pk}"' not in text(web("guarantee_officer").get(QUEUE))
    services.application_hr_approve(actor=demo["officer_411625"], application=app)
    assert f'data-id="{app.pk}"' in text(web("guarantee_officer").get(QUEUE))
    assert f'data-id="{app.pk}"' not in text(web("officer_411625").get(QUEUE))


# --------------------------------------------------------------------------- detail page


def test_detail_renders_per_role_with_exactly_the_allowed_actions(demo, web, person):
    app = submitted(demo, person)
    page = web("officer_411625").get(detail_url(app.pk))
    body = text(page)
    assert page.status_code == 200 and app.number in body and "待人社资格审核" in body
    assert 'data-testid="timeline"' in body and "提交申请" in body and "上传材料" in body
    for action in ("hr_approve", "return", "reject", "withdraw"):
        assert f'data-testid="action-{action}"' in body
    assert 'data-testid="action-bank_approve"' not in body
    guarantee = text(web("guarantee_officer").get(detail_url(app.pk)))
    assert 'data-testid="no-actions"' in guarantee
    leader = web("leader").get(detail_url(app.pk))
    assert leader.status_code == 200 and 'data-testid="no-actions"' in text(leader)
    assert web("officer_411628").get(detail_url(app.pk)).status_code == 404
    from fanxiang.accounts.models import RoleAssignment, User
    from fanxiang.accounts.roles import Role
    from fanxiang.regions.models import Region

    rcb = User.objects.create(username="rcb_officer", organization=org("DEMO-BANK-RCB"))
    RoleAssignment.objects.create(user=rcb, role=Role.BANK_OFFICER, region=Region.objects.get(code="411600"))
    client = Client()
    client.force_login(rcb)
    assert client.get(detail_url(app.pk)).status_code == 404


def test_review_chain_through_the_detail_page(demo, web, person):
    app = submitted(demo, person)
    officer, guarantee, bank = web("officer_411625"), web("guarantee_officer"), web("bank_officer")
    assert officer.post(action_url(app.pk, "hr_approve"), {"note": "资格属实"}).status_code == 302
    assert guarantee.post(action_url(app.pk, "guarantee_approve"), {"note": ""}).status_code == 302
    over = bank.post(
        action_url(app.pk, "bank_approve"), {"annual_rate": "3.96", "approved_amount": "90000.00"}
    )
    assert over.status_code == 422 and "loan.rate_over_cap" in text(over)
    assert "loan.rate_over_cap" in field_error(text(over), "annual_rate")
    ok = bank.post(action_url(app.pk, "bank_approve"), {"annual_rate": "3.45", "approved_amount": "90000.00"})
    assert ok.status_code == 302
    today = timezone.localdate().isoformat()
    sign = {"contract_date": today, "contract_no": "JK-PAGE-1"}
    assert bank.post(action_url(app.pk, "sign_contract"), sign).status_code == 302
    pay = {"amount": "90000.01", "date": today, "loan_note_no": "JJ-PAGE-1"}
    too_much = bank.post(action_url(app.pk, "disburse"), pay)
    assert too_much.status_code == 409 and "loan.over_disbursement" in text(too_much)
    assert bank.post(action_url(app.pk, "disburse"), {**pay, "amount": "90000.00"}).status_code == 302
    app.refresh_from_db()
    assert app.status == "repaying" and str(app.disbursed_total) == "90000.00"
    body = text(bank.get(detail_url(app.pk)))
    assert "还款中" in body and "第1笔" in body and "90,000.00" in body and "JJ-PAGE-1" in body
    actions = re.findall(r'<tr data-action="([a-z_]+)">', body)
    assert actions[-7:] == [
        "submit",
        "hr_approve",
        "guarantee_approve",
        "bank_approve",
        "sign_contract",
        "disburse",
        "start_repaying",
    ]
    assert "资格属实" in body and "县区人社经办人员" in body and "经办银行人员" in body


def test_return_then_resubmit_through_the_pages(demo, web, person):
    app = submitted(demo, person)
    officer, clerk = web("officer_411625"), web("service_clerk")
    before = snapshot(app.pk)
    empty = officer.post(action_url(app.pk, "return"), {"missing_items": " \n \n"})
    assert empty.status_code == 422 and "loan.missing_items_required" in text(empty)
    assert snapshot(app.pk) == before
    items = "身份证复印件不清晰\n缺少经营场所租赁合同\n  \n贷款用途需细化"
    assert officer.post(action_url(app.pk, "return"), {"missing_items": items}).status_code == 302
    app.refresh_from_db()
    assert app.status == "returned"
    assert app.missing_items == ["身份证复印件不清晰", "缺少经营场所租赁合同", "贷款用途需细化"]
    event = app.events.last()
    assert event.action == "return" and event.data["missing_items"] == app.missing_items
    # the applicant side sees every item at once in the form, supplements and resubmits
    page = text(clerk.get(step_url(app.pk, "loan")))
    assert 'data-testid="missing-items"' in page and "缺少经营场所租赁合同" in page
    assert upload(clerk, app.pk, "other", PDF, "lease.pdf").status_code == 302
    assert clerk.post(step_url(app.pk, "review"), {"nav": "submit"}).status_code == 302
    app.refresh_from_db()
    assert app.status == "submitted" and app.missing_items == []
    assert app.events.last().data["resubmission"] is True


def test_reject_requires_reasons(demo, web, person):
    app = submitted(demo, person)
    officer = web("officer_411625")
    before = snapshot(app.pk)
    refused = officer.post(action_url(app.pk, "reject"), {"reasons": ""})
    assert refused.status_code == 422 and "loan.reasons_required" in field_error(text(refused), "reasons")
    assert snapshot(app.pk) == before
    done = officer.post(
        action_url(app.pk, "reject"), {"reasons": "经营项目不在扶持范围\n申请人已有未结清贷款"}
    )
    assert done.status_code == 302
    app.refresh_from_db()
    assert app.status == "rejected" and app.rejection_reasons == [
        "经营项目不在扶持范围",
        "申请人已有未结清贷款",
    ]
    event = app.events.last()
    assert event.action == "reject" and event.data["reasons"] == app.rejection_reasons
    body = text(officer.get(detail_url(app.pk)))
    assert 'data-testid="rejection-reasons"' in body and 'data-testid="no-actions"' in body


def test_withdraw_by_the_clerk(demo, web, person):
    app = submitted(demo, person)
    response = web("service_clerk").post(action_url(app.pk, "withdraw"), {"note": "申请人已另行筹款"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == "withdrawn"
    event = app.events.last()
    assert (
        event.action == "withdraw"
        and event.note == "申请人已另行筹款"
        and event.actor_role == "service_clerk"
    )


def test_wrong_state_wrong_role_and_other_county_change_nothing(demo, web, person):
    officer = web("officer_411625")
    draft = ready_draft(demo["officer_411625"], person)
    before = snapshot(draft.pk)
    early = officer.post(action_url(draft.pk, "hr_approve"), {"note": "x"})
    body = text(early)
    assert early.status_code == 409 and 'data-testid="action-error"' in body and "loan.wrong_state" in body
    shown = re.search(r'data-testid="error-code" data-code="loan.wrong_state">([^<]*)</p>', body)
    assert (
        shown and "未办理" in shown.group(1) and "loan." not in shown.group(1)
    )  # the code never in the text
    assert snapshot(draft.pk) == before

    app = services.application_submit(actor=demo["officer_411625"], application=draft)
    before = snapshot(app.pk)
    wrong_role = web("service_clerk").post(action_url(app.pk, "hr_approve"), {})
    assert wrong_role.status_code == 403 and "loan.wrong_role" in text(wrong_role)
    bank = web("bank_officer").post(action_url(app.pk, "bank_approve"), {"annual_rate": "3.5"})
    assert bank.status_code == 409 and "loan.wrong_state" in text(bank)
    assert web("officer_411628").post(action_url(app.pk, "hr_approve"), {}).status_code == 404
    assert officer.post(action_url(app.pk, "approve_everything"), {}).status_code == 404
    assert snapshot(app.pk) == before
    # once done, doing it again is a wrong state
    advance(app, demo, "hr_approved")
    again = officer.post(action_url(app.pk, "hr_approve"), {})
    assert again.status_code == 409 and "loan.wrong_state" in text(again)
