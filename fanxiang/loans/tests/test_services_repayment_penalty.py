"""Penalty interest (罚息) on overdue periods: contract rate × the policy's multiplier (default 1.5, not in the
policy texts: unconfirmed), actual days / 360 from the due date, on what stayed unpaid; never subsidised.
The example loan: 200,000.00 at 4.35%, contract 2021-03-15, monthly interest (725.00; borrower's share
391.67, subsidy 333.33 — forfeited once the period is overdue, so 725.00 is owed). Penalty rate 4.35% × 1.5 =
6.525% a year."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fanxiang.accounts.models import Organization
from fanxiang.loans import repayment as svc
from fanxiang.loans.models import LoanPolicy, RepaymentPlan, ScheduleItem
from fanxiang.loans.subsidy import services as sub
from fanxiang.loans.tests.repayment_factories import d, loan

pytestmark = pytest.mark.django_db
D = Decimal


def penalties(a_loan, as_of: str) -> dict[int, tuple[int, Decimal]]:
    plan = RepaymentPlan.objects.get(loan=a_loan)
    items = list(ScheduleItem.objects.filter(loan=a_loan).order_by("period"))
    return svc.schedule_penalties(plan, items, d(as_of))


def test_penalty_on_an_unpaid_period(borrower, bank):
    """Period 1 (due 2021-04-15) unpaid; as of 2021-05-15 it is 30 days overdue: 725.00 × 6.525% × 30 / 360 =
    3.942… → 3.94. Period 2 is due that very day: no penalty yet."""
    a_loan = loan(borrower)
    svc.schedule_generate(actor=bank, loan=a_loan)
    assert penalties(a_loan, "2021-05-15") == {1: (30, D("3.94"))}


def test_penalty_follows_partial_and_late_payments(borrower, bank):
    """391.67 paid on 2021-04-25 (10 days late): 725.00 for 10 days, then 333.33 for 20 days to 2021-05-15:
    (7,250.00 + 6,666.60) × 6.525% / 360 = 2.522… → 2.52. The rest paid on 2021-05-05 instead: 725.00 × 10
    + 333.33 × 10 = 10,583.30 balance-days → 1.918… → 1.92, 20 days overdue, and it stops growing."""
    a_loan = loan(borrower)
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-25"), amount="391.67")
    assert penalties(a_loan, "2021-05-15")[1] == (30, D("2.52"))
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-05-05"), amount="333.33")
    assert penalties(a_loan, "2021-05-15")[1] == (20, D("1.92"))
    assert penalties(a_loan, "2021-06-30")[1] == (20, D("1.92"))


def test_multiplier_is_an_effective_dated_policy_parameter(borrower, bank):
    """With the 2021 policy's multiplier at 1.3 (frozen on the plan when the schedule is built): 725.00 ×
    5.655% × 30 / 360 = 3.416… → 3.42."""
    LoanPolicy.objects.filter(effective_from=d("2021-01-01")).update(penalty_rate_multiplier=D("1.30"))
    a_loan = loan(borrower)
    plan = svc.schedule_generate(actor=bank, loan=a_loan)
    assert plan.penalty_multiplier == D("1.30")
    assert penalties(a_loan, "2021-05-15")[1] == (30, D("3.42"))


def test_penalty_in_the_schedule_api_and_never_subsidised(borrower, bank, api):
    """GET /schedule?as_of=2021-05-15 shows each period's penalty and the total (3.94), the penalty rate
    6.525%, and the subsidy figures are untouched by it: the forfeited period 1 is not claimed, period 2 paid
    on time is claimed at its 333.33 — no penalty in any claim."""
    a_loan = loan(borrower, number="DK2021-411625-09010")
    client = api("bank_officer")
    client.post(f"/api/v1/loans/{a_loan.pk}/schedule", {})
    body = client.get(f"/api/v1/loans/{a_loan.pk}/schedule", {"as_of": "2021-05-15"}).json()
    assert (body["as_of"], body["penalty_rate"], body["totals"]["penalty"]) == (
        "2021-05-15",
        "6.5250",
        "3.94",
    )
    first = body["items"][0]
    assert (first["penalty_days"], first["penalty"], first["subsidy"]) == (30, "3.94", "333.33")
    assert body["totals"]["subsidy"] == "11999.88"  # 36 × 333.33: the penalty never enters the subsidy
    # period 1 paid late (725.00 + its penalty is the bank's business), period 2 on time
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-05-15"), amount="1116.67")  # 725.00 + 391.67
    psbc = Organization.objects.get(code="DEMO-BANK-PSBC")
    batch = sub.batch_create(actor=bank, bank=psbc, year=2021, quarter=2, today=d("2021-07-05"))
    assert (batch.line_count, batch.subsidy_total) == (1, D("333.33"))
