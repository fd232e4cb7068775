"""Schedule rebuilds after an extension (展期) and after a further tranche once repayment has started, and
the 2018–2020 small/micro-enterprise subsidy rule, checked against hand-computed figures
(policy-facts §1.4: extension periods carry no subsidy as a general rule — secondary; 2020 Covid measures
keep the subsidy during the extension — §1.5; small firms 50% of the benchmark rate — secondary)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fanxiang.core.errors import Conflict, InvalidInput
from fanxiang.credit.models import CreditEntry
from fanxiang.loans import applications as services
from fanxiang.loans import repayment as svc
from fanxiang.loans.models import (
    Disbursement,
    LoanApplication,
    LoanEvent,
    LoanPolicy,
    RepaymentPlan,
    ScheduleItem,
)
from fanxiang.loans.tests.repayment_factories import d, loan

pytestmark = pytest.mark.django_db
D = Decimal


def items(a_loan) -> dict[int, ScheduleItem]:
    return {i.period: i for i in ScheduleItem.objects.filter(loan=a_loan)}


# --------------------------------------------------------------------------- extension


def test_extension_rebuilds_to_the_new_maturity_without_subsidy_under_the_2021_rules(borrower, bank):
    """Given a 12-month loan of 100,000.00 at 4.35% (contract 2021-03-15; 362.50 interest a month, borrower
    100,000 × 2.35% / 12 = 195.83, subsidy 166.67) with periods 1–6 paid on time, when the bank extends it
    by 6 months on 2021-09-20 (2021 policy: extension periods not subsidised), then periods 1–6 are kept,
    7–12 keep their figures but no principal, 13–18 (due 2022-04-15 … 2022-09-15) are extension periods
    with 362.50 interest, all of it the borrower's (subsidy 0.00), and the 100,000.00 falls due on
    2022-09-15."""
    a_loan = loan(borrower, amount="100000.00", term=12)
    for k in range(1, 7):
        svc.repayment_record(actor=bank, loan=a_loan, date=d(f"2021-{3 + k:02d}-15"), amount="195.83")
    paid_before = {p: (i.paid_date, i.interest_paid) for p, i in items(a_loan).items() if p <= 6}

    services.application_extend(
        actor=bank, application=a_loan, months=6, reason="受疫情影响暂时经营困难", today=d("2021-09-20")
    )

    rows = items(a_loan)
    assert len(rows) == 18
    assert {p: (i.paid_date, i.interest_paid) for p, i in rows.items() if p <= 6} == paid_before
    p12, p13, p18 = rows[12], rows[13], rows[18]
    assert (p12.principal_due, p12.subsidy, p12.borrower_interest, p12.extension) == (
        D("0.00"),
        D("166.67"),
        D("195.83"),
        False,
    )
    assert (p13.due_date, p13.interest_due, p13.subsidy, p13.borrower_interest, p13.extension) == (
        d("2022-04-15"),
        D("362.50"),
        D("0.00"),
        D("362.50"),
        True,
    )
    assert (p18.due_date, p18.principal_due) == (d("2022-09-15"), D("100000.00"))
    plan = RepaymentPlan.objects.get(loan=a_loan)
    assert (plan.term_months, plan.extension_from_period, plan.extension_subsidised) == (18, 13, False)
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.extension_months) == ("extended", 6)
    event = LoanEvent.objects.get(application=a_loan, action="reschedule")
    assert event.data["term_months"] == 18 and event.data["extension_subsidised"] is False


def test_extension_periods_keep_the_subsidy_under_the_2020_covid_rules(borrower, bank):
    """2020 rules (21号 and the Covid measures): the subsidy continues during the extension, at the share of
    the last regular loan year. A 12-month loan of 200,000.00 contracted 2020-06-15 is all in loan year 1
    (share 1: the whole 725.00 subsidised, the borrower owes 0.00 a month); extended by 6 months on
    2020-11-20, periods 13–18 — loan year 2 by count, which would be two-thirds — keep year 1's share:
    subsidy 725.00."""
    a_loan = loan(borrower, contract=d("2020-06-15"), term=12)
    svc.schedule_generate(actor=bank, loan=a_loan)
    services.application_extend(
        actor=bank, application=a_loan, months=6, reason="疫情影响", today=d("2020-11-20")
    )
    rows = items(a_loan)
    assert (rows[13].loan_year, rows[13].extension, rows[13].subsidy, rows[13].borrower_interest) == (
        2,
        True,
        D("725.00"),
        D("0.00"),
    )
    assert RepaymentPlan.objects.get(loan=a_loan).extension_subsidised is True


def test_extension_of_an_overdue_loan_reschedules_the_unpaid_principal(borrower, bank):
    """3-month loan of 10,000.00 (interest 36.25, borrower 19.58 a month). The borrower's share of periods
    1–3 is paid on the due dates but the 10,000.00 due on 2021-06-15 is not: as of 2021-06-20 period 3 is
    overdue, its subsidy forfeited (the full 36.25 owed: 16.67 more). Extended by 3 months on 2021-06-25:
    the unpaid principal moves to the new last period (due 2021-09-15); periods 4–6 are extension periods at
    36.25, not subsidised (2021 rules). Period 3's 16.67 of interest stays due, so the loan is still overdue
    (10 days) — no second ledger line for the same episode. Paying the 16.67 cures it."""
    a_loan = loan(borrower, amount="10000.00", term=3)
    for day in ("2021-04-15", "2021-05-15", "2021-06-15"):
        svc.repayment_record(actor=bank, loan=a_loan, date=d(day), amount="19.58")
    svc.overdue_update(as_of=d("2021-06-20"))
    a_loan.refresh_from_db()
    assert a_loan.status == "overdue"
    services.application_extend(
        actor=bank, application=a_loan, months=3, reason="资金周转困难", today=d("2021-06-25")
    )
    rows = items(a_loan)
    assert (rows[3].principal_due, rows[3].interest_charge, rows[3].interest_outstanding, rows[3].status) == (
        D("0.00"),
        D("36.25"),
        D("16.67"),
        "overdue",
    )
    assert (
        rows[6].due_date,
        rows[6].principal_due,
        rows[6].interest_due,
        rows[6].subsidy,
        rows[6].extension,
    ) == (
        d("2021-09-15"),
        D("10000.00"),
        D("36.25"),
        D("0.00"),
        True,
    )
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due, a_loan.principal_outstanding) == (
        "overdue",
        10,
        D("10000.00"),
    )
    assert CreditEntry.objects.filter(loan=a_loan, event="overdue").count() == 1
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-06-25"), amount="16.67")
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due) == ("repaying", 0)
    assert CreditEntry.objects.filter(loan=a_loan, event="overdue").count() == 1  # it was overdue: kept


def test_extension_refused_leaves_the_schedule_alone(borrower, bank, demo):
    a_loan = loan(borrower, amount="100000.00", term=12)
    svc.schedule_generate(actor=bank, loan=a_loan)
    with pytest.raises(InvalidInput) as exc:
        services.application_extend(
            actor=bank, application=a_loan, months=13, reason="x", today=d("2021-09-20")
        )
    assert exc.value.code == "loan.extension_too_long"
    with pytest.raises(Exception) as exc:  # a county officer does not own the step
        services.application_extend(
            actor=demo["officer_411625"], application=a_loan, months=6, reason="x", today=d("2021-09-20")
        )
    assert exc.value.code == "loan.wrong_role"
    assert ScheduleItem.objects.filter(loan=a_loan).count() == 12
    assert RepaymentPlan.objects.get(loan=a_loan).revision == 0


# --------------------------------------------------------------------------- a further tranche


def _half_disbursed(borrower, bank) -> LoanApplication:
    """Approved 200,000.00; 100,000.00 disbursed on the contract date 2021-03-15, schedule generated."""
    a_loan = loan(borrower)
    LoanApplication.objects.filter(pk=a_loan.pk).update(
        disbursed_total=D("100000.00"), principal_outstanding=D("100000.00")
    )
    a_loan.refresh_from_db()
    svc.schedule_generate(actor=bank, loan=a_loan)
    return a_loan


def test_tranche_after_repayment_started_rebuilds_from_its_date(borrower, bank):
    """Given 100,000.00 repaying (362.50 interest a month, borrower 195.83, subsidy 166.67) with period 1
    paid, when the second tranche of 100,000.00 is disbursed on 2021-04-25, then it bears interest for the
    20 days to period 2's due date 2021-05-15: 100,000 × 4.35% × 20 / 360 = 241.666… → 241.67, borrower
    100,000 × 2.35% × 20 / 360 = 130.555… → 130.56, subsidy 111.11; period 2 becomes 604.17 / 326.39 /
    277.78. Periods 3–36 are on 200,000.00 (725.00 / 391.67 / 333.33), 200,000.00 at maturity. Period 1 is
    kept as paid. The status stays repaying."""
    a_loan = _half_disbursed(borrower, bank)
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="195.83")
    services.application_disburse(
        actor=bank,
        application=a_loan,
        amount="100000.00",
        date=d("2021-04-25"),
        today=d("2021-04-25"),
        loan_note_no="JJ-T2",
    )
    rows = items(a_loan)
    assert (rows[1].status, rows[1].interest_due) == ("paid", D("362.50"))
    p2 = rows[2]
    assert (p2.opening_principal, p2.interest_due, p2.borrower_interest, p2.subsidy, p2.interest_charge) == (
        D("100000.00"),
        D("604.17"),
        D("326.39"),
        D("277.78"),
        D("326.39"),
    )
    assert (rows[3].opening_principal, rows[3].interest_due, rows[3].borrower_interest, rows[3].subsidy) == (
        D("200000.00"),
        D("725.00"),
        D("391.67"),
        D("333.33"),
    )
    assert rows[36].principal_due == D("200000.00") and sum(i.principal_due for i in rows.values()) == D(
        "200000"
    )
    plan = RepaymentPlan.objects.get(loan=a_loan)
    assert (plan.principal, plan.revision) == (D("200000.00"), 1)
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.disbursed_total, a_loan.principal_outstanding) == (
        "repaying",
        D("200000.00"),
        D("200000.00"),
    )
    assert LoanEvent.objects.filter(application=a_loan, action="reschedule").count() == 1


def test_tranche_refusals_roll_back_the_disbursement(borrower, bank):
    a_loan = _half_disbursed(borrower, bank)
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="195.83")
    with pytest.raises(InvalidInput) as exc:  # dated before the last repayment
        services.application_disburse(
            actor=bank,
            application=a_loan,
            amount="50000.00",
            date=d("2021-04-10"),
            today=d("2021-04-25"),
            loan_note_no="JJ-T2",
        )
    assert exc.value.code == "loan.tranche_before_last_repayment"
    with pytest.raises(Conflict) as exc:
        services.application_disburse(
            actor=bank,
            application=a_loan,
            amount="100000.01",
            date=d("2021-04-25"),
            today=d("2021-04-25"),
            loan_note_no="JJ-T2",
        )
    assert exc.value.code == "loan.over_disbursement"
    a_loan.refresh_from_db()
    assert (
        a_loan.disbursed_total == D("100000.00")
        and not Disbursement.objects.filter(application=a_loan).exists()
    )
    assert RepaymentPlan.objects.get(loan=a_loan).principal == D("100000.00")


# --------------------------------------------------------------------------- 2018–2020 enterprise rule


def _enterprise(borrower, bank, contract: str) -> ScheduleItem:
    a_loan = loan(borrower, amount="1000000.00", contract=d(contract), term=24)
    LoanApplication.objects.filter(pk=a_loan.pk).update(borrower_type="enterprise")
    a_loan.refresh_from_db()
    svc.schedule_generate(actor=bank, loan=a_loan)
    return items(a_loan)[1]


def test_enterprise_2020_subsidy_is_half_the_benchmark_rate(borrower, bank):
    """Small/micro enterprise, contract 2020-06-15 (2020 rules), 1,000,000.00 at 4.35% for 24 months: interest
    1,000,000 × 4.35% / 12 = 3,625.00 a month. The 1-year LPR (贷款基础利率) on the contract date is 3.85%
    (announced 2020-04-20); the subsidy is the interest at 50% of it, 1.925%: 1,000,000 × 1.925% / 12 =
    1,604.166… → 1,604.17; the enterprise pays 2,020.83. (An individual under the same rules is fully
    subsidised in year 1.)"""
    first = _enterprise(borrower, bank, "2020-06-15")
    assert (first.interest_due, first.subsidy, first.borrower_interest) == (
        D("3625.00"),
        D("1604.17"),
        D("2020.83"),
    )
    plan = RepaymentPlan.objects.get(loan=first.loan)
    assert (plan.subsidy_mode, plan.subsidy_rate) == ("rate_share", D("1.9250"))


def test_enterprise_2019_uses_the_pre_reform_benchmark(borrower, bank):
    """Contract 2019-06-15, before the August 2019 LPR reform: the benchmark is the 1-year 贷款基础利率 4.31%
    (shipped, unconfirmed); 50% = 2.155%: 1,000,000 × 2.155% / 12 = 1,795.833… → 1,795.83; the enterprise
    pays 3,625.00 − 1,795.83 = 1,829.17."""
    first = _enterprise(borrower, bank, "2019-06-15")
    assert (first.subsidy, first.borrower_interest) == (D("1795.83"), D("1829.17"))


def test_enterprise_2021_follows_lpr_minus_150bp(borrower, bank):
    """From 2021 the rule is the same for firms: borrower 1,000,000 × 2.35% / 12 = 1,958.33, subsidy
    1,666.67."""
    first = _enterprise(borrower, bank, "2021-03-15")
    assert (first.subsidy, first.borrower_interest) == (D("1666.67"), D("1958.33"))


def test_enterprise_rule_is_a_policy_parameter(borrower, bank):
    """With the parameter cleared on the 2020 policy, enterprises follow its share-by-year rule (year 1: all
    3,625.00 subsidised)."""
    LoanPolicy.objects.filter(effective_from=d("2020-04-15")).update(enterprise_benchmark_share=None)
    first = _enterprise(borrower, bank, "2020-06-15")
    assert (first.subsidy, first.borrower_interest) == (D("3625.00"), D("0.00"))


def test_settlement_and_prepayment_after_a_tranche_in_the_same_period(borrower, bank):
    """100,000.00 repaying, period 1 paid; the second 100,000.00 disbursed on 2021-04-25. Settled on
    2021-05-05, period 2's interest follows the principal: 100,000 × 10 days + 200,000 × 10 days =
    3,000,000 principal-days × 4.35% / 360 = 362.50, borrower's share × 2.35% = 195.833… → 195.83, subsidy
    166.67; payoff 195.83 + 200,000.00 = 200,195.83. A partial prepayment larger than the 100,000.00 bearing
    the period's whole interest is refused in that period."""
    a_loan = _half_disbursed(borrower, bank)
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="195.83")
    services.application_disburse(
        actor=bank,
        application=a_loan,
        amount="100000.00",
        date=d("2021-04-25"),
        today=d("2021-04-25"),
        loan_note_no="JJ-T2",
    )
    quote = svc.payoff_quote(loan=a_loan, date=d("2021-05-05"))
    assert (quote["accrued_interest"], quote["interest_charge"], quote["subsidy"], quote["total"]) == (
        D("362.50"),
        D("195.83"),
        D("166.67"),
        D("200195.83"),
    )
    with pytest.raises(Conflict) as exc:
        svc.repayment_prepay(actor=bank, loan=a_loan, date=d("2021-05-01"), principal="150000.00")
    assert exc.value.code == "prepayment.period_restructured"
