"""Reads of the bank workbench and the schedule pages: every loan and repayment query starts from ``for_user``; a bank
officer reaches only the loans routed to their bank."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone

from fanxiang.core.errors import DomainError
from fanxiang.core.scope import ADD, CHANGE, VIEW, resolve
from fanxiang.loans import repayment as svc
from fanxiang.loans.applications.workflow import status_label
from fanxiang.loans.choices import AppStatus as S
from fanxiang.loans.choices import ScheduleStatus
from fanxiang.loans.models import (
    LoanApplication,
    Repayment,
    RepaymentPlan,
    ScheduleItem,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
UNPAID = (ScheduleStatus.PENDING, ScheduleStatus.PARTIAL, ScheduleStatus.OVERDUE)


# --------------------------------------------------------------------------- bank workbench


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    hint: str


# each tab is named by the loan status it works on (the one status vocabulary: workflow.status_label)
SECTIONS: tuple[Section, ...] = (
    Section("approval", status_label(S.GUARANTEE_APPROVED), "担保审核已通过（或多审合一中待银行审批）的申请"),
    Section("contract", status_label(S.BANK_APPROVED), "银行已审批、待签订借款合同"),
    Section("disbursement", status_label(S.CONTRACTED), "已签合同待放款，或已部分放款、可继续放款"),
    Section("repaying", status_label(S.REPAYING), "按下一期应还日期排列"),
    Section("overdue", status_label(S.OVERDUE), "按逾期天数从多到少排列"),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)
# a partly disbursed loan is repaying (its schedule is built at the first tranche) and may take more tranches
_PARTLY_DISBURSED = Q(approved_amount__isnull=False, disbursed_total__lt=F("approved_amount"))

SECTION_Q: dict[str, Q] = {
    "approval": Q(status=S.GUARANTEE_APPROVED, merged_review=False)
    | Q(status=S.SUBMITTED, merged_review=True, bank_ok=False),
    "contract": Q(status=S.BANK_APPROVED),
    "disbursement": Q(status=S.CONTRACTED)
    | Q(_PARTLY_DISBURSED, status__in=(S.DISBURSED, S.REPAYING, S.EXTENDED)),
    # disbursed: loans recorded before schedules were built at disbursement, still without one
    "repaying": Q(status__in=(S.DISBURSED, S.REPAYING, S.EXTENDED)),
    "overdue": Q(status=S.OVERDUE),
}


def bank_loans(user: Any) -> QuerySet[LoanApplication]:
    return LoanApplication.objects.for_user(user, VIEW).select_related("entrepreneur", "region", "bank")


def _left() -> ExpressionWrapper:
    return ExpressionWrapper(
        F("principal_due") + F("interest_charge") - F("principal_paid") - F("interest_paid"),
        output_field=MONEY,
    )


def workbench_counts(user: Any) -> dict[str, int]:
    counts = bank_loans(user).aggregate(**{key: Count("pk", filter=q) for key, q in SECTION_Q.items()})
    return {key: counts[key] or 0 for key in SECTION_KEYS}


def workbench_section(user: Any, key: str, *, q: str = "", today: dt.date | None = None) -> QuerySet:
    """The loans of one workbench section, in the order the section is worked: priority then deadline for the
    approval steps, next due date for repaying loans, most days past due first for overdue loans."""
    today = today or timezone.localdate()
    qs = bank_loans(user).filter(SECTION_Q[key])
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(entrepreneur__name__icontains=q))
    unpaid = ScheduleItem.objects.filter(loan=OuterRef("pk"), status__in=UNPAID).order_by("period")
    if key in ("approval", "contract", "disbursement"):
        return qs.order_by(F("priority").desc(), F("step_due").asc(nulls_last=True), "id")
    if key == "repaying":
        return qs.annotate(
            next_due_date=Subquery(unpaid.values("due_date")[:1]),
            next_due_amount=Subquery(unpaid.annotate(left=_left()).values("left")[:1], output_field=MONEY),
            next_period=Subquery(unpaid.values("period")[:1]),
        ).order_by(F("next_due_date").asc(nulls_last=True), "id")
    late = (
        ScheduleItem.objects.filter(loan=OuterRef("pk"), status__in=UNPAID, due_date__lt=today)
        .order_by()
        .values("loan")
    )
    return qs.annotate(
        overdue_since=Subquery(unpaid.filter(due_date__lt=today).values("due_date")[:1]),
        overdue_periods=Subquery(late.annotate(n=Count("pk")).values("n")[:1]),
        overdue_amount=Subquery(late.annotate(total=Sum(_left())).values("total")[:1], output_field=MONEY),
    ).order_by("-days_past_due", "id")


# --------------------------------------------------------------------------- schedule page


def loan_for_schedule(user: Any, pk: int) -> LoanApplication | None:
    return bank_loans(user).select_related("guarantee_org").filter(pk=pk).first()


def schedule_view(user: Any, loan: LoanApplication, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """The loan's schedule and subsidy per period as ``GET /api/v1/loans/{id}/schedule`` and ``/subsidy`` give
    them (``repayment.schedule_rows`` / ``plan_summary``), with each period's subsidy claim state and penalty
    interest as of ``as_of`` (default today, ``repayment.schedule_penalties``), the repayments recorded
    (reversed ones kept and marked: the periods' paid amounts already exclude them), and what the user may
    do. A loan whose terms are incomplete (not disbursed yet …) has no schedule: ``error`` carries the
    reason."""
    as_of = as_of or timezone.localdate()
    probe = Repayment(loan=loan, bank_id=loan.bank_id)
    may_record = loan.bank_id is not None and resolve(user, Repayment, ADD).covers(probe)
    may_generate = resolve(user, LoanApplication, CHANGE).covers(loan)
    result: dict[str, Any] = {
        "loan": loan,
        "plan": None,
        "summary": None,
        "rows": [],
        "totals": {},
        "error": None,
        "may_record": may_record and loan.status in svc.REPAYABLE,
        "may_generate": False,
        "repayments": list(
            Repayment.objects.for_user(user)
            .filter(loan=loan)
            .select_related("reversed_by")
            .order_by("date", "id")
        ),
        "as_of": as_of,
        "penalty_rate": None,
        "reversible": None,
    }
    result["reversible"] = reversible_repayment(user, loan, result["repayments"])
    try:
        plan, items = svc.schedule_rows(loan)
        summary = svc.plan_summary(loan, plan)
    except DomainError as exc:
        result["error"] = f"{exc.message}（{exc.code}）"
        return result
    claims = svc.claims_by_item(items) if plan is not None else {}
    penalties = svc.schedule_penalties(plan, items, as_of, loan=loan)
    rows = []
    for item in items:
        claim = claims.get(item.pk)
        penalty_days, penalty = penalties.get(item.period, (0, ZERO))
        rows.append(
            {
                "item": item,
                "amount_due": item.amount_due,
                "paid": item.amount_paid,
                "outstanding": max(item.amount_due - item.amount_paid, ZERO),
                "subsidy_status": svc.subsidy_status(item, plan, claim),
                "batch": claim,
                "penalty_days": penalty_days,
                "penalty": penalty,
            }
        )
    fields = {
        "principal": "principal_due",
        "interest": "interest_due",
        "borrower_interest": "borrower_interest",
        "subsidy": "subsidy",
        "interest_charge": "interest_charge",
        "principal_paid": "principal_paid",
        "interest_paid": "interest_paid",
    }
    totals = {key: sum((getattr(r["item"], f) for r in rows), ZERO) for key, f in fields.items()}
    totals["amount_due"] = sum((r["amount_due"] for r in rows), ZERO)
    totals["paid"] = sum((r["paid"] for r in rows), ZERO)
    totals["penalty"] = sum((r["penalty"] for r in rows), ZERO)
    by_status = {"claimed": ZERO, "claimable": ZERO, "forfeited": ZERO, "not_yet": ZERO}
    for r in rows:
        if r["subsidy_status"] in by_status:
            by_status[r["subsidy_status"]] += r["item"].subsidy
    totals.update(by_status)
    result.update(
        plan=plan,
        summary=summary,
        rows=rows,
        totals=totals,
        penalty_rate=svc.penalty_rate(loan, plan),
        may_generate=plan is None and may_generate and loan.status in svc.REPAYABLE,
    )
    return result


def reversible_repayment(user: Any, loan: LoanApplication, repayments: list[Repayment]) -> int | None:
    """The id of the one repayment the page offers to reverse (冲正): the loan's latest live repayment, when the
    user may record repayments for it and the schedule was not rebuilt since. ``repayment.repayment_reverse``
    checks all of this again (and the time window, claimed subsidy) and refuses with its code."""
    live = [r for r in repayments if r.reversed_at is None]
    if not live or loan.status not in (*svc.REPAYABLE, "settled"):
        return None
    latest = max(live, key=lambda r: (r.date, r.pk))
    if not resolve(user, Repayment, ADD).covers(latest):
        return None
    revision = RepaymentPlan.objects.filter(loan=loan).values_list("revision", flat=True).first()
    if revision is not None and latest.plan_revision != revision:
        return None
    return latest.pk


def repayment_for_reversal(user: Any, pk: int) -> Repayment | None:
    return Repayment.objects.for_user(user, VIEW).select_related("loan").filter(pk=pk).first()


def payoff_quote(loan: LoanApplication, day: dt.date) -> dict[str, Any]:
    """What settling ``loan`` on ``day`` costs: the same figures as ``GET /api/v1/loans/{id}/payoff``."""
    return svc.payoff_quote(loan=loan, date=day)
