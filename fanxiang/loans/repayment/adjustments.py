"""Early settlement, partial prepayment and schedule rebuilds (extension, further tranche)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, InvalidInput
from fanxiang.loans.choices import RepaymentKind, RepaymentSource, ScheduleStatus
from fanxiang.loans.models import (
    LoanApplication,
    Repayment,
    RepaymentPlan,
    ScheduleItem,
    SubsidyLine,
)
from fanxiang.loans.repayment.ledger import (
    _MONEY_FIELDS,
    DONE,
    REPAYABLE,
    ZERO,
    _allocate,
    _cause,
    _items,
    _live,
    _lock,
    _mark_overdue,
    _open_plan,
    _prepare_repayment,
    _record_event,
    _save_items,
    _settle_state,
    _store,
    clean_amount,
    item_state,
    schedule_ensure,
)
from fanxiang.loans.repayment.reads import schedule_rows
from fanxiang.loans.subsidy import services as sub

# --------------------------------------------------------------------------- prepayment, rebuilds, reversal


def _check_claims(items: list[ScheduleItem], code: str, what: str) -> None:
    """Refuse to change periods whose subsidy sits in an active claim batch."""
    ids = [i.pk for i in items if i.pk]
    claimed = sorted(
        SubsidyLine.objects.filter(schedule_item_id__in=ids, active=True).values_list("period", flat=True)
    )
    if claimed:
        raise Conflict(
            code,
            f"第{'、'.join(str(p) for p in claimed)}期的贴息已在申报批次中，不能{what}；"
            "请先由财政部门退回（或银行删除草稿）该批次。",
            details={"periods": claimed},
        )


def _running(items: list[ScheduleItem], day: dt.date) -> ScheduleItem | None:
    """The period running on ``day`` (start ≤ day < due), or None once the last due date has passed."""
    return next(
        (i for i in items if i.status != ScheduleStatus.CANCELLED and i.start_date <= day < i.due_date), None
    )


def _take_advance(items: list[ScheduleItem]) -> tuple[Decimal, dt.date | None]:
    """What was paid in advance on periods about to be rebuilt, taken off them (re-applied afterwards to
    the new figures), and the latest day it was paid."""
    credit = sum((i.interest_paid + i.principal_paid for i in items), ZERO)
    days = [i.paid_date for i in items if i.paid_date]
    for item in items:
        item.interest_paid = item.principal_paid = ZERO
        item.paid_date = None
        item.status = ScheduleStatus.PENDING
    return credit, max(days) if days else None


def _reapply(items: list[ScheduleItem], credit: Decimal, day: dt.date, code: str) -> None:
    if credit <= 0:
        return
    owed = sum((i.interest_outstanding + i.principal_outstanding for i in items), ZERO)
    if credit > owed:
        raise Conflict(
            code,
            f"此前提前缴付的 {credit:,.2f} 元超过重排后应还本息 {owed:,.2f} 元，请银行先办理退款后再操作。",
        )
    _allocate(items, credit, day)


def _apply_period(item: ScheduleItem, period: sub.Period, terms: sub.Terms) -> None:
    """A rebuilt (or new) period takes the figures of ``period``; nothing paid, not overdue."""
    item.loan_year = period.loan_year
    item.start_date = period.start_date
    item.due_date = period.due_date
    item.opening_principal = period.opening_principal
    item.principal_due = period.principal_due
    item.interest_due = period.interest_due
    item.borrower_interest = period.borrower_interest
    item.subsidy = period.subsidy
    item.interest_charge = sub.interest_charge(
        terms.subsidy_payment, period.borrower_interest, period.interest_due
    )
    item.principal_paid = item.interest_paid = ZERO
    item.paid_date = None
    item.status = ScheduleStatus.PENDING
    item.was_overdue = item.subsidy_forfeited = False
    item.extension = terms.extension_from is not None and period.period >= terms.extension_from


def _rebuild_tail(
    plan: RepaymentPlan, loan: LoanApplication, tail: list[ScheduleItem], first: int, opening: Decimal
) -> list[ScheduleItem]:
    """Periods ``first`` … ``plan.term_months`` rebuilt on ``opening``: existing items updated in place (their
    ids, which claims point to, kept), missing ones created. Returns the rebuilt items in period order."""
    terms = sub.terms_of_plan(plan)
    by_period = {i.period: i for i in tail}
    rebuilt, new = [], []
    for period in sub.build_tail(terms, first=first, opening=opening):
        item = by_period.pop(period.period, None)
        if item is None:
            item = ScheduleItem(plan=plan, loan=loan, period=period.period)
            new.append(item)
        _apply_period(item, period, terms)
        rebuilt.append(item)
    if by_period:  # pragma: no cover - terms only grow; a tail never loses periods
        raise Conflict("schedule.rebuild_invalid", "重排后的期数少于原计划，无法重排。")
    ScheduleItem.objects.bulk_create(new)
    return rebuilt


def _prepare_prepayment(
    *, actor: Any, loan: LoanApplication, date: Any, reference: str, today: dt.date | None
) -> tuple[LoanApplication, str]:
    """The checks a prepayment shares with an ordinary repayment; returns the locked loan."""
    return _prepare_repayment(
        actor=actor,
        loan=loan,
        date=date,
        reference=reference,
        today=today,
        permit="登记提前还款",
        refuse="办理提前还款",
    )


def _store_revised(*, plan: RepaymentPlan, items: list[ScheduleItem], before: dict, **fields) -> Repayment:
    """Store a repayment that reshaped the plan: the periods it changed, the plan's revision moved on."""
    changed = {i.pk: i for i in items if item_state(i) != before[i.pk]}
    revision = plan.revision
    plan.revision += 1
    plan.save(update_fields=["revision"])
    return _store(plan=plan, items=items, changed=changed, before=before, revision_before=revision, **fields)


def _in_period_prepayments(
    loan_id: int, running: ScheduleItem, day: dt.date
) -> list[tuple[dt.date, Decimal]]:
    """Live partial prepayments of the running period up to ``day``: (date, principal)."""
    rows = _live(
        Repayment.objects.filter(
            loan_id=loan_id, kind=RepaymentKind.PREPAYMENT, date__gte=running.start_date, date__lte=day
        )
    )
    return list(rows.order_by("date", "id").values_list("date", "principal_part"))


def _principal_days(loan_id: int, running: ScheduleItem, day: dt.date) -> Decimal:
    """Σ principal × days over [period start, ``day``): the period's opening principal, less partial
    prepayments from their dates, plus tranches disbursed inside the period from theirs (a tranche on the
    period's first day is already in its opening principal)."""
    from fanxiang.loans.models import LoanEvent

    events = [(when, -amount) for when, amount in _in_period_prepayments(loan_id, running, day)]
    tranches = LoanEvent.objects.filter(application_id=loan_id, action="reschedule", data__reason="tranche")
    for data in tranches.values_list("data", flat=True):
        when = dt.date.fromisoformat(data["date"])
        if running.start_date < when <= day:
            events.append((when, Decimal(data["amount"])))
    balance, since, total = running.opening_principal, running.start_date, Decimal(0)
    for when, delta in sorted(events, key=lambda e: e[0]):
        total += balance * (when - since).days
        balance, since = balance + delta, when
    return total + balance * (day - since).days


def _normalise(item: ScheduleItem, day: dt.date, code: str) -> None:
    """After a period's figures changed under payments already made on it: interest paid beyond what is now
    charged counts as principal; the status follows what is left."""
    excess = item.interest_paid - item.interest_charge
    if excess > 0:
        item.interest_paid -= excess
        item.principal_paid += excess
    if item.principal_paid > item.principal_due:
        raise Conflict(code, f"第{item.period}期已付款项超过重排后应还本息，请银行先办理退款后再操作。")
    if item.interest_outstanding == 0 and item.principal_outstanding == 0:
        item.status, item.paid_date = ScheduleStatus.PAID, item.paid_date or day
    elif item.status != ScheduleStatus.OVERDUE:
        item.status = ScheduleStatus.PARTIAL if item.amount_paid > 0 else ScheduleStatus.PENDING
        item.paid_date = None


def _settlement(plan: RepaymentPlan, items: list[ScheduleItem], day: dt.date) -> dict[str, Any]:
    """Early full settlement on ``day``, applied to ``items`` in memory (already marked overdue as of ``day``):
    the running period ends on ``day`` with the interest accrued to it; later periods are cancelled. Returns
    the payoff breakdown."""
    terms = sub.terms_of_plan(plan)
    running = _running(items, day)
    if running is None:
        raise Conflict(
            "prepayment.not_early",
            f"{day} 已过最后一期应还日（{max(i.due_date for i in items)}），请按正常还款登记。",
        )
    later = [i for i in items if i.period > running.period and i.status != ScheduleStatus.CANCELLED]
    arrears = [i for i in items if i.period < running.period and i.status not in DONE]
    credit, _day = _take_advance([running, *later])
    days = (day - running.start_date).days
    opening = running.opening_principal
    principal_days = _principal_days(plan.loan_id, running, day)
    interest = min(sub.rate_interest(opening, terms.annual_rate, days, principal_days), running.interest_due)
    borrower, subsidy = sub.split_interest(
        terms,
        opening,
        interest,
        running.loan_year,
        days=days,
        period=running.period,
        balance_days=principal_days,
    )
    running.principal_due = sum((i.principal_due for i in [running, *later]), ZERO)
    running.interest_due = interest
    running.borrower_interest = borrower
    running.subsidy = subsidy
    running.interest_charge = sub.interest_charge(terms.subsidy_payment, borrower, interest)
    running.due_date = day
    running.was_overdue = running.subsidy_forfeited = False
    for item in later:
        for name in _MONEY_FIELDS - {"opening_principal"}:
            setattr(item, name, ZERO)
        item.status = ScheduleStatus.CANCELLED
        item.was_overdue = item.subsidy_forfeited = False
    _reapply([running], credit, day, "prepayment.advance_exceeds")
    arrears_interest = sum((i.interest_outstanding for i in arrears), ZERO)
    arrears_principal = sum((i.principal_outstanding for i in arrears), ZERO)
    total = (
        arrears_interest + arrears_principal + running.interest_outstanding + running.principal_outstanding
    )
    return {
        "date": day,
        "period": running.period,
        "period_start": running.start_date,
        "days": days,
        "arrears_periods": [i.period for i in arrears],
        "arrears_interest": arrears_interest,
        "arrears_principal": arrears_principal,
        "accrued_interest": interest,
        "borrower_interest": borrower,
        "subsidy": subsidy,
        "interest_charge": running.interest_charge,
        "principal": running.principal_due,
        "paid_in_advance": credit,
        "cancelled_periods": [i.period for i in later],
        "total": total,
    }


def payoff_quote(*, loan: LoanApplication, date: dt.date) -> dict[str, Any]:
    """What settling ``loan`` in full on ``date`` would cost (nothing is saved). A loan without a stored
    schedule is quoted on the schedule its contract gives."""
    if loan.contract_date and date < loan.contract_date:
        raise InvalidInput.field(
            "date", "repayment.date_before_contract", f"结清日期 {date} 早于合同日期 {loan.contract_date}。"
        )
    plan, items = schedule_rows(loan)
    if plan is None:
        raise Conflict("prepayment.no_schedule", "该贷款尚未生成还款计划，请先生成还款计划。")
    if loan.status not in REPAYABLE:
        raise Conflict(
            "repayment.loan_not_repaying",
            f"贷款 {loan.number} 当前状态为“{loan.status}”，不能提前结清。",
            details={"status": loan.status},
        )
    _mark_overdue(items, plan, date)
    return _settlement(plan, items, date)


@audit.audited
@transaction.atomic
def repayment_settle_early(
    *,
    actor: Any,
    loan: LoanApplication,
    date: dt.date,
    amount: Any = None,
    reference: str = "",
    note: str = "",
    source: str = RepaymentSource.MANUAL,
    today: dt.date | None = None,
) -> Repayment:
    """提前结清: the bank records the full early repayment of ``loan`` on ``date`` — everything due, the running
    period's interest accrued to ``date``, all principal left (``amount``, when given, must equal it; see
    :func:`payoff_quote`). The loan is settled."""
    if amount not in (None, ""):
        amount = clean_amount(amount)
    loan, reference = _prepare_prepayment(actor=actor, loan=loan, date=date, reference=reference, today=today)
    plan, items, before = _open_plan(actor, loan)
    _check_claims([i for i in items if i.due_date > date], "prepayment.period_claimed", "提前结清")
    _mark_overdue(items, plan, date)
    payoff = _settlement(plan, items, date)
    total = payoff["total"]
    if total <= 0:
        raise Conflict("prepayment.nothing_to_pay", "该贷款已无应还本息。")
    if amount not in (None, "") and amount != total:
        message = (
            f"提前结清应还 {total:,.2f} 元（到期未还本息 {payoff['arrears_interest'] + payoff['arrears_principal']:,.2f}"
            f" 元、第{payoff['period']}期计至 {date} 的利息 {payoff['interest_charge']:,.2f} 元、剩余本金"
            f" {payoff['principal']:,.2f} 元），与录入金额 {amount:,.2f} 元不符。"
        )
        raise InvalidInput(
            "prepayment.amount_mismatch",
            message,
            errors={"amount": [message]},
            details={"payoff": str(total)},
        )
    allocations, interest_part, principal_part, _paid = _allocate(items, total, date)
    return _store_revised(
        loan=loan,
        plan=plan,
        items=items,
        before=before,
        actor=actor,
        date=date,
        amount=total,
        principal_part=principal_part,
        interest_part=interest_part,
        allocations=allocations,
        reference=reference,
        source=source,
        note=note,
        kind=RepaymentKind.SETTLEMENT,
        event=("settle_early", f"提前结清，还款 {total:,.2f} 元", _jsonable(payoff)),
    )


@audit.audited
@transaction.atomic
def repayment_prepay(
    *,
    actor: Any,
    loan: LoanApplication,
    date: dt.date,
    principal: Any,
    amount: Any = None,
    reference: str = "",
    note: str = "",
    source: str = RepaymentSource.MANUAL,
    today: dt.date | None = None,
) -> Repayment:
    """提前部分还款 of ``principal`` on ``date`` (nothing may be past due): the borrower pays that principal plus
    its interest for the days of the running period so far (``amount``, when given, must equal the sum). The
    running period's interest becomes the whole period on the lower principal plus those days on the prepaid
    part; the later periods are rebuilt on the lower principal (same maturity)."""
    try:
        principal = clean_amount(principal)
    except InvalidInput as exc:
        raise InvalidInput.field("principal", "prepayment.principal_invalid", exc.message)
    if amount not in (None, ""):
        amount = clean_amount(amount)
    loan, reference = _prepare_prepayment(actor=actor, loan=loan, date=date, reference=reference, today=today)
    plan, items, before = _open_plan(actor, loan)
    _mark_overdue(items, plan, date)
    due = [i.period for i in items if i.status not in DONE and i.due_date <= date]
    if due:
        raise Conflict(
            "prepayment.arrears",
            f"第{'、'.join(str(p) for p in due)}期本息已到期未还清，请先按正常还款登记，再办理提前部分还款。",
            details={"periods": due},
        )
    running = _running(items, date)
    if running is None:
        raise Conflict("prepayment.not_early", f"{date} 已过最后一期应还日，不能提前还款。")
    later = [i for i in items if i.period > running.period and i.status != ScheduleStatus.CANCELLED]
    _check_claims([running, *later], "prepayment.period_claimed", "提前还款")
    remaining = sum((i.principal_due - i.principal_paid for i in [running, *later]), ZERO)
    if principal >= remaining:
        raise InvalidInput.field(
            "principal",
            "prepayment.use_settlement",
            f"提前归还本金 {principal:,.2f} 元不少于剩余本金 {remaining:,.2f} 元，请办理提前结清。",
        )
    terms = sub.terms_of_plan(plan)
    # the principal bearing the running period's whole-period interest: its opening less the partial
    # prepayments already made in it (a tranche inside the period bears its own days, apart)
    bearing = running.opening_principal - sum(
        (p for _when, p in _in_period_prepayments(loan.pk, running, date)), ZERO
    )
    if principal > bearing:
        raise Conflict(
            "prepayment.period_restructured",
            f"本期计息本金 {bearing:,.2f} 元少于提前归还本金 {principal:,.2f} 元（本期内已追加放款），"
            "请于下一期起办理或办理提前结清。",
        )
    tail_opening = later[0].opening_principal - principal if later else None
    credit, credit_day = _take_advance(later)  # the running period keeps what was paid on it
    days = (date - running.start_date).days
    whole_before = sub.period_interest(bearing, terms.annual_rate)
    b_before, s_before = sub.split_interest(
        terms, bearing, whole_before, running.loan_year, period=running.period
    )
    whole = sub.period_interest(bearing - principal, terms.annual_rate)
    b_whole, s_whole = sub.split_interest(
        terms, bearing - principal, whole, running.loan_year, period=running.period
    )
    accrued = sub.accrued_interest(principal, terms.annual_rate, days)
    b_days, s_days = sub.split_interest(
        terms, principal, accrued, running.loan_year, days=days, period=running.period
    )
    charge_now = sub.interest_charge(terms.subsidy_payment, b_days, accrued)
    total = principal + charge_now
    if amount not in (None, "") and amount != total:
        message = (
            f"提前归还本金 {principal:,.2f} 元应同时支付其 {days} 天利息 {charge_now:,.2f} 元，合计 {total:,.2f} 元，"
            f"与录入金额 {amount:,.2f} 元不符。"
        )
        raise InvalidInput(
            "prepayment.amount_mismatch",
            message,
            errors={"amount": [message]},
            details={"total": str(total), "interest": str(charge_now)},
        )
    # the whole-period part moves from the old bearing principal to the new one; earlier in-period parts stay
    running.interest_due += whole - whole_before + accrued
    running.borrower_interest += b_whole - b_before + b_days
    running.subsidy += s_whole - s_before + s_days
    running.interest_charge = sub.interest_charge(
        terms.subsidy_payment, running.borrower_interest, running.interest_due
    )
    if later:
        running.principal_due += principal
    running.interest_paid += charge_now
    running.principal_paid += principal
    _normalise(running, date, "prepayment.advance_exceeds")
    rebuilt = _rebuild_tail(plan, loan, later, running.period + 1, tail_opening) if later else []
    _reapply(rebuilt, credit, credit_day or date, "prepayment.advance_exceeds")
    return _store_revised(
        loan=loan,
        plan=plan,
        items=items,
        before=before,
        actor=actor,
        date=date,
        amount=total,
        principal_part=principal,
        interest_part=charge_now,
        allocations=[{"period": running.period, "interest": str(charge_now), "principal": str(principal)}],
        reference=reference,
        source=source,
        note=note,
        kind=RepaymentKind.PREPAYMENT,
        event=(
            "prepay",
            f"提前归还本金 {principal:,.2f} 元",
            {
                "principal": str(principal),
                "interest": str(charge_now),
                "days": days,
                "period": running.period,
                "rebuilt_from": running.period + 1 if later else None,
            },
        ),
    )


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def schedule_rebuild_for_extension(
    *, actor: Any, loan: LoanApplication | int, months: int, day: dt.date, subsidised: bool
) -> RepaymentPlan:
    """展期 (called inside the extension step's transaction): the maturity moves ``months`` later. Periods due
    by ``day`` are kept (their principal still unpaid is rescheduled; their unpaid interest stays due); the
    later periods are rebuilt up to the new maturity, those past the old one flagged as extension periods,
    subsidised only if ``subsidised`` (the policy in force on ``day``)."""
    loan = _lock(loan)
    plan = schedule_ensure(actor=None, loan=loan)
    loan.refresh_from_db()
    items = _items(plan)
    _mark_overdue(items, plan, day)
    live = [i for i in items if i.status != ScheduleStatus.CANCELLED]
    tail = [i for i in live if i.due_date > day]
    kept = [i for i in live if i.due_date <= day]
    _check_claims(tail, "schedule.period_claimed", "展期重排")
    moved = ZERO
    for item in kept:
        unpaid = item.principal_outstanding
        if unpaid > 0:
            item.principal_due -= unpaid
            moved += unpaid
            if item.interest_outstanding == 0:
                item.status, item.paid_date = ScheduleStatus.PAID, day
    credit, credit_day = _take_advance(tail)
    old_term = plan.term_months
    first = tail[0].period if tail else old_term + 1
    opening = plan.principal - sum((i.principal_due for i in kept), ZERO)
    plan.term_months = old_term + months
    plan.extension_from_period = plan.extension_from_period or old_term + 1
    plan.extension_subsidised = subsidised
    plan.revision += 1
    plan.save(update_fields=["term_months", "extension_from_period", "extension_subsidised", "revision"])
    rebuilt = _rebuild_tail(plan, loan, tail, first, opening)
    _reapply(rebuilt, credit, credit_day or day, "schedule.advance_exceeds")
    items = sorted(
        [*kept, *rebuilt, *(i for i in items if i.status == ScheduleStatus.CANCELLED)], key=lambda i: i.period
    )
    _save_items([i for i in items if i.pk])
    _record_event(
        loan,
        "reschedule",
        actor,
        f"展期{months}个月，还款计划重排至第{plan.term_months}期",
        {
            "reason": "extension",
            "months": months,
            "from_period": first,
            "term_months": plan.term_months,
            "extension_from_period": plan.extension_from_period,
            "extension_subsidised": subsidised,
            "rescheduled_principal": str(moved),
            "revision": plan.revision,
        },
    )
    _settle_state(loan, plan, items, day, actor, _cause(actor, run="extension"))
    return plan


def schedule_add_tranche(
    *, actor: Any, loan: LoanApplication | int, amount: Decimal, day: dt.date
) -> RepaymentPlan | None:
    """A further tranche disbursed on ``day`` once the schedule exists (called inside the disbursement's
    transaction): it bears interest from ``day`` (actual days / 360 to the running period's due date, the
    whole period when disbursed on its first day); the later periods are rebuilt on the higher principal,
    to the same maturity. Without a stored schedule nothing is done (it is built from the total later)."""
    loan = _lock(loan)
    plan = RepaymentPlan.objects.filter(loan=loan).first()
    if plan is None:
        return None
    last = _live(Repayment.objects.filter(loan=loan)).order_by("-date").values_list("date", flat=True).first()
    if last is not None and day < last:
        raise InvalidInput.field(
            "date",
            "loan.tranche_before_last_repayment",
            f"追加放款日期 {day} 早于该贷款最近一笔还款（{last}），请按时间顺序登记。",
        )
    items = _items(plan)
    _mark_overdue(items, plan, day)
    running = _running(items, day)
    if running is None:
        raise Conflict("loan.tranche_after_maturity", f"{day} 已过贷款最后一期应还日，不能追加放款。")
    later = [i for i in items if i.period > running.period and i.status != ScheduleStatus.CANCELLED]
    _check_claims([running, *later], "schedule.period_claimed", "追加放款重排")
    terms = sub.terms_of_plan(plan)
    plan.principal += amount
    plan.revision += 1
    plan.save(update_fields=["principal", "revision"])
    if day == running.start_date and not _in_period_prepayments(loan.pk, running, day):
        # the tranche bears the whole running period: rebuilt from it on the higher principal
        credit, credit_day = _take_advance([running, *later])
        rebuilt = _rebuild_tail(
            plan, loan, [running, *later], running.period, running.opening_principal + amount
        )
    else:
        credit, credit_day = _take_advance(later)  # the running period keeps what was paid on it
        days = (running.due_date - day).days
        accrued = sub.accrued_interest(amount, terms.annual_rate, days)
        borrower, subsidy = sub.split_interest(
            terms, amount, accrued, running.loan_year, days=days, period=running.period
        )
        running.interest_due += accrued
        running.borrower_interest += borrower
        running.subsidy += subsidy
        running.interest_charge = sub.interest_charge(
            terms.subsidy_payment, running.borrower_interest, running.interest_due
        )
        if not later:
            running.principal_due += amount
        _normalise(running, day, "schedule.advance_exceeds")
        opening = later[0].opening_principal + amount if later else None
        rebuilt = [running, *(_rebuild_tail(plan, loan, later, running.period + 1, opening) if later else [])]
    _reapply(rebuilt, credit, credit_day or day, "schedule.advance_exceeds")
    items = _merge(items, rebuilt)
    _save_items([i for i in items if i.pk])
    _record_event(
        loan,
        "reschedule",
        actor,
        f"追加放款 {amount:,.2f} 元，自第{running.period}期起重排还款计划",
        {
            "reason": "tranche",
            "amount": str(amount),
            "date": day.isoformat(),
            "from_period": running.period,
            "principal": str(plan.principal),
            "revision": plan.revision,
        },
    )
    _settle_state(loan, plan, items, day, actor, _cause(actor, run="tranche"))
    return plan


def _merge(items: list[ScheduleItem], rebuilt: list[ScheduleItem]) -> list[ScheduleItem]:
    by_period = {i.period: i for i in items}
    by_period.update({i.period: i for i in rebuilt})
    return [by_period[k] for k in sorted(by_period)]
