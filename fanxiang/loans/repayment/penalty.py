"""Penalty interest (罚息) and reversal (冲正) of repayments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.core.scope import ADD, resolve
from fanxiang.loans.choices import ScheduleStatus
from fanxiang.loans.models import (
    LoanApplication,
    Repayment,
    RepaymentPlan,
    ScheduleItem,
)
from fanxiang.loans.repayment.adjustments import _check_claims
from fanxiang.loans.repayment.ledger import (
    REPAYABLE,
    ZERO,
    _cause,
    _items,
    _live,
    _lock,
    _mark_overdue,
    _record_event,
    _restore,
    _save_items,
    _settle_state,
    _transition,
    _user,
    days_past_due,
)
from fanxiang.loans.subsidy import services as sub

# --------------------------------------------------------------------------- penalty interest (罚息)


def schedule_penalties(
    plan: RepaymentPlan | None,
    items: list[ScheduleItem],
    as_of: dt.date,
    *,
    loan: LoanApplication | None = None,
) -> dict[int, tuple[int, Decimal]]:
    """Penalty interest per overdue period as of ``as_of``: period → (days overdue, penalty). What stayed
    unpaid after the period's due date (principal and the interest owed for it — the full contract interest
    once its subsidy is forfeited) accrues, day by day until paid, ``contract rate × plan.penalty_multiplier
    / 360``; payments after the due date reduce the balance from their date. Rounded once per period, half
    up. Never subsidised. The periods are judged as of ``as_of`` on copies (nothing is saved). Without a
    stored plan (a preview), ``loan``'s contract terms are used."""
    import copy

    terms = sub.terms_of_plan(plan) if plan is not None else sub.terms_for(loan)[0]
    rate = terms.annual_rate * terms.penalty_multiplier
    items = [copy.copy(i) for i in items]
    _mark_overdue(items, terms, as_of)
    payments: dict[int, list[tuple[dt.date, Decimal]]] = {}
    loan_id = plan.loan_id if plan is not None else None
    rows = (
        _live(Repayment.objects.filter(loan_id=loan_id))
        .order_by("date", "id")
        .values_list("date", "allocations")
        if loan_id
        else []
    )
    for day, allocations in rows:
        for a in allocations or []:
            paid = Decimal(a["interest"]) + Decimal(a["principal"])
            payments.setdefault(int(a["period"]), []).append((day, paid))
    result: dict[int, tuple[int, Decimal]] = {}
    for item in items:
        if item.status == ScheduleStatus.CANCELLED or item.due_date >= as_of:
            continue
        dated = payments.get(item.period, [])
        balance = item.principal_due + item.interest_charge
        balance -= sum((amount for day, amount in dated if day <= item.due_date), ZERO)
        if balance <= 0:
            continue
        balance_days = Decimal(0)
        since, until = item.due_date, as_of
        for day, amount in dated:
            if day <= item.due_date:
                continue
            if day > as_of:
                break
            balance_days += balance * (day - since).days
            balance -= amount
            since = day
            if balance <= 0:
                until = day
                break
        if balance > 0:
            balance_days += balance * (as_of - since).days
        penalty = sub.cents(balance_days * rate / 36000)
        result[item.period] = ((until - item.due_date).days, penalty)
    return result


# --------------------------------------------------------------------------- reversal (冲正)


def penalty_rate(loan: LoanApplication, plan: RepaymentPlan | None) -> Decimal:
    """The penalty rate (percent a year): contract rate × the multiplier frozen on the plan (or the policy's)."""
    terms = sub.terms_of_plan(plan) if plan is not None else sub.terms_for(loan)[0]
    return (terms.annual_rate * terms.penalty_multiplier).quantize(Decimal("0.0001"))


def reversal_window_days() -> int:
    """Days after recording within which a repayment may be reversed (0: any time)."""
    return int(getattr(settings, "FANXIANG_REPAYMENT_REVERSAL_DAYS", 30) or 0)


def _undo_by_allocations(items: list[ScheduleItem], allocations: list[dict[str, str]]) -> list[ScheduleItem]:
    """Repayments recorded before reversal data was kept: take their allocations back off the periods."""
    by_period = {i.period: i for i in items}
    touched = []
    for a in allocations or []:
        item = by_period.get(int(a["period"]))
        if item is None:
            continue
        item.interest_paid -= Decimal(a["interest"])
        item.principal_paid -= Decimal(a["principal"])
        item.paid_date = None
        if item.status != ScheduleStatus.OVERDUE:
            item.status = ScheduleStatus.PARTIAL if item.amount_paid > 0 else ScheduleStatus.PENDING
        touched.append(item)
    return touched


@audit.audited
@transaction.atomic
def repayment_reverse(
    *, actor: Any, repayment: Repayment, reason: str, today: dt.date | None = None
) -> Repayment:
    """冲正: undo a wrongly recorded repayment (see the module docstring for who, when and what follows)."""
    from fanxiang.credit.models import CreditEntry

    today = today or timezone.localdate()
    reason = (reason or "").strip()
    loan = _lock(repayment.loan_id)
    repayment = Repayment.objects.select_for_update().get(pk=repayment.pk)
    if actor is None or not resolve(actor, Repayment, ADD).covers(repayment):
        raise Forbidden(
            "repayment.reversal_forbidden", "只有该笔贷款的经办银行（或市级管理员）可以冲正还款。"
        )
    if repayment.reversed_at is not None:
        raise Conflict(
            "repayment.already_reversed",
            f"该笔还款已于 {timezone.localtime(repayment.reversed_at):%Y-%m-%d %H:%M} 冲正，不能重复冲正。",
        )
    if not reason:
        raise InvalidInput.field("reason", "repayment.reversal_reason_required", "冲正须写明原因。")
    window = reversal_window_days()
    recorded = timezone.localtime(repayment.created_at).date()
    if window and (today - recorded).days > window:
        raise Conflict(
            "repayment.reversal_window_passed",
            f"该笔还款登记于 {recorded}，已超过 {window} 天冲正期限。",
            details={"recorded_on": recorded.isoformat(), "window_days": window},
        )
    if loan.status not in (*REPAYABLE, "settled"):
        raise Conflict(
            "repayment.reversal_loan_state",
            f"贷款当前状态为“{loan.status}”，不能冲正还款。",
            details={"status": loan.status},
        )
    latest = _live(Repayment.objects.filter(loan=loan)).order_by("-date", "-id").first()
    if latest is None or latest.pk != repayment.pk:
        raise Conflict(
            "repayment.reversal_not_latest",
            f"请先冲正该贷款之后登记的还款（{latest.date} {latest.amount:,.2f} 元），再冲正本笔。",
            details={"latest": latest.pk if latest else None},
        )
    plan = RepaymentPlan.objects.select_related("policy").get(loan=loan)
    if repayment.plan_revision != plan.revision:
        raise Conflict(
            "repayment.reversal_schedule_changed",
            "该笔还款之后还款计划已重排（展期、追加放款或提前还款），不能冲正。",
            details={"recorded_revision": repayment.plan_revision, "revision": plan.revision},
        )
    items = _items(plan)
    by_id = {i.pk: i for i in items}
    states = (repayment.undo or {}).get("items")
    if states is not None:
        touched = [by_id[s["id"]] for s in states if s["id"] in by_id]
        _check_claims(touched, "repayment.reversal_subsidy_claimed", "冲正")
        for state in states:
            if state["id"] in by_id:
                _restore(by_id[state["id"]], state)
        plan.revision = (repayment.undo or {}).get("plan_revision", plan.revision)
        plan.save(update_fields=["revision"])
    else:
        by_period = {i.period: i for i in items}
        periods = {int(a["period"]) for a in repayment.allocations or []}
        _check_claims(
            [by_period[p] for p in periods if p in by_period], "repayment.reversal_subsidy_claimed", "冲正"
        )
        _undo_by_allocations(items, repayment.allocations)
    _mark_overdue(items, plan, today)
    _save_items(items)
    withdrawn = list(
        CreditEntry.objects.filter(loan=loan, pk__in=(repayment.undo or {}).get("credit_entries", []))
    )
    for entry in withdrawn:
        entry.delete()
    repayment.reversed_at = timezone.now()
    repayment.reversed_by = _user(actor)
    repayment.reversal_reason = reason[:200]
    repayment.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    data = {
        "repayment": repayment.pk,
        "amount": str(repayment.amount),
        "date": repayment.date.isoformat(),
        "kind": repayment.kind,
        "reason": reason[:200],
        "withdrawn_credit_entries": [e.pk for e in withdrawn],
    }
    audit.record_transition(
        obj=repayment,
        actor=actor,
        transition="reverse",
        from_state="recorded",
        to_state="reversed",
        data=data,
    )
    _record_event(
        loan, "reverse_repayment", actor, f"冲正还款 {repayment.amount:,.2f} 元：{reason[:200]}", data
    )
    cause = _cause(actor, reversed_repayment=repayment.pk)
    if loan.status == "settled":
        loan.days_past_due = days_past_due(items, today)
        loan.principal_outstanding = plan.principal - sum((i.principal_paid for i in items), ZERO)
        _transition(loan, "reopen", actor=None, day=today, data=cause, note="还款冲正，贷款恢复还款")
    _settle_state(loan, plan, items, today, actor, cause)
    return repayment
