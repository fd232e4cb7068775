"""The quarterly interest-subsidy claim batch over 50k loans of one bank (target ≤ 10 s).

Data (load time printed separately): 50,000 repaying loans of the demo bank (邮储) plus 5,000 of the other
bank, contracted 2021-07-01 … 2021-12-31 under the 2021 rules (LPR−150BP), 50k–200k yuan, 12/24/36 months,
monthly interest or equal instalments, with their stored schedules (~1.3M periods). Every period due up to
2022-06-30 is marked paid on its due date except one Q2-2022 period of 3% of the loans (overdue, subsidy
forfeited). History: the bank's batches of 2021Q3, 2021Q4 and 2022Q1 are created with the service first, so
the claimed-lines table holds the earlier quarters as it would in production.

Measured: ``subsidy.batch_create`` for 2022 Q2 (one bank, city-wide): set-wise selection of claimable periods,
fund split per line, bulk insert of the lines, totals — and the sum of the lines checked against the totals.

Baseline, same run, same data: a naive per-loan ORM loop (per loan: load its plan and policy, its Q2 periods,
an EXISTS per period for an earlier claim, the fund split, one INSERT per line) over 2,000 loans, inside a
transaction rolled back afterwards; its time is extrapolated linearly to the 50,000 loans (said so in the
output) and compared with the set-wise batch.

Both run with DEBUG off (as in production). On PostgreSQL the load ends with ANALYZE (autovacuum's statistics).

Run: ``.venv/bin/python bench/bench_subsidy.py`` (SQLite in a temp dir; BENCH_DATABASE_URL for PostgreSQL).
"""

import datetime as dt
import random
import time
from decimal import Decimal

from _setup import bench_entrepreneur, setup

N_LOANS = 50_000
N_OTHER_BANK = 5_000
N_BASELINE = 2_000
OVERDUE_SHARE = 0.03
QUARTER_END = dt.date(2022, 6, 30)

ITEM_COLUMNS = (
    "plan_id", "loan_id", "period", "loan_year", "start_date", "due_date", "opening_principal", "principal_due",
    "interest_due", "borrower_interest", "subsidy", "interest_charge", "principal_paid", "interest_paid",
    "paid_date", "status", "was_overdue", "subsidy_forfeited",
)  # fmt: skip


def populate(rng: random.Random) -> dict:
    from django.db import connection, transaction

    from fanxiang.accounts.models import Organization
    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.loans.applications.eligibility import policy_on
    from fanxiang.loans.models import LoanApplication, RepaymentPlan, ScheduleItem
    from fanxiang.loans.subsidy import services as sub
    from fanxiang.regions.models import Region

    psbc = Organization.objects.get(code="DEMO-BANK-PSBC")
    rcb = Organization.objects.get(code="DEMO-BANK-RCB")
    guarantee = Organization.objects.get(code="DEMO-GUAR")
    townships = list(Region.objects.filter(level="township"))
    total = N_LOANS + N_OTHER_BANK
    people = [
        bench_entrepreneur(
            i,
            rng.choice(townships),
            key="subsidy-bench",
            name="借款人",
            initials="jkr",
            counted_on=dt.date(2021, 6, 1),
        )
        for i in range(total)
    ]
    Entrepreneur.objects.bulk_create(people, batch_size=5000)
    people = list(Entrepreneur.objects.order_by("pk").values_list("pk", "region_id"))
    start = dt.date(2021, 7, 1)
    loans = []
    for i, (person_id, region_id) in enumerate(people):
        contract = start + dt.timedelta(days=rng.randrange(184))
        lpr = Decimal("3.85") if contract < dt.date(2021, 12, 20) else Decimal("3.80")
        amount = Decimal(rng.choice([50_000, 100_000, 150_000, 200_000]))
        loans.append(
            LoanApplication(
                number=f"BENCH{i:07d}",
                entrepreneur_id=person_id,
                region_id=region_id,
                borrower_type="individual",
                borrower_categories=["returning_migrant_worker"],
                amount=amount,
                term_months=rng.choice([12, 24, 36]),
                bank=psbc if i < N_LOANS else rcb,
                guarantee_org=guarantee,
                status="repaying",
                approved_amount=amount,
                annual_rate=lpr + Decimal("0.50"),
                contract_date=contract,
                repayment_method=rng.choice(["interest_monthly", "equal_instalments"]),
                disbursed_total=amount,
                principal_outstanding=amount,
            )
        )
    LoanApplication.objects.bulk_create(loans, batch_size=5000)
    loans = list(LoanApplication.objects.order_by("pk"))
    templates: dict[tuple, tuple] = {}
    policy = policy_on(dt.date(2021, 7, 1))
    plans = [
        RepaymentPlan(
            loan=a_loan,
            policy=policy,
            method=a_loan.repayment_method,
            principal=a_loan.amount,
            annual_rate=a_loan.annual_rate,
            term_months=a_loan.term_months,
            contract_date=a_loan.contract_date,
            lpr_date=dt.date(2020, 4, 20)
            if a_loan.contract_date < dt.date(2021, 12, 20)
            else dt.date(2021, 12, 20),
            lpr_one_year=a_loan.annual_rate - Decimal("0.50"),
            borrower_rate=a_loan.annual_rate - Decimal("2.00"),  # (LPR − 1.50) where rate = LPR + 0.50
            subsidised_rate_cap=a_loan.annual_rate,
            subsidy_mode=policy.subsidy_mode,
            subsidy_payment=policy.subsidy_payment,
            subsidy_for_overdue=policy.subsidy_for_overdue,
        )
        for a_loan in loans
    ]
    RepaymentPlan.objects.bulk_create(plans, batch_size=5000)
    plan_of = dict(RepaymentPlan.objects.values_list("loan_id", "pk"))
    overdue_loans = set(rng.sample(range(len(loans)), int(len(loans) * OVERDUE_SHARE)))
    table = ScheduleItem._meta.db_table
    sql = f"INSERT INTO {table} ({', '.join(ITEM_COLUMNS)}) VALUES ({', '.join(['%s'] * len(ITEM_COLUMNS))})"
    rows: list[tuple] = []
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for index, a_loan in enumerate(loans):
            key = (a_loan.amount, a_loan.annual_rate, a_loan.repayment_method, a_loan.term_months)
            if key not in templates:
                t = sub.Terms(
                    method=a_loan.repayment_method,
                    principal=a_loan.amount,
                    annual_rate=a_loan.annual_rate,
                    term_months=a_loan.term_months,
                    contract_date=dt.date(2021, 7, 1),
                    subsidy_mode=policy.subsidy_mode,
                    borrower_rate=a_loan.annual_rate - Decimal("2.00"),
                    rate_cap=a_loan.annual_rate,
                    subsidy_payment=policy.subsidy_payment,
                )
                templates[key] = tuple(sub.build_schedule(t))
            late_period = None
            if index in overdue_loans:  # one Q2-2022 period unpaid and past due
                late_period = next(
                    (
                        p.period
                        for p in templates[key]
                        if dt.date(2022, 4, 1)
                        <= sub.add_months(a_loan.contract_date, p.period)
                        <= QUARTER_END
                    ),
                    None,
                )
            for p in templates[key]:
                due = sub.add_months(a_loan.contract_date, p.period)
                paid = due <= QUARTER_END and p.period != late_period
                late = p.period == late_period
                charge = p.interest_due if late else p.borrower_interest
                rows.append(
                    (
                        plan_of[a_loan.pk], a_loan.pk, p.period, p.loan_year,
                        sub.add_months(a_loan.contract_date, p.period - 1), due, p.opening_principal, p.principal_due,
                        p.interest_due, p.borrower_interest, p.subsidy, charge,
                        p.principal_due if paid else Decimal0, charge if paid else Decimal0, due if paid else None,
                        "paid" if paid else ("overdue" if late else "pending"), late, late,
                    )
                )  # fmt: skip
                if len(rows) >= 20_000:
                    cursor.executemany(sql, rows)
                    count += len(rows)
                    rows = []
        if rows:
            cursor.executemany(sql, rows)
            count += len(rows)
    return {"loans": len(loans), "items": count, "overdue_loans": len(overdue_loans)}


Decimal0 = Decimal("0.00")


def naive_batch(bank, loan_ids: list[int], year: int, quarter: int, actor) -> tuple[float, int]:
    """The per-loan ORM loop a first version would write; returns (seconds, lines)."""
    from django.db import transaction

    from fanxiang.loans.choices import SubsidyPayee
    from fanxiang.loans.models import LoanApplication, ScheduleItem, SubsidyBatch, SubsidyLine
    from fanxiang.loans.subsidy import services as sub

    start_day, end_day = sub.quarter_bounds(year, quarter)

    class Rollback(Exception):
        pass

    lines = 0
    t0 = time.perf_counter()
    try:
        with transaction.atomic():
            batch = SubsidyBatch.objects.create(
                number=f"NAIVE-{year}Q{quarter}",
                bank=bank,
                region=bank.region,
                year=year,
                quarter=quarter,
                period_start=start_day,
                period_end=end_day,
            )
            total = Decimal0
            for loan_id in loan_ids:
                a_loan = LoanApplication.objects.get(pk=loan_id)
                plan = a_loan.plan
                policy = plan.policy
                for item in ScheduleItem.objects.filter(loan=a_loan, due_date__lte=end_day, status="paid"):
                    if item.subsidy_forfeited or item.subsidy <= 0:
                        continue
                    if SubsidyLine.objects.filter(schedule_item=item, active=True).exists():
                        continue
                    parts = sub.split_subsidy(item.subsidy, policy.fund_split)
                    SubsidyLine.objects.create(
                        batch=batch,
                        schedule_item=item,
                        loan=a_loan,
                        period=item.period,
                        due_date=item.due_date,
                        interest=item.interest_due,
                        borrower_interest=item.borrower_interest,
                        subsidy=item.subsidy,
                        payee=SubsidyPayee.BANK,
                        carried_over=item.due_date < start_day,
                        **parts,
                    )
                    total += item.subsidy
                    lines += 1
            batch.subsidy_total = total
            batch.line_count = lines
            batch.save()
            elapsed = time.perf_counter() - t0
            raise Rollback
    except Rollback:
        pass
    return elapsed, lines


def main() -> None:
    setup()
    from django.conf import settings
    from django.db import connection

    from fanxiang.accounts.models import Organization, User
    from fanxiang.demo.services import load_demo_data, load_reference_data
    from fanxiang.loans.models import LoanApplication, SubsidyLine
    from fanxiang.loans.subsidy import services as sub

    settings.DEBUG = False  # as in production: no per-query SQL log (it costs the naive loop the most)
    load_reference_data()
    load_demo_data()
    rng = random.Random(20220630)
    print(f"database: {connection.vendor}")
    t0 = time.perf_counter()
    info = populate(rng)
    t_schedules = time.perf_counter() - t0
    print(
        f"load: {info['loans']:,} loans ({N_LOANS:,} at the measured bank), {info['items']:,} schedule periods, "
        f"{info['overdue_loans']:,} loans with an overdue Q2 period — {t_schedules:.1f} s"
    )
    bank_user = User.objects.get(username="bank_officer")
    psbc = Organization.objects.get(code="DEMO-BANK-PSBC")
    t0 = time.perf_counter()
    history = []
    for year, quarter in ((2021, 3), (2021, 4), (2022, 1)):
        batch = sub.batch_create(actor=bank_user, bank=psbc, year=year, quarter=quarter)
        history.append(f"{year}Q{quarter} {batch.line_count:,}")
    print(f"load: history batches {', '.join(history)} lines — {time.perf_counter() - t0:.1f} s")
    if connection.vendor == "postgresql":  # planner statistics, as autovacuum keeps them in a live database
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"load: ANALYZE — {time.perf_counter() - t0:.1f} s")

    loan_ids = list(
        LoanApplication.objects.filter(bank=psbc).order_by("?").values_list("pk", flat=True)[:N_BASELINE]
    )
    naive_s, naive_lines = naive_batch(psbc, loan_ids, 2022, 2, bank_user)
    naive_50k = naive_s * N_LOANS / N_BASELINE
    print(
        f"baseline (naive per-loan ORM loop, rolled back): {N_BASELINE:,} loans, {naive_lines:,} lines in "
        f"{naive_s:.2f} s → extrapolated linearly to {N_LOANS:,} loans: {naive_50k:.1f} s"
    )

    t0 = time.perf_counter()
    batch = sub.batch_create(actor=bank_user, bank=psbc, year=2022, quarter=2)
    elapsed = time.perf_counter() - t0
    # summed in Python from the stored values (SQLite's SUM over decimals goes through floats)
    subsidy_sum = levels_sum = Decimal0
    for subsidy, *levels in SubsidyLine.objects.filter(batch=batch).values_list(
        "subsidy", "central", "provincial", "city", "county"
    ):
        subsidy_sum += subsidy
        levels_sum += sum(levels)
    ok = subsidy_sum == batch.subsidy_total == levels_sum
    print(
        f"batch 2022Q2 {batch.number}: {batch.loan_count:,} loans, {batch.line_count:,} lines, "
        f"subsidy {batch.subsidy_total:,.2f} yuan (central {batch.central_total:,.2f} / provincial "
        f"{batch.provincial_total:,.2f} / city {batch.city_total:,.2f} / county {batch.county_total:,.2f}); "
        f"sum of lines = total: {'yes' if ok else 'NO'}"
    )
    print(
        f"batch_create over {N_LOANS:,} loans: {elapsed:.2f} s (target ≤ 10 s: {'met' if elapsed <= 10 else 'MISSED'})"
    )
    print(f"ratio naive (extrapolated) / set-wise: {naive_50k / elapsed:.1f}×")
    t0 = time.perf_counter()
    content = sub.batch_statement(batch)
    print(
        f"statement export (.xlsx, {batch.line_count:,} rows + totals): {time.perf_counter() - t0:.1f} s, {len(content) / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
