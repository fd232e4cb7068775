"""Interest, borrower share, subsidy and fund split — the formulas — and the quarterly subsidy claim batches.

Conventions (one place, used by the schedule, the API, the batches and the tests):

* **Day count 30/360, monthly periods.** Period *k* runs from the contract date plus *k−1* months to the
  contract date plus *k* months (the same day of the month, or the month's last day when it has no such
  day: a 31 January contract falls due on 28/29 February, 31 March …). Every period is one twelfth of a
  year whatever its number of days: ``interest = opening principal × annual rate % / 12``.
* **Broken periods: actual days / 360** (the PBoC day rate, 日利率 = 年利率 / 360). Interest for part of a
  period — up to an early settlement date, on a prepaid amount up to the prepayment date, on a further
  tranche from its disbursement to the period's due date — is ``amount × annual rate % × days / 36000``,
  never more than the same amount's whole-period interest (``/ 12``). A whole period is always ``/ 12``,
  so the two conventions agree wherever a period is complete. Penalty interest (罚息) uses the same day
  rate: ``overdue amount × contract rate × policy multiplier × days / 36000`` per overdue period, counted
  from the day after its due date; it is never subsidised.
* **Rounding.** Each period's amounts are rounded to cents with ROUND_HALF_UP, where the banks round: the
  contract-rate interest, the borrower-rate interest, the share-by-year subsidy, and the equal instalment.
  Totals are sums of rounded periods, never re-rounded.
* **Methods.** ``interest_monthly`` (按月付息、到期还本): interest every month, all principal in the last
  period. ``equal_instalments`` (等额本息): instalment ``A = P·r·(1+r)^n / ((1+r)^n − 1)`` with
  ``r = rate/1200`` rounded to cents; each period's principal is ``A − interest``; the last period repays
  the remaining principal, so rounding never leaves a residue.
* **Borrower share and subsidy** follow the loan policy in force on the contract date:

  - ``lpr_minus`` (2021+): borrower rate = 1-year LPR of the latest announcement on or before the contract
    date − ``borrower_bp_below_lpr`` (floor 0); ``subsidy = interest − round(opening × borrower rate / 12)``
    (never below 0);
  - ``share_by_year`` (2018–2020): ``subsidy = round(interest × share of the loan year)`` — periods 1–12 are
    year 1, 13–24 year 2 …; shares are decimals (``"0.6667"``) or exact fractions (``"2/3"``);
  - ``full``: ``subsidy = interest``;
  - ``rate_share`` (2018–2020 small/micro enterprises, ``policy.enterprise_benchmark_share``): the subsidy
    is the interest at ``share × 1-year LPR`` on the contract date (``round(opening × that rate / 12)``),
    never above the contract interest.
* **Extension (展期) periods** — those added after the original maturity — are subsidised only when the
  policy in force on the extension date says so (``extension_subsidised``); then at the share of the last
  regular loan year (share-by-year) or by the loan's own formula.

  The borrower's interest is always ``interest − subsidy``. Where an LPR is known, the subsidy is computed
  on the contract rate capped at ``LPR + rate_cap_bp_over_lpr``: interest above the cap is the borrower's.
* **Overdue periods.** A period not fully paid by its due date is overdue; unless
  ``policy.subsidy_for_overdue`` its subsidy is forfeited and the borrower owes the full contract interest
  for it.
* **How the subsidy is paid** (``policy.subsidy_payment``): ``net`` — the bank charges the borrower only
  their share and claims the subsidy (payee: the bank); ``reimburse`` (先付后贴) — the borrower pays the
  full interest and the quarterly claim reimburses them (payee: the borrower).
* **Fund split.** Each claimed subsidy splits by ``policy.fund_split`` over central / provincial / city /
  county in whole cents by the largest-remainder method: every level gets ``floor(subsidy × share)``, the
  cents left go one each to the levels with the largest remainders, ties in the order central, provincial,
  city, county. The parts always sum exactly to the subsidy.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.core.scope import ADD, resolve
from fanxiang.loans.choices import (
    BatchStatus,
    RepaymentMethod,
    ScheduleStatus,
    SubsidyMode,
    SubsidyPayee,
    SubsidyPayment,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
FUND_LEVELS = ("central", "provincial", "city", "county")
FUND_LABELS = {"central": "中央", "provincial": "省级", "city": "市级", "county": "县级"}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def cents_of_fraction(value: Fraction) -> Decimal:
    """Round an exact (non-negative) fraction of yuan to cents, half up."""
    scaled = value * 100
    n, d = scaled.numerator, scaled.denominator
    q = (2 * n + d) // (2 * d) if n >= 0 else -((-2 * n + d) // (2 * d))
    return (Decimal(q) / 100).quantize(CENT)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or that month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse_share(value: Any) -> Fraction:
    """``"1"``, ``"0.6667"``, ``0.5`` or ``"2/3"`` → an exact fraction in [0, 1]."""
    text = str(value).strip()
    try:
        if "/" in text:
            num, den = text.split("/", 1)
            share = Fraction(int(num), int(den))
        else:
            share = Fraction(Decimal(text))
    except (ValueError, ZeroDivisionError, InvalidOperation):
        raise InvalidInput(
            "subsidy.share_invalid", f"贴息比例“{text}”无效：请填写0到1之间的小数或分数（如 2/3）。"
        )
    if not 0 <= share <= 1:
        raise InvalidInput("subsidy.share_invalid", f"贴息比例“{text}”应在0到1之间。")
    return share


# --------------------------------------------------------------------------- terms and schedule


@dataclass(frozen=True)
class Terms:
    method: str
    principal: Decimal
    annual_rate: Decimal  # percent
    term_months: int
    contract_date: dt.date
    subsidy_mode: str
    borrower_rate: Decimal | None = None  # percent, lpr_minus only
    rate_cap: Decimal | None = None  # percent: the subsidy is computed on min(contract rate, cap)
    shares: tuple[Fraction, ...] = ()
    subsidy_payment: str = SubsidyPayment.NET
    subsidy_for_overdue: bool = False
    lpr_date: dt.date | None = None
    lpr_one_year: Decimal | None = None
    subsidy_rate: Decimal | None = None  # percent, rate_share only
    penalty_multiplier: Decimal = Decimal("1.50")
    extension_from: int | None = None  # first extension period
    extension_subsidised: bool = False
    regular_years: int | None = None  # loan years before the extension


@dataclass(frozen=True)
class Period:
    period: int
    loan_year: int
    start_date: dt.date
    due_date: dt.date
    opening_principal: Decimal
    principal_due: Decimal
    interest_due: Decimal
    borrower_interest: Decimal
    subsidy: Decimal


def lpr_on(day: dt.date):
    from fanxiang.loans.models import LprRate

    return LprRate.objects.filter(effective_date__lte=day).order_by("-effective_date").first()


def terms_for(loan: Any) -> tuple[Terms, Any]:
    """The terms of ``loan``'s schedule: its contract data and the policy (and LPR) in force on the contract
    date. Raises InvalidInput with ``schedule.*`` / ``subsidy.*`` codes when something is missing."""
    from fanxiang.loans.applications.eligibility import policy_on

    missing = [
        label
        for label, value in (
            ("合同日期", loan.contract_date),
            ("合同年利率", loan.annual_rate),
            ("贷款期限", loan.term_months),
        )
        if not value
    ]
    if missing:
        raise InvalidInput("schedule.terms_missing", f"贷款缺少{'、'.join(missing)}，不能生成还款计划。")
    principal = loan.disbursed_total or ZERO
    if principal <= 0:
        raise InvalidInput("schedule.not_disbursed", "贷款尚未放款（已放款金额为0），不能生成还款计划。")
    if loan.repayment_method not in RepaymentMethod.values:
        raise InvalidInput(
            "schedule.method_invalid",
            f"还款方式“{loan.repayment_method}”无效：应为按月付息到期还本或等额本息。",
        )
    if loan.annual_rate < 0 or loan.annual_rate > 36:
        raise InvalidInput("schedule.rate_invalid", "合同年利率应在0%至36%之间。")
    policy = policy_on(loan.contract_date)
    if policy is None:
        raise InvalidInput(
            "subsidy.policy_missing", f"合同日期 {loan.contract_date} 没有生效的贷款政策，无法确定贴息方式。"
        )
    lpr = lpr_on(loan.contract_date)
    if policy.subsidy_mode == SubsidyMode.LPR_MINUS and lpr is None:
        raise InvalidInput(
            "subsidy.lpr_missing", f"合同日期 {loan.contract_date} 之前没有 LPR 公布记录，请先维护 LPR 表。"
        )
    mode = policy.subsidy_mode
    subsidy_rate = None
    enterprise_share = policy.enterprise_benchmark_share
    if getattr(loan, "borrower_type", None) == "enterprise" and enterprise_share is not None:
        if lpr is None:
            raise InvalidInput(
                "subsidy.lpr_missing",
                f"合同日期 {loan.contract_date} 之前没有贷款基础利率（LPR）记录，无法计算小微企业贴息。",
            )
        mode = SubsidyMode.RATE_SHARE
        subsidy_rate = (lpr.one_year * enterprise_share).quantize(Decimal("0.0001"))
    borrower_rate = None
    if mode == SubsidyMode.LPR_MINUS:
        borrower_rate = max(lpr.one_year - Decimal(policy.borrower_bp_below_lpr) / 100, Decimal(0))
    rate_cap = lpr.one_year + Decimal(policy.rate_cap_bp_over_lpr) / 100 if lpr is not None else None
    shares = tuple(parse_share(s) for s in (policy.subsidy_share_by_year or []))
    terms = Terms(
        method=loan.repayment_method,
        principal=principal,
        annual_rate=Decimal(loan.annual_rate),
        term_months=int(loan.term_months),
        contract_date=loan.contract_date,
        subsidy_mode=mode,
        borrower_rate=borrower_rate,
        rate_cap=rate_cap,
        shares=shares,
        subsidy_payment=policy.subsidy_payment,
        subsidy_for_overdue=policy.subsidy_for_overdue,
        lpr_date=lpr.effective_date if lpr else None,
        lpr_one_year=lpr.one_year if lpr else None,
        subsidy_rate=subsidy_rate,
        penalty_multiplier=policy.penalty_rate_multiplier,
    )
    return terms, policy


def terms_of_plan(plan: Any) -> Terms:
    """The terms a stored plan was built with (frozen on the contract date; updated by rebuilds)."""
    return Terms(
        method=plan.method,
        principal=plan.principal,
        annual_rate=Decimal(plan.annual_rate),
        term_months=int(plan.term_months),
        contract_date=plan.contract_date,
        subsidy_mode=plan.subsidy_mode,
        borrower_rate=plan.borrower_rate,
        rate_cap=plan.subsidised_rate_cap,
        shares=tuple(parse_share(s) for s in (plan.subsidy_shares or [])),
        subsidy_payment=plan.subsidy_payment,
        subsidy_for_overdue=plan.subsidy_for_overdue,
        lpr_date=plan.lpr_date,
        lpr_one_year=plan.lpr_one_year,
        subsidy_rate=plan.subsidy_rate,
        penalty_multiplier=plan.penalty_multiplier,
        extension_from=plan.extension_from_period,
        extension_subsidised=plan.extension_subsidised,
        regular_years=((plan.extension_from_period - 2) // 12 + 1 if plan.extension_from_period else None),
    )


def period_interest(opening: Decimal, annual_rate: Decimal) -> Decimal:
    """30/360: one month's interest on ``opening`` at ``annual_rate`` percent, to cents half up."""
    return cents(opening * annual_rate / 1200)


def accrued_interest(amount: Decimal, annual_rate: Decimal, days: int) -> Decimal:
    """Actual/360: ``amount`` at ``annual_rate`` percent for ``days`` days, to cents half up, never more than
    the whole-period interest (``/ 12``) on the same amount."""
    if days <= 0 or amount <= 0:
        return ZERO
    return min(cents(amount * annual_rate * days / 36000), period_interest(amount, annual_rate))


def rate_interest(
    amount: Decimal, annual_rate: Decimal, days: int | None, balance_days: Decimal | None = None
) -> Decimal:
    """A whole period (``days`` None), ``days`` days of interest, or — ``balance_days`` given, the sum of
    principal × days over a period whose principal changed — that many principal-days."""
    if balance_days is not None:
        return cents(balance_days * annual_rate / 36000)
    return (
        period_interest(amount, annual_rate) if days is None else accrued_interest(amount, annual_rate, days)
    )


def split_interest(
    terms: Terms,
    opening: Decimal,
    interest: Decimal,
    loan_year: int,
    *,
    days: int | None = None,
    period: int | None = None,
    balance_days: Decimal | None = None,
) -> tuple[Decimal, Decimal]:
    """(borrower_interest, subsidy) of the contract-rate ``interest`` on ``opening`` — of a whole period, of
    ``days`` days of one, or of ``balance_days`` principal-days (the rate-based parts use the same basis)."""
    if terms.extension_from is not None and period is not None and period >= terms.extension_from:
        if not terms.extension_subsidised:
            return interest, ZERO
        loan_year = min(loan_year, terms.regular_years or loan_year)
    base = interest
    if terms.rate_cap is not None and terms.annual_rate > terms.rate_cap:
        base = rate_interest(opening, terms.rate_cap, days, balance_days)
    if terms.subsidy_mode == SubsidyMode.FULL:
        subsidy = base
    elif terms.subsidy_mode == SubsidyMode.SHARE_BY_YEAR:
        share = terms.shares[loan_year - 1] if loan_year <= len(terms.shares) else Fraction(0)
        subsidy = cents_of_fraction(Fraction(base) * share)
    elif terms.subsidy_mode == SubsidyMode.LPR_MINUS:
        borrower_part = rate_interest(opening, terms.borrower_rate or Decimal(0), days, balance_days)
        subsidy = max(base - borrower_part, ZERO)
    elif terms.subsidy_mode == SubsidyMode.RATE_SHARE:
        subsidy = rate_interest(opening, terms.subsidy_rate or Decimal(0), days, balance_days)
    else:  # pragma: no cover - the plan field only takes the four modes
        subsidy = ZERO
    subsidy = min(subsidy, interest)
    return interest - subsidy, subsidy


def equal_instalment(principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """等额本息 monthly instalment, to cents half up."""
    if annual_rate == 0:
        return cents(principal / months)
    with localcontext() as ctx:
        ctx.prec = 40
        r = annual_rate / 1200
        growth = (1 + r) ** months
        return cents(principal * r * growth / (growth - 1))


def build_schedule(terms: Terms) -> list[Period]:
    return build_tail(terms, first=1, opening=terms.principal)


def build_tail(terms: Terms, *, first: int, opening: Decimal) -> list[Period]:
    """Periods ``first`` … ``terms.term_months`` of a schedule whose principal outstanding at the start of
    period ``first`` is ``opening`` (the whole schedule from period 1; a rebuilt tail after a prepayment,
    an extension or a further tranche). Equal instalments are recomputed over the remaining periods."""
    periods: list[Period] = []
    n = terms.term_months
    instalment = (
        equal_instalment(opening, terms.annual_rate, n - first + 1)
        if terms.method == RepaymentMethod.EQUAL_INSTALMENTS and opening > 0
        else None
    )
    for k in range(first, n + 1):
        interest = period_interest(opening, terms.annual_rate)
        if instalment is None:
            principal = opening if k == n else ZERO
        else:
            principal = opening if k == n else min(max(instalment - interest, ZERO), opening)
        loan_year = (k - 1) // 12 + 1
        borrower, subsidy = split_interest(terms, opening, interest, loan_year, period=k)
        periods.append(
            Period(
                period=k,
                loan_year=loan_year,
                start_date=add_months(terms.contract_date, k - 1),
                due_date=add_months(terms.contract_date, k),
                opening_principal=opening,
                principal_due=principal,
                interest_due=interest,
                borrower_interest=borrower,
                subsidy=subsidy,
            )
        )
        opening -= principal
    return periods


def interest_charge(payment: str, borrower_interest: Decimal, interest: Decimal) -> Decimal:
    """What the borrower pays as interest for a period that is not overdue: their share when the bank
    claims the subsidy (net), the full contract interest when they are reimbursed later."""
    return borrower_interest if payment == SubsidyPayment.NET else interest


# --------------------------------------------------------------------------- fund split


def fund_weights(split: dict | None) -> tuple[tuple[int, ...], int]:
    """``policy.fund_split`` → integer weights per level (central, provincial, city, county) over a common
    denominator. The shares must sum to exactly 1."""
    split = split or {}
    unknown = sorted(set(split) - set(FUND_LEVELS))
    if unknown:
        raise InvalidInput(
            "subsidy.fund_split_invalid",
            f"贴息资金分担中有未知的层级：{'、'.join(unknown)}（应为中央/省/市/县）。",
        )
    shares = [parse_share(split.get(level, "0")) for level in FUND_LEVELS]
    if sum(shares) != 1:
        raise InvalidInput(
            "subsidy.fund_split_invalid",
            f"贴息资金分担比例合计应为1（当前为{float(sum(shares)):.4f}），请在贷款政策中修正。",
        )
    denominator = 1
    for s in shares:
        denominator = denominator * s.denominator // _gcd(denominator, s.denominator)
    return tuple(int(s * denominator) for s in shares), denominator


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def split_cents(total_cents: int, weights: tuple[int, ...], denominator: int) -> list[int]:
    """Largest remainder: floors first, then one cent each by largest remainder, ties in level order."""
    parts = [total_cents * w // denominator for w in weights]
    remainders = [total_cents * w % denominator for w in weights]
    left = total_cents - sum(parts)
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        parts[i] += 1
    return parts


def split_subsidy(subsidy: Decimal, split: dict | None) -> dict[str, Decimal]:
    weights, denominator = fund_weights(split)
    parts = split_cents(int(subsidy * 100), weights, denominator)
    return {level: Decimal(p) / 100 for level, p in zip(FUND_LEVELS, parts, strict=True)}


# --------------------------------------------------------------------------- quarterly claim batches


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    if not 1 <= quarter <= 4:
        raise InvalidInput.field("quarter", "subsidy.quarter_invalid", "季度应为1至4。")
    if not 2000 <= year <= 2100:
        raise InvalidInput.field("year", "subsidy.year_invalid", "年度应在2000至2100之间。")
    start = dt.date(year, 3 * quarter - 2, 1)
    return start, add_months(start, 3) - dt.timedelta(days=1)


def finance_organization():
    """The finance bureau that approves subsidy claims: ``FANXIANG_FINANCE_ORG_CODE`` (default ``ZK-CZJ``,
    周口市财政局). Its unit liaisons see and decide the batches; city admins may too."""
    from fanxiang.accounts.models import Organization

    return Organization.objects.filter(code=getattr(settings, "FANXIANG_FINANCE_ORG_CODE", "ZK-CZJ")).first()


@dataclass
class _Totals:
    """A batch's totals in integer cents."""

    lines: int = 0
    loans: int = 0
    interest: int = 0
    borrower: int = 0
    subsidy: int = 0
    levels: list[int] = field(default_factory=lambda: [0, 0, 0, 0])


def _claimable(bank_id: int, region_path: str, end: dt.date):
    from fanxiang.loans.models import ScheduleItem, SubsidyLine

    claimed = SubsidyLine.objects.filter(schedule_item=OuterRef("pk"), active=True)
    return (
        ScheduleItem.objects.filter(
            loan__bank_id=bank_id,
            loan__region__tree_path__startswith=region_path,
            due_date__lte=end,
            status=ScheduleStatus.PAID,
            subsidy_forfeited=False,
            subsidy__gt=0,
        )
        .filter(~Exists(claimed))
        .order_by()
    )


LINE_FIELDS = (
    "batch", "schedule_item", "loan", "period", "due_date", "interest", "borrower_interest", "subsidy",
    "central", "provincial", "city", "county", "payee", "carried_over", "active",
)  # fmt: skip
CENTS = "CAST(ROUND({} * 100) AS BIGINT)"
# line column <- schedule item path, selected under fixed aliases (li_*) for the INSERT … SELECT
SOURCE = {
    "item": "pk", "loan": "loan_id", "period": "period", "due": "due_date", "interest": "interest_due",
    "borrower": "borrower_interest", "subsidy": "subsidy", "payment": "plan__subsidy_payment",
    "policy": "plan__policy_id",
}  # fmt: skip  # a stored money value as integer cents, on SQLite and PostgreSQL


def split_sql(levels: int = 4) -> list[str]:
    """SQL expressions of :func:`split_cents` over integer columns ``c`` (the subsidy in cents), ``w0`` …
    (the level weights) and ``wd`` (their denominator): the floors ``c·wᵢ div wd``, the remainders
    ``c·wᵢ mod wd``, and one more cent for each level ranked (by remainder, ties in level order) below the
    cents left over. All operands are integers, so division is integer division on SQLite and PostgreSQL."""
    floor = [f"(c * w{i} / wd)" for i in range(levels)]
    rem = [f"(c * w{i} %% wd)" for i in range(levels)]  # %% : the modulo operator, escaped for parameters
    left = f"(c - ({' + '.join(floor)}))"
    parts = []
    for i in range(levels):
        ahead = [f"CASE WHEN {rem[j]} >= {rem[i]} THEN 1 ELSE 0 END" for j in range(i)]
        ahead += [f"CASE WHEN {rem[j]} > {rem[i]} THEN 1 ELSE 0 END" for j in range(i + 1, levels)]
        parts.append(f"({floor[i]} + CASE WHEN ({' + '.join(ahead)}) < {left} THEN 1 ELSE 0 END)")
    return parts


def _weights_sql(policies: dict[int, tuple[tuple[int, ...], int]]) -> str:
    """``CASE policy WHEN … THEN weight END AS w0, …, … AS wd``: each policy's integer weights (computed from
    its ``fund_split``, never user text) as literals, so one statement serves loans of several policies."""

    def case(pick) -> str:
        whens = " ".join(f"WHEN {int(pid)} THEN {int(pick(w))}" for pid, w in policies.items())
        return f"CASE s.li_policy {whens} END"

    columns = [f"{case(lambda w, i=i: w[0][i])} AS w{i}" for i in range(len(FUND_LEVELS))]
    return ", ".join([*columns, f"{case(lambda w: w[1])} AS wd"])


def _lines_insert(batch: Any, claimable: Any, start: dt.date) -> _Totals:
    """Insert the batch's lines with one ``INSERT … SELECT``: the database selects the claimable periods and
    computes each line's fund split in integer cents (:func:`split_sql`, the same rule as
    :func:`split_cents`, with each loan's policy weights); nothing travels through Python row by row. The
    totals are then summed in integer cents from the lines themselves, so they equal the sum of the lines."""
    from django.db import connection

    from fanxiang.loans.models import LoanPolicy, RepaymentPlan, SubsidyLine

    qn = connection.ops.quote_name
    meta = SubsidyLine._meta
    table = qn(meta.db_table)
    columns = ", ".join(qn(meta.get_field(f).column) for f in LINE_FIELDS)
    policy_ids = set(
        RepaymentPlan.objects.filter(loan__bank_id=batch.bank_id)
        .values_list("policy_id", flat=True)
        .distinct()
    )
    policies = {p.pk: fund_weights(p.fund_split) for p in LoanPolicy.objects.filter(pk__in=policy_ids)}
    source = claimable.annotate(**{f"li_{k}": F(v) for k, v in SOURCE.items()}).values_list(
        *(f"li_{k}" for k in SOURCE)
    )
    source_sql, source_params = source.query.sql_with_params()
    # identifiers come from the model's metadata, quoted; weights are integers; values are parameters
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT %s, t.li_item, t.li_loan, t.li_period, t.li_due, t.li_interest, t.li_borrower, t.li_subsidy, "
        f"{', '.join(f'{p} / 100.0' for p in split_sql())}, "
        f"CASE WHEN t.li_payment = %s THEN %s ELSE %s END, t.li_due < %s, %s "
        f"FROM (SELECT s.*, {CENTS.format('s.li_subsidy')} AS c, {_weights_sql(policies)} "
        f"FROM ({source_sql}) s) t"
    )
    params = [
        batch.pk,
        SubsidyPayment.NET,
        SubsidyPayee.BANK,
        SubsidyPayee.BORROWER,
        start,
        True,
        *source_params,
    ]
    money = ("interest", "borrower_interest", "subsidy", "central", "provincial", "city", "county")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # the embedded default page cache (2 MB) thrashes on a city's claim; 64 MB for this connection
            cursor.execute("PRAGMA cache_size = -65536")
        if policies:
            try:
                with transaction.atomic():
                    cursor.execute(sql, params)
            except IntegrityError:  # a concurrent claim took some of these periods first
                raise Conflict("subsidy.already_claimed", "部分期次已被其他批次申报，请刷新后重试。")
        cursor.execute(
            f"SELECT COUNT(*), COUNT(DISTINCT {qn('loan_id')}), "  # noqa: S608
            f"{', '.join(f'COALESCE(SUM({CENTS.format(qn(meta.get_field(m).column))}), 0)' for m in money)} "
            f"FROM {table} WHERE {qn('batch_id')} = %s",
            [batch.pk],
        )
        count, loans, interest, borrower, subsidy, *levels = cursor.fetchone()
    return _Totals(
        lines=count, loans=loans, interest=interest, borrower=borrower, subsidy=subsidy, levels=list(levels)
    )


@audit.audited
@transaction.atomic
def batch_create(
    *,
    actor: Any,
    bank: Any,
    year: int,
    quarter: int,
    region: Any = None,
    today: dt.date | None = None,
) -> Any:
    """A bank's claim for one quarter: every period of the bank's loans in ``region`` (default: the bank's
    own region, i.e. the whole city) that fell due by the quarter's end, was paid (on time, unless the policy
    subsidises overdue periods), carries a subsidy and is not claimed yet. Periods of earlier quarters that
    became claimable late are included and flagged ``carried_over``. Computed set-wise; lines bulk-created."""
    from fanxiang.accounts.models import Organization
    from fanxiang.loans.models import SubsidyBatch
    from fanxiang.loans.subsidy.workflow import BATCHES, acting_role

    start, end = quarter_bounds(year, quarter)
    today = today or timezone.localdate()
    if end >= today:
        raise InvalidInput(
            "subsidy.quarter_not_ended", f"{year}年第{quarter}季度尚未结束（{end}），季度结束后再申报贴息。"
        )
    if getattr(bank, "kind", None) != "bank":
        raise InvalidInput.field("bank", "subsidy.bank_invalid", "请选择经办银行。")
    region = region or bank.region
    batch = SubsidyBatch(
        bank=bank,
        region=region,
        finance_org=finance_organization(),
        year=year,
        quarter=quarter,
        period_start=start,
        period_end=end,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if not resolve(actor, SubsidyBatch, ADD).covers(batch):
        raise Forbidden("subsidy.batch_forbidden", "只有该经办银行（或市级管理员）可以申报本行的贴息。")
    # one claim at a time per bank: concurrent creations queue on the bank's row
    Organization.objects.select_for_update().filter(pk=bank.pk).first()
    existing = (
        SubsidyBatch.objects.filter(bank=bank, region=region, year=year, quarter=quarter)
        .exclude(status=BatchStatus.RETURNED)
        .first()
    )
    if existing is not None:
        raise Conflict(
            "subsidy.already_claimed",
            f"{bank}{year}年第{quarter}季度的贴息已申报（批次 {existing.number}，{existing.get_status_display()}），"
            "不能重复申报；如需重报，请先由财政部门退回原批次。",
            details={"batch_id": existing.pk, "number": existing.number},
        )
    seq = SubsidyBatch.objects.filter(bank=bank, year=year, quarter=quarter).count() + 1
    batch.number = f"TX{year}Q{quarter}-{bank.code}-{seq:02d}"
    batch.save()

    totals = _lines_insert(batch, _claimable(bank.pk, region.tree_path, end), start)
    if not totals.lines:
        raise InvalidInput(
            "subsidy.nothing_to_claim",
            f"{bank}在{year}年第{quarter}季度（含以前季度未申报部分）没有可申报贴息的已还款期次。",
        )
    batch.line_count = totals.lines
    batch.loan_count = totals.loans
    batch.interest_total = Decimal(totals.interest) / 100
    batch.borrower_interest_total = Decimal(totals.borrower) / 100
    batch.subsidy_total = Decimal(totals.subsidy) / 100
    (batch.central_total, batch.provincial_total, batch.city_total, batch.county_total) = (
        Decimal(v) / 100 for v in totals.levels
    )
    batch.save()
    BATCHES.record(
        obj=batch,
        action="create",
        from_status="",
        to_status=BatchStatus.DRAFT,
        actor=actor,
        role=acting_role(batch, actor),
        data={"lines": totals.lines, "subsidy_total": str(batch.subsidy_total)},
    )
    return batch


def _batch_effect(action: str, reason: str):
    def effect(ctx: Any) -> None:
        batch, now = ctx.obj, timezone.now()
        if action == "submit":
            batch.submitted_at = now
            return
        batch.decided_by = ctx.actor if getattr(ctx.actor, "pk", None) else None
        batch.decided_at = now
        if action == "return":
            batch.return_reason = reason
            batch.lines.update(active=False)

    return effect


@audit.audited
@transaction.atomic
def batch_transition(*, actor: Any, batch: Any, action: str, reason: str = "") -> Any:
    """submit (the bank), approve / return (the finance bureau's unit liaison, or a city admin), through
    :data:`fanxiang.loans.subsidy.workflow.BATCHES`. A returned batch frees its periods for a new claim."""
    from fanxiang.loans.subsidy.workflow import BATCHES, refuse

    locked = BATCHES.lock(batch)
    refuse(locked, action, actor, reason)
    reason = (reason or "").strip()[:500]
    return BATCHES.transition(locked, action, actor, note=reason, effect=_batch_effect(action, reason))


@audit.audited
@transaction.atomic
def batch_delete(*, actor: Any, batch: Any) -> None:
    """Discard a draft (e.g. to rebuild it after late repayments were recorded)."""
    from fanxiang.loans.subsidy.workflow import BATCHES, may_delete

    batch = BATCHES.lock(batch)
    if not may_delete(batch, actor):
        raise Forbidden("subsidy.action_forbidden", "只有经办银行或市级管理员可以删除草稿批次。")
    if batch.status != BatchStatus.DRAFT:
        raise Conflict("subsidy.invalid_state", "只能删除草稿状态的批次。", details={"status": batch.status})
    audit.record_transition(
        obj=batch, actor=actor, transition="delete", from_state=batch.status, to_state="deleted"
    )
    batch.lines.all().delete()
    batch.delete()


# --------------------------------------------------------------------------- statement (Excel)

STATEMENT_HEADERS = [
    "序号", "贷款编号", "借款人", "所属区划", "期次", "应还日期", "合同利息（元）", "借款人承担（元）",
    "贴息金额（元）", "中央（元）", "省级（元）", "市级（元）", "县级（元）", "贴息拨付对象", "以前季度补报",
]  # fmt: skip


def batch_statement(batch: Any) -> bytes:
    """The claim statement as .xlsx: one row per line, a totals row, and the batch's details on a second
    sheet. Rows stream from one query into :mod:`fanxiang.loans.xlsx_writer` (150k lines in seconds)."""
    from django.db import connection

    from fanxiang.loans.models import SubsidyLine
    from fanxiang.loans.xlsx_writer import Sheet, write_xlsx

    payee_labels = {k: str(v) for k, v in SubsidyPayee.choices}
    columns = [
        "loan__number", "loan__entrepreneur__name", "loan__region__name", "period", "due_date", "interest",
        "borrower_interest", "subsidy", "central", "provincial", "city", "county", "payee", "carried_over",
    ]  # fmt: skip
    query = SubsidyLine.objects.filter(batch=batch).order_by("loan__number", "period").values_list(*columns)
    sql, params = query.query.sql_with_params()
    totals = [
        batch.interest_total, batch.borrower_interest_total, batch.subsidy_total, batch.central_total,
        batch.provincial_total, batch.city_total, batch.county_total,
    ]  # fmt: skip

    def rows():
        yield STATEMENT_HEADERS
        n = 0
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(5000):
                for number, name, region, period, due, *money, payee, carried in chunk:
                    n += 1
                    yield [
                        n,
                        number,
                        name,
                        region,
                        period,
                        due,
                        *money,
                        payee_labels.get(payee, payee),
                        bool(carried),
                    ]
        yield ["合计", f"{n}笔", "", "", "", "", *totals, "", ""]

    info = [
        ("批次号", batch.number),
        ("经办银行", str(batch.bank)),
        ("申报区划", batch.region.name),
        ("申报期间", f"{batch.year}年第{batch.quarter}季度（{batch.period_start} 至 {batch.period_end}）"),
        ("状态", str(batch.get_status_display())),
        ("贷款笔数", batch.loan_count),
        ("明细笔数", batch.line_count),
        ("贴息合计（元）", batch.subsidy_total),
        ("审核财政部门", str(batch.finance_org) if batch.finance_org_id else ""),
        ("退回原因", batch.return_reason),
    ]
    widths = [6, 22, 10, 16, 6, 12, 14, 14, 14, 12, 12, 12, 12, 12, 12]
    return write_xlsx(
        [
            Sheet("贴息申报明细", rows(), widths=widths, bold_last=True),
            Sheet("批次信息", info, widths=[16, 48], bold_rows=set(), freeze_header=False),
        ]
    )
