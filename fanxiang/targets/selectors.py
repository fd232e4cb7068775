from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from fanxiang.core.scope import VIEW, resolve
from fanxiang.targets.models import DEFAULT_LOAN_CATEGORIES, LOAN_INDICATORS, Indicator, Target


def targets_for_user(user: Any, action: str = VIEW) -> QuerySet[Target]:
    return Target.objects.for_user(user, action).select_related("region__parent")


def target_breakdown(target: Target, user: Any) -> list[Target]:
    """The children's targets the user may see."""
    return list(
        targets_for_user(user)
        .filter(year=target.year, indicator=target.indicator, region__parent=target.region_id)
        .order_by("region__sort_order", "region__code")
    )


def latest_year(user: Any) -> int | None:
    row = targets_for_user(user).order_by("-year").values_list("year", flat=True).first()
    return row


# Indicators whose actual figures are counted (guaranteed loans: disbursed tranches, by the loans app).
PROGRESS_INDICATORS = ["new_entrepreneurs", "jobs_created", "guaranteed_loans"]


def _ratio(actual, target):
    if not target:
        return None
    return (Decimal(actual) / Decimal(target)).quantize(Decimal("0.0001"))


def loan_categories_of(target: Target | None) -> list[str]:
    """The borrower categories whose loans count towards a loan target (default: returning migrant
    workers, the seed's 返乡农民工创业担保贷款)."""
    cats = list(target.loan_categories or []) if target is not None else []
    return cats or list(DEFAULT_LOAN_CATEGORIES)


def categories_label(codes: list[str]) -> str:
    from fanxiang.loans.choices import BorrowerCategory

    return "、".join(str(BorrowerCategory(c).label) if c in BorrowerCategory.values else c for c in codes)


def _loan_categories(borrower_categories: list | None, registry_category: str) -> set[str]:
    """A loan's borrower categories: those recorded on the application (set from the registry when the
    draft opens), else the lead borrower's registry category."""
    from fanxiang.loans.choices import REGISTRY_TO_BORROWER

    if borrower_categories:
        return set(borrower_categories)
    mapped = REGISTRY_TO_BORROWER.get(registry_category or "", "")
    return {mapped} if mapped else set()


def loan_totals(region: Any, year: int, categories: list[str]) -> dict:
    """Disbursed guaranteed loans in ``year`` for ``region``'s subtree, counting only loans whose borrower
    categories include one of ``categories`` — the shape of ``regions.rollups.subtree_totals`` (total, per
    month, per direct child). Grouped in the database by region, month and categories (a few hundred rows
    a year, whatever the number of tranches)."""
    from django.db.models import Sum
    from django.db.models.functions import ExtractMonth

    from fanxiang.loans.models import Disbursement

    wanted = set(categories)
    rows = (
        Disbursement.objects.filter(
            date__year=year, application__region__tree_path__startswith=region.tree_path
        )
        .annotate(month=ExtractMonth("date"))
        .values(
            "application__region__tree_path",
            "month",
            "application__borrower_categories",
            "application__entrepreneur__category",
        )
        .annotate(v=Sum("amount"))
        .order_by()
    )
    months = [Decimal(0)] * 12
    children: dict[str, Decimal] = {}
    depth = region.tree_path.count("/")
    total = Decimal(0)
    for row in rows:
        cats = _loan_categories(
            row["application__borrower_categories"], row["application__entrepreneur__category"]
        )
        if not cats & wanted:
            continue
        value = Decimal(row["v"] or 0)
        total += value
        months[row["month"] - 1] += value
        parts = row["application__region__tree_path"].strip("/").split("/")
        if len(parts) >= depth:
            children[parts[depth - 1]] = children.get(parts[depth - 1], Decimal(0)) + value
    cents = Decimal("0.01")
    return {
        "total": total.quantize(cents),
        "months": [m.quantize(cents) for m in months],
        "children": {k: v.quantize(cents) for k, v in children.items()},
    }


def indicator_totals(region: Any, indicator: str, year: int, target: Target | None = None) -> dict:
    """The actual figures counted towards ``indicator``'s target: a loan indicator from the loans of the
    borrower categories the target names, the others from the per-region monthly rollups."""
    from fanxiang.regions.rollups import subtree_totals

    if indicator in LOAN_INDICATORS:
        return loan_totals(region, year, loan_categories_of(target))
    return subtree_totals(region, indicator, year)


def progress(*, user: Any, year: int, region_code: str, indicators: list[str] | None = None) -> dict:
    """Target vs actual for a region and year, per direct child and per month — read from the per-region
    monthly rollups, never from the registry itself, so it costs the same at 2M records as at 20k. A loan
    indicator counts the loans of the borrower categories its target names (``loan_totals``) and carries
    the total of all guaranteed loans (the rollup) as its own figure ``all_loans``."""
    from fanxiang.core.errors import NotFound
    from fanxiang.regions.models import Region
    from fanxiang.regions.rollups import subtree_totals

    region = Region.objects.for_user(user, VIEW).filter(code=region_code).first()
    if region is None or resolve(user, Target, VIEW).empty:
        raise NotFound("not_found", f"区划 {region_code} 不存在或不在您的查看范围内。")
    children = list(Region.objects.filter(parent=region, is_active=True).order_by("sort_order", "code"))
    result = []
    for indicator in indicators or PROGRESS_INDICATORS:
        rows = {
            t.region_id: t
            for t in Target.objects.filter(year=year, indicator=indicator, region__in=[region, *children])
        }
        targets = {pk: t.value for pk, t in rows.items()}
        totals = indicator_totals(region, indicator, year, rows.get(region.pk))
        extra: dict = {"categories": [], "categories_label": "", "all_loans": None}
        if indicator in LOAN_INDICATORS:
            cats = loan_categories_of(rows.get(region.pk))
            extra = {
                "categories": cats,
                "categories_label": categories_label(cats),
                "all_loans": subtree_totals(region, indicator, year)["total"],
            }
        cumulative = Decimal(0)
        months = []
        for i, value in enumerate(totals["months"], start=1):
            cumulative += value
            months.append({"month": i, "actual": value, "cumulative": cumulative})
        target = targets.get(region.pk)
        result.append(
            {
                "indicator": indicator,
                "label": str(Indicator(indicator).label),
                "target": target,
                "actual": totals["total"],
                "ratio": _ratio(totals["total"], target),
                "children": [
                    {
                        "region": c.code,
                        "name": c.name,
                        "target": targets.get(c.pk),
                        "actual": totals["children"].get(c.code, Decimal("0.00")),
                        "ratio": _ratio(totals["children"].get(c.code, Decimal("0.00")), targets.get(c.pk)),
                    }
                    for c in children
                ],
                "months": months,
                **extra,
            }
        )
    return {"year": year, "region": region.code, "region_name": region.name, "indicators": result}


def progress_regions(user: Any) -> QuerySet:
    """Regions the progress page offers: the city, counties and townships inside the user's scope."""
    from fanxiang.regions.models import Region, RegionLevel

    if resolve(user, Target, VIEW).empty:
        return Region.objects.none()
    return (
        Region.objects.for_user(user, VIEW)
        .filter(is_active=True, level__in=[RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP])
        .order_by("tree_path")
    )


def target_years(user: Any) -> list[int]:
    return list(targets_for_user(user).order_by("-year").values_list("year", flat=True).distinct())


def actual_total(*, region: Any, indicator: str, year: int, target: Target | None = None) -> Decimal:
    """The year's actual figure counted towards the target for a region subtree (a loan indicator: the
    loans of the target's borrower categories)."""
    return indicator_totals(region, indicator, year, target)["total"]


def target_actuals(targets: list[Target]) -> dict[int, dict]:
    """Actual and completion ratio per target (for the indicators counted today); a loan target also has
    ``all_loans``, the total of all guaranteed loans."""
    from fanxiang.regions.rollups import subtree_totals

    out = {}
    for t in targets:
        if t.indicator not in PROGRESS_INDICATORS:
            continue
        actual = actual_total(region=t.region, indicator=t.indicator, year=t.year, target=t)
        out[t.pk] = {"actual": actual, "ratio": _ratio(actual, t.value)}
        if t.indicator in LOAN_INDICATORS:
            out[t.pk]["all_loans"] = subtree_totals(t.region, t.indicator, t.year)["total"]
            out[t.pk]["categories_label"] = categories_label(loan_categories_of(t))
    return out
