"""Repayment schedules, repayments, overdue tracking and compensation (代偿) of disbursed loans.

Every write is one atomic action on a locked loan row, validated before anything is saved; each loan
status change writes its audit record (``core.audit.record_transition``) and, where it is a credit event,
its credit-ledger line, in the same transaction. Formulas and conventions: ``fanxiang/loans/subsidy.py``.

Loan states driven here::

    disbursed ─(schedule / first repayment)→ repaying ─(a period unpaid after its due date)→ overdue
    overdue ─(all past-due periods paid)→ repaying          repaying/overdue ─(everything paid)→ settled
    settled ─(its last repayment reversed)→ repaying (reopen)
    overdue ─(days past due > policy.compensation_after_days)→ compensated ─→ recovered | written_off

Beyond the contract schedule (conventions in ``fanxiang/loans/subsidy.py``):

* **Early settlement (提前结清)** on a date: everything due by then, plus the interest of the running period
  accrued to that date (actual days / 360 at the contract rate), plus all principal left. The running period
  ends on the settlement date and carries only that accrued interest (and the subsidy on it); the periods
  after it are cancelled (amounts zeroed, never claimed). The loan is settled (credit ledger: repaid on time
  when no period ever went overdue).
* **Partial prepayment (提前部分还款)**, both repayment methods, only with nothing past due: the prepaid
  principal stops bearing interest on the prepayment date (its interest for the days of the running period
  so far is paid with it); the rest of the schedule is rebuilt on the lower principal (monthly interest:
  smaller bullet; equal instalments: a new instalment over the remaining periods, same maturity).
* **Schedule rebuilds** after an extension (展期: maturity moved by the extension's months; principal already
  past due and unpaid is rescheduled; the new periods are subsidised only if the policy in force on the
  extension date says so) and after a further tranche once repayment has started (interest on it from its
  disbursement date; later periods on the higher principal). Periods already paid are kept as they are.
  Advance payments on the rebuilt periods are re-applied to the new figures.
* **Penalty interest (罚息)** per overdue period as of a date, on what stayed unpaid after its due date, at
  the contract rate × the plan's multiplier (from the policy); read-only, never subsidised.
* **Reversal (冲正)** of a repayment by whoever may record it (the loan's handling bank, or a city admin),
  with a reason, within ``FANXIANG_REPAYMENT_REVERSAL_DAYS`` (default 30; 0 = any time) of recording it,
  latest repayment first, and only while the schedule is the one the repayment was recorded against. The
  periods get back the exact values they had before it (stored with the repayment), and are then brought up
  to the reversal date (overdue marking); days past due, status (settled → repaying → possibly overdue) and
  the credit-ledger lines it wrote are undone in the same transaction, with an event and an audit record.

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

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from fanxiang.core.scope import ADD, CHANGE, resolve
from fanxiang.loans import subsidy as sub
from fanxiang.loans.choices import CompensationStatus, RepaymentKind, RepaymentSource, ScheduleStatus
from fanxiang.loans.models import (
    Compensation,
    LoanApplication,
    Repayment,
    RepaymentPlan,
    ScheduleItem,
    SubsidyLine,
)

logger = logging.getLogger("fanxiang.loans")

REPAYABLE = ("disbursed", "repaying", "overdue", "extended")
ZERO = Decimal("0.00")
UNPAID = (ScheduleStatus.PENDING, ScheduleStatus.PARTIAL, ScheduleStatus.OVERDUE)
DONE = (ScheduleStatus.PAID, ScheduleStatus.CANCELLED)
# the schedule item fields a repayment or rebuild may change (saved together; snapshotted for reversal)
ITEM_FIELDS = (
    "due_date", "opening_principal", "principal_due", "interest_due", "borrower_interest", "subsidy",
    "interest_charge", "principal_paid", "interest_paid", "paid_date", "status", "was_overdue",
    "subsidy_forfeited", "extension",
)  # fmt: skip
_MONEY_FIELDS = frozenset(
    {"opening_principal", "principal_due", "interest_due", "borrower_interest", "subsidy", "interest_charge",
     "principal_paid", "interest_paid"}
)  # fmt: skip
_DATE_FIELDS = frozenset({"due_date", "paid_date"})


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


def _credit(loan: LoanApplication, event: str, day: dt.date, reason: str, actor: Any) -> Any:
    from fanxiang.credit.services import loan_credit_record

    return loan_credit_record(loan=loan, event=event, date=day, reason=reason, actor=actor)


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
        if _live(Repayment.objects.filter(loan=loan)).exists():
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
        subsidy_rate=terms.subsidy_rate,
        penalty_multiplier=terms.penalty_multiplier,
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
        if item.status in DONE:
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
    late = [i.due_date for i in items if i.status not in DONE and i.due_date < as_of]
    return (as_of - min(late)).days if late else 0


def _settle_state(
    loan: LoanApplication,
    plan: RepaymentPlan,
    items: list[ScheduleItem],
    as_of: dt.date,
    actor: Any,
    cause: dict[str, Any] | None = None,
    written: list[int] | None = None,
) -> str | None:
    """Days past due, outstanding principal and the status that follows as of ``as_of``; the transition
    (by the system) with its event and audit record, and the credit-ledger line of a credit event (its id
    appended to ``written``). Saves the loan. Returns the action taken, if any."""
    from fanxiang.credit.models import CreditEntry, CreditEvent

    dpd = days_past_due(items, as_of)
    loan.days_past_due = dpd
    loan.principal_outstanding = plan.principal - sum((i.principal_paid for i in items), ZERO)
    data = {**(cause or {}), "days_past_due": dpd, "principal_outstanding": str(loan.principal_outstanding)}
    action = note = None
    credit: tuple[str, str] | None = None
    if all(i.status in DONE for i in items):
        if loan.status != "settled":
            clean = not any(i.was_overdue for i in items)
            action, note, data["on_time"] = "settle", "本息全部还清", clean
            credit = (CreditEvent.REPAID_ON_TIME, "贷款按期还清") if clean else None
    elif dpd > 0:
        if loan.status != "overdue":
            first = min(
                (i for i in items if i.status not in DONE and i.due_date < as_of),
                key=lambda i: i.period,
            )
            reason = f"第{first.period}期（应还日 {first.due_date}）未按期还款"
            action, note = "mark_overdue", reason
            # one ledger line per overdue episode: a reversal that re-opens an episode already on record
            # does not write a second one
            if not CreditEntry.objects.filter(
                loan=loan, event=CreditEvent.OVERDUE, date__gte=first.due_date
            ).exists():
                credit = (CreditEvent.OVERDUE, reason)
    elif loan.status == "overdue":
        action, note = "cure", "逾期本息已还清"
        if not any(i.was_overdue for i in items):
            # a repayment dated on time (entered after the nightly run, or re-entered after a reversal):
            # no period was ever overdue, so the episode's ledger lines are withdrawn (the change log keeps them)
            withdrawn = CreditEntry.objects.filter(loan=loan, event=CreditEvent.OVERDUE)
            data["withdrawn_credit_entries"] = list(withdrawn.values_list("pk", flat=True))
            for entry in withdrawn:
                entry.delete()
    elif loan.status == "disbursed":
        action, note = "start_repaying", "进入还款期"
    if action is None:
        loan.save(update_fields=["days_past_due", "principal_outstanding", "updated_at"])
        return None
    _transition(loan, action, actor=None, day=as_of, data=data, note=note)
    if credit is not None:
        entry = _credit(loan, credit[0], as_of, credit[1], actor)
        if written is not None:
            written.append(entry.pk)
    return action


def _save_items(items: list[ScheduleItem]) -> None:
    if items:
        ScheduleItem.objects.bulk_update(items, list(ITEM_FIELDS))


def item_state(item: ScheduleItem) -> dict[str, Any]:
    """The values of ``ITEM_FIELDS`` as JSON-ready data (money and dates as strings)."""
    state: dict[str, Any] = {"id": item.pk}
    for name in ITEM_FIELDS:
        value = getattr(item, name)
        state[name] = str(value) if name in _MONEY_FIELDS or (name in _DATE_FIELDS and value) else value
    return state


def _restore(item: ScheduleItem, state: dict[str, Any]) -> None:
    for name in ITEM_FIELDS:
        if name not in state:
            continue
        value = state[name]
        if name in _MONEY_FIELDS:
            value = Decimal(value)
        elif name in _DATE_FIELDS:
            value = dt.date.fromisoformat(value) if value else None
        setattr(item, name, value)


def _allocate(
    items: list[ScheduleItem], amount: Decimal, date: dt.date
) -> tuple[list[dict[str, str]], Decimal, Decimal, dict[int, ScheduleItem]]:
    """Pay ``amount`` into the periods in order, oldest first, interest before principal. Returns the
    allocations, the interest and principal parts and the items changed (by pk)."""
    left = amount
    allocations = []
    principal_part = interest_part = ZERO
    changed: dict[int, ScheduleItem] = {}
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
    return allocations, interest_part, principal_part, changed


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
    if reference and _live(Repayment.objects.filter(bank_id=loan.bank_id, reference=reference)).exists():
        raise Conflict(
            "repayment.duplicate_reference",
            f"银行流水号“{reference}”已登记过，不能重复登记。",
            errors={"reference": ["该流水号已登记。"]},
        )
    _check_after_last(loan, date)
    plan = schedule_ensure(actor=actor, loan=loan)
    loan.refresh_from_db()
    items = _items(plan)
    before = {i.pk: item_state(i) for i in items}
    changed = {i.pk: i for i in _mark_overdue(items, plan, date)}
    owed = sum((i.interest_outstanding + i.principal_outstanding for i in items), ZERO)
    if amount > owed:
        raise InvalidInput.field(
            "amount",
            "repayment.exceeds_outstanding",
            f"还款金额 {amount:,.2f} 元超过该贷款尚欠本息合计 {owed:,.2f} 元。",
        )
    allocations, interest_part, principal_part, paid = _allocate(items, amount, date)
    changed.update(paid)
    return _store(
        loan=loan,
        plan=plan,
        items=items,
        changed=changed,
        before=before,
        actor=actor,
        date=date,
        amount=amount,
        principal_part=principal_part,
        interest_part=interest_part,
        allocations=allocations,
        reference=reference,
        source=source,
        note=note,
        kind=RepaymentKind.REGULAR,
    )


def _live(qs):
    """Repayments not reversed."""
    return qs.filter(reversed_at__isnull=True)


def _check_after_last(loan: LoanApplication, date: dt.date) -> None:
    last = _live(Repayment.objects.filter(loan=loan)).order_by("-date").values_list("date", flat=True).first()
    if last is not None and date < last:
        raise InvalidInput.field(
            "date",
            "repayment.date_before_last",
            f"还款日期 {date} 早于该贷款最近一笔还款（{last}），请按时间顺序登记。",
        )


def _store(
    *,
    loan: LoanApplication,
    plan: RepaymentPlan,
    items: list[ScheduleItem],
    changed: dict[int, ScheduleItem],
    before: dict[int, dict[str, Any]],
    actor: Any,
    date: dt.date,
    amount: Decimal,
    principal_part: Decimal,
    interest_part: Decimal,
    allocations: list[dict[str, str]],
    reference: str,
    source: str,
    note: str,
    kind: str,
    revision_before: int | None = None,
    event: tuple[str, str, dict[str, Any]] | None = None,
) -> Repayment:
    """Write the repayment (with what it changed, for an exact reversal), the changed periods, and the loan
    state that follows as of ``date``."""
    undo = {
        "items": [before[pk] for pk in sorted(changed)],
        "plan_revision": plan.revision if revision_before is None else revision_before,
    }
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
                kind=kind,
                undo=undo,
                plan_revision=plan.revision,
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
    if event is not None:
        action, label, data = event
        _record_event(loan, action, actor, label, {"repayment": repayment.pk, **data})
    written: list[int] = []
    _settle_state(
        loan,
        plan,
        items,
        date,
        actor,
        _cause(actor, repayment=repayment.pk, amount=str(amount)),
        written=written,
    )
    if written:
        undo["credit_entries"] = written
        Repayment.objects.filter(pk=repayment.pk).update(undo=undo)
        repayment.undo = undo
    return repayment


def _record_event(loan: LoanApplication, action: str, actor: Any, note: str, data: dict[str, Any]) -> None:
    """A timeline event (and audit record) that does not change the loan's status."""
    from fanxiang.loans import workflow

    roles = workflow.actor_roles(actor, loan) if actor is not None else {workflow.SYSTEM}
    role = "bank_officer" if "bank_officer" in roles else (sorted(roles)[0] if roles else "")
    workflow.record(
        application=loan,
        action=action,
        from_status=loan.status,
        to_status=loan.status,
        actor=actor,
        role=role,
        note=note,
        data=data,
    )


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
        raise Forbidden("repayment.forbidden", "只有该笔贷款的经办银行（或市级管理员）可以登记提前还款。")
    if loan.status not in REPAYABLE:
        raise Conflict(
            "repayment.loan_not_repaying",
            f"贷款 {loan.number} 当前状态为“{loan.status}”，不能办理提前还款。",
            details={"status": loan.status},
        )
    if loan.bank_id is None:
        raise Conflict("repayment.no_bank", f"贷款 {loan.number} 未指定经办银行，不能登记还款。")
    if loan.contract_date and date < loan.contract_date:
        raise InvalidInput.field(
            "date", "repayment.date_before_contract", f"还款日期 {date} 早于合同日期 {loan.contract_date}。"
        )
    if reference and _live(Repayment.objects.filter(bank_id=loan.bank_id, reference=reference)).exists():
        raise Conflict(
            "repayment.duplicate_reference",
            f"银行流水号“{reference}”已登记过，不能重复登记。",
            errors={"reference": ["该流水号已登记。"]},
        )
    _check_after_last(loan, date)
    return loan, reference


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
    plan = schedule_ensure(actor=actor, loan=loan)
    loan.refresh_from_db()
    items = _items(plan)
    before = {i.pk: item_state(i) for i in items}
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
    changed = {i.pk: i for i in items if item_state(i) != before[i.pk]}
    revision = plan.revision
    plan.revision += 1
    plan.save(update_fields=["revision"])
    return _store(
        loan=loan,
        plan=plan,
        items=items,
        changed=changed,
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
        revision_before=revision,
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
    plan = schedule_ensure(actor=actor, loan=loan)
    loan.refresh_from_db()
    items = _items(plan)
    before = {i.pk: item_state(i) for i in items}
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
    changed = {i.pk: i for i in items if item_state(i) != before[i.pk]}
    revision = plan.revision
    plan.revision += 1
    plan.save(update_fields=["revision"])
    return _store(
        loan=loan,
        plan=plan,
        items=items,
        changed=changed,
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
        revision_before=revision,
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
            "subsidy_rate": terms.subsidy_rate,
            "penalty_multiplier": terms.penalty_multiplier,
            "extension_from_period": None,
            "extension_subsidised": False,
            "revision": 0,
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
        "subsidy_rate": plan.subsidy_rate,
        "penalty_multiplier": plan.penalty_multiplier,
        "extension_from_period": plan.extension_from_period,
        "extension_subsidised": plan.extension_subsidised,
        "revision": plan.revision,
    }


def claims_by_item(items: list[ScheduleItem]) -> dict[int, tuple[int, str, str]]:
    """schedule item id -> (batch id, batch number, batch status) of its active claim."""
    ids = [i.pk for i in items if i.pk]
    return {
        item_id: (batch_id, number, status)
        for item_id, batch_id, number, status in SubsidyLine.objects.filter(
            schedule_item_id__in=ids, active=True
        ).values_list("schedule_item_id", "batch_id", "batch__number", "batch__status")
    }


def subsidy_status(item: ScheduleItem, plan: RepaymentPlan | None, claim: tuple | None) -> str:
    """cancelled | none | forfeited | claimed | claimable | not_yet (period not yet paid)."""
    if item.status == ScheduleStatus.CANCELLED:
        return "cancelled"
    if item.subsidy <= 0:
        return "none"
    if item.subsidy_forfeited:
        return "forfeited"
    if claim is not None:
        return "claimed"
    if item.status == ScheduleStatus.PAID:
        return "claimable"
    return "not_yet"
