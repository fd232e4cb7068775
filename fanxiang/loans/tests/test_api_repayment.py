"""The repayment / subsidy API: the contract of GET /loans/{id}/schedule and /subsidy, repayments,
compensation and subsidy batches, and scope (a bank sees only its loans; 411628 sees none of 411625's)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from fanxiang.loans import repayment as svc
from fanxiang.loans.models import Compensation, Repayment, SubsidyBatch
from fanxiang.loans.tests.repayment_factories import d, loan, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def ours(demo):
    """The 2021 example loan of 郸城 (411625) at the demo bank officer's bank (PSBC)."""
    return loan(person(demo["officer_411625"]), number="DK2021-411625-00001")


def test_schedule_contract(ours, api):
    """GET /api/v1/loans/{id}/schedule: per period interest, borrower_interest, subsidy, and totals
    (2021 example: 725.00 / 391.67 / 333.33 a month; 26,100.00 / 14,100.12 / 11,999.88 over 36 months).
    Without a stored schedule the answer is a preview computed from the contract (plan.stored false)."""
    response = api("bank_officer").get(f"/api/v1/loans/{ours.pk}/schedule")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["plan"]["stored"] is False and body["plan"]["subsidy_mode"] == "lpr_minus"
    first = body["items"][0]
    assert (
        first["period"],
        first["due_date"],
        first["interest"],
        first["borrower_interest"],
        first["subsidy"],
    ) == (
        1,
        "2021-04-15",
        "725.00",
        "391.67",
        "333.33",
    )
    assert (body["totals"]["interest"], body["totals"]["borrower_interest"], body["totals"]["subsidy"]) == (
        "26100.00",
        "14100.12",
        "11999.88",
    )
    assert body["totals"]["principal"] == "200000.00"
    created = api("bank_officer").post(f"/api/v1/loans/{ours.pk}/schedule", {})
    assert created.status_code == 201 and created.json()["plan"]["stored"] is True
    assert created.json()["items"] == body["items"]


def test_subsidy_contract_and_repayment(ours, api, demo):
    client = api("bank_officer")
    response = client.post(f"/api/v1/loans/{ours.pk}/repayments", {"date": "2021-04-15", "amount": "391.67"})
    assert response.status_code == 201, response.content
    assert response.json()["allocations"] == [{"period": 1, "interest": "391.67", "principal": "0.00"}]
    svc.overdue_update(as_of=d("2021-05-20"))  # period 2 overdue: its subsidy forfeited
    body = client.get(f"/api/v1/loans/{ours.pk}/subsidy").json()
    states = [i["subsidy_status"] for i in body["items"][:3]]
    assert states == ["claimable", "forfeited", "not_yet"]
    assert body["items"][0]["interest"] == "725.00" and body["items"][0]["borrower_interest"] == "391.67"
    totals = body["totals"]
    assert (totals["interest"], totals["subsidy"], totals["claimable"], totals["forfeited"]) == (
        "26100.00",
        "11999.88",
        "333.33",
        "333.33",
    )
    listed = client.get("/api/v1/loans/repayments/", {"loan": ours.pk}).json()
    assert listed["count"] == 1


def test_repayment_api_errors(ours, api):
    client = api("bank_officer")
    bad = client.post(f"/api/v1/loans/{ours.pk}/repayments", {"date": "2021-04-15", "amount": "0.001"})
    assert bad.status_code == 422 and bad.json()["code"] == "repayment.amount_invalid"
    unknown = client.post(
        f"/api/v1/loans/{ours.pk}/repayments", {"date": "2021-04-15", "amount": "1", "x": 1}
    )
    assert unknown.status_code == 422
    county = api("officer_411625").post(
        f"/api/v1/loans/{ours.pk}/repayments", {"date": "2021-04-15", "amount": "1"}
    )
    assert county.status_code == 403 and county.json()["code"] == "repayment.forbidden"
    assert not Repayment.objects.exists()


def test_scope_bank_sees_only_its_loans_and_counties_only_theirs(ours, api, demo):
    other_bank = loan(person(demo["officer_411625"], name="王五"), bank="DEMO-BANK-RCB")
    svc.repayment_record(actor=demo["city_admin"], loan=other_bank, date=d("2021-04-15"), amount="391.67")
    svc.repayment_record(actor=demo["city_admin"], loan=ours, date=d("2021-04-15"), amount="391.67")
    bank = api("bank_officer")
    for path in ("schedule", "subsidy", "repayments"):
        assert bank.get(f"/api/v1/loans/{ours.pk}/{path}").status_code == 200
        response = bank.get(f"/api/v1/loans/{other_bank.pk}/{path}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert (
        bank.post(
            f"/api/v1/loans/{other_bank.pk}/repayments", {"date": "2021-05-15", "amount": "1"}
        ).status_code
        == 404
    )
    assert [r["loan"] for r in bank.get("/api/v1/loans/repayments/").json()["items"]] == [ours.pk]
    luyi = api("officer_411628")
    for a_loan in (ours, other_bank):
        for path in ("schedule", "subsidy", "repayments"):
            assert luyi.get(f"/api/v1/loans/{a_loan.pk}/{path}").status_code == 404
    assert luyi.get("/api/v1/loans/repayments/").json()["count"] == 0
    dancheng = api("officer_411625")
    assert dancheng.get(f"/api/v1/loans/{ours.pk}/schedule").status_code == 200
    assert dancheng.get("/api/v1/loans/repayments/").json()["count"] == 2


def test_batch_endpoints(ours, api, demo):
    for day in ("2021-04-15", "2021-05-15", "2021-06-15"):
        svc.repayment_record(actor=demo["bank_officer"], loan=ours, date=d(day), amount="391.67")
    bank = api("bank_officer")
    created = bank.post("/api/v1/loans/subsidy-batches/", {"year": 2021, "quarter": 2})
    assert created.status_code == 201, created.content
    batch = created.json()
    assert (batch["line_count"], batch["subsidy_total"], batch["status"]) == (3, "999.99", "draft")
    again = bank.post("/api/v1/loans/subsidy-batches/", {"year": 2021, "quarter": 2})
    assert again.status_code == 409 and again.json()["code"] == "subsidy.already_claimed"
    path = f"/api/v1/loans/subsidy-batches/{batch['id']}"
    assert bank.get("/api/v1/loans/subsidy-batches/").json()["count"] == 1
    lines = bank.get(f"{path}/lines").json()
    assert lines["count"] == 3 and lines["items"][0]["subsidy"] == "333.33"
    assert lines["items"][0]["central"] == "166.66"
    export = bank.get(f"{path}/export")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[-1][0] == "合计" and str(rows[-1][8]) == "999.99"
    wrong = bank.post(f"{path}/actions/approve", {})
    assert wrong.status_code == 403 and wrong.json()["code"] == "subsidy.action_forbidden"
    assert bank.post(f"{path}/actions/submit", {}).status_code == 200
    finance = api("unit_liaison")
    assert finance.get("/api/v1/loans/subsidy-batches/").json()["count"] == 1
    returned = finance.post(f"{path}/actions/return", {})
    assert returned.status_code == 422 and returned.json()["code"] == "subsidy.return_reason_required"
    approved = finance.post(f"{path}/actions/approve", {})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # a city-wide batch is not a county's record; a county officer sees none of it
    assert api("officer_411625").get(path).status_code == 404
    assert api("officer_411628").get("/api/v1/loans/subsidy-batches/").json()["count"] == 0
    unknown = finance.post(f"{path}/actions/explode", {})
    assert unknown.status_code == 422 and unknown.json()["code"] == "subsidy.action_invalid"
    assert SubsidyBatch.objects.get().status == "approved"


def test_compensation_endpoints(ours, api):
    guarantee = api("guarantee_officer")
    early = guarantee.post(f"/api/v1/loans/{ours.pk}/compensation", {"date": "2021-05-01"})
    assert early.status_code == 409 and early.json()["code"] == "compensation.too_early"
    bank = api("bank_officer").post(f"/api/v1/loans/{ours.pk}/compensation", {"date": "2021-08-01"})
    assert bank.status_code == 403
    created = guarantee.post(f"/api/v1/loans/{ours.pk}/compensation", {"date": "2021-08-01"})
    assert created.status_code == 201, created.content
    comp = created.json()
    assert comp["status"] == "compensated" and comp["share"] == "0.8000"
    assert api("bank_officer").get(f"/api/v1/loans/compensations/{comp['id']}").status_code == 200
    assert api("officer_411628").get(f"/api/v1/loans/compensations/{comp['id']}").status_code == 404
    recovered = guarantee.post(
        f"/api/v1/loans/compensations/{comp['id']}/recover", {"date": "2021-09-01", "amount": comp["amount"]}
    )
    assert recovered.status_code == 200 and recovered.json()["status"] == "recovered"
    assert Compensation.objects.get().status == "recovered"
