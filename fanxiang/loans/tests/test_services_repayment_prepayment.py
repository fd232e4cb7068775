"""Early settlement (提前结清) and partial prepayment (提前部分还款), checked against hand-computed figures.

The example loan throughout (policy-facts §1.4, 2021 rules): 200,000.00 yuan, contract 2021-03-15, contract
rate 4.35% (1-year LPR 3.85% + 50bp), 36 months, borrower rate LPR − 150bp = 2.35%, net payment (the bank
charges the borrower's share and claims the subsidy). Whole periods are 30/360 (``rate / 12``): interest
725.00, borrower 391.67, subsidy 333.33 a month. Part of a period is actual days / 360 (the PBoC day rate).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from fanxiang.accounts.models import Organization
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.credit.models import CreditEntry
from fanxiang.loans import repayment as svc
from fanxiang.loans.models import LoanEvent, Repayment, ScheduleItem, SubsidyLine
from fanxiang.loans.subsidy import services as sub
from fanxiang.loans.tests.repayment_factories import d, loan, person

pytestmark = pytest.mark.django_db
D = Decimal


def items(a_loan) -> dict[int, ScheduleItem]:
    return {i.period: i for i in ScheduleItem.objects.filter(loan=a_loan)}


def pay_on_time(bank, a_loan, *days: str, amount: str = "391.67") -> None:
    for day in days:
        svc.repayment_record(actor=bank, loan=a_loan, date=d(day), amount=amount)


# --------------------------------------------------------------------------- early full settlement


def test_early_settlement_accrues_to_the_date_and_cancels_the_rest(borrower, bank):
    """Given periods 1 and 2 paid on time, when the bank records a full early repayment on 2021-06-10,
    then: period 3 (from 2021-05-15) runs 26 days (16 in May + 10 in June): interest 200,000 × 4.35% × 26
    / 360 = 628.333… → 628.33, borrower share 200,000 × 2.35% × 26 / 360 = 339.444… → 339.44, subsidy
    628.33 − 339.44 = 288.89. The payoff is 339.44 + 200,000.00 = 200,339.44; periods 4–36 are cancelled;
    the loan is settled and the credit ledger says repaid on time."""
    a_loan = loan(borrower)
    pay_on_time(bank, a_loan, "2021-04-15", "2021-05-15")
    quote = svc.payoff_quote(loan=a_loan, date=d("2021-06-10"))
    assert (quote["period"], quote["days"], quote["accrued_interest"], quote["interest_charge"]) == (
        3,
        26,
        D("628.33"),
        D("339.44"),
    )
    assert (quote["subsidy"], quote["principal"], quote["total"]) == (
        D("288.89"),
        D("200000.00"),
        D("200339.44"),
    )
    assert quote["cancelled_periods"] == list(range(4, 37))

    repayment = svc.repayment_settle_early(actor=bank, loan=a_loan, date=d("2021-06-10"), amount="200339.44")

    assert (repayment.kind, repayment.amount, repayment.interest_part, repayment.principal_part) == (
        "settlement",
        D("200339.44"),
        D("339.44"),
        D("200000.00"),
    )
    rows = items(a_loan)
    p3 = rows[3]
    assert (p3.due_date, p3.interest_due, p3.borrower_interest, p3.subsidy, p3.status) == (
        d("2021-06-10"),
        D("628.33"),
        D("339.44"),
        D("288.89"),
        "paid",
    )
    assert all(rows[k].status == "cancelled" and rows[k].subsidy == 0 for k in range(4, 37))
    assert sum(i.principal_due for i in rows.values()) == D("200000.00")
    # only the interest actually due is subsidised: 333.33 + 333.33 + 288.89
    assert sum(i.subsidy for i in rows.values()) == D("955.55")
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.principal_outstanding, a_loan.days_past_due) == ("settled", D("0.00"), 0)
    assert CreditEntry.objects.get(loan=a_loan).event == "repaid_on_time"
    actions = list(LoanEvent.objects.filter(application=a_loan).values_list("action", flat=True))
    assert actions == ["settle_early", "settle"]


def test_subsidy_batch_never_claims_a_cancelled_period(borrower, bank):
    """After the settlement above, the 2021 Q2 batch claims periods 1–3 (333.33 + 333.33 + 288.89 =
    955.55); the Q3 batch finds nothing: periods 4–6 (due 2021-07-15 … 09-15) were cancelled."""
    a_loan = loan(borrower)
    pay_on_time(bank, a_loan, "2021-04-15", "2021-05-15")
    svc.repayment_settle_early(actor=bank, loan=a_loan, date=d("2021-06-10"))
    psbc = Organization.objects.get(code="DEMO-BANK-PSBC")
    batch = sub.batch_create(actor=bank, bank=psbc, year=2021, quarter=2, today=d("2021-07-05"))
    assert (batch.line_count, batch.subsidy_total) == (3, D("955.55"))
    assert sorted(SubsidyLine.objects.filter(batch=batch).values_list("period", flat=True)) == [1, 2, 3]
    with pytest.raises(InvalidInput) as exc:
        sub.batch_create(actor=bank, bank=psbc, year=2021, quarter=3, today=d("2021-10-05"))
    assert exc.value.code == "subsidy.nothing_to_claim"
    assert not SubsidyLine.objects.filter(schedule_item__status="cancelled").exists()


def test_early_settlement_with_an_overdue_period(borrower, bank):
    """Period 2 (due 2021-05-15) unpaid: on 2021-06-10 it is overdue, its subsidy forfeited, so the borrower
    owes its full 725.00. Payoff 725.00 + 339.44 + 200,000.00 = 201,064.44; settled, but not on time (no
    repaid-on-time ledger line)."""
    a_loan = loan(borrower)
    pay_on_time(bank, a_loan, "2021-04-15")
    quote = svc.payoff_quote(loan=a_loan, date=d("2021-06-10"))
    assert (quote["arrears_periods"], quote["arrears_interest"], quote["total"]) == (
        [2],
        D("725.00"),
        D("201064.44"),
    )
    svc.repayment_settle_early(actor=bank, loan=a_loan, date=d("2021-06-10"))
    rows = items(a_loan)
    assert (rows[2].status, rows[2].subsidy_forfeited, rows[2].interest_paid) == ("paid", True, D("725.00"))
    a_loan.refresh_from_db()
    assert a_loan.status == "settled"
    assert not CreditEntry.objects.filter(loan=a_loan, event="repaid_on_time").exists()


def test_settlement_on_a_due_date_accrues_nothing_more(borrower, bank):
    """Settling on 2021-05-15, the due date of period 2: period 2 is due in full (391.67), period 3 starts that
    day and accrues 0 days, so the payoff is 391.67 + 200,000.00 = 200,391.67."""
    a_loan = loan(borrower)
    pay_on_time(bank, a_loan, "2021-04-15")
    quote = svc.payoff_quote(loan=a_loan, date=d("2021-05-15"))
    assert (quote["period"], quote["days"], quote["accrued_interest"], quote["total"]) == (
        3,
        0,
        D("0.00"),
        D("200391.67"),
    )


def test_settlement_refusals_and_nothing_changes(borrower, bank, demo):
    a_loan = loan(borrower)
    pay_on_time(bank, a_loan, "2021-04-15")
    before = [(i.pk, i.status, i.interest_paid) for i in ScheduleItem.objects.filter(loan=a_loan)]

    def code(actor=bank, **kw):
        kw.setdefault("date", d("2021-06-10"))
        with pytest.raises((InvalidInput, Conflict, Forbidden)) as exc:
            svc.repayment_settle_early(actor=actor, loan=a_loan, **kw)
        return exc.value.code

    assert code(amount="200000.00") == "prepayment.amount_mismatch"
    assert code(actor=demo["officer_411625"]) == "repayment.forbidden"  # wrong role
    assert code(date=d("2021-04-10")) == "repayment.date_before_last"
    assert code(date=d("2024-03-20")) == "prepayment.not_early"  # past the last due date (2024-03-15)
    other = loan(person(demo["officer_411625"], name="王五"), bank="DEMO-BANK-RCB")
    with pytest.raises(Forbidden) as exc:  # another bank's loan
        svc.repayment_settle_early(actor=bank, loan=other, date=d("2021-06-10"))
    assert exc.value.code == "repayment.forbidden"
    assert Repayment.objects.filter(loan=a_loan).count() == 1
    assert [(i.pk, i.status, i.interest_paid) for i in ScheduleItem.objects.filter(loan=a_loan)] == before
    svc.repayment_settle_early(actor=bank, loan=a_loan, date=d("2021-06-10"))
    assert code(date=d("2021-06-11")) == "repayment.loan_not_repaying"  # wrong state: settled


def test_payoff_quote_api_and_settlement_api(borrower, bank, api):
    a_loan = loan(borrower, number="DK2021-411625-09001")
    pay_on_time(bank, a_loan, "2021-04-15", "2021-05-15")
    client = api("bank_officer")
    quote = client.get(f"/api/v1/loans/{a_loan.pk}/payoff", {"date": "2021-06-10"})
    assert quote.status_code == 200, quote.content
    assert (quote.json()["total"], quote.json()["accrued_interest"]) == ("200339.44", "628.33")
    wrong = client.post(f"/api/v1/loans/{a_loan.pk}/settlement", {"date": "2021-06-10", "amount": "1.00"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "prepayment.amount_mismatch"
    county = api("officer_411625").post(f"/api/v1/loans/{a_loan.pk}/settlement", {"date": "2021-06-10"})
    assert county.status_code == 403 and county.json()["code"] == "repayment.forbidden"
    done = client.post(f"/api/v1/loans/{a_loan.pk}/settlement", {"date": "2021-06-10", "amount": "200339.44"})
    assert done.status_code == 201, done.content
    assert (done.json()["kind"], done.json()["amount"], done.json()["reversed"]) == (
        "settlement",
        "200339.44",
        False,
    )
    schedule = client.get(f"/api/v1/loans/{a_loan.pk}/schedule").json()
    assert schedule["status"] == "settled"
    assert [i["status"] for i in schedule["items"][2:5]] == ["paid", "cancelled", "cancelled"]
    assert schedule["totals"]["subsidy"] == "955.55"
    subsidy = client.get(f"/api/v1/loans/{a_loan.pk}/subsidy").json()
    assert subsidy["items"][3]["subsidy_status"] == "cancelled"
    again = client.post(f"/api/v1/loans/{a_loan.pk}/settlement", {"date": "2021-06-11"})
    assert again.status_code == 409 and again.json()["code"] == "repayment.loan_not_repaying"


# --------------------------------------------------------------------------- partial prepayment


def test_partial_prepayment_interest_monthly(borrower, bank):
    """Given period 1 paid, when 50,000.00 of principal is prepaid on 2021-05-01 (period 2 started
    2021-04-15: 16 days), then the borrower pays with it the interest of those 16 days on the prepaid part:
    50,000 × 4.35% × 16 / 360 = 96.666… → 96.67 contract interest, of which their share 50,000 × 2.35% × 16
    / 360 = 52.222… → 52.22 (subsidy 44.45): 50,052.22 in all. Period 2 then carries the whole period on
    150,000.00 (543.75, borrower 293.75, subsidy 250.00) plus those 16 days: interest 640.42, borrower
    345.97, subsidy 294.45, of which 293.75 still due on 2021-05-15. Periods 3–36 are rebuilt on 150,000.00
    (543.75 / 293.75 / 250.00 a month, 150,000.00 at maturity)."""
    a_loan = loan(borrower)
    pay_on_time(bank, a_loan, "2021-04-15")
    with pytest.raises(InvalidInput) as exc:
        svc.repayment_prepay(
            actor=bank, loan=a_loan, date=d("2021-05-01"), principal="50000.00", amount="50000.00"
        )
    assert exc.value.code == "prepayment.amount_mismatch"
    repayment = svc.repayment_prepay(
        actor=bank, loan=a_loan, date=d("2021-05-01"), principal="50000.00", amount="50052.22"
    )
    assert (repayment.kind, repayment.amount, repayment.principal_part, repayment.interest_part) == (
        "prepayment",
        D("50052.22"),
        D("50000.00"),
        D("52.22"),
    )
    rows = items(a_loan)
    p2 = rows[2]
    assert (p2.interest_due, p2.borrower_interest, p2.subsidy, p2.interest_charge) == (
        D("640.42"),
        D("345.97"),
        D("294.45"),
        D("345.97"),
    )
    assert (p2.principal_due, p2.principal_paid, p2.interest_paid, p2.status) == (
        D("50000.00"),
        D("50000.00"),
        D("52.22"),
        "partial",
    )
    p3, p36 = rows[3], rows[36]
    assert (p3.opening_principal, p3.interest_due, p3.borrower_interest, p3.subsidy, p3.principal_due) == (
        D("150000.00"),
        D("543.75"),
        D("293.75"),
        D("250.00"),
        D("0.00"),
    )
    assert p36.principal_due == D("150000.00")
    assert sum(i.principal_due for i in rows.values()) == D("200000.00")
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.principal_outstanding) == ("repaying", D("150000.00"))
    # the rest of period 2 on its due date settles it on time
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-05-15"), amount="293.75")
    p2 = items(a_loan)[2]
    assert (p2.status, p2.was_overdue) == ("paid", False)
    assert LoanEvent.objects.filter(application=a_loan, action="prepay").count() == 1


def test_partial_prepayment_equal_instalments(borrower, bank):
    """Equal instalments (A = 5,935.99 over 36 months). Period 1 paid on time (391.67 + 5,210.99). 50,000.00
    prepaid on 2021-04-15, the first day of period 2: no days accrue, so 50,000.00 is paid. Period 2 keeps
    its principal 5,229.88 and now bears interest on 194,789.01 − 50,000.00 = 144,789.01: 524.86 (borrower
    283.55, subsidy 241.31). Periods 3–36 are rebuilt from 194,789.01 − 5,229.88 − 50,000.00 = 139,559.13
    over 34 months: A = 139,559.13 × r(1+r)^34 / ((1+r)^34 − 1) = 4,370.25 with r = 0.3625%; period 3
    interest 505.90, principal 3,864.35, borrower 273.30, subsidy 232.60. Same maturity."""
    a_loan = loan(borrower, method="equal_instalments")
    pay_on_time(bank, a_loan, "2021-04-15", amount="5602.66")
    repayment = svc.repayment_prepay(actor=bank, loan=a_loan, date=d("2021-04-15"), principal="50000.00")
    assert (repayment.amount, repayment.interest_part) == (D("50000.00"), D("0.00"))
    rows = items(a_loan)
    p2, p3 = rows[2], rows[3]
    assert (p2.principal_due, p2.interest_due, p2.borrower_interest, p2.subsidy) == (
        D("55229.88"),
        D("524.86"),
        D("283.55"),
        D("241.31"),
    )
    assert (p3.opening_principal, p3.interest_due, p3.principal_due, p3.borrower_interest, p3.subsidy) == (
        D("139559.13"),
        D("505.90"),
        D("3864.35"),
        D("273.30"),
        D("232.60"),
    )
    assert all(rows[k].principal_due + rows[k].interest_due == D("4370.25") for k in range(3, 36))
    assert rows[36].due_date == d("2024-03-15")
    assert sum(i.principal_due for i in rows.values()) == D("200000.00")


def test_partial_prepayment_refusals(borrower, bank, demo):
    a_loan = loan(borrower)

    def code(actor=bank, **kw):
        kw.setdefault("date", d("2021-05-01"))
        kw.setdefault("principal", "50000.00")
        with pytest.raises((InvalidInput, Conflict, Forbidden)) as exc:
            svc.repayment_prepay(actor=actor, loan=a_loan, **kw)
        return exc.value.code

    assert code() == "prepayment.arrears"  # period 1 (due 2021-04-15) not paid
    pay_on_time(bank, a_loan, "2021-04-15")
    assert code(principal="200000.00") == "prepayment.use_settlement"
    assert code(principal="0") == "prepayment.principal_invalid"
    assert code(actor=demo["officer_411625"]) == "repayment.forbidden"
    assert Repayment.objects.filter(loan=a_loan).count() == 1
    assert not ScheduleItem.objects.filter(loan=a_loan, opening_principal__lt=D("200000.00")).exists()


def test_prepayment_api(borrower, bank, api):
    a_loan = loan(borrower, number="DK2021-411625-09002")
    pay_on_time(bank, a_loan, "2021-04-15")
    client = api("bank_officer")
    response = client.post(
        f"/api/v1/loans/{a_loan.pk}/prepayments", {"date": "2021-05-01", "principal": "50000.00"}
    )
    assert response.status_code == 201, response.content
    assert (response.json()["amount"], response.json()["kind"]) == ("50052.22", "prepayment")
    arrears = client.post(
        f"/api/v1/loans/{a_loan.pk}/prepayments", {"date": "2021-06-01", "principal": "1.00"}
    )
    assert arrears.status_code == 409 and arrears.json()["code"] == "prepayment.arrears"  # period 2 unpaid


def test_two_partial_prepayments_in_one_period(borrower, bank):
    """Period 2 runs from 2021-04-15. 50,000.00 prepaid on 04-25 (10 days: 50,000 × 4.35% × 10 / 360 =
    60.42 interest, borrower's share 32.64) and 50,000.00 more on 05-05 (20 days: 120.83, share 65.28). The
    period's interest is then 100,000 × 4.35% / 12 = 362.50 on what is left + 60.42 + 120.83 = 543.75 —
    i.e. principal-days 3,000,000 + 500,000 + 1,000,000 at 4.35% / 360 — borrower 195.83 + 32.64 + 65.28 =
    293.75, subsidy 250.00; 97.92 of it already paid with the prepayments, 195.83 due on 05-15. From period
    3 on: 100,000.00 (362.50 / 195.83 / 166.67)."""
    a_loan = loan(borrower)
    pay_on_time(bank, a_loan, "2021-04-15")
    first = svc.repayment_prepay(actor=bank, loan=a_loan, date=d("2021-04-25"), principal="50000.00")
    second = svc.repayment_prepay(actor=bank, loan=a_loan, date=d("2021-05-05"), principal="50000.00")
    assert (first.amount, second.amount) == (D("50032.64"), D("50065.28"))
    rows = items(a_loan)
    p2 = rows[2]
    assert (p2.interest_due, p2.borrower_interest, p2.subsidy) == (D("543.75"), D("293.75"), D("250.00"))
    assert (p2.principal_due, p2.principal_paid, p2.interest_paid, p2.interest_outstanding) == (
        D("100000.00"),
        D("100000.00"),
        D("97.92"),
        D("195.83"),
    )
    assert (rows[3].opening_principal, rows[3].interest_due, rows[3].borrower_interest) == (
        D("100000.00"),
        D("362.50"),
        D("195.83"),
    )
    assert rows[36].principal_due == D("100000.00")
    assert sum(i.principal_due for i in rows.values()) == D("200000.00")


def test_settlement_after_a_prepayment_in_the_same_period(borrower, bank):
    """50,000.00 prepaid on 2021-04-25 (with 32.64 interest), then the loan settled on 2021-05-05: period 2's
    interest to that day follows the principal — 200,000 × 10 days + 150,000 × 10 days = 3,500,000
    principal-days × 4.35% / 360 = 422.916… → 422.92, borrower's share × 2.35% = 228.472… → 228.47, subsidy
    194.45. Already paid on it: 50,000.00 + 32.64. Payoff: 228.47 + 200,000.00 − 50,032.64 = 150,195.83."""
    a_loan = loan(borrower)
    pay_on_time(bank, a_loan, "2021-04-15")
    svc.repayment_prepay(actor=bank, loan=a_loan, date=d("2021-04-25"), principal="50000.00")
    quote = svc.payoff_quote(loan=a_loan, date=d("2021-05-05"))
    assert (quote["accrued_interest"], quote["interest_charge"], quote["subsidy"], quote["total"]) == (
        D("422.92"),
        D("228.47"),
        D("194.45"),
        D("150195.83"),
    )
    svc.repayment_settle_early(actor=bank, loan=a_loan, date=d("2021-05-05"), amount="150195.83")
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.principal_outstanding) == ("settled", D("0.00"))
