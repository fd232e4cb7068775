"""Signing and disbursement (issue 12, item 5): the contract number (合同编号) at signing, the loan-note number
(借据号) at each disbursement, the schedule built at the first disbursement, tranches rebuilding it, the
放款 form gone once everything approved is out, and one status vocabulary on every page that names a
loan's state.

Dates: "today" (the policy in force now). Amounts: approved 100,000.00 over 24 months unless said."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from fanxiang.core.errors import Conflict, InvalidInput
from fanxiang.core.validators import check_reference_number
from fanxiang.loans import applications as services
from fanxiang.loans.applications import workflow
from fanxiang.loans.choices import AppStatus
from fanxiang.loans.models import Disbursement, LoanApplication, RepaymentPlan, ScheduleItem
from fanxiang.loans.repayment import selectors as bank_selectors
from fanxiang.loans.tests import repayment_factories as rf
from fanxiang.loans.tests.factories import advance, make_person, ready_draft


def detail_url(app_id: int) -> str:
    return f"/loans/applications/{app_id}/"


def action_url(app_id: int, action: str) -> str:
    return f"/loans/applications/{app_id}/actions/{action}/"


def api_action(app_id: int, action: str) -> str:
    return f"/api/v1/loans/applications/{app_id}/actions/{action}"


def text(response) -> str:
    return response.content.decode()


def contracted(demo, **overrides) -> LoanApplication:
    return advance(ready_draft(demo["officer_411625"], **overrides), demo, "contracted")


def approved(demo, **overrides) -> LoanApplication:
    return advance(ready_draft(demo["officer_411625"], **overrides), demo, "bank_approved")


def disburse(demo, app, amount, note_no, **kw) -> LoanApplication:
    return services.application_disburse(
        actor=demo["bank_officer"],
        application=app,
        amount=amount,
        date=timezone.localdate(),
        loan_note_no=note_no,
        **kw,
    )


# --------------------------------------------------------------------------- the shared validator


@pytest.mark.parametrize(
    ("raw", "code", "value"),
    [
        # full-width brackets folded to ASCII
        ("豫邮储（2026）借字第0012号", "x.no_valid", "豫邮储(2026)借字第0012号"),
        ("  JK-2026/0012 ", "x.no_valid", "JK-2026/0012"),
        ("ＪＫ１２", "x.no_valid", "JK12"),
        ("", "x.no_required", ""),
        ("   ", "x.no_required", ""),
        ("JK 12", "x.no_invalid", "JK 12"),
        ("JK12\u200b", "x.no_invalid", "JK12\u200b"),
        ("JK<12>", "x.no_invalid", "JK<12>"),
        ("J" * 65, "x.no_too_long", "J" * 65),
    ],
)
def test_reference_number_validator(raw, code, value):
    result = check_reference_number(raw, code="x.no", label="编号")
    assert (result.code, result.value, result.valid) == (code, value, code.endswith("_valid"))
    assert "x.no" not in result.message  # codes never in the text a person reads


# --------------------------------------------------------------------------- contract number at signing


def test_contract_no_is_required_checked_and_stored_at_signing(demo):
    bank = demo["bank_officer"]
    app = approved(demo)
    for raw, code in ((None, "loan.contract_no_required"), ("JK 1", "loan.contract_no_invalid")):
        with pytest.raises(InvalidInput) as exc:
            services.application_sign_contract(actor=bank, application=app, contract_no=raw)
        assert exc.value.code == code and "contract_no" in exc.value.errors
    app.refresh_from_db()
    assert app.status == "bank_approved" and app.contract_no == "" and app.contract_date is None
    app = services.application_sign_contract(actor=bank, application=app, contract_no=" JK-2026-001 ")
    assert (app.status, app.contract_no) == ("contracted", "JK-2026-001")
    assert app.events.last().data["contract_no"] == "JK-2026-001"


def test_contract_no_is_unique_at_the_bank_only(demo):
    bank = demo["bank_officer"]
    first = contracted(demo)  # the factory signs with JK-<number>
    other = approved(demo, person=make_person(demo["officer_411625"], name="李二"))
    with pytest.raises(Conflict) as exc:
        services.application_sign_contract(actor=bank, application=other, contract_no=first.contract_no)
    assert exc.value.code == "loan.contract_no_duplicate" and "contract_no" in exc.value.errors
    other.refresh_from_db()
    assert other.status == "bank_approved"
    # another bank's loan may carry the same number
    rcb = rf.loan(rf.person(demo["officer_411625"], name="王五"), bank="DEMO-BANK-RCB")
    LoanApplication.objects.filter(pk=rcb.pk).update(contract_no="JK-SHARED")
    app = services.application_sign_contract(actor=bank, application=other, contract_no="JK-SHARED")
    assert app.contract_no == "JK-SHARED"


def test_contract_no_through_the_api_and_the_page(demo, api, web):
    app = approved(demo)
    client = api("bank_officer")
    bare = client.post(api_action(app.pk, "sign_contract"))
    assert bare.status_code == 422 and bare.json()["code"] == "loan.contract_no_required"
    long = client.post(api_action(app.pk, "sign_contract"), {"contract_no": "J" * 65})
    assert long.status_code == 422 and long.json()["code"] == "loan.contract_no_too_long"
    # the page: the field is on the form, a refusal comes back under it, nothing changed
    page = web("bank_officer")
    body = text(page.get(detail_url(app.pk)))
    assert 'name="contract_no"' in body and "合同编号" in body
    refused = page.post(action_url(app.pk, "sign_contract"), {"contract_no": ""})
    assert refused.status_code == 422 and "请填写合同编号" in text(refused)
    app.refresh_from_db()
    assert app.status == "bank_approved"
    ok = client.post(api_action(app.pk, "sign_contract"), {"contract_no": "JK-API-9"})
    assert ok.status_code == 200 and ok.json()["contract_no"] == "JK-API-9"
    assert ok.json()["loan_note_no"] == "" and ok.json()["status"] == "contracted"
    assert "合同编号 JK-API-9" in text(page.get(detail_url(app.pk)))  # the timeline's signing line


# --------------------------------------------------------------------------- loan-note number at disbursement


def test_loan_note_no_is_required_and_unique_at_the_bank(demo):
    app = contracted(demo)
    for raw, code in (("", "loan.loan_note_no_required"), ("JJ/1 2", "loan.loan_note_no_invalid")):
        with pytest.raises(InvalidInput) as exc:
            disburse(demo, app, "10000", raw)
        assert exc.value.code == code and "loan_note_no" in exc.value.errors
    assert not Disbursement.objects.filter(application=app).exists()
    app = disburse(demo, app, "10000", "JJ-0001")
    tranche = app.disbursements.get()
    assert (tranche.loan_note_no, tranche.bank_id) == ("JJ-0001", app.bank_id)
    # the same note number again: refused, on this loan and on another loan of the bank
    other = contracted(demo, person=make_person(demo["officer_411625"], name="李二"))
    for target in (app, other):
        with pytest.raises(Conflict) as exc:
            disburse(demo, target, "10000", "JJ-0001")
        assert exc.value.code == "loan.loan_note_no_duplicate"
    assert Disbursement.objects.filter(loan_note_no="JJ-0001").count() == 1


def test_loan_note_no_through_the_api_and_the_page(demo, api, web):
    app = contracted(demo)
    client = api("bank_officer")
    today = timezone.localdate().isoformat()
    bare = client.post(api_action(app.pk, "disburse"), {"amount": "40000.00", "date": today})
    assert bare.status_code == 422 and bare.json()["code"] == "loan.loan_note_no_required"
    page = web("bank_officer")
    body = text(page.get(detail_url(app.pk)))
    assert 'name="loan_note_no"' in body and "借据号" in body
    refused = page.post(action_url(app.pk, "disburse"), {"amount": "40000.00", "date": today})
    assert refused.status_code == 422 and "请填写借据号" in text(refused)
    ok = page.post(
        action_url(app.pk, "disburse"), {"amount": "40000.00", "date": today, "loan_note_no": "JJ-P1"}
    )
    assert ok.status_code == 302
    body = client.post(
        api_action(app.pk, "disburse"), {"amount": "10000.00", "date": today, "loan_note_no": "JJ-P2"}
    ).json()
    assert body["loan_note_no"] == "JJ-P2"
    assert [(d["seq"], d["loan_note_no"]) for d in body["disbursements"]] == [(1, "JJ-P1"), (2, "JJ-P2")]
    dup = client.post(
        api_action(app.pk, "disburse"), {"amount": "10000.00", "date": today, "loan_note_no": "JJ-P2"}
    )
    assert dup.status_code == 409 and dup.json()["code"] == "loan.loan_note_no_duplicate"
    shown = text(page.get(detail_url(app.pk)))
    assert "JJ-P1" in shown and "JJ-P2" in shown
    assert "借据号 JJ-P1" in shown  # on the timeline too


# --------------------------------------------------------------------------- the schedule at disbursement


def test_first_disbursement_builds_the_schedule_without_a_button(demo):
    app = contracted(demo)
    assert app.term_months == 24 and not RepaymentPlan.objects.filter(loan=app).exists()
    app = disburse(demo, app, "100000.00", "JJ-1")
    plan = RepaymentPlan.objects.get(loan=app)
    assert (plan.principal, plan.term_months, plan.method) == (Decimal("100000.00"), 24, app.repayment_method)
    assert ScheduleItem.objects.filter(loan=app).count() == 24
    assert app.status == "repaying" and app.principal_outstanding == Decimal("100000.00")
    assert [e.action for e in app.events.all()][-2:] == ["disburse", "start_repaying"]


def test_equal_instalments_schedule_has_one_item_per_month(demo):
    app = approved(demo, term_months=12)
    app = services.application_sign_contract(
        actor=demo["bank_officer"],
        application=app,
        contract_no="JK-EQ-1",
        repayment_method="equal_instalments",
    )
    app = disburse(demo, app, "60000.00", "JJ-EQ-1")
    items = list(ScheduleItem.objects.filter(loan=app).order_by("period"))
    assert len(items) == 12 and sum(i.principal_due for i in items) == Decimal("60000.00")


def test_a_second_tranche_rebuilds_the_one_schedule(demo):
    app = contracted(demo)
    app = disburse(demo, app, "60000.00", "JJ-1")
    plan = RepaymentPlan.objects.get(loan=app)
    app = disburse(demo, app, "40000.00", "JJ-2")
    assert RepaymentPlan.objects.filter(loan=app).count() == 1
    plan.refresh_from_db()
    assert (plan.principal, plan.revision) == (Decimal("100000.00"), 1)
    items = ScheduleItem.objects.filter(loan=app)
    assert items.count() == 24 and sum(i.principal_due for i in items) == Decimal("100000.00")
    assert app.status == "repaying" and app.principal_outstanding == Decimal("100000.00")
    assert [e.action for e in app.events.all()][-3:] == ["start_repaying", "disburse", "reschedule"]


def test_a_failed_schedule_rolls_the_disbursement_back(demo, monkeypatch):
    from fanxiang.loans import repayment

    app = contracted(demo)

    def broken(**kw):
        raise InvalidInput("schedule.terms_missing", "贷款缺少合同日期，不能生成还款计划。")

    monkeypatch.setattr(repayment, "schedule_generate", broken)
    with pytest.raises(InvalidInput):
        disburse(demo, app, "100000.00", "JJ-1")
    app.refresh_from_db()
    assert (app.status, app.disbursed_total) == ("contracted", Decimal("0.00"))
    assert not Disbursement.objects.filter(application=app).exists()


# --------------------------------------------------------------------------- fully disbursed


def test_fully_disbursed_hides_the_form_and_the_service_refuses_more(demo, web, api):
    app = contracted(demo)
    page = web("bank_officer")
    assert 'data-testid="action-disburse"' in text(page.get(detail_url(app.pk)))
    app = disburse(demo, app, "30000.00", "JJ-1")
    partly = text(page.get(detail_url(app.pk)))
    assert 'data-testid="action-disburse"' in partly and 'data-testid="fully-disbursed"' not in partly
    app = disburse(demo, app, "70000.00", "JJ-2")
    body = text(page.get(detail_url(app.pk)))
    assert 'data-testid="action-disburse"' not in body and "可放款余额" not in body
    shown = re.search(r'data-testid="fully-disbursed">(.*?)</p>', body).group(1)
    assert "已全额放款" in shown and "100,000.00" in shown
    assert (
        "disburse"
        not in api("bank_officer").get(f"/api/v1/loans/applications/{app.pk}").json()["allowed_actions"]
    )
    assert "disburse" not in workflow.allowed_actions(app, demo["bank_officer"])
    with pytest.raises(Conflict) as exc:
        disburse(demo, app, "0.01", "JJ-3")
    assert exc.value.code == "loan.over_disbursement" and exc.value.details["remaining"] == "0.00"
    posted = page.post(
        action_url(app.pk, "disburse"),
        {"amount": "1.00", "date": timezone.localdate().isoformat(), "loan_note_no": "JJ-4"},
    )
    assert posted.status_code == 409
    assert Disbursement.objects.filter(application=app).count() == 2


# --------------------------------------------------------------------------- one status vocabulary


def test_every_status_has_one_label():
    for value in AppStatus.values:
        label = workflow.status_label(value)
        assert label == LoanApplication(status=value).get_status_display() == str(AppStatus(value).label)
    tabs = {s.key: s.label for s in bank_selectors.SECTIONS}
    assert tabs == {
        "approval": workflow.status_label("guarantee_approved"),
        "contract": workflow.status_label("bank_approved"),
        "disbursement": workflow.status_label("contracted"),
        "repaying": workflow.status_label("repaying"),
        "overdue": workflow.status_label("overdue"),
    }


def _cell(body: str, pattern: str) -> str:
    found = re.search(pattern, body, re.S)
    assert found, pattern
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_the_same_loan_has_the_same_label_on_detail_credit_page_and_bank_tab(demo, web):
    app = contracted(demo)
    app = disburse(demo, app, "100000.00", "JJ-1")
    bank = web("bank_officer")
    detail = _cell(text(bank.get(detail_url(app.pk))), r'data-testid="status">(.*?)</span>')
    credit = text(web("officer_411625").get(f"/credit/people/{app.entrepreneur_id}/"))
    on_credit = _cell(credit, rf'{app.number}</a></td><td data-testid="loan-status">(.*?)</td>')
    tab = text(bank.get("/loans/bank/", {"tab": "repaying"}))
    row = _cell(tab, rf'<tr data-loan="{app.number}">(.*?)</tr>')
    assert detail == on_credit == "还款中" == workflow.status_label(app.status)
    assert "还款中" in row
    assert "还款中" in _cell(tab, r'data-tab="repaying">(.*?)<span')
    # the partly disbursed loan is in the disbursement tab too (it may take more tranches)
    other = contracted(demo, person=make_person(demo["officer_411625"], name="李二"))
    other = disburse(demo, other, "50000.00", "JJ-9")
    rows = text(bank.get("/loans/bank/", {"tab": "disbursement"}))
    assert f'data-loan="{other.number}"' in rows and f'data-loan="{app.number}"' not in rows
    assert workflow.status_label(other.status) in _cell(rows, rf'<tr data-loan="{other.number}">(.*?)</tr>')


def test_the_export_names_states_by_the_same_labels(demo, web):
    app = contracted(demo)
    disburse(demo, app, "100000.00", "JJ-1")
    from fanxiang.loans.applications.views import COLUMNS

    status = next(c for c in COLUMNS if c.label == "状态")
    app.refresh_from_db()
    assert status.value(app) == "还款中" == workflow.status_label(app.status)
