"""Loan application decisions: review, contract, disbursement, return, rejection, withdrawal, extension."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from fanxiang.core.errors import Conflict, ErrorCollector, InvalidInput
from fanxiang.core.validators import validate_reference_number
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.loans.applications import workflow
from fanxiang.loans.applications.intake import (
    INDICATOR_GUARANTEED_LOANS,
    _call,
    _int,
    parse_money,
    parse_rate,
    run_eligibility,
)
from fanxiang.loans.applications.workflow import Context
from fanxiang.loans.choices import RepaymentMethod
from fanxiang.loans.models import (
    Disbursement,
    LoanApplication,
    LprRate,
)
from fanxiang.regions.rollups import rollup_add_many

# --------------------------------------------------------------------------- review


def _plain_step(action: str):
    """A workflow step that takes nothing but a note (its rules live in the workflow's transitions)."""

    def step(
        *,
        actor: Any,
        application: LoanApplication | int,
        note: str = "",
        today: dt.date | None = None,
        request: Any = None,
    ) -> LoanApplication:
        return _call(action, actor=actor, application=application, note=note, today=today, request=request)

    step.__name__ = step.__qualname__ = f"application_{action}"
    return step


application_hr_approve = _plain_step("hr_approve")
application_guarantee_approve = _plain_step("guarantee_approve")


def lpr_on(day: dt.date) -> LprRate | None:
    return LprRate.objects.filter(effective_date__lte=day).order_by("-effective_date").first()


def check_rate_cap(rate: Decimal, day: dt.date, field: str = "annual_rate") -> dict:
    """The rate may not exceed the 1-year LPR in force on ``day`` plus the policy's cap."""
    policy = workflow.policy_on(day)
    if policy is None:
        raise InvalidInput("loan.policy_missing", f"{day} 没有生效的创业担保贷款政策。")
    lpr = lpr_on(day)
    if lpr is None:
        raise InvalidInput("loan.lpr_missing", f"{day} 之前没有 LPR 记录，请市级管理员维护 LPR 表。")
    cap = (lpr.one_year + Decimal(policy.rate_cap_bp_over_lpr) / 100).quantize(Decimal("0.0001"))
    info = {"lpr": str(lpr.one_year), "lpr_date": lpr.effective_date.isoformat(), "cap": str(cap)}
    if rate > cap:
        raise InvalidInput(
            "loan.rate_over_cap",
            f"年利率 {rate}% 超过上限 {cap}%（{lpr.effective_date} 公布的1年期LPR {lpr.one_year}% "
            f"+ {policy.rate_cap_bp_over_lpr}BP）。",
            errors={field: [f"不能超过 {cap}%。"]},
            details=info,
        )
    return info


def application_bank_approve(
    *,
    actor: Any,
    application: LoanApplication | int,
    annual_rate: Any,
    approved_amount: Any = None,
    note: str = "",
    today: dt.date | None = None,
    request: Any = None,
) -> LoanApplication:
    """Credit approval: the amount (≤ requested and ≤ the policy maximum) and the rate (≤ LPR + cap)."""

    def effect(ctx: Context) -> None:
        app = ctx.application
        errors = ErrorCollector()
        amount = (
            app.amount
            if approved_amount in (None, "")
            else parse_money(approved_amount, "approved_amount", errors)
        )
        rate = parse_rate(annual_rate, "annual_rate", errors)
        errors.raise_if_any()
        if amount > app.amount:
            raise InvalidInput.field(
                "approved_amount",
                "loan.approved_over_requested",
                f"批准金额 {amount:,.2f}元 不能超过申请金额 {app.amount:,.2f}元。",
            )
        limit = (app.eligibility or {}).get("max_amount")
        if limit in (None, "None"):
            limit = run_eligibility(app, app.applied_on or ctx.today).max_amount
        if limit is not None and amount > Decimal(str(limit)):
            raise InvalidInput.field(
                "approved_amount",
                "loan.amount_over_limit",
                f"批准金额 {amount:,.2f}元 超过政策上限 {Decimal(str(limit)):,.2f}元。",
            )
        info = check_rate_cap(rate, ctx.today)
        app.approved_amount = amount
        app.annual_rate = rate
        ctx.data.update(approved_amount=str(amount), annual_rate=str(rate), **info)

    return _call(
        "bank_approve",
        actor=actor,
        application=application,
        note=note,
        today=today,
        effect=effect,
        request=request,
    )


def _contract_no(app: LoanApplication, raw: Any) -> str:
    """The contract number: required, checked by the shared validator, unique at the loan's bank."""
    value = validate_reference_number(
        raw, field_name="contract_no", code="loan.contract_no", label="合同编号"
    )
    if LoanApplication.objects.filter(bank_id=app.bank_id, contract_no=value).exclude(pk=app.pk).exists():
        raise Conflict(
            "loan.contract_no_duplicate",
            f"合同编号“{value}”已用于本行的另一笔贷款，请核对合同编号。",
            errors={"contract_no": ["该合同编号已被本行另一笔贷款使用。"]},
        )
    return value


def _loan_note_no(app: LoanApplication, raw: Any) -> str:
    """The loan-note number of a tranche: required, checked by the shared validator, unique at the bank."""
    value = validate_reference_number(
        raw, field_name="loan_note_no", code="loan.loan_note_no", label="借据号"
    )
    if Disbursement.objects.filter(bank_id=app.bank_id, loan_note_no=value).exists():
        raise Conflict(
            "loan.loan_note_no_duplicate",
            f"借据号“{value}”已用于本行的另一笔放款，请核对借据号。",
            errors={"loan_note_no": ["该借据号已被本行另一笔放款使用。"]},
        )
    return value


def application_sign_contract(
    *,
    actor: Any,
    application: LoanApplication | int,
    contract_no: Any = None,
    contract_date: dt.date | None = None,
    annual_rate: Any = None,
    repayment_method: str | None = None,
    note: str = "",
    today: dt.date | None = None,
    request: Any = None,
) -> LoanApplication:
    """签订借款合同: the contract number (合同编号, required, unique at the bank), the contract date (not before
    the application, not after today), and optionally the rate (≤ LPR + cap) and the repayment method."""

    def effect(ctx: Context) -> None:
        app = ctx.application
        number = _contract_no(app, contract_no)
        day = contract_date or ctx.today
        if day > ctx.today or (app.applied_on and day < app.applied_on):
            raise InvalidInput.field(
                "contract_date",
                "loan.contract_date_invalid",
                "合同日期不能早于申请日期，也不能晚于今天。",
            )
        if repayment_method is not None:
            if repayment_method not in RepaymentMethod.values:
                raise InvalidInput.field(
                    "repayment_method", "loan.repayment_method_invalid", "还款方式有误。"
                )
            app.repayment_method = repayment_method
        if annual_rate not in (None, ""):
            errors = ErrorCollector()
            rate = parse_rate(annual_rate, "annual_rate", errors)
            errors.raise_if_any()
            ctx.data.update(check_rate_cap(rate, day))
            app.annual_rate = rate
        app.contract_date = day
        app.contract_no = number
        ctx.data.update(
            contract_no=number,
            contract_date=day.isoformat(),
            annual_rate=str(app.annual_rate),
            repayment_method=app.repayment_method,
        )

    return _call(
        "sign_contract",
        actor=actor,
        application=application,
        note=note,
        today=today,
        effect=effect,
        request=request,
    )


@transaction.atomic
def _over_disbursement(app: LoanApplication, remaining: Any, message: str, **kwargs: Any) -> Conflict:
    """``loan.over_disbursement``: the tranches would add up to more than the approved amount."""
    details = {
        "approved_amount": str(app.approved_amount),
        "disbursed_total": str(app.disbursed_total),
        "remaining": str(remaining),
    }
    return Conflict("loan.over_disbursement", message, details=details, **kwargs)


def application_disburse(
    *,
    actor: Any,
    application: LoanApplication | int,
    amount: Any,
    loan_note_no: Any = None,
    date: dt.date | None = None,
    annual_rate: Any = None,
    note: str = "",
    today: dt.date | None = None,
    request: Any = None,
) -> LoanApplication:
    """One tranche, with its loan-note number (借据号, required, unique at the bank). The tranches never add
    up to more than the approved amount (``loan.over_disbursement``); the amount counts toward the
    guaranteed-loans target of the applicant's region in the month of ``date``.

    The repayment schedule is built at the first tranche, in the same transaction (the loan then enters
    repayment: 还款中). A later tranche never builds a second schedule: it rebuilds the unpaid part of the
    stored one from its date (``repayment.schedule_add_tranche``: interest on it from its date, the later
    periods on the higher principal, same maturity; periods already paid kept)."""
    from fanxiang.loans import repayment
    from fanxiang.loans.models import RepaymentPlan

    paid: dict[str, Any] = {}

    def effect(ctx: Context) -> None:
        app = ctx.application
        remaining = app.approved_amount - app.disbursed_total
        if workflow.fully_disbursed(app):  # the rule that hides the 放款 action
            raise _over_disbursement(
                app,
                remaining,
                f"该贷款已全额放款（批准 {app.approved_amount:,.2f}元，已放 {app.disbursed_total:,.2f}元），"
                "不能再放款。",
            )
        errors = ErrorCollector()
        value = parse_money(amount, "amount", errors)
        rate = (
            app.annual_rate if annual_rate in (None, "") else parse_rate(annual_rate, "annual_rate", errors)
        )
        errors.raise_if_any()
        day = date or ctx.today
        if day > ctx.today or (app.contract_date and day < app.contract_date):
            raise InvalidInput.field(
                "date", "loan.disbursement_date_invalid", "放款日期不能早于合同日期，也不能晚于今天。"
            )
        if rate is None:
            raise InvalidInput.field("annual_rate", "loan.rate_invalid", "请填写年利率。")
        info = check_rate_cap(rate, day)
        if value > remaining:
            raise _over_disbursement(
                app,
                remaining,
                f"放款金额 {value:,.2f}元 超过可放款余额 {remaining:,.2f}元"
                f"（批准 {app.approved_amount:,.2f}元，已放 {app.disbursed_total:,.2f}元）。",
                errors={"amount": [f"不能超过 {remaining:,.2f}元。"]},
            )
        note_no = _loan_note_no(app, loan_note_no)
        seq = app.disbursements.count() + 1
        Disbursement.objects.create(
            application=app,
            seq=seq,
            amount=value,
            date=day,
            annual_rate=rate,
            loan_note_no=note_no,
            bank_id=app.bank_id,
            recorded_by=ctx.actor if getattr(ctx.actor, "pk", None) else None,
        )
        app.disbursed_total += value
        app.principal_outstanding += value
        if app.annual_rate is None:
            app.annual_rate = rate
        paid.update(amount=value, day=day)
        rollup_add_many([(app.region_id, INDICATOR_GUARANTEED_LOANS, day, value)])
        ctx.data.update(
            seq=seq,
            loan_note_no=note_no,
            amount=str(value),
            date=day.isoformat(),
            annual_rate=str(rate),
            disbursed_total=str(app.disbursed_total),
            remaining=str(app.approved_amount - app.disbursed_total),
            lpr=info["lpr"],
            cap=info["cap"],
        )

    with transaction.atomic():  # the tranche and its schedule together: a refused schedule undoes the tranche
        app = _call(
            "disburse",
            actor=actor,
            application=application,
            note=note,
            today=today,
            effect=effect,
            request=request,
        )
        if RepaymentPlan.objects.filter(loan=app).exists():
            repayment.schedule_add_tranche(actor=actor, loan=app, amount=paid["amount"], day=paid["day"])
        else:  # the first tranche (or one recorded before schedules were built at disbursement)
            repayment.schedule_generate(actor=actor, loan=app)
    app.refresh_from_db()
    return app


def _items(values: Any, field: str, code: str, message: str) -> list[str]:
    if not isinstance(values, list | tuple):
        values = [values] if values else []
    items = list(dict.fromkeys(str(v).strip()[:200] for v in values if v is not None and str(v).strip()))
    if not items:
        raise InvalidInput.field(field, code, message)
    if len(items) > 50:
        raise InvalidInput.field(field, code, "最多列出50项。")
    return items


def application_return(
    *,
    actor: Any,
    application: LoanApplication | int,
    missing_items: list[str],
    note: str = "",
    today: dt.date | None = None,
    request: Any = None,
) -> LoanApplication:
    """补正: back to the applicant with every missing item listed at once (一次性告知)."""
    items = (
        missing_items,
        "missing_items",
        "loan.missing_items_required",
        "退回补正须一次性列明所有需补正的事项。",
    )
    return _listed_step(
        "return",
        items,
        "missing_items",
        actor=actor,
        application=application,
        note=note,
        today=today,
        request=request,
    )


def application_reject(
    *,
    actor: Any,
    application: LoanApplication | int,
    reasons: list[str],
    note: str = "",
    today: dt.date | None = None,
    request: Any = None,
) -> LoanApplication:
    items = (reasons, "reasons", "loan.reasons_required", "不予通过须写明理由。")
    return _listed_step(
        "reject",
        items,
        "rejection_reasons",
        actor=actor,
        application=application,
        note=note,
        today=today,
        request=request,
    )


def _listed_step(action: str, items: tuple, attr: str, **call: Any) -> LoanApplication:
    """A step that stores a list the caller must give (``items``: values, field, code, message for
    :func:`_items`) on the application's ``attr`` and in the event data under the field's name."""
    values, field, code, message = items

    def effect(ctx: Context) -> None:
        cleaned = _items(values, field, code, message)
        setattr(ctx.application, attr, cleaned)
        ctx.data.update({field: cleaned})

    return _call(action, effect=effect, **call)


application_withdraw = _plain_step("withdraw")


@transaction.atomic
def application_extend(
    *,
    actor: Any,
    application: LoanApplication | int,
    months: int,
    reason: str,
    today: dt.date | None = None,
    request: Any = None,
) -> LoanApplication:
    """展期, where the policy in force allows it (``extension_max_months``, ``extension_until``). The repayment
    schedule is rebuilt to the new maturity in the same transaction; whether the extension periods are
    subsidised follows ``extension_subsidised`` of the policy in force on the extension date."""
    from fanxiang.loans import repayment

    reason = (reason or "").strip()
    granted: dict[str, Any] = {}

    def effect(ctx: Context) -> None:
        if not reason:
            raise InvalidInput.field("reason", "loan.extension_reason_required", "请填写展期原因。")
        policy = workflow.policy_on(ctx.today)
        if (
            policy is None
            or not policy.extension_max_months
            or (policy.extension_until and ctx.today > policy.extension_until)
        ):
            raise InvalidInput("loan.extension_not_allowed", f"{ctx.today} 施行的政策不允许展期。")
        errors = ErrorCollector()
        value = _int(months, "months", errors, "loan.extension_months_invalid", 1, 120)
        errors.raise_if_any()
        if value > policy.extension_max_months:
            raise InvalidInput.field(
                "months",
                "loan.extension_too_long",
                f"展期不能超过{policy.extension_max_months}个月。",
            )
        ctx.application.extension_months = value
        ctx.data.update(
            months=value,
            reason=reason[:500],
            policy=policy.name,
            extension_subsidised=policy.extension_subsidised,
        )
        granted.update(months=value, day=ctx.today, subsidised=policy.extension_subsidised)

    app = _call(
        "extend",
        actor=actor,
        application=application,
        note=reason,
        today=today,
        effect=effect,
        request=request,
    )
    if app.contract_date and app.disbursed_total > 0 and app.annual_rate:
        repayment.schedule_rebuild_for_extension(
            actor=actor,
            loan=app,
            months=granted["months"],
            day=granted["day"],
            subsidised=granted["subsidised"],
        )
        app.refresh_from_db()
    return app


def application_transition(
    *,
    actor: Any,
    application: LoanApplication | int,
    action: str,
    note: str = "",
    today: dt.date | None = None,
    request: Any = None,
) -> LoanApplication:
    """A step without input of its own (for the repayment side: start_repaying, mark_overdue …)."""
    return _call(action, actor=actor, application=application, note=note, today=today, request=request)


@transaction.atomic
def applications_refresh_priority(*, entrepreneur_ids: list[int] | None = None) -> int:
    """Recompute the stored ``priority`` of applications still in progress (after the registry changed
    someone's priority groups, or nightly). Every step refreshes it too. Returns the rows changed."""
    from django.db.models import Q

    through = Entrepreneur.priority_groups.through
    in_groups = through.objects.filter(prioritygroup__is_active=True).values("entrepreneur_id")
    qs = LoanApplication.objects.filter(status__in=list(workflow.WAITING))
    if entrepreneur_ids is not None:
        qs = qs.filter(entrepreneur_id__in=entrepreneur_ids)
    wanted = Q(epidemic_affected=True) | Q(entrepreneur_id__in=in_groups)
    changed = qs.filter(wanted, priority=False).update(priority=True)
    changed += qs.filter(priority=True).exclude(wanted).update(priority=False)
    return changed
