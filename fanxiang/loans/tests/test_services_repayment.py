"""Schedules, subsidy figures, repayment allocation, overdue days and compensation, checked against
hand-computed examples from the policy text (../shared/reference/policy-facts.md §1.3–1.4).

Conventions under test (``fanxiang/loans/subsidy.py``): 30/360 — one period's interest is
``opening principal × annual rate % / 12``; every period's amounts rounded to cents half up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.credit.models import CreditEntry
from fanxiang.loans import repayment as svc
from fanxiang.loans.models import Compensation, LoanEvent, LoanPolicy, ScheduleItem
from fanxiang.loans.subsidy import services as sub
from fanxiang.loans.tests.repayment_factories import d, loan

pytestmark = pytest.mark.django_db
D = Decimal


def items(a_loan) -> list[ScheduleItem]:
    return list(ScheduleItem.objects.filter(loan=a_loan).order_by("period"))


# --------------------------------------------------------------------------- schedule and subsidy figures


def test_2021_lpr_minus_interest_monthly(borrower, bank):
    """Hand example (LPR−150BP, 财金〔2020〕21号 stage 2): contract 2021-03-15, 1-year LPR 3.85% (announced
    2020-04-20, latest on or before the contract date), contract rate = LPR + 50bp = 4.35%, 200,000 yuan,
    36 months, monthly interest with principal at maturity.
    Monthly interest 200,000 × 4.35% / 12 = 725.00; borrower rate 3.85% − 1.50% = 2.35% →
    200,000 × 2.35% / 12 = 391.666… → 391.67; subsidy 725.00 − 391.67 = 333.33.
    Totals over 36 periods: interest 26,100.00, borrower 14,100.12, subsidy 11,999.88."""
    a_loan = loan(borrower)
    plan = svc.schedule_generate(actor=bank, loan=a_loan)
    assert plan.lpr_one_year == D("3.85") and plan.lpr_date == d("2020-04-20")
    assert plan.borrower_rate == D("2.35") and plan.subsidy_mode == "lpr_minus"
    rows = items(a_loan)
    assert len(rows) == 36
    first, last = rows[0], rows[-1]
    assert (first.due_date, first.interest_due, first.borrower_interest, first.subsidy) == (
        d("2021-04-15"),
        D("725.00"),
        D("391.67"),
        D("333.33"),
    )
    assert first.principal_due == 0 and first.interest_charge == D("391.67")  # net: the borrower's share
    assert last.due_date == d("2024-03-15") and last.principal_due == D("200000.00")
    assert sum(i.interest_due for i in rows) == D("26100.00")
    assert sum(i.borrower_interest for i in rows) == D("14100.12")
    assert sum(i.subsidy for i in rows) == D("11999.88")


def test_2020_share_by_year_across_the_loan_year_boundary(borrower, bank):
    """Hand example (2018–2020 split: year 1 full, year 2 two-thirds, year 3 one-third): contract
    2020-06-15 under the 2020 rules (21号), LPR 3.85%, contract rate 4.35%, 200,000 yuan, 36 months.
    Every month's interest is 725.00. Period 12 (due 2021-06-15) is loan year 1: subsidy 725.00, borrower
    0.00. Period 13 (due 2021-07-15) is year 2: 725 × 2/3 = 483.333… → 483.33, borrower 241.67. Period 25
    (due 2022-07-15) is year 3: 725 × 1/3 = 241.666… → 241.67, borrower 483.33."""
    policy = LoanPolicy.objects.get(effective_from=d("2020-04-15"))
    policy.subsidy_share_by_year = ["1", "2/3", "1/3"]
    policy.save()
    a_loan = loan(borrower, contract=d("2020-06-15"))
    svc.schedule_generate(actor=bank, loan=a_loan)
    rows = {i.period: i for i in items(a_loan)}
    assert (rows[12].due_date, rows[12].loan_year, rows[12].subsidy, rows[12].borrower_interest) == (
        d("2021-06-15"),
        1,
        D("725.00"),
        D("0.00"),
    )
    assert (rows[13].due_date, rows[13].loan_year, rows[13].subsidy, rows[13].borrower_interest) == (
        d("2021-07-15"),
        2,
        D("483.33"),
        D("241.67"),
    )
    assert (rows[25].loan_year, rows[25].subsidy, rows[25].borrower_interest) == (3, D("241.67"), D("483.33"))


def test_shipped_shares_are_exact_fractions(borrower, bank):
    """The shipped 2020 policy uses the fractions 2/3 and 1/3, not rounded decimals (0.6667 would give
    725 × 0.6667 = 483.3575 → 483.36): year 2 subsidy 725 × 2/3 = 483.333… → 483.33."""
    a_loan = loan(borrower, contract=d("2020-06-15"))
    svc.schedule_generate(actor=bank, loan=a_loan)
    assert items(a_loan)[12].subsidy == D("483.33")


def test_equal_instalments_first_periods_by_hand(borrower, bank):
    """Hand example (等额本息): 200,000 yuan, 4.35%, 36 months, contract 2021-03-15.
    r = 4.35% / 12 = 0.003625; (1 + r)^36 = 1.1391291…; A = 200,000 × r × 1.1391291 / 0.1391291 = 5,935.99.
    Period 1: interest 725.00, principal 5,935.99 − 725.00 = 5,210.99; borrower 391.67, subsidy 333.33.
    Period 2: opening 194,789.01; interest 194,789.01 × 0.003625 = 706.110… → 706.11; principal 5,229.88;
    borrower 194,789.01 × 2.35% / 12 = 381.461… → 381.46; subsidy 324.65.
    Period 3: opening 189,559.13; interest 687.15; borrower 371.22; subsidy 315.93.
    The last period repays what is left, so the principal sums to exactly 200,000.00."""
    a_loan = loan(borrower, method="equal_instalments")
    svc.schedule_generate(actor=bank, loan=a_loan)
    rows = items(a_loan)
    assert sub.equal_instalment(D("200000.00"), D("4.35"), 36) == D("5935.99")
    expected = [
        (D("200000.00"), D("5210.99"), D("725.00"), D("391.67"), D("333.33")),
        (D("194789.01"), D("5229.88"), D("706.11"), D("381.46"), D("324.65")),
        (D("189559.13"), D("5248.84"), D("687.15"), D("371.22"), D("315.93")),
    ]
    got = [
        (i.opening_principal, i.principal_due, i.interest_due, i.borrower_interest, i.subsidy)
        for i in rows[:3]
    ]
    assert got == expected
    assert sum(i.principal_due for i in rows) == D("200000.00")
    assert all(i.principal_due + i.interest_due == D("5935.99") for i in rows[:-1])


def test_full_subsidy_and_rate_above_cap(borrower, bank):
    """full mode: subsidy = interest. A rate above the cap (LPR 3.85 + 50bp = 4.35%): at 4.85% the monthly
    interest is 200,000 × 4.85% / 12 = 808.33; the subsidy is computed at 4.35% (725.00), so the
    borrower pays the 83.33 above the cap."""
    policy = LoanPolicy.objects.get(effective_from=d("2021-01-01"))
    policy.subsidy_mode = "full"
    policy.save()
    a_loan = loan(borrower, rate="4.85")
    svc.schedule_generate(actor=bank, loan=a_loan)
    first = items(a_loan)[0]
    assert (first.interest_due, first.subsidy, first.borrower_interest) == (
        D("808.33"),
        D("725.00"),
        D("83.33"),
    )


def test_month_end_due_dates(borrower, bank):
    """A contract on 31 January falls due on the last day of shorter months, back to the 31st after."""
    a_loan = loan(borrower, contract=d("2021-01-31"), term=3)
    svc.schedule_generate(actor=bank, loan=a_loan)
    assert [i.due_date for i in items(a_loan)] == [d("2021-02-28"), d("2021-03-31"), d("2021-04-30")]


def test_reimburse_mode_borrower_pays_full_interest(borrower, bank):
    """先付后贴: the borrower pays the full 725.00 a month and is reimbursed the 333.33 later."""
    policy = LoanPolicy.objects.get(effective_from=d("2021-01-01"))
    policy.subsidy_payment = "reimburse"
    policy.save()
    a_loan = loan(borrower)
    plan = svc.schedule_generate(actor=bank, loan=a_loan)
    first = items(a_loan)[0]
    assert plan.subsidy_payment == "reimburse"
    assert (first.interest_charge, first.subsidy) == (D("725.00"), D("333.33"))


def test_schedule_needs_policy_lpr_and_contract(borrower, bank):
    a_loan = loan(borrower, contract=d("2018-06-01"))
    with pytest.raises(InvalidInput) as exc:
        svc.schedule_generate(actor=bank, loan=a_loan)
    assert exc.value.code == "subsidy.policy_missing"
    other = loan(borrower)
    other.contract_date = None
    other.save()
    with pytest.raises(InvalidInput) as exc:
        svc.schedule_generate(actor=bank, loan=other)
    assert exc.value.code == "schedule.terms_missing"
    assert not ScheduleItem.objects.exists()


def test_schedule_generate_moves_disbursed_to_repaying_with_event(borrower, bank):
    a_loan = loan(borrower, status="disbursed")
    svc.schedule_generate(actor=bank, loan=a_loan)
    a_loan.refresh_from_db()
    assert a_loan.status == "repaying"
    event = LoanEvent.objects.get(application=a_loan)
    assert (event.action, event.from_status, event.to_status) == ("start_repaying", "disbursed", "repaying")


def test_schedule_generate_wrong_bank_or_state(borrower, demo):
    a_loan = loan(borrower, bank="DEMO-BANK-RCB")
    with pytest.raises(Forbidden):
        svc.schedule_generate(actor=demo["bank_officer"], loan=a_loan)
    draft = loan(borrower, status="draft")
    with pytest.raises(Conflict) as exc:
        svc.schedule_generate(actor=demo["city_admin"], loan=draft)
    assert exc.value.code == "repayment.loan_not_repaying"


# --------------------------------------------------------------------------- fund split


def test_fund_split_remainders():
    """333.33 split central 50% / provincial 25% / city 12.5% / county 12.5%: exact shares 166.665,
    83.3325, 41.66625, 41.66625 → floors 166.66, 83.33, 41.66, 41.66 (sum 333.31); the 2 cents left go to
    the largest remainders, city and county (0.625 each, ahead of central's 0.5): 166.66 / 83.33 / 41.67 /
    41.67 = 333.33."""
    split = {"central": "0.50", "provincial": "0.25", "city": "0.125", "county": "0.125"}
    assert sub.split_subsidy(D("333.33"), split) == {
        "central": D("166.66"),
        "provincial": D("83.33"),
        "city": D("41.67"),
        "county": D("41.67"),
    }
    # a single cent goes to the largest remainder (central 0.5)
    assert sub.split_subsidy(D("0.01"), split)["central"] == D("0.01")
    # equal thirds: ties broken in level order central, provincial, city
    thirds = {"central": "1/3", "provincial": "1/3", "city": "1/3"}
    assert sub.split_subsidy(D("0.02"), thirds) == {
        "central": D("0.01"),
        "provincial": D("0.01"),
        "city": D("0.00"),
        "county": D("0.00"),
    }
    for amount in ("0.00", "0.07", "725.00", "99999.99"):
        assert sum(sub.split_subsidy(D(amount), split).values()) == D(amount)


def test_fund_split_must_sum_to_one():
    with pytest.raises(InvalidInput) as exc:
        sub.fund_weights({"central": "0.5", "provincial": "0.4"})
    assert exc.value.code == "subsidy.fund_split_invalid"
    with pytest.raises(InvalidInput) as exc:
        sub.fund_weights({"central": "1", "township": "0"})
    assert exc.value.code == "subsidy.fund_split_invalid"


# --------------------------------------------------------------------------- repayments


def test_allocation_interest_first_then_principal_oldest_period_first(borrower, bank):
    """Equal instalments, net mode: period 1 asks the borrower 391.67 interest + 5,210.99 principal
    = 5,602.66. A payment of 6,000.00 on 2021-04-15 pays period 1 in full, then period 2's interest 381.46,
    then 15.88 of its principal (6,000.00 − 5,602.66 − 381.46)."""
    a_loan = loan(borrower, method="equal_instalments")
    repayment = svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="6000.00")
    assert repayment.allocations == [
        {"period": 1, "interest": "391.67", "principal": "5210.99"},
        {"period": 2, "interest": "381.46", "principal": "15.88"},
    ]
    assert (repayment.interest_part, repayment.principal_part) == (D("773.13"), D("5226.87"))
    p1, p2 = items(a_loan)[:2]
    assert (p1.status, p1.paid_date) == ("paid", d("2021-04-15"))
    assert (p2.status, p2.interest_paid, p2.principal_paid) == ("partial", D("381.46"), D("15.88"))
    a_loan.refresh_from_db()
    assert a_loan.principal_outstanding == D("200000.00") - D("5226.87")
    assert a_loan.days_past_due == 0 and a_loan.status == "repaying"


def test_repayment_validation_codes(borrower, bank, demo):
    a_loan = loan(borrower)

    def code(**kw):
        kw.setdefault("date", d("2021-04-15"))
        kw.setdefault("amount", "391.67")
        with pytest.raises((InvalidInput, Conflict, Forbidden)) as exc:
            svc.repayment_record(actor=kw.pop("actor", bank), loan=a_loan, **kw)
        return exc.value.code

    assert code(amount="0") == "repayment.amount_invalid"
    assert code(amount="12.345") == "repayment.amount_invalid"
    assert code(amount="abc") == "repayment.amount_invalid"
    assert code(date=d("2021-03-01")) == "repayment.date_before_contract"
    assert code(date=d("2999-01-01")) == "repayment.date_in_future"
    assert code(amount="226100.01") == "repayment.exceeds_outstanding"  # 200,000 + 36 × 725.00 (at most)
    assert code(actor=demo["officer_411625"]) == "repayment.forbidden"
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="391.67", reference="R1")
    assert code(reference="R1", date=d("2021-05-15")) == "repayment.duplicate_reference"
    assert code(date=d("2021-04-14")) == "repayment.date_before_last"
    assert a_loan.repayments.count() == 1


def test_overdue_days_and_late_period_not_subsidised(borrower, bank):
    """Period 1 (due 2021-04-15) paid on time: 391.67. Period 2 (due 2021-05-15) unpaid: as of 2021-05-18 the
    loan is 3 days past due; its subsidy (333.33) is forfeited and the borrower owes the full 725.00 for it.
    Paid on 2021-05-20 the loan is cured; the period stays unsubsidised (no subsidy for overdue periods)."""
    a_loan = loan(borrower)
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="391.67")
    summary = svc.overdue_update(as_of=d("2021-05-18"))
    assert summary["overdue"] == 1
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due) == ("overdue", 3)
    p2 = items(a_loan)[1]
    assert (p2.status, p2.subsidy_forfeited, p2.interest_charge) == ("overdue", True, D("725.00"))
    assert CreditEntry.objects.filter(loan=a_loan, event="overdue").count() == 1
    # the borrower's share alone no longer covers the period: still overdue after 391.67
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-05-20"), amount="391.67")
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due) == ("overdue", 5)
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-05-20"), amount="333.33")
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due) == ("repaying", 0)
    p2 = items(a_loan)[1]
    assert (p2.status, p2.was_overdue, p2.subsidy_forfeited) == ("paid", True, True)
    assert [e.action for e in LoanEvent.objects.filter(application=a_loan)] == ["mark_overdue", "cure"]


def test_late_payment_without_the_nightly_run_still_forfeits(borrower, bank):
    a_loan = loan(borrower)
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-16"), amount="725.00")
    p1 = items(a_loan)[0]
    assert (p1.status, p1.was_overdue, p1.subsidy_forfeited) == ("paid", True, True)


def test_subsidy_continues_for_overdue_periods_when_the_policy_says_so(borrower, bank):
    policy = LoanPolicy.objects.get(effective_from=d("2021-01-01"))
    policy.subsidy_for_overdue = True
    policy.save()
    a_loan = loan(borrower)
    svc.overdue_update(as_of=d("2021-04-20"))
    p1 = items(a_loan)[0]
    assert (p1.status, p1.subsidy_forfeited, p1.interest_charge) == ("overdue", False, D("391.67"))


def test_repayment_entered_after_the_nightly_run_dated_on_time_restores_the_period(borrower, bank):
    """The run of 2021-04-16 marked period 1 overdue; the bank then records the payment it received on the
    due date: the period is on time after all (the loan is cured)."""
    a_loan = loan(borrower)
    svc.overdue_update(as_of=d("2021-04-16"))
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="391.67")
    p1 = items(a_loan)[0]
    assert (p1.status, p1.was_overdue, p1.subsidy_forfeited) == ("paid", False, False)
    a_loan.refresh_from_db()
    assert a_loan.status == "repaying"


def test_settled_on_time_writes_the_credit_ledger(borrower, bank):
    """3-month loan of 10,000.00 at 4.35%: interest 36.25 a month, borrower 19.58 (10,000 × 2.35% / 12 =
    19.583…). Paying 19.58, 19.58 and 10,019.58 on the due dates settles it on time."""
    a_loan = loan(borrower, amount="10000.00", term=3)
    for day, amount in (("2021-04-15", "19.58"), ("2021-05-15", "19.58"), ("2021-06-15", "10019.58")):
        svc.repayment_record(actor=bank, loan=a_loan, date=d(day), amount=amount)
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.principal_outstanding) == ("settled", D("0.00"))
    entry = CreditEntry.objects.get(loan=a_loan)
    assert entry.event == "repaid_on_time" and entry.date == d("2021-06-15")
    with pytest.raises(Conflict) as exc:
        svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-06-16"), amount="1.00")
    assert exc.value.code == "repayment.loan_not_repaying"


# --------------------------------------------------------------------------- compensation


def test_compensation_after_90_days_at_80_percent(borrower, bank, demo):
    """Nothing paid on the 2021 example loan. As of 2021-07-14 the oldest unpaid period (due 2021-04-15) is
    90 days past due: overdue, not yet compensated. As of 2021-07-15 it is 91 days (> 90): the guarantee fund
    compensates 80% × (outstanding principal 200,000.00 + unpaid interest of the three periods past due,
    3 × 725.00 = 2,175.00, their subsidy forfeited) = 80% × 202,175.00 = 161,740.00."""
    a_loan = loan(borrower)
    svc.overdue_update(as_of=d("2021-07-14"))
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due) == ("overdue", 90)
    assert not Compensation.objects.exists()
    summary = svc.overdue_update(as_of=d("2021-07-15"))
    assert summary["compensated"] == 1
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due) == ("compensated", 91)
    comp = Compensation.objects.get(loan=a_loan)
    assert (comp.principal, comp.interest, comp.share, comp.amount) == (
        D("200000.00"),
        D("2175.00"),
        D("0.8000"),
        D("161740.00"),
    )
    assert CreditEntry.objects.filter(loan=a_loan, event="compensated").exists()
    # recovery in two parts by the guarantee officer; recovered in full closes the loan
    guarantee = demo["guarantee_officer"]
    with pytest.raises(InvalidInput) as exc:
        svc.compensation_recover(actor=guarantee, compensation=comp, amount="161740.01", date=d("2021-08-01"))
    assert exc.value.code == "compensation.exceeds_amount"
    with pytest.raises(Forbidden):
        svc.compensation_recover(actor=bank, compensation=comp, amount="1.00", date=d("2021-08-01"))
    svc.compensation_recover(actor=guarantee, compensation=comp, amount="100000.00", date=d("2021-08-01"))
    comp = svc.compensation_recover(
        actor=guarantee, compensation=comp, amount="61740.00", date=d("2021-09-01")
    )
    assert comp.status == "recovered"
    a_loan.refresh_from_db()
    assert a_loan.status == "recovered"
    assert CreditEntry.objects.filter(loan=a_loan, event="recovered").exists()
    actions = list(LoanEvent.objects.filter(application=a_loan).values_list("action", flat=True))
    assert actions == ["mark_overdue", "compensate", "recover"]


def test_manual_compensation_too_early_and_write_off(borrower, demo):
    a_loan = loan(borrower)
    guarantee = demo["guarantee_officer"]
    with pytest.raises(Conflict) as exc:
        svc.compensation_create(actor=guarantee, loan=a_loan, date=d("2021-05-01"))
    assert exc.value.code == "compensation.too_early"
    assert not Compensation.objects.exists()
    comp = svc.compensation_create(actor=guarantee, loan=a_loan, date=d("2021-08-01"))
    assert comp.days_past_due == 108
    with pytest.raises(InvalidInput) as exc:
        svc.compensation_write_off(actor=guarantee, compensation=comp, date=d("2022-01-01"), reason=" ")
    assert exc.value.code == "compensation.reason_required"
    svc.compensation_write_off(
        actor=guarantee, compensation=comp, date=d("2022-01-01"), reason="借款人失联，追偿无果"
    )
    a_loan.refresh_from_db()
    assert a_loan.status == "written_off"
    with pytest.raises(Conflict) as exc:
        svc.compensation_recover(actor=guarantee, compensation=comp, amount="1.00", date=d("2022-01-02"))
    assert exc.value.code == "compensation.invalid_state"


def test_update_overdue_command(borrower, bank):
    from io import StringIO

    from django.core.management import call_command

    a_loan = loan(borrower)
    out = StringIO()
    call_command("update_overdue", "--date", "2021-05-18", stdout=out)
    assert "补建还款计划 1 笔" in out.getvalue() and "新逾期 1 笔" in out.getvalue()
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due) == ("overdue", 33)


def test_periods_with_nothing_to_pay_settle_on_their_due_date(borrower, bank):
    """Year 1 of a 2020 share-by-year loan is fully subsidised: under net payment the borrower owes 0.00 a
    month. Those periods are settled on their due dates (on time, their subsidy claimable) — never overdue."""
    a_loan = loan(borrower, contract=d("2020-06-15"))
    svc.overdue_update(as_of=d("2020-09-20"))
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.days_past_due) == ("repaying", 0)
    rows = items(a_loan)
    assert [(i.status, i.paid_date, i.subsidy_forfeited) for i in rows[:3]] == [
        ("paid", d("2020-07-15"), False),
        ("paid", d("2020-08-15"), False),
        ("paid", d("2020-09-15"), False),
    ]
    assert rows[3].status == "pending" and rows[0].interest_charge == D("0.00")
