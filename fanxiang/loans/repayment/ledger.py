"""Repayment schedules, repayments and the overdue bookkeeping they share (see the package docstring)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.core.scope import ADD, CHANGE, resolve
from fanxiang.loans.choices import RepaymentKind, RepaymentSource, ScheduleStatus
from fanxiang.loans.models import (
    LoanApplication,
    Repayment,
    RepaymentPlan,
    ScheduleItem,
)
from fanxiang.loans.subsidy import services as sub

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
    from fanxiang.loans.applications import workflow

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
        from fanxiang.loans.applications.workflow import status_label

        raise Conflict(
            "repayment.loan_not_repaying",
            f"贷款状态为“{status_label(loan.status)}”，只有已放款、还款中、逾期或展期的贷款才有还款计划。",
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
    ScheduleItem.objects.bulk_create([schedule_item(p, terms, plan=plan, loan=loan) for p in periods])
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
    loan, reference = _prepare_repayment(actor=actor, loan=loan, date=date, reference=reference, today=today)
    plan, items, before = _open_plan(actor, loan)
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


def _prepare_repayment(
    *,
    actor: Any,
    loan: LoanApplication,
    date: Any,
    reference: str,
    today: dt.date | None,
    permit: str = "登记还款",
    refuse: str = "登记还款",
) -> tuple[LoanApplication, str]:
    """The checks every repayment passes before it touches the plan; returns the locked loan and the
    cleaned reference. ``permit``/``refuse`` name the act in the refusals (who may do it, what cannot be done)."""
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
        raise Forbidden("repayment.forbidden", f"只有该笔贷款的经办银行（或市级管理员）可以{permit}。")
    if loan.status not in REPAYABLE:
        raise Conflict(
            "repayment.loan_not_repaying",
            f"贷款 {loan.number} 当前状态为“{loan.status}”，不能{refuse}。",
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


def _open_plan(actor: Any, loan: LoanApplication):
    """The loan's plan (ensured), its periods, and their state before the change (for an exact reversal).
    ``loan`` is the row the caller locked; it is read again only when generating the plan saved it."""
    plan = RepaymentPlan.objects.filter(loan=loan).first()
    if plan is None:
        plan = schedule_generate(actor=actor, loan=loan)
        loan.refresh_from_db()
    items = _items(plan)
    return plan, items, {i.pk: item_state(i) for i in items}


def schedule_item(p: Any, terms: Any, **extra: Any) -> ScheduleItem:
    """An unsaved schedule item from a computed period ``p`` under ``terms`` (``extra``: plan, loan)."""
    return ScheduleItem(
        **extra,
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
    from fanxiang.loans.applications import workflow

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
