"""Quarterly subsidy claim batches: what is claimed, totals equal the sum of lines, the fund split, double
claims refused, submit / approve / return by the right side, the Excel statement."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from openpyxl import load_workbook

from fanxiang.accounts.models import Organization, RoleAssignment, User
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.loans import repayment as svc
from fanxiang.loans.models import LoanPolicy, SubsidyBatch, SubsidyLine
from fanxiang.loans.subsidy import services as sub
from fanxiang.loans.tests.repayment_factories import d, loan, org, person
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db
D = Decimal
SHARE = "391.67"  # the 2021 example's monthly borrower interest (200,000 × 2.35% / 12)


@pytest.fixture
def book(demo):
    """Five loans of the 2021 example (200,000 at 4.35%, contract 2021-03-15, subsidy 333.33 a month):
    a: 郸城 (411625), PSBC, Q2 periods paid on time;
    b: 郸城, PSBC, period 2 (due 2021-05-15) paid late → its subsidy forfeited;
    c: 郸城, the other bank (RCB), paid on time → not in PSBC's batch;
    e: 鹿邑 (411628), PSBC, paid on time → in the city-wide batch only;
    f: 郸城, PSBC, nothing paid → nothing to claim."""
    bank = demo["bank_officer"]
    dancheng = person(demo["officer_411625"])
    luyi = person(demo["officer_411628"], region="411628100", name="李四")
    loans = {
        "a": loan(dancheng),
        "b": loan(dancheng),
        "c": loan(dancheng, bank="DEMO-BANK-RCB"),
        "e": loan(luyi),
        "f": loan(dancheng),
    }
    for key in ("a", "c", "e"):
        for day in ("2021-04-15", "2021-05-15", "2021-06-15"):
            svc.repayment_record(actor=demo["city_admin"], loan=loans[key], date=d(day), amount=SHARE)
    svc.repayment_record(actor=bank, loan=loans["b"], date=d("2021-04-15"), amount=SHARE)
    svc.repayment_record(actor=bank, loan=loans["b"], date=d("2021-05-20"), amount="725.00")
    svc.repayment_record(actor=bank, loan=loans["b"], date=d("2021-06-15"), amount=SHARE)
    svc.schedule_generate(actor=bank, loan=loans["f"])
    return loans


def test_batch_lines_and_totals(book, demo):
    """PSBC, 2021 Q2, city-wide: a (3 periods) + b (2: period 2 paid late is not subsidised) + e (3) = 8 lines
    of 333.33 = 2,666.64; interest 8 × 725.00 = 5,800.00; borrower 8 × 391.67 = 3,133.36.
    Each line splits 166.66 / 83.33 / 41.67 / 41.67 (see test_fund_split_remainders): central 1,333.28,
    provincial 666.64, city 333.36, county 333.36 — summing to 2,666.64."""
    batch = sub.batch_create(actor=demo["bank_officer"], bank=org("DEMO-BANK-PSBC"), year=2021, quarter=2)
    assert batch.number == "TX2021Q2-DEMO-BANK-PSBC-01"
    assert (batch.status, batch.line_count, batch.loan_count) == ("draft", 8, 3)
    assert (batch.period_start, batch.period_end) == (d("2021-04-01"), d("2021-06-30"))
    assert (batch.interest_total, batch.borrower_interest_total, batch.subsidy_total) == (
        D("5800.00"),
        D("3133.36"),
        D("2666.64"),
    )
    assert (batch.central_total, batch.provincial_total, batch.city_total, batch.county_total) == (
        D("1333.28"),
        D("666.64"),
        D("333.36"),
        D("333.36"),
    )
    sums = SubsidyLine.objects.filter(batch=batch).aggregate(
        *(
            Sum(f)
            for f in ("interest", "borrower_interest", "subsidy", "central", "provincial", "city", "county")
        )
    )
    assert sums["subsidy__sum"] == batch.subsidy_total and sums["interest__sum"] == batch.interest_total
    assert sums["central__sum"] + sums["provincial__sum"] + sums["city__sum"] + sums["county__sum"] == D(
        "2666.64"
    )
    for line in SubsidyLine.objects.filter(batch=batch):
        assert line.central + line.provincial + line.city + line.county == line.subsidy
        assert line.payee == "bank" and not line.carried_over
    claimed = set(SubsidyLine.objects.filter(batch=batch).values_list("loan_id", "period"))
    assert (book["b"].pk, 2) not in claimed and (book["b"].pk, 3) in claimed
    assert not {book["c"].pk, book["f"].pk} & {loan_id for loan_id, _ in claimed}


def test_county_batch_and_double_claim_refused(book, demo):
    bank = demo["bank_officer"]
    psbc = org("DEMO-BANK-PSBC")
    county = sub.batch_create(
        actor=bank, bank=psbc, year=2021, quarter=2, region=Region.objects.get(code="411625")
    )
    assert county.line_count == 5  # a (3) + b (2); e is in 411628
    with pytest.raises(Conflict) as exc:
        sub.batch_create(
            actor=bank, bank=psbc, year=2021, quarter=2, region=Region.objects.get(code="411625")
        )
    assert exc.value.code == "subsidy.already_claimed"
    # the city-wide batch takes only what is not claimed yet: e's three periods
    city = sub.batch_create(actor=bank, bank=psbc, year=2021, quarter=2)
    assert city.line_count == 3
    with pytest.raises(Conflict) as exc:
        sub.batch_create(actor=bank, bank=psbc, year=2021, quarter=2)
    assert exc.value.code == "subsidy.already_claimed"
    assert SubsidyLine.objects.count() == 8


def test_a_period_is_never_in_two_active_lines(book, demo):
    """The database refuses a second active line for a claimed period (partial unique constraint)."""
    from django.db import IntegrityError, transaction

    batch = sub.batch_create(actor=demo["bank_officer"], bank=org("DEMO-BANK-PSBC"), year=2021, quarter=2)
    line = SubsidyLine.objects.filter(batch=batch).first()
    line.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        line.save()


def test_submit_approve_return_by_the_right_side(book, demo):
    bank, liaison, admin = demo["bank_officer"], demo["unit_liaison"], demo["city_admin"]
    psbc = org("DEMO-BANK-PSBC")
    batch = sub.batch_create(actor=bank, bank=psbc, year=2021, quarter=2)
    assert batch.finance_org.code == "ZK-CZJ"
    with pytest.raises(Conflict) as exc:
        sub.batch_transition(actor=liaison, batch=batch, action="approve")
    assert exc.value.code == "subsidy.invalid_state"
    with pytest.raises(Forbidden) as exc:
        sub.batch_transition(actor=liaison, batch=batch, action="submit")
    assert exc.value.code == "subsidy.action_forbidden"
    sub.batch_transition(actor=bank, batch=batch, action="submit")
    with pytest.raises(Forbidden) as exc:
        sub.batch_transition(actor=bank, batch=batch, action="approve")
    assert exc.value.code == "subsidy.action_forbidden"
    with pytest.raises(InvalidInput) as exc:
        sub.batch_transition(actor=liaison, batch=batch, action="return", reason="  ")
    assert exc.value.code == "subsidy.return_reason_required"
    returned = sub.batch_transition(actor=liaison, batch=batch, action="return", reason="第3行利率有误")
    assert returned.status == "returned"
    assert not SubsidyLine.objects.filter(batch=batch, active=True).exists()
    # the periods are free again: a new batch for the quarter claims them
    again = sub.batch_create(actor=bank, bank=psbc, year=2021, quarter=2)
    assert again.number.endswith("-02") and again.subsidy_total == batch.subsidy_total
    sub.batch_transition(actor=bank, batch=again, action="submit")
    approved = sub.batch_transition(actor=admin, batch=again, action="approve")
    assert approved.status == "approved" and approved.decided_by == admin
    with pytest.raises(Conflict):
        sub.batch_transition(actor=liaison, batch=again, action="return", reason="x")


def test_other_member_unit_liaison_cannot_decide(book, demo):
    pboc = User.objects.create(username="liaison_pboc", organization=Organization.objects.get(code="ZK-RMYH"))
    RoleAssignment.objects.create(user=pboc, role="unit_liaison", region=Region.objects.get(code="411600"))
    batch = sub.batch_create(actor=demo["bank_officer"], bank=org("DEMO-BANK-PSBC"), year=2021, quarter=2)
    sub.batch_transition(actor=demo["bank_officer"], batch=batch, action="submit")
    assert not SubsidyBatch.objects.for_user(pboc).exists()
    assert SubsidyBatch.objects.for_user(demo["unit_liaison"]).count() == 1
    with pytest.raises(Forbidden):
        sub.batch_transition(actor=pboc, batch=batch, action="approve")


def test_batch_refusals(book, demo):
    bank = demo["bank_officer"]
    psbc = org("DEMO-BANK-PSBC")
    with pytest.raises(InvalidInput) as exc:
        sub.batch_create(actor=bank, bank=psbc, year=2021, quarter=3, today=d("2021-09-30"))
    assert exc.value.code == "subsidy.quarter_not_ended"
    with pytest.raises(InvalidInput) as exc:
        sub.batch_create(actor=bank, bank=psbc, year=2021, quarter=5)
    assert exc.value.code == "subsidy.quarter_invalid"
    with pytest.raises(InvalidInput) as exc:
        sub.batch_create(actor=bank, bank=psbc, year=2020, quarter=4)
    assert exc.value.code == "subsidy.nothing_to_claim"
    with pytest.raises(Forbidden) as exc:
        sub.batch_create(actor=bank, bank=org("DEMO-BANK-RCB"), year=2021, quarter=2)
    assert exc.value.code == "subsidy.batch_forbidden"
    with pytest.raises(Forbidden):
        sub.batch_create(actor=demo["officer_411625"], bank=psbc, year=2021, quarter=2)
    assert not SubsidyBatch.objects.exists()  # nothing half-written


def test_late_period_carried_over_when_overdue_periods_are_subsidised(demo):
    """With policy.subsidy_for_overdue, a Q2 period paid late in Q3 is claimed in the Q3 batch, flagged as
    carried over from an earlier quarter."""
    policy = LoanPolicy.objects.get(effective_from=d("2021-01-01"))
    policy.subsidy_for_overdue = True
    policy.save()
    bank = demo["bank_officer"]
    a_loan = loan(person(demo["officer_411625"]))
    for day in ("2021-04-15", "2021-05-15"):
        svc.repayment_record(actor=bank, loan=a_loan, date=d(day), amount=SHARE)
    q2 = sub.batch_create(actor=bank, bank=org("DEMO-BANK-PSBC"), year=2021, quarter=2)
    assert q2.line_count == 2
    svc.repayment_record(
        actor=bank, loan=a_loan, date=d("2021-07-10"), amount=SHARE
    )  # period 3, 25 days late
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-07-15"), amount=SHARE)
    q3 = sub.batch_create(actor=bank, bank=org("DEMO-BANK-PSBC"), year=2021, quarter=3)
    lines = {line.period: line.carried_over for line in q3.lines.all()}
    assert lines == {3: True, 4: False}


def test_reimburse_mode_pays_the_borrower(demo):
    policy = LoanPolicy.objects.get(effective_from=d("2021-01-01"))
    policy.subsidy_payment = "reimburse"
    policy.save()
    bank = demo["bank_officer"]
    a_loan = loan(person(demo["officer_411625"]))
    svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="725.00")
    batch = sub.batch_create(actor=bank, bank=org("DEMO-BANK-PSBC"), year=2021, quarter=2)
    line = batch.lines.get()
    assert (line.payee, line.interest, line.subsidy) == ("borrower", D("725.00"), D("333.33"))


def test_statement_export(book, demo):
    batch = sub.batch_create(actor=demo["bank_officer"], bank=org("DEMO-BANK-PSBC"), year=2021, quarter=2)
    wb = load_workbook(io.BytesIO(sub.batch_statement(batch)))
    ws = wb["贴息申报明细"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:9] == (
        "序号",
        "贷款编号",
        "借款人",
        "所属区划",
        "期次",
        "应还日期",
        "合同利息（元）",
        "借款人承担（元）",
        "贴息金额（元）",
    )
    assert len(rows) == 1 + 8 + 1
    total = rows[-1]
    assert total[0] == "合计" and total[1] == "8笔"
    assert D(str(total[8])) == D("2666.64")
    assert sum(D(str(r[8])) for r in rows[1:-1]) == D("2666.64")
    assert isinstance(rows[1][5], dt.datetime | dt.date)
    assert wb["批次信息"]["B1"].value == batch.number


def test_delete_draft_only(book, demo):
    bank = demo["bank_officer"]
    batch = sub.batch_create(actor=bank, bank=org("DEMO-BANK-PSBC"), year=2021, quarter=2)
    sub.batch_delete(actor=bank, batch=batch)
    assert not SubsidyBatch.objects.exists() and not SubsidyLine.objects.exists()
    batch = sub.batch_create(actor=bank, bank=org("DEMO-BANK-PSBC"), year=2021, quarter=2)
    sub.batch_transition(actor=bank, batch=batch, action="submit")
    with pytest.raises(Conflict):
        sub.batch_delete(actor=bank, batch=batch)


@pytest.mark.parametrize(
    "split",
    [
        {"central": "0.50", "provincial": "0.25", "city": "0.125", "county": "0.125"},
        {"central": "1/3", "provincial": "1/3", "city": "1/3"},
        {"central": "0.6", "provincial": "0.2", "city": "0.1", "county": "0.1"},
    ],
)
def test_database_split_equals_the_reference_split(demo, split):
    """The claim computes each line's split in SQL; it must equal ``split_cents`` (largest remainder, ties in
    level order) for every subsidy. Loans of 10,000.01 … 10,000.19 give subsidies of many different cents."""
    policy = LoanPolicy.objects.get(effective_from=d("2021-01-01"))
    policy.fund_split = split
    policy.save()
    bank = demo["bank_officer"]
    borrower = person(demo["officer_411625"])
    for cents in range(1, 20):
        a_loan = loan(borrower, amount=f"{10000 + cents * 997}.{cents:02d}", term=3)
        svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="1000.00")
    batch = sub.batch_create(actor=bank, bank=org("DEMO-BANK-PSBC"), year=2021, quarter=2)
    assert batch.line_count == 19 * 2  # periods 1 and 2 (paid ahead); period 3 carries the principal
    seen = set()
    for line in batch.lines.all():
        expected = sub.split_subsidy(line.subsidy, split)
        assert (line.central, line.provincial, line.city, line.county) == tuple(expected.values()), (
            line.subsidy
        )
        seen.add(line.subsidy)
    assert len(seen) > 10
    assert batch.subsidy_total == sum(line.subsidy for line in batch.lines.all())


def test_one_batch_over_loans_of_two_policies(demo):
    """A 2020 loan (share-by-year, year 1 fully subsidised: 725.00) split 60/20/10/10 and a 2021 loan
    (LPR−150BP: 333.33) split 50/25/12.5/12.5 in one claim: each line follows its own loan's policy.
    725.00 → 435.00 / 145.00 / 72.50 / 72.50; 333.33 → 166.66 / 83.33 / 41.67 / 41.67."""
    old = LoanPolicy.objects.get(effective_from=d("2020-04-15"))
    old.fund_split = {"central": "0.6", "provincial": "0.2", "city": "0.1", "county": "0.1"}
    old.save()
    bank = demo["bank_officer"]
    borrower = person(demo["officer_411625"])
    loan_2020 = loan(borrower, contract=d("2020-06-15"))
    loan_2021 = loan(borrower)
    svc.repayment_record(actor=bank, loan=loan_2021, date=d("2021-04-15"), amount=SHARE)
    # year 1 of the 2020 loan asks the borrower nothing: the run settles periods 1–10 on their due dates
    svc.overdue_update(as_of=d("2021-04-16"))
    batch = sub.batch_create(
        actor=bank, bank=org("DEMO-BANK-PSBC"), year=2021, quarter=2, today=d("2021-07-01")
    )
    lines = {(line.loan_id, line.period): line for line in batch.lines.all()}
    assert sorted(p for loan_id, p in lines if loan_id == loan_2020.pk) == list(range(1, 11))
    assert sum(line.carried_over for line in lines.values()) == 9  # 2020-07-15 … 2021-03-15
    line_2021 = lines[loan_2021.pk, 1]
    assert (line_2021.central, line_2021.provincial, line_2021.city, line_2021.county) == (
        D("166.66"),
        D("83.33"),
        D("41.67"),
        D("41.67"),
    )
    line_2020 = next(line for (loan_id, _p), line in lines.items() if loan_id == loan_2020.pk)
    assert line_2020.subsidy == D("725.00")
    assert (line_2020.central, line_2020.provincial, line_2020.city, line_2020.county) == (
        D("435.00"),
        D("145.00"),
        D("72.50"),
        D("72.50"),
    )
