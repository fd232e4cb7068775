"""Repayment schedules, repayments, overdue tracking and compensation (代偿) of disbursed loans.

Every write is one atomic action on a locked loan row, validated before anything is saved; each loan
status change writes its audit record (``core.audit.record_transition``) and, where it is a credit event,
its credit-ledger line, in the same transaction. Formulas and conventions: ``fanxiang/loans/subsidy.py``.

Loan states driven here::

    disbursed ─(schedule / first repayment)→ repaying ─(a period unpaid after its due date)→ overdue
    overdue ─(all past-due periods paid)→ repaying          repaying/overdue ─(everything paid)→ settled
    overdue ─(days past due > policy.compensation_after_days)→ compensated ─→ recovered | written_off

Allocation: a repayment pays the periods in order, oldest first; within a period the interest first, then
the principal. What is left after the periods already due pays the next periods in advance. A payment
larger than everything still owed is refused. Days past due on a date = days since the due date of the
oldest period not fully paid (0 when none is past due); a period paid on its due date is on time.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from fanxiang.core.scope import ADD, CHANGE, resolve
from fanxiang.loans import subsidy as sub
from fanxiang.loans.choices import CompensationStatus, RepaymentSource, ScheduleStatus
from fanxiang.loans.models import (
    Compensation,
    LoanApplication,
    Repayment,
    RepaymentPlan,
    ScheduleItem,
)

logger = logging.getLogger("fanxiang.loans")

REPAYABLE = ("disbursed", "repaying", "overdue", "extended")
ZERO = Decimal("0.00")
UNPAID = (ScheduleStatus.PENDING, ScheduleStatus.PARTIAL, ScheduleStatus.OVERDUE)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _lock(loan: LoanApplication | int) -> LoanApplication:
    pk = loan if isinstance(loan, int) else loan.pk
    return LoanApplication.objects.select_for_update().get(pk=pk)


def _transition(
    loan: LoanApplication, action: str, *, actor: Any, day: dt.date, data: dict | None = None, note: str = ""
) -> None:
    """Change the loan's status through the workflow's one transition function, which checks the step table
    (``workflow.STEPS``: start_repaying, mark_overdue, cure, settle, compensate, recover, write_off), writes the
    typed ``LoanEvent`` and the audit record, in this transaction. Fields changed on ``loan`` are saved first
    (the workflow reloads the locked row). ``actor=None`` is the system: status changes that follow from a
    repayment or the daily run are the system's; the person who recorded the repayment is in ``data``."""
    from fanxiang.loans import workflow

    loan.save(update_fields=["days_past_due", "principal_outstanding", "updated_at"])

    def effect(ctx: Any) -> None:
        ctx.data.update(data or {})

    app = workflow.transition(
        application=loan.pk, action=action, actor=actor, note=note, today=day, effect=effect
    )
    loan.status = app.status
    loan.step_due = app.step_due


def _cause(actor: Any, **extra: Any) -> dict[str, Any]:
    by = getattr(actor, "username", None) if getattr(actor, "pk", None) else None
    return {k: v for k, v in {"by": by, **extra}.items() if v is not None}


def _credit(loan: LoanApplication, event: str, day: dt.date, reason: str, actor: Any) -> None:
    from fanxiang.credit.services import loan_credit_record

    loan_credit_record(loan=loan, event=event, date=day, reason=reason, actor=actor)


# --------------------------------------------------------------------------- schedule


@audit.audited
@transaction.atomic
def schedule_generate(*, actor: Any, loan: LoanApplication, replace: bool = False) -> RepaymentPlan:
    """Build and store ``loan``'s schedule from its contract (contract date, rate, disbursed amount, term,
    method) and the policy in force on the contract date. Idempotent: an existing plan is returned unless
    ``replace`` (refused once a repayment is recorded). ``actor=None`` is the system (e.g. the disburse
    step); a user needs the right to change the loan."""
    loan = _lock(loan)
    if actor is not None and not resolve(actor, LoanApplication, CHANGE).covers(loan):
        raise Forbidden("schedule.forbidden", "只有该笔贷款的经办银行（或市级管理员）可以生成还款计划。")
    if loan.status not in REPAYABLE:
        raise Conflict(
            "repayment.loan_not_repaying",
            f"贷款状态为“{loan.status}”，只有已放款、还款中、逾期或展期的贷款才有还款计划。",
            details={"status": loan.status},
        )
    existing = RepaymentPlan.objects.filter(loan=loan).first()
    if existing is not None:
        if not replace:
            return existing
        if Repayment.objects.filter(loan=loan).exists():
            raise Conflict("schedule.has_repayments", "该贷款已有还款记录，不能重新生成还款计划。")
        existing.delete()
    terms, policy = sub.terms_for(loan)
    periods = sub.build_schedule(terms)
    plan = RepaymentPlan.objects.create(
        loan=loan,
        policy=policy,
        method=terms.method,
        principal=terms.principal,
        annual_rate=terms.annual_rate,
        term_months=terms.term_months,
        contract_date=terms.contract_date,
        lpr_date=terms.lpr_date,
        lpr_one_year=terms.lpr_one_year,
        borrower_rate=terms.borrower_rate,
        subsidised_rate_cap=terms.rate_cap,
        subsidy_mode=terms.subsidy_mode,
        subsidy_shares=[str(s) for s in policy.subsidy_share_by_year or []],
        subsidy_payment=terms.subsidy_payment,
        subsidy_for_overdue=terms.subsidy_for_overdue,
        created_by=_user(actor),
    )
    ScheduleItem.objects.bulk_create(
        [
            ScheduleItem(
                plan=plan,
                loan=loan,
                period=p.period,
                loan_year=p.loan_year,
                start_date=p.start_date,
                due_date=p.due_date,
                opening_principal=p.opening_principal,
                principal_due=p.principal_due,
                interest_due=p.interest_due,
                borrower_interest=p.borrower_interest,
                subsidy=p.subsidy,
                interest_charge=sub.interest_charge(
                    terms.subsidy_payment, p.borrower_interest, p.interest_due
                ),
            )
            for p in periods
        ]
    )
    loan.principal_outstanding = terms.principal
    if loan.status == "disbursed":
        _transition(
            loan,
            "start_repaying",
            actor=None,
            day=terms.contract_date,
            data=_cause(actor, plan=plan.pk),
            note="生成还款计划",
        )
    else:
        loan.save(update_fields=["principal_outstanding", "updated_at"])
    return plan


def schedule_ensure(*, actor: Any, loan: LoanApplication) -> RepaymentPlan:
    plan = RepaymentPlan.objects.filter(loan=loan).first()
    return plan if plan is not None else schedule_generate(actor=actor, loan=loan)


# --------------------------------------------------------------------------- overdue bookkeeping


def _mark_overdue(items: list[ScheduleItem], plan: RepaymentPlan, as_of: dt.date) -> list[ScheduleItem]:
    """Periods with nothing to pay are settled on their due date. Periods past their due date on ``as_of`` and
    not fully paid become overdue (their subsidy forfeited and the full interest owed, unless the policy
    subsidises overdue periods). Periods marked overdue by an
    earlier run whose due date is not yet past on ``as_of`` (a repayment entered after the nightly run,
    dated on time) are restored. Returns the items changed."""
    changed = []
    for item in items:
        if item.status == ScheduleStatus.PAID:
            continue
        if item.due_date <= as_of and item.amount_due == 0:
            # nothing to pay (e.g. year 1 of a fully subsidised loan under net payment): settled on its due
            # date, on time, and its subsidy claimable
            item.status = ScheduleStatus.PAID
            item.paid_date = item.due_date
            changed.append(item)
            continue
        if item.due_date < as_of:
            if item.status != ScheduleStatus.OVERDUE or not item.was_overdue:
                item.status = ScheduleStatus.OVERDUE
                item.was_overdue = True
                if not plan.subsidy_for_overdue:
                    item.subsidy_forfeited = True
                    item.interest_charge = item.interest_due
                changed.append(item)
        elif item.status == ScheduleStatus.OVERDUE:
            item.status = ScheduleStatus.PARTIAL if item.amount_paid > 0 else ScheduleStatus.PENDING
            item.was_overdue = False
            item.subsidy_forfeited = False
            item.interest_charge = sub.interest_charge(
                plan.subsidy_payment, item.borrower_interest, item.interest_due
            )
            changed.append(item)
    return changed


def days_past_due(items: list[ScheduleItem], as_of: dt.date) -> int:
    late = [i.due_date for i in items if i.status != ScheduleStatus.PAID and i.due_date < as_of]
    return (as_of - min(late)).days if late else 0


def _settle_state(
    loan: LoanApplication,
    plan: RepaymentPlan,
    items: list[ScheduleItem],
    as_of: dt.date,
    actor: Any,
    cause: dict[str, Any] | None = None,
) -> str | None:
    """Days past due, outstanding principal and the status that follows as of ``as_of``; the transition
    (by the system) with its event and audit record, and the credit-ledger line of a credit event. Saves the
    loan. Returns the action taken, if any."""
    from fanxiang.credit.models import CreditEvent

    dpd = days_past_due(items, as_of)
    loan.days_past_due = dpd
    loan.principal_outstanding = plan.principal - sum((i.principal_paid for i in items), ZERO)
    data = {**(cause or {}), "days_past_due": dpd, "principal_outstanding": str(loan.principal_outstanding)}
    action = note = None
    credit: tuple[str, str] | None = None
    if all(i.status == ScheduleStatus.PAID for i in items):
        if loan.status != "settled":
            clean = not any(i.was_overdue for i in items)
            action, note, data["on_time"] = "settle", "本息全部还清", clean
            credit = (CreditEvent.REPAID_ON_TIME, "贷款按期还清") if clean else None
    elif dpd > 0:
        if loan.status != "overdue":
            first = min(
                (i for i in items if i.status != ScheduleStatus.PAID and i.due_date < as_of),
                key=lambda i: i.period,
            )
            reason = f"第{first.period}期（应还日 {first.due_date}）未按期还款"
            action, note, credit = "mark_overdue", reason, (CreditEvent.OVERDUE, reason)
    elif loan.status == "overdue":
        action, note = "cure", "逾期本息已还清"
    elif loan.status == "disbursed":
        action, note = "start_repaying", "进入还款期"
    if action is None:
        loan.save(update_fields=["days_past_due", "principal_outstanding", "updated_at"])
        return None
    _transition(loan, action, actor=None, day=as_of, data=data, note=note)
    if credit is not None:
        _credit(loan, credit[0], as_of, credit[1], actor)
    return action


def _save_items(items: list[ScheduleItem]) -> None:
    if items:
        ScheduleItem.objects.bulk_update(
            items,
            [
                "status",
                "was_overdue",
                "subsidy_forfeited",
                "interest_charge",
                "principal_paid",
                "interest_paid",
                "paid_date",
            ],
        )


def _items(plan: RepaymentPlan) -> list[ScheduleItem]:
    return list(ScheduleItem.objects.filter(plan=plan).order_by("period"))


# --------------------------------------------------------------------------- repayments


def clean_amount(value: Any) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise InvalidInput.field("amount", "repayment.amount_invalid", f"还款金额“{value}”不是有效的金额。")
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput.field("amount", "repayment.amount_invalid", "还款金额须大于0。")
    if amount != amount.quantize(sub.CENT):
        raise InvalidInput.field("amount", "repayment.amount_invalid", "还款金额最多保留两位小数（分）。")
    if amount >= Decimal("1e12"):
        raise InvalidInput.field("amount", "repayment.amount_invalid", "还款金额过大。")
    return amount


@audit.audited
@transaction.atomic
def repayment_record(
    *,
    actor: Any,
    loan: LoanApplication,
    date: dt.date,
    amount: Any,
    reference: str = "",
    note: str = "",
    source: str = RepaymentSource.MANUAL,
    today: dt.date | None = None,
) -> Repayment:
    """The handling bank records money received on ``loan`` (by hand or one row of an import)."""
    amount = clean_amount(amount)
    today = today or timezone.localdate()
    if not isinstance(date, dt.date):
        raise InvalidInput.field("date", "repayment.date_invalid", "还款日期无效。")
    if date > today:
        raise InvalidInput.field("date", "repayment.date_in_future", f"还款日期 {date} 晚于今天，不能预录。")
    reference = (reference or "").strip()
    if len(reference) > 64:
        raise InvalidInput.field("reference", "repayment.reference_too_long", "银行流水号不超过64个字符。")
    loan = _lock(loan)
    probe = Repayment(loan=loan, bank_id=loan.bank_id)
    if actor is not None and not resolve(actor, Repayment, ADD).covers(probe):
        raise Forbidden("repayment.forbidden", "只有该笔贷款的经办银行（或市级管理员）可以登记还款。")
    if loan.status not in REPAYABLE:
        raise Conflict(
            "repayment.loan_not_repaying",
            f"贷款 {loan.number} 当前状态为“{loan.status}”，不能登记还款。",
            details={"status": loan.status},
        )
    if loan.bank_id is None:
        raise Conflict("repayment.no_bank", f"贷款 {loan.number} 未指定经办银行，不能登记还款。")
    if loan.contract_date and date < loan.contract_date:
        raise InvalidInput.field(
            "date", "repayment.date_before_contract", f"还款日期 {date} 早于合同日期 {loan.contract_date}。"
        )
    if reference and Repayment.objects.filter(bank_id=loan.bank_id, reference=reference).exists():
        raise Conflict(
            "repayment.duplicate_reference",
            f"银行流水号“{reference}”已登记过，不能重复登记。",
            errors={"reference": ["该流水号已登记。"]},
        )
    last = Repayment.objects.filter(loan=loan).order_by("-date").values_list("date", flat=True).first()
    if last is not None and date < last:
        raise InvalidInput.field(
            "date",
            "repayment.date_before_last",
            f"还款日期 {date} 早于该贷款最近一笔还款（{last}），请按时间顺序登记。",
        )
    plan = schedule_ensure(actor=actor, loan=loan)
    loan.refresh_from_db()
    items = _items(plan)
    changed = {i.pk: i for i in _mark_overdue(items, plan, date)}
    owed = sum((i.interest_outstanding + i.principal_outstanding for i in items), ZERO)
    if amount > owed:
        raise InvalidInput.field(
            "amount",
            "repayment.exceeds_outstanding",
            f"还款金额 {amount:,.2f} 元超过该贷款尚欠本息合计 {owed:,.2f} 元。",
        )
    left = amount
    allocations = []
    principal_part = interest_part = ZERO
    for item in items:
        if left <= 0:
            break
        pay_interest = min(left, item.interest_outstanding)
        left -= pay_interest
        pay_principal = min(left, item.principal_outstanding)
        left -= pay_principal
        if not pay_interest and not pay_principal:
            continue
        item.interest_paid += pay_interest
        item.principal_paid += pay_principal
        interest_part += pay_interest
        principal_part += pay_principal
        if item.interest_outstanding == 0 and item.principal_outstanding == 0:
            item.status = ScheduleStatus.PAID
            item.paid_date = date
        elif item.status != ScheduleStatus.OVERDUE:
            item.status = ScheduleStatus.PARTIAL
        changed[item.pk] = item
        allocations.append(
            {"period": item.period, "interest": str(pay_interest), "principal": str(pay_principal)}
        )
    try:
        with transaction.atomic():
            repayment = Repayment.objects.create(
                loan=loan,
                bank_id=loan.bank_id,
                date=date,
                amount=amount,
                principal_part=principal_part,
                interest_part=interest_part,
                allocations=allocations,
                reference=reference,
                source=source,
                note=(note or "").strip()[:200],
                recorded_by=_user(actor),
            )
    except IntegrityError:  # the same bank reference, recorded concurrently
        raise Conflict(
            "repayment.duplicate_reference",
            f"银行流水号“{reference}”已登记过，不能重复登记。",
            errors={"reference": ["该流水号已登记。"]},
        )
    _save_items(list(changed.values()))
    _settle_state(loan, plan, items, date, actor, _cause(actor, repayment=repayment.pk, amount=str(amount)))
    return repayment


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


# --------------------------------------------------------------------------- reads


def schedule_rows(loan: LoanApplication) -> tuple[RepaymentPlan | None, list[Any]]:
    """The stored plan and items, or (None, a preview computed from the contract) when none is stored."""
    plan = RepaymentPlan.objects.select_related("policy").filter(loan=loan).first()
    if plan is not None:
        return plan, _items(plan)
    terms, _policy = sub.terms_for(loan)
    return None, [
        ScheduleItem(
            loan=loan,
            period=p.period,
            loan_year=p.loan_year,
            start_date=p.start_date,
            due_date=p.due_date,
            opening_principal=p.opening_principal,
            principal_due=p.principal_due,
            interest_due=p.interest_due,
            borrower_interest=p.borrower_interest,
            subsidy=p.subsidy,
            interest_charge=sub.interest_charge(terms.subsidy_payment, p.borrower_interest, p.interest_due),
        )
        for p in sub.build_schedule(terms)
    ]


def plan_summary(loan: LoanApplication, plan: RepaymentPlan | None) -> dict[str, Any]:
    if plan is None:
        terms, policy = sub.terms_for(loan)
        return {
            "stored": False,
            "method": terms.method,
            "principal": terms.principal,
            "annual_rate": terms.annual_rate,
            "term_months": terms.term_months,
            "contract_date": terms.contract_date,
            "policy": policy.name,
            "subsidy_mode": terms.subsidy_mode,
            "subsidy_payment": terms.subsidy_payment,
            "lpr_date": terms.lpr_date,
            "lpr_one_year": terms.lpr_one_year,
            "borrower_rate": terms.borrower_rate,
            "subsidy_for_overdue": terms.subsidy_for_overdue,
        }
    return {
        "stored": True,
        "method": plan.method,
        "principal": plan.principal,
        "annual_rate": plan.annual_rate,
        "term_months": plan.term_months,
        "contract_date": plan.contract_date,
        "policy": plan.policy.name,
        "subsidy_mode": plan.subsidy_mode,
        "subsidy_payment": plan.subsidy_payment,
        "lpr_date": plan.lpr_date,
        "lpr_one_year": plan.lpr_one_year,
        "borrower_rate": plan.borrower_rate,
        "subsidy_for_overdue": plan.subsidy_for_overdue,
    }


def claims_by_item(items: list[ScheduleItem]) -> dict[int, tuple[int, str, str]]:
    """schedule item id -> (batch id, batch number, batch status) of its active claim."""
    from fanxiang.loans.models import SubsidyLine

    ids = [i.pk for i in items if i.pk]
    return {
        item_id: (batch_id, number, status)
        for item_id, batch_id, number, status in SubsidyLine.objects.filter(
            schedule_item_id__in=ids, active=True
        ).values_list("schedule_item_id", "batch_id", "batch__number", "batch__status")
    }


def subsidy_status(item: ScheduleItem, plan: RepaymentPlan | None, claim: tuple | None) -> str:
    """none | forfeited | claimed | claimable | not_yet (period not yet paid)."""
    if item.subsidy <= 0:
        return "none"
    if item.subsidy_forfeited:
        return "forfeited"
    if claim is not None:
        return "claimed"
    if item.status == ScheduleStatus.PAID:
        return "claimable"
    return "not_yet"
