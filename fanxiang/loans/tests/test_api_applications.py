"""The loan application API end to end, one token per role, and every side path of the review chain.

Dates: the review runs "today" (the 2021+ policy: individual cap 200,000 yuan; the latest shipped 1-year LPR
3.00% (2025-05-20) + 50 BP → rate cap 3.50%)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone

from fanxiang.accounts.models import RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.loans.models import LoanApplication, LoanPolicy
from fanxiang.loans.tests.factories import JPG, PDF, PNG, draft_data, make_person, org, snapshot
from fanxiang.regions.models import Region, RegionMonthStat

pytestmark = pytest.mark.django_db
BASE = "/api/v1/loans/applications/"


def url(app_id: int, tail: str = "") -> str:
    return f"{BASE}{app_id}{tail}"


def act(client, app_id: int, action: str, body: dict | None = None):
    return client.post(url(app_id, f"/actions/{action}"), body or {})


def upload(client, app_id: int, kind: str, content: bytes = PDF, name: str | None = None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload_file = SimpleUploadedFile(name or f"{kind}.pdf", content)
    return client.client.post(
        url(app_id, "/documents"), {"kind": kind, "file": upload_file}, **client._headers()
    )


def create(client, person, **overrides):
    response = client.post(BASE, draft_data(person, **overrides))
    assert response.status_code == 201, response.content
    return response.json()


def ready(client, person, **overrides) -> dict:
    body = create(client, person, **overrides)
    kinds = ["id_card", "business_proof", "category_proof"]
    if overrides.get("counter_guarantee") == "waiver":
        kinds.append("recommendation")
    for kind in kinds:
        assert upload(client, body["id"], kind).status_code == 201
    return body


def submitted(client, person, **overrides) -> dict:
    body = ready(client, person, **overrides)
    response = act(client, body["id"], "submit")
    assert response.status_code == 200, response.content
    return response.json()


def code(response) -> str:
    return response.json()["code"]


@pytest.fixture
def person(demo):
    return make_person(demo["officer_411625"])


# --------------------------------------------------------------------------- the happy path


def test_happy_path_one_token_per_role(api, demo, person):
    officer, guarantee, bank = api("officer_411625"), api("guarantee_officer"), api("bank_officer")
    today = timezone.localdate()

    # draft by the county officer on behalf of the applicant
    draft = create(officer, person, amount="100000.00", epidemic_affected=True)
    assert draft["status"] == "draft"
    assert re.fullmatch(rf"DB{today.year}-411625-\d{{5}}", draft["number"])
    assert draft["guarantee_org"]["code"] == "DEMO-GUAR"  # the city's only guarantee institution
    assert draft["bank"]["code"] == "DEMO-BANK-PSBC"
    assert draft["allowed_actions"] == ["submit", "override", "withdraw"]
    app_id = draft["id"]

    # required documents
    for kind in ("id_card", "business_proof"):
        assert upload(officer, app_id, kind).status_code == 201
    response = upload(officer, app_id, "category_proof", PNG, "proof.png")
    assert response.status_code == 201 and response.json()["content_type"] == "image/png"

    # submit: eligibility stored, HR deadline set
    response = act(officer, app_id, "submit")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["eligibility"]["eligible"] is True
    assert body["applied_on"] == today.isoformat() and body["step_due"] > today.isoformat()
    assert body["waiting_for"] == ["county_officer"]

    # county officer's queue, with the priority reason
    queue = officer.get("/api/v1/loans/queue").json()
    item = next(i for i in queue["items"] if i["id"] == app_id)
    assert item["priority"] is True and item["priority_reasons"] == ["受疫情影响"]
    assert item["due"] == body["step_due"] and item["overdue"] is False and "hr_approve" in item["actions"]
    assert act(officer, app_id, "hr_approve", {"note": "资格审核通过"}).json()["status"] == "hr_approved"

    # guarantee institution
    assert any(i["id"] == app_id for i in guarantee.get("/api/v1/loans/queue").json()["items"])
    assert act(guarantee, app_id, "guarantee_approve").json()["status"] == "guarantee_approved"

    # bank: approve (less than requested), sign, disburse in two tranches
    assert any(i["id"] == app_id for i in bank.get("/api/v1/loans/queue").json()["items"])
    response = act(bank, app_id, "bank_approve", {"annual_rate": "3.45", "approved_amount": "80000.00"})
    assert response.status_code == 200, response.content
    assert response.json()["approved_amount"] == "80000.00" and response.json()["annual_rate"] == "3.4500"
    assert act(bank, app_id, "sign_contract", {"contract_no": "JK-API-1"}).json()["status"] == "contracted"
    first = act(
        bank,
        app_id,
        "disburse",
        {"amount": "50000.00", "date": today.isoformat(), "annual_rate": "3.45", "loan_note_no": "JJ-API-1"},
    )
    assert first.status_code == 200, first.content
    # the schedule is built at the first tranche: repaying at once
    assert first.json()["status"] == "repaying" and first.json()["disbursed_total"] == "50000.00"
    second = act(
        bank,
        app_id,
        "disburse",
        {"amount": "30000.00", "date": today.isoformat(), "loan_note_no": "JJ-API-2"},
    )
    assert second.status_code == 200, second.content
    body = second.json()
    assert body["disbursed_total"] == "80000.00" and body["principal_outstanding"] == "80000.00"
    assert [(d["seq"], d["amount"]) for d in body["disbursements"]] == [(1, "50000.00"), (2, "30000.00")]
    over = act(
        bank, app_id, "disburse", {"amount": "0.01", "date": today.isoformat(), "loan_note_no": "JJ-API-3"}
    )
    assert over.status_code == 409 and code(over) == "loan.over_disbursement"

    # the timeline: one typed event per step, and an audit record per transition
    detail = officer.get(url(app_id)).json()
    actions = [e["action"] for e in detail["events"]]
    assert actions == [
        "create", "upload", "upload", "upload", "submit", "hr_approve", "guarantee_approve", "bank_approve",
        "sign_contract", "disburse", "start_repaying", "disburse", "reschedule",
    ]  # fmt: skip
    assert (
        detail["events"][5]["note"] == "资格审核通过"
        and detail["events"][5]["actor_role"] == "county_officer"
    )
    transitions = LogEntry.objects.filter(additional_data__event="transition", object_pk=str(app_id))
    assert transitions.count() == 9  # 7 steps, the system's start of repayment, the tranche's reschedule
    assert {e.actor.username for e in transitions} == {"officer_411625", "guarantee_officer", "bank_officer"}

    # disbursed amounts count toward the guaranteed-loans target, by region and month
    region = Region.objects.get(code=person.region.code)
    stat = RegionMonthStat.objects.get(
        region=region, indicator="guaranteed_loans", year=today.year, month=today.month
    )
    assert stat.value == Decimal("80000.00")
    progress = api("city_admin").get("/api/v1/targets/progress", {"year": today.year, "region": "411625"})
    loans = next(i for i in progress.json()["indicators"] if i["indicator"] == "guaranteed_loans")
    assert Decimal(loans["actual"]) == Decimal("80000.00")


# --------------------------------------------------------------------------- side paths


def test_return_lists_every_missing_item_then_resubmit(api, person):
    officer = api("officer_411625")
    app_id = submitted(officer, person)["id"]
    before = snapshot(app_id)
    refused = act(officer, app_id, "return", {"missing_items": ["  ", ""]})
    assert refused.status_code == 422 and code(refused) == "loan.missing_items_required"
    assert snapshot(app_id) == before
    items = ["身份证复印件不清晰", "缺少经营场所租赁合同", "贷款用途需细化"]
    response = act(officer, app_id, "return", {"missing_items": items, "note": "请一次性补齐"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "returned" and body["missing_items"] == items and body["step_due"] is None
    assert body["events"][-1]["data"]["missing_items"] == items
    # the applicant side supplements and resubmits
    patch = officer.patch(url(app_id), {"purpose": "购置冷链设备扩大生鲜配送"})
    assert patch.status_code == 200 and patch.json()["purpose"] == "购置冷链设备扩大生鲜配送"
    assert upload(officer, app_id, "other", JPG, "lease.jpg").status_code == 201
    again = act(officer, app_id, "submit")
    assert again.status_code == 200, again.content
    assert again.json()["status"] == "submitted" and again.json()["missing_items"] == []
    assert again.json()["events"][-1]["data"]["resubmission"] is True


def test_reject_requires_reasons_and_is_final(api, person):
    officer = api("officer_411625")
    app_id = submitted(officer, person)["id"]
    before = snapshot(app_id)
    refused = act(officer, app_id, "reject", {"reasons": []})
    assert refused.status_code == 422 and code(refused) == "loan.reasons_required"
    assert snapshot(app_id) == before
    response = act(officer, app_id, "reject", {"reasons": ["经营项目不在扶持范围"]})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert response.json()["rejection_reasons"] == ["经营项目不在扶持范围"]
    for action in ("hr_approve", "submit", "withdraw"):
        late = act(officer, app_id, action)
        assert late.status_code == 409 and code(late) == "loan.wrong_state"


def test_withdraw_by_the_service_clerk(api, person):
    clerk = api("service_clerk")
    app_id = submitted(api("officer_411625"), person)["id"]
    response = act(clerk, app_id, "withdraw", {"note": "申请人已另行筹款"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert act(clerk, app_id, "withdraw").status_code == 409


def test_wrong_role_is_refused_and_nothing_changes(api, person):
    officer, bank, guarantee = api("officer_411625"), api("bank_officer"), api("guarantee_officer")
    app_id = submitted(officer, person)["id"]
    before = snapshot(app_id)
    for client, action, body in [
        (bank, "hr_approve", {}),
        (guarantee, "hr_approve", {}),
        (api("service_clerk"), "hr_approve", {}),
        (api("city_admin"), "hr_approve", {}),
        (bank, "return", {"missing_items": ["x"]}),
        (bank, "withdraw", {}),
        (officer, "bank_approve", {"annual_rate": "3.5"}),
    ]:
        response = act(client, app_id, action, body)
        assert response.status_code == 403, (action, response.content)
        assert code(response) == "loan.wrong_role"
    assert bank.patch(url(app_id), {"purpose": "x"}).status_code in (403, 409)
    assert snapshot(app_id) == before


def test_wrong_state_is_refused_and_nothing_changes(api, person):
    officer, guarantee = api("officer_411625"), api("guarantee_officer")
    draft = ready(officer, person)
    before = snapshot(draft["id"])
    response = act(officer, draft["id"], "hr_approve")
    assert response.status_code == 409 and code(response) == "loan.wrong_state"
    assert snapshot(draft["id"]) == before
    act(officer, draft["id"], "submit")
    again = act(officer, draft["id"], "submit")
    assert again.status_code == 409 and code(again) == "loan.wrong_state"
    early = act(guarantee, draft["id"], "guarantee_approve")  # HR has not approved yet
    assert early.status_code == 409 and code(early) == "loan.wrong_state"
    patch = officer.patch(url(draft["id"]), {"amount": "1000.00"})
    assert patch.status_code == 409 and code(patch) == "loan.wrong_state"
    unknown = act(officer, draft["id"], "approve_everything")
    assert unknown.status_code == 404 and code(unknown) == "loan.unknown_action"


def test_wrong_region_and_other_bank_get_404(api, demo, person):
    officer = api("officer_411625")
    app_id = submitted(officer, person)["id"]
    before = snapshot(app_id)
    other = api("officer_411628")
    assert other.get(url(app_id)).status_code == 404
    response = act(other, app_id, "hr_approve")
    assert response.status_code == 404 and code(response) == "not_found"
    # a bank officer of another bank
    rcb = User.objects.create(username="rcb_officer", organization=org("DEMO-BANK-RCB"))
    rcb.set_password("Demo@2020fx")
    rcb.save()
    RoleAssignment.objects.create(user=rcb, role=Role.BANK_OFFICER, region=Region.objects.get(code="411600"))
    rcb_client = api("rcb_officer")
    assert rcb_client.get(url(app_id)).status_code == 404
    assert act(rcb_client, app_id, "bank_approve", {"annual_rate": "3.5"}).status_code == 404
    assert snapshot(app_id) == before
    # creating for another county's applicant is refused too
    stranger = make_person(demo["officer_411628"], region="411628100")
    response = officer.post(BASE, draft_data(stranger))
    assert response.status_code == 422 and code(response) == "loan.entrepreneur_not_found"


def test_rate_over_cap(api, demo, person):
    officer, bank = api("officer_411625"), api("bank_officer")
    app_id = submitted(officer, person)["id"]
    act(officer, app_id, "hr_approve")
    act(api("guarantee_officer"), app_id, "guarantee_approve")
    before = snapshot(app_id)
    response = act(bank, app_id, "bank_approve", {"annual_rate": "3.5001"})
    assert response.status_code == 422 and code(response) == "loan.rate_over_cap"
    assert response.json()["details"]["cap"] == "3.5000"  # LPR 3.00% (2025-05-20) + 50 BP
    assert snapshot(app_id) == before
    over_requested = act(bank, app_id, "bank_approve", {"annual_rate": "3.5", "approved_amount": "100000.01"})
    assert code(over_requested) == "loan.approved_over_requested"
    ok = act(bank, app_id, "bank_approve", {"annual_rate": "3.50"})
    assert ok.status_code == 200 and ok.json()["approved_amount"] == "100000.00"
    act(bank, app_id, "sign_contract", {"contract_no": "JK-CAP-1"})
    high = act(
        bank,
        app_id,
        "disburse",
        {
            "amount": "1.00",
            "date": timezone.localdate().isoformat(),
            "annual_rate": "4",
            "loan_note_no": "J1",
        },
    )
    assert high.status_code == 422 and code(high) == "loan.rate_over_cap"


def test_merged_review_runs_in_parallel(api, person):
    policy = LoanPolicy.objects.filter(effective_to__isnull=True).get()
    policy.merged_review = True
    policy.save()
    officer, guarantee, bank = api("officer_411625"), api("guarantee_officer"), api("bank_officer")
    body = submitted(officer, person)
    app_id = body["id"]
    assert body["merged_review"] is True and set(body["waiting_for"]) == {
        "county_officer", "guarantee_officer", "bank_officer"
    }  # fmt: skip
    # each reviewer sees it in their queue from ``submitted``
    for client in (officer, guarantee, bank):
        assert any(i["id"] == app_id for i in client.get("/api/v1/loans/queue").json()["items"])
    one = act(bank, app_id, "bank_approve", {"annual_rate": "3.4", "approved_amount": "90000.00"})
    assert one.status_code == 200 and one.json()["status"] == "submitted" and one.json()["bank_ok"] is True
    assert not any(i["id"] == app_id for i in bank.get("/api/v1/loans/queue").json()["items"])
    twice = act(bank, app_id, "bank_approve", {"annual_rate": "3.4"})
    assert twice.status_code == 409 and code(twice) == "loan.wrong_state"
    two = act(guarantee, app_id, "guarantee_approve")
    assert two.json()["status"] == "submitted" and two.json()["waiting_for"] == ["county_officer"]
    three = act(officer, app_id, "hr_approve")
    assert three.status_code == 200
    assert three.json()["status"] == "bank_approved" and three.json()["approved_amount"] == "90000.00"
    assert act(bank, app_id, "sign_contract", {"contract_no": "JK-MERGED-1"}).json()["status"] == "contracted"


def test_soft_failure_needs_an_officer_override(api, person):
    officer, clerk = api("officer_411625"), api("service_clerk")
    app_id = ready(clerk, person, declared_other_debts=True)["id"]
    before = snapshot(app_id)
    response = act(clerk, app_id, "submit")
    assert response.status_code == 409 and code(response) == "loan.override_required"
    assert [c["code"] for c in response.json()["details"]["checks"]] == ["loan.existing_debt"]
    assert snapshot(app_id) == before
    assert code(act(clerk, app_id, "override", {"rule": "existing_debt", "reason": "x"})) == "loan.wrong_role"
    blank = act(officer, app_id, "override", {"rule": "existing_debt", "reason": " "})
    assert code(blank) == "loan.override_reason_required"
    needless = act(officer, app_id, "override", {"rule": "amount_limit", "reason": "核实"})
    assert code(needless) == "loan.override_not_needed"
    done = act(
        officer, app_id, "override", {"rule": "existing_debt", "reason": "征信报告显示仅有房贷，属除外情形"}
    )
    assert done.status_code == 200
    override = done.json()["overrides"][0]
    assert override["by"] == "officer_411625" and override["reason"].startswith("征信报告") and override["at"]
    assert done.json()["status"] == "draft"
    assert act(clerk, app_id, "submit").json()["status"] == "submitted"


def test_hard_failures_block_submission_with_the_failing_checks(api, person):
    officer = api("officer_411625")
    app_id = ready(officer, person, amount="200000.01", term_months=37)["id"]
    response = act(officer, app_id, "submit")
    assert response.status_code == 422 and code(response) == "loan.not_eligible"
    codes = {c["code"] for c in response.json()["details"]["checks"]}
    assert codes == {"loan.amount_over_limit", "loan.term_over_limit"}
    assert LoanApplication.objects.get(pk=app_id).status == "draft"


def test_incomplete_application_lists_everything_missing(api, person):
    officer = api("officer_411625")
    app_id = create(officer, person, bank=None, purpose="", counter_guarantee_detail="")["id"]
    response = act(officer, app_id, "submit")
    assert response.status_code == 422 and code(response) == "loan.incomplete"
    fields = {i["field"] for i in response.json()["details"]["items"]}
    assert fields == {"purpose", "bank", "counter_guarantee_detail", "documents"}
    assert len([i for i in response.json()["details"]["items"] if i["field"] == "documents"]) == 3


def test_documents_type_and_size_are_checked(api, person, settings):
    officer = api("officer_411625")
    app_id = create(officer, person)["id"]
    bad = upload(officer, app_id, "id_card", b"MZ\x90\x00 not a pdf", "id.pdf")
    assert bad.status_code == 422 and code(bad) == "loan.document_type_invalid"
    wrong_ext = upload(officer, app_id, "id_card", PDF, "id.exe")
    assert code(wrong_ext) == "loan.document_type_invalid"
    big = upload(officer, app_id, "id_card", PDF + b"0" * (10 * 1024 * 1024 - len(PDF) + 1), "big.pdf")
    assert big.status_code == 422 and code(big) == "loan.document_too_large"
    kind = upload(officer, app_id, "selfie", PDF, "a.pdf")
    assert code(kind) == "loan.document_kind_invalid"
    exactly = upload(officer, app_id, "id_card", PDF + b"0" * (10 * 1024 * 1024 - len(PDF)), "max.pdf")
    assert exactly.status_code == 201
    detail = officer.get(url(app_id)).json()
    assert [d["original_name"] for d in detail["documents"]] == ["max.pdf"]
    stored = LoanApplication.objects.get(pk=app_id).documents.get()
    assert stored.file.name.startswith(f"loan_documents/{app_id}/") and stored.file.name.endswith(".pdf")
    assert (settings.MEDIA_ROOT / stored.file.name).exists()
    download = officer.get(detail["documents"][0]["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    assert api("officer_411628").get(detail["documents"][0]["url"]).status_code == 404
    removed = officer.delete(url(app_id, f"/documents/{stored.pk}"))
    assert removed.status_code == 204 and not LoanApplication.objects.get(pk=app_id).documents.exists()


def test_create_validates_every_field_at_once(api, person):
    officer = api("officer_411625")
    body = draft_data(person, amount="-5", term_months=0, bank=org("DEMO-GUAR").pk, counter_guarantee="gold")
    response = officer.post(BASE, body)
    assert response.status_code == 422
    items = {(i["field"], i["code"]) for i in response.json()["details"]["items"]}
    assert items == {
        ("amount", "loan.amount_invalid"),
        ("term_months", "loan.term_invalid"),
        ("bank", "loan.bank_invalid"),
        ("counter_guarantee", "loan.counter_guarantee_invalid"),
    }
    assert (
        officer.post(BASE, {**draft_data(person), "amount": "1.001"}).json()["code"] == "loan.amount_invalid"
    )
    assert officer.post(BASE, {**draft_data(person), "surprise": 1}).status_code == 422
    assert not LoanApplication.objects.exists()


def test_waiver_needs_a_recommender_valid_on_the_apply_date(api, person):
    from fanxiang.credit.models import Recommender

    officer = api("officer_411625")
    today = timezone.localdate()
    township = Region.objects.get(code=person.region.code)
    expired = Recommender.objects.create(
        kind="credit_village", name="过期信用村", region=township, valid_from=today.replace(year=today.year - 3),
        valid_to=today.replace(year=today.year - 1),
    )  # fmt: skip
    valid = Recommender.objects.create(
        kind="credit_park",
        name="郸城县信用园区",
        region=township,
        valid_from=today.replace(year=today.year - 1),
    )
    elsewhere = Recommender.objects.create(
        kind="credit_park", name="鹿邑县信用园区", region=Region.objects.get(code="411628"),
        valid_from=today.replace(year=today.year - 1),
    )  # fmt: skip
    waiver = {"counter_guarantee": "waiver", "counter_guarantee_detail": ""}
    for rec in (expired, elsewhere):
        response = officer.post(BASE, draft_data(person, recommender=rec.pk, **waiver))
        assert response.status_code == 422 and code(response) == "loan.recommender_invalid", rec
    missing = officer.post(BASE, draft_data(person, **waiver))
    assert code(missing) == "loan.recommender_invalid"
    stray = officer.post(BASE, draft_data(person, recommender=valid.pk))
    assert code(stray) == "loan.recommender_without_waiver"
    body = submitted(officer, person, recommender=valid.pk, **waiver)
    assert body["status"] == "submitted" and body["recommender"]["id"] == valid.pk
    # the recommender's validity is checked again on the day of submission
    valid.is_active = False
    valid.save()
    act(officer, body["id"], "return", {"missing_items": ["补充推荐函原件"]})
    response = act(officer, body["id"], "submit")
    assert response.status_code == 422 and code(response) == "loan.incomplete"
    assert response.json()["details"]["items"][0]["code"] == "loan.recommender_invalid"


def test_numbers_are_sequential_per_county_and_year(api, demo):
    officer = api("officer_411625")
    numbers = [create(officer, make_person(demo["officer_411625"]))["number"] for _ in range(3)]
    seqs = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]
    other = create(api("officer_411628"), make_person(demo["officer_411628"], region="411628100"))
    assert "-411628-00001" in other["number"]


def test_list_filters_and_query_budget(api, person, django_assert_max_num_queries):
    officer = api("officer_411625")
    first = submitted(officer, person)
    create(officer, make_person(person.created_by, priority=["formerly_in_hubei"]))
    listing = officer.get(BASE, {"status": "submitted"}).json()
    assert [i["id"] for i in listing["items"]] == [first["id"]]
    assert officer.get(BASE, {"q": first["number"]}).json()["count"] == 1
    assert officer.get(BASE, {"priority": "true"}).json()["count"] == 1
    assert officer.get(BASE, {"region": "411628"}).json()["count"] == 0
    assert officer.get(BASE, {"status": "nonsense"}).status_code == 422
    with django_assert_max_num_queries(12):
        assert officer.get(BASE, {"page_size": 50}).status_code == 200
    with django_assert_max_num_queries(14):
        assert officer.get("/api/v1/loans/queue", {"page_size": 50}).status_code == 200


def test_leader_reads_but_cannot_act(api, person):
    app_id = submitted(api("officer_411625"), person)["id"]
    leader = api("leader")
    detail = leader.get(url(app_id))
    assert detail.status_code == 200 and detail.json()["allowed_actions"] == []
    assert code(act(leader, app_id, "hr_approve")) == "loan.wrong_role"
    assert leader.post(BASE, draft_data(person)).status_code == 403


def test_web_client_needs_csrf_for_actions(demo, person, api):
    app_id = submitted(api("officer_411625"), person)["id"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo["officer_411625"])
    response = client.post(url(app_id, "/actions/hr_approve"), "{}", content_type="application/json")
    assert response.status_code == 401
    assert LoanApplication.objects.get(pk=app_id).status == "submitted"


def test_steps_without_input_accept_a_bare_post_and_refuse_bad_bodies(api, person):
    officer = api("officer_411625")
    app_id = ready(officer, person)["id"]
    bare = officer.client.post(url(app_id, "/actions/submit"), **officer._headers())
    assert bare.status_code == 200 and bare.json()["status"] == "submitted"
    before = snapshot(app_id)
    malformed = officer.client.post(
        url(app_id, "/actions/hr_approve"), "{not json", content_type="application/json", **officer._headers()
    )
    assert malformed.status_code == 400 and code(malformed) == "request.malformed"
    unknown = act(officer, app_id, "hr_approve", {"note": "ok", "approve_amount": "1"})
    assert unknown.status_code == 422 and code(unknown) == "request.invalid"
    assert "approve_amount" in unknown.json()["errors"]
    assert snapshot(app_id) == before
    schema = officer.get("/api/v1/openapi.json").json()
    submit = schema["paths"]["/api/v1/loans/applications/{app_id}/actions/submit"]["post"]
    assert submit["requestBody"]["required"] is False
    assert "/api/v1/loans/queue" in schema["paths"]
