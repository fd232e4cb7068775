"""Reads of the loan settings pages: policy versions, LPR table, holiday calendar."""

from __future__ import annotations

from django.db.models import (
    Count,
    QuerySet,
)
from django.utils import timezone

from fanxiang.core.models import Holiday
from fanxiang.loans.models import (
    LoanPolicy,
    LprRate,
    RepaymentPlan,
)

# --------------------------------------------------------------------------- policy settings


def policy_by_pk(pk) -> LoanPolicy | None:
    """City-wide reference data (not region-owned): the settings pages are for city admins only."""
    return LoanPolicy.objects.filter(pk=pk).first() if str(pk).isdigit() else None


def lpr_by_pk(pk) -> LprRate | None:
    return LprRate.objects.filter(pk=pk).first() if str(pk).isdigit() else None


def holiday_by_pk(pk) -> Holiday | None:
    return Holiday.objects.filter(pk=pk).first() if str(pk).isdigit() else None


def policy_versions() -> QuerySet[LoanPolicy]:
    return LoanPolicy.objects.order_by("-effective_from", "-id")


def lpr_rates() -> QuerySet[LprRate]:
    return LprRate.objects.order_by("-effective_date")


def holiday_years() -> list[int]:
    years = {d.year for d in Holiday.objects.dates("date", "year")}
    this_year = timezone.localdate().year
    years.update((this_year, this_year + 1))  # next year's calendar is published in the autumn
    return sorted(years, reverse=True)


def holidays_of(year: int) -> QuerySet[Holiday]:
    return Holiday.objects.filter(date__year=year).order_by("date")


def plans_per_policy() -> dict[int, int]:

    return dict(
        RepaymentPlan.objects.values("policy_id").annotate(n=Count("pk")).values_list("policy_id", "n")
    )
