"""The daily overdue run and compensation (代偿): recovery and write-off."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from fanxiang.core.scope import ADD, CHANGE, resolve
from fanxiang.loans.choices import CompensationStatus
from fanxiang.loans.models import (
    Compensation,
    LoanApplication,
    RepaymentPlan,
    ScheduleItem,
)
from fanxiang.loans.repayment.ledger import (
    REPAYABLE,
    UNPAID,
    ZERO,
    _cause,
    _credit,
    _items,
    _lock,
    _mark_overdue,
    _save_items,
    _settle_state,
    _transition,
    _user,
    clean_amount,
    schedule_ensure,
    schedule_generate,
)
from fanxiang.loans.subsidy import services as sub

logger = logging.getLogger("fanxiang.loans")

# --------------------------------------------------------------------------- overdue run


def overdue_update_loan(*, loan_id: int, as_of: dt.date, actor: Any = None) -> dict[str, Any]:
    """Recompute one loan as of ``as_of``: overdue periods, days past due, status; compensation when past
    the policy's threshold. One transaction per loan."""
    with transaction.atomic():
        loan = _lock(loan_id)
        plan = RepaymentPlan.objects.select_related("policy").filter(loan=loan).first()
        if loan.status not in REPAYABLE or plan is None:
            return {"loan": loan_id, "transition": None}
        items = _items(plan)
        _save_items(_mark_overdue(items, plan, as_of))
        transition = _settle_state(loan, plan, items, as_of, actor, _cause(actor, run="update_overdue"))
        if loan.status == "overdue" and loan.days_past_due > plan.policy.compensation_after_days:
            _compensate(loan=loan, plan=plan, items=items, day=as_of, actor=actor)
            transition = "compensate"
        return {"loan": loan_id, "transition": transition, "days_past_due": loan.days_past_due}


def overdue_update(*, as_of: dt.date | None = None, actor: Any = None) -> dict[str, int]:
    """The daily run (`manage.py update_overdue`): every repaying loan with a period past due and unpaid, and
    every loan already overdue, is recomputed as of ``as_of`` (default today). Loans without such periods are
    untouched, so the run costs what the overdue book costs, not the whole portfolio."""
    as_of = as_of or timezone.localdate()
    summary = {
        "checked": 0,
        "scheduled": 0,
        "overdue": 0,
        "cured": 0,
        "settled": 0,
        "compensated": 0,
        "errors": 0,
    }
    # loans disbursed without a stored schedule get one first (the system builds it from the contract)
    unscheduled = (
        LoanApplication.objects.filter(
            status__in=REPAYABLE, contract_date__isnull=False, contract_date__lt=as_of
        )
        .filter(~Exists(RepaymentPlan.objects.filter(loan=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    for loan_id in list(unscheduled):
        try:
            schedule_generate(actor=None, loan=LoanApplication.objects.get(pk=loan_id))
            summary["scheduled"] += 1
        except DomainError as exc:
            summary["errors"] += 1
            logger.warning("update_overdue: no schedule for loan %s: %s %s", loan_id, exc.code, exc.message)
    late = ScheduleItem.objects.filter(loan=OuterRef("pk"), due_date__lt=as_of, status__in=UNPAID)
    ids = list(
        LoanApplication.objects.filter(status__in=REPAYABLE)
        .filter(Q(status="overdue") | Exists(late))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    summary["checked"] = len(ids)
    with audit.acting_as(actor):
        for loan_id in ids:
            try:
                result = overdue_update_loan(loan_id=loan_id, as_of=as_of, actor=actor)
            except DomainError as exc:  # one loan's refusal (rolled back) never stops the run
                summary["errors"] += 1
                logger.warning("update_overdue: loan %s: %s %s", loan_id, exc.code, exc.message)
                continue
            key = {
                "mark_overdue": "overdue",
                "cure": "cured",
                "settle": "settled",
                "compensate": "compensated",
            }.get(result["transition"] or "")
            if key:
                summary[key] += 1
    return summary


@task()
def update_overdue_task(as_of: str | None = None) -> dict[str, int]:
    """Background form of the daily overdue run (``as_of`` ISO date, default today)."""
    return overdue_update(as_of=dt.date.fromisoformat(as_of) if as_of else None)


# --------------------------------------------------------------------------- compensation


def _compensate(
    *, loan: LoanApplication, plan: RepaymentPlan, items: list[ScheduleItem], day: dt.date, actor: Any
) -> Compensation:
    from fanxiang.credit.models import CreditEvent

    if Compensation.objects.filter(loan=loan).exists():
        raise Conflict("compensation.exists", f"贷款 {loan.number} 已代偿。")
    policy = plan.policy
    principal = sum((i.principal_outstanding for i in items), ZERO)
    interest = sum((i.interest_outstanding for i in items if i.due_date < day), ZERO)  # past due, unpaid
    amount = sub.cents(policy.compensation_share * (principal + interest))
    compensation = Compensation.objects.create(
        loan=loan,
        bank_id=loan.bank_id,
        guarantee_org_id=loan.guarantee_org_id,
        date=day,
        days_past_due=loan.days_past_due,
        share=policy.compensation_share,
        principal=principal,
        interest=interest,
        amount=amount,
        created_by=_user(actor),
    )
    _transition(
        loan,
        "compensate",
        actor=actor,
        day=day,
        data={"compensation": compensation.pk, "amount": str(amount), "days_past_due": loan.days_past_due},
        note=f"担保基金代偿 {amount:,.2f} 元",
    )
    _credit(
        loan,
        CreditEvent.COMPENSATED,
        day,
        f"逾期{loan.days_past_due}天，担保基金按{policy.compensation_share:.0%}代偿 {amount:,.2f} 元",
        actor,
    )
    return compensation


@audit.audited
@transaction.atomic
def compensation_create(*, actor: Any, loan: LoanApplication, date: dt.date) -> Compensation:
    """The guarantee fund compensates a loan overdue past the policy's threshold (the daily run does this
    automatically; this is the manual path for the guarantee officer)."""
    loan = _lock(loan)
    probe = Compensation(loan=loan, bank_id=loan.bank_id, guarantee_org_id=loan.guarantee_org_id)
    if not resolve(actor, Compensation, ADD).covers(probe):
        raise Forbidden("compensation.forbidden", "只有该笔贷款的担保机构（或市级管理员）可以办理代偿。")
    if loan.status not in REPAYABLE:
        raise Conflict(
            "compensation.not_overdue", f"贷款 {loan.number} 当前状态为“{loan.status}”，不能代偿。"
        )
    schedule_ensure(actor=None, loan=loan)
    loan.refresh_from_db()
    plan = RepaymentPlan.objects.select_related("policy").get(loan=loan)
    items = _items(plan)
    _save_items(_mark_overdue(items, plan, date))
    _settle_state(loan, plan, items, date, actor, _cause(actor, run="compensation"))
    threshold = plan.policy.compensation_after_days
    if loan.status != "overdue" or loan.days_past_due <= threshold:
        raise Conflict(
            "compensation.too_early",
            f"贷款 {loan.number} 截至 {date} 逾期{loan.days_past_due}天，超过{threshold}天方可代偿。",
            details={"days_past_due": loan.days_past_due, "threshold": threshold},
        )
    return _compensate(loan=loan, plan=plan, items=items, day=date, actor=actor)


def _lock_compensation(actor: Any, compensation: Compensation) -> Compensation:
    compensation = Compensation.objects.select_for_update().select_related("loan").get(pk=compensation.pk)
    if not resolve(actor, Compensation, CHANGE).covers(compensation):
        raise Forbidden("compensation.forbidden", "只有该笔贷款的担保机构（或市级管理员）可以办理。")
    if compensation.status != CompensationStatus.COMPENSATED:
        raise Conflict(
            "compensation.invalid_state",
            f"该代偿当前状态为“{compensation.get_status_display()}”，不能再办理。",
            details={"status": compensation.status},
        )
    return compensation


@audit.audited
@transaction.atomic
def compensation_recover(
    *, actor: Any, compensation: Compensation, amount: Any, date: dt.date, note: str = ""
) -> Compensation:
    """Money recovered from the borrower after compensation; when the compensated amount is recovered in
    full the compensation and the loan become ``recovered``."""
    from fanxiang.credit.models import CreditEvent

    compensation = _lock_compensation(actor, compensation)
    amount = clean_amount(amount)
    if date < compensation.date:
        raise InvalidInput.field(
            "date", "compensation.date_invalid", f"追回日期不能早于代偿日期 {compensation.date}。"
        )
    if date > timezone.localdate():
        raise InvalidInput.field("date", "compensation.date_invalid", "追回日期不能晚于今天。")
    left = compensation.amount - compensation.recovered_amount
    if amount > left:
        raise InvalidInput.field(
            "amount", "compensation.exceeds_amount", f"追回金额超过尚未追回的代偿款 {left:,.2f} 元。"
        )
    compensation.recovered_amount += amount
    if note:
        compensation.note = note.strip()[:200]
    loan = _lock(compensation.loan)
    if compensation.recovered_amount == compensation.amount:
        before = compensation.status
        compensation.status = CompensationStatus.RECOVERED
        compensation.closed_date = date
        audit.record_transition(
            obj=compensation,
            actor=actor,
            transition="recover",
            from_state=before,
            to_state=compensation.status,
        )
        _transition(
            loan,
            "recover",
            actor=actor,
            day=date,
            data={"compensation": compensation.pk},
            note="代偿款已全部追回",
        )
        _credit(loan, CreditEvent.RECOVERED, date, f"代偿款 {compensation.amount:,.2f} 元已全部追回", actor)
    compensation.save()
    return compensation


@audit.audited
@transaction.atomic
def compensation_write_off(
    *, actor: Any, compensation: Compensation, date: dt.date, reason: str
) -> Compensation:
    compensation = _lock_compensation(actor, compensation)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", "compensation.reason_required", "核销须写明原因。")
    if date < compensation.date:
        raise InvalidInput.field(
            "date", "compensation.date_invalid", f"核销日期不能早于代偿日期 {compensation.date}。"
        )
    before = compensation.status
    compensation.status = CompensationStatus.WRITTEN_OFF
    compensation.closed_date = date
    compensation.note = reason[:200]
    compensation.save()
    audit.record_transition(
        obj=compensation,
        actor=actor,
        transition="write_off",
        from_state=before,
        to_state=compensation.status,
        data={"reason": reason},
    )
    loan = _lock(compensation.loan)
    _transition(loan, "write_off", actor=actor, day=date, data={"compensation": compensation.pk}, note=reason)
    return compensation
