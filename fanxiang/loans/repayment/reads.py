"""Reads of a loan's schedule for pages and the API."""

from __future__ import annotations

from typing import Any

from fanxiang.loans.choices import ScheduleStatus
from fanxiang.loans.models import (
    LoanApplication,
    RepaymentPlan,
    ScheduleItem,
    SubsidyLine,
)
from fanxiang.loans.repayment.ledger import _items, schedule_item
from fanxiang.loans.subsidy import services as sub

# --------------------------------------------------------------------------- reads


def schedule_rows(loan: LoanApplication) -> tuple[RepaymentPlan | None, list[Any]]:
    """The stored plan and items, or (None, a preview computed from the contract) when none is stored."""
    plan = RepaymentPlan.objects.select_related("policy").filter(loan=loan).first()
    if plan is not None:
        return plan, _items(plan)
    terms, _policy = sub.terms_for(loan)
    return None, [schedule_item(p, terms, loan=loan) for p in sub.build_schedule(terms)]


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
