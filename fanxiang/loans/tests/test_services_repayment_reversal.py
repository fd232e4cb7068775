"""Reversal of a repayment (冲正): who may, when, and what is recomputed (periods, days past due, status,
credit ledger), with its event and audit record. The example loan: 200,000.00 at 4.35%, contract
2021-03-15, monthly interest, borrower's share 391.67 a month (net payment), 2021 rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from fanxiang.accounts.models import Organization, RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.credit.models import CreditEntry
from fanxiang.loans import applications as services
from fanxiang.loans import repayment as svc
from fanxiang.loans.models import LoanEvent, RepaymentPlan, ScheduleItem
from fanxiang.loans.subsidy import services as sub
from fanxiang.loans.tests.repayment_factories import d, loan, person
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db
D = Decimal


def items(a_loan) -> dict[int, ScheduleItem]:
    return {i.period: i for i in ScheduleItem.objects.filter(loan=a_loan)}


def code_of(fn, **kw) -> str:
    with pytest.raises((InvalidInput, Conflict, Forbidden)) as exc:
        fn(**kw)
    return exc.value.code


def test_reversal_restores_the_period_and_a_re_entry_on_time_clears_the_ledger(borrower, bank):
    """Given period 1 paid on its due date 2021-04-15 (bank reference R1), when the bank reverses it on
    2021-04-20 ("录错贷款"), then period 1 is unpaid again and, as of 2021-04-20, 5 days past due: overdue, its
    subsidy forfeited (the borrower owes 725.00); the loan is overdue with one overdue ledger line; the
    repayment is marked reversed with an event and an audit record. When the bank then re-enters the
    payment received on 2021-04-15 (same reference R1, freed by the reversal), the period is on time after
    all: cured, and the overdue line is withdrawn."""
    a_loan = loan(borrower)
    first = svc.repayment_record(
        actor=bank, loan=a_loan, date=d("2021-04-15"), amount="391.67", reference="R1"
    )
    svc.repayment_reverse(actor=bank, repayment=first, reason="录错贷款", today=d("2021-04-20"))

    first.refresh_from_db()
    assert first.reversed_at is not None and first.reversal_reason == "录错贷款" and first.reversed_by == bank
    p1 = items(a_loan)[1]
    assert (p1.status, p1.interest_paid, p1.paid_date, p1.subsidy_forfeited, p1.interest_charge) == (
        "overdue",
        D("0.00"),
        None,
        True,
        D("725.00"),
    )
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due) == ("overdue", 5)
    assert CreditEntry.objects.filter(loan=a_loan, event="overdue").count() == 1
    event = LoanEvent.objects.get(application=a_loan, action="reverse_repayment")
    assert event.data["repayment"] == first.pk and event.data["reason"] == "录错贷款"
    assert (
        LogEntry.objects.filter(object_pk=str(first.pk), additional_data__transition="reverse").count() == 1
    )

    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="391.67", reference="R1")
    p1 = items(a_loan)[1]
    assert (p1.status, p1.was_overdue, p1.subsidy_forfeited) == ("paid", False, False)
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due) == ("repaying", 0)
    assert not CreditEntry.objects.filter(loan=a_loan, event="overdue").exists()


def test_reversed_twice_not_latest_and_reason(borrower, bank):
    a_loan = loan(borrower)
    first = svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="391.67")
    second = svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-05-15"), amount="391.67")
    reverse = svc.repayment_reverse
    assert code_of(reverse, actor=bank, repayment=first, reason="错", today=d("2021-05-16")) == (
        "repayment.reversal_not_latest"
    )
    assert code_of(reverse, actor=bank, repayment=second, reason="  ", today=d("2021-05-16")) == (
        "repayment.reversal_reason_required"
    )
    reverse(actor=bank, repayment=second, reason="金额录错", today=d("2021-05-16"))
    assert code_of(reverse, actor=bank, repayment=second, reason="再次", today=d("2021-05-16")) == (
        "repayment.already_reversed"
    )
    # the earlier one is now the latest and can be reversed
    reverse(actor=bank, repayment=first, reason="整笔录错", today=d("2021-05-16"))
    assert all(i.interest_paid == 0 for i in items(a_loan).values())
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due) == ("overdue", 31)  # period 1 due 2021-04-15


def test_who_may_reverse(borrower, bank, demo):
    """Only the handling bank's officers (and the city admin, as for recording): a county officer and an
    officer of another bank are refused, and nothing changes."""
    a_loan = loan(borrower)
    first = svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="391.67")
    rcb = User.objects.create(
        username="rcb_officer", organization=Organization.objects.get(code="DEMO-BANK-RCB")
    )
    RoleAssignment.objects.create(user=rcb, role=Role.BANK_OFFICER, region=Region.objects.get(code="411600"))
    for actor in (demo["officer_411625"], rcb, demo["guarantee_officer"]):
        assert code_of(
            svc.repayment_reverse, actor=actor, repayment=first, reason="x", today=d("2021-04-20")
        ) == ("repayment.reversal_forbidden")
    first.refresh_from_db()
    assert first.reversed_at is None and items(a_loan)[1].status == "paid"
    svc.repayment_reverse(actor=demo["city_admin"], repayment=first, reason="市级更正", today=d("2021-04-20"))


def test_reversal_window(borrower, bank, settings):
    """Within FANXIANG_REPAYMENT_REVERSAL_DAYS (here 30) of the day it was recorded, not after; 0 = any time."""
    settings.FANXIANG_REPAYMENT_REVERSAL_DAYS = 30
    a_loan = loan(borrower)
    first = svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="391.67")
    recorded = timezone.localtime(first.created_at).date()
    assert code_of(
        svc.repayment_reverse, actor=bank, repayment=first, reason="x", today=recorded + dt.timedelta(days=31)
    ) == ("repayment.reversal_window_passed")
    settings.FANXIANG_REPAYMENT_REVERSAL_DAYS = 0
    svc.repayment_reverse(actor=bank, repayment=first, reason="x", today=recorded + dt.timedelta(days=31))


def test_reversing_an_early_settlement_reopens_the_loan(borrower, bank):
    """Given the settlement of 2021-06-10 (200,339.44, periods 4–36 cancelled, ledger: repaid on time), when
    it is reversed on 2021-06-12, then every period it touched gets its values back (period 3 due 2021-06-15
    with 725.00 / 391.67 / 333.33, periods 4–36 pending again), the schedule revision goes back, the loan is
    reopened (settled → repaying, not yet past due on 2021-06-12), 200,000.00 outstanding, and the
    repaid-on-time ledger line is withdrawn."""
    a_loan = loan(borrower)
    for day in ("2021-04-15", "2021-05-15"):
        svc.repayment_record(actor=bank, loan=a_loan, date=d(day), amount="391.67")
    revision = RepaymentPlan.objects.get(loan=a_loan).revision
    settlement = svc.repayment_settle_early(actor=bank, loan=a_loan, date=d("2021-06-10"))
    assert CreditEntry.objects.filter(loan=a_loan, event="repaid_on_time").count() == 1

    svc.repayment_reverse(actor=bank, repayment=settlement, reason="借款人资金未到账", today=d("2021-06-12"))

    rows = items(a_loan)
    p3 = rows[3]
    assert (p3.due_date, p3.interest_due, p3.borrower_interest, p3.subsidy, p3.principal_due, p3.status) == (
        d("2021-06-15"),
        D("725.00"),
        D("391.67"),
        D("333.33"),
        D("0.00"),
        "pending",
    )
    assert {rows[k].status for k in range(4, 37)} == {"pending"}
    assert rows[36].principal_due == D("200000.00")
    assert RepaymentPlan.objects.get(loan=a_loan).revision == revision
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.principal_outstanding, a_loan.days_past_due) == (
        "repaying",
        D("200000.00"),
        0,
    )
    assert not CreditEntry.objects.filter(loan=a_loan, event="repaid_on_time").exists()
    actions = list(LoanEvent.objects.filter(application=a_loan).values_list("action", flat=True))
    assert actions[-3:] == ["settle", "reverse_repayment", "reopen"]


def test_reversing_a_settlement_late_makes_the_loan_overdue(borrower, bank):
    """Reversed on 2021-06-20, past period 3's due date (2021-06-15): the loan goes settled → repaying →
    overdue (5 days), with an overdue ledger line."""
    a_loan = loan(borrower)
    for day in ("2021-04-15", "2021-05-15"):
        svc.repayment_record(actor=bank, loan=a_loan, date=d(day), amount="391.67")
    settlement = svc.repayment_settle_early(actor=bank, loan=a_loan, date=d("2021-06-10"))
    svc.repayment_reverse(actor=bank, repayment=settlement, reason="退票", today=d("2021-06-20"))
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due) == ("overdue", 5)
    assert CreditEntry.objects.filter(loan=a_loan, event="overdue").count() == 1
    assert items(a_loan)[3].subsidy_forfeited is True


def test_reversing_a_partial_prepayment_restores_the_schedule(borrower, bank):
    a_loan = loan(borrower)
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="391.67")
    before = {p: (i.opening_principal, i.interest_due, i.principal_due) for p, i in items(a_loan).items()}
    prepay = svc.repayment_prepay(actor=bank, loan=a_loan, date=d("2021-05-01"), principal="50000.00")
    svc.repayment_reverse(actor=bank, repayment=prepay, reason="本金金额录错", today=d("2021-05-02"))
    after = {p: (i.opening_principal, i.interest_due, i.principal_due) for p, i in items(a_loan).items()}
    assert after == before
    a_loan.refresh_from_db()
    assert a_loan.principal_outstanding == D("200000.00")


def test_refused_when_the_schedule_was_rebuilt_or_the_period_claimed_or_the_loan_compensated(
    borrower, bank, demo
):
    a_loan = loan(borrower)
    first = svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="391.67")
    # the subsidy of period 1 is in the 2021 Q2 claim
    psbc = Organization.objects.get(code="DEMO-BANK-PSBC")
    batch = sub.batch_create(actor=bank, bank=psbc, year=2021, quarter=2, today=d("2021-07-05"))
    assert code_of(svc.repayment_reverse, actor=bank, repayment=first, reason="x", today=d("2021-07-06")) == (
        "repayment.reversal_subsidy_claimed"
    )
    sub.batch_delete(actor=bank, batch=batch)
    # an extension rebuilt the schedule after it
    services.application_extend(
        actor=bank, application=a_loan, months=6, reason="经营困难", today=d("2021-07-06")
    )
    assert code_of(svc.repayment_reverse, actor=bank, repayment=first, reason="x", today=d("2021-07-07")) == (
        "repayment.reversal_schedule_changed"
    )
    # a compensated loan
    other = loan(person(demo["officer_411625"], name="王五"))
    paid = svc.repayment_record(actor=bank, loan=other, date=d("2021-04-15"), amount="391.67")
    svc.overdue_update(as_of=d("2021-08-20"))
    other.refresh_from_db()
    assert other.status == "compensated"
    assert code_of(svc.repayment_reverse, actor=bank, repayment=paid, reason="x", today=d("2021-08-21")) == (
        "repayment.reversal_loan_state"
    )


def test_reverse_api(borrower, bank, api, demo):
    a_loan = loan(borrower, number="DK2021-411625-09003")
    first = svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="391.67")
    county = api("officer_411625").post(f"/api/v1/loans/repayments/{first.pk}/reverse", {"reason": "x"})
    assert county.status_code == 403 and county.json()["code"] == "repayment.reversal_forbidden"
    other_county = api("officer_411628").post(f"/api/v1/loans/repayments/{first.pk}/reverse", {"reason": "x"})
    assert other_county.status_code == 404
    client = api("bank_officer")
    missing = client.post(f"/api/v1/loans/repayments/{first.pk}/reverse", {"reason": ""})
    assert missing.status_code == 422 and missing.json()["code"] == "repayment.reversal_reason_required"
    done = client.post(f"/api/v1/loans/repayments/{first.pk}/reverse", {"reason": "录错"})
    assert done.status_code == 200, done.content
    assert (done.json()["reversed"], done.json()["reversal_reason"]) == (True, "录错")
    again = client.post(f"/api/v1/loans/repayments/{first.pk}/reverse", {"reason": "录错"})
    assert again.status_code == 409 and again.json()["code"] == "repayment.already_reversed"
    listed = client.get(f"/api/v1/loans/{a_loan.pk}/repayments").json()
    assert [r["reversed"] for r in listed] == [True]
    assert (
        client.get("/api/v1/loans/repayments/", {"loan": a_loan.pk, "reversed": "true"}).json()["count"] == 1
    )
    assert (
        client.get("/api/v1/loans/repayments/", {"loan": a_loan.pk, "reversed": "false"}).json()["count"] == 0
    )
