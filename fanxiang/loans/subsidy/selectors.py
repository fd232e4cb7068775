"""Reads of the quarterly subsidy batches (scoped: a bank sees its own, the finance bureau those bound to it)."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    QuerySet,
)

from fanxiang.core.scope import ADD, EXPORT, VIEW, resolve
from fanxiang.loans.models import (
    SubsidyBatch,
    SubsidyLine,
)
from fanxiang.loans.subsidy import workflow as subsidy_workflow

# --------------------------------------------------------------------------- subsidy batches


def batches_for_user(user: Any, action: str = VIEW) -> QuerySet[SubsidyBatch]:
    return SubsidyBatch.objects.for_user(user, action).select_related("bank", "region", "finance_org")


def batches_filtered(
    user: Any,
    *,
    year: int | None = None,
    quarter: int | None = None,
    status: str | None = None,
    bank: int | None = None,
) -> QuerySet[SubsidyBatch]:
    qs = batches_for_user(user)
    if year:
        qs = qs.filter(year=year)
    if quarter:
        qs = qs.filter(quarter=quarter)
    if status:
        qs = qs.filter(status=status)
    if bank:
        qs = qs.filter(bank_id=bank)
    return qs.order_by("-year", "-quarter", "bank__code", "-id")


def batch_actions(user: Any, batch: SubsidyBatch) -> list[str]:
    """The batch actions the user may take now (the batch workflow's steps and scope, then ``delete`` on a
    draft; the service checks again when the action is taken)."""
    return subsidy_workflow.allowed_actions(batch, user)


def batch_lines(batch: SubsidyBatch) -> QuerySet[SubsidyLine]:
    return (
        SubsidyLine.objects.filter(batch=batch)
        .select_related("loan__entrepreneur", "loan__region")
        .order_by("loan__number", "period")
    )


def may_export_batch(user: Any, batch: SubsidyBatch) -> bool:
    return resolve(user, SubsidyBatch, EXPORT).covers(batch)


def batch_bank_choices(user: Any) -> QuerySet:
    """Banks the user may create a batch for: their own bank (bank officer), every active bank (city admin)."""
    from fanxiang.accounts.models import Organization, OrganizationKind

    banks = Organization.objects.filter(kind=OrganizationKind.BANK, is_active=True).order_by("code")
    if user.is_superuser or user.has_role("city_admin"):
        return banks
    if user.has_role("bank_officer") and user.organization_id:
        return banks.filter(pk=user.organization_id)
    return banks.none()


def batch_region_choices(user: Any) -> QuerySet:
    """The city and its counties (a batch covers the bank's loans in one region; default the city)."""
    from fanxiang.regions.models import Region, RegionLevel

    if resolve(user, SubsidyBatch, ADD).empty:
        return Region.objects.none()
    return Region.objects.filter(
        is_active=True, level__in=[RegionLevel.CITY, RegionLevel.COUNTY], tree_path__startswith=_city_path()
    ).order_by("tree_path")


def _city_path() -> str:
    from fanxiang.regions.models import Region

    city = Region.objects.filter(code="411600").values_list("tree_path", flat=True).first()
    return city or ""
