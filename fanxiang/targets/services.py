"""Target writes. A breakdown (children's targets) must always add up to the parent's figure."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum

from fanxiang.core import audit
from fanxiang.core.errors import InvalidInput
from fanxiang.core.scope import ADD, CHANGE, ensure_regions_in_scope
from fanxiang.regions.models import Region
from fanxiang.targets.models import COUNT_INDICATORS, LOAN_INDICATORS, Indicator, Target


def _clean_value(indicator: str, raw: Any, field: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise InvalidInput.field(field, "target.invalid_value", f"目标值“{raw}”不是有效数字。")
    if not value.is_finite() or value < 0:
        raise InvalidInput.field(field, "target.invalid_value", "目标值不能为负数。")
    if indicator in COUNT_INDICATORS and value != value.to_integral_value():
        raise InvalidInput.field(field, "target.not_integer", "人数目标须为整数。")
    if value >= Decimal("1e14"):
        raise InvalidInput.field(field, "target.invalid_value", "目标值过大。")
    return Target.normalize(indicator, value)


def _clean_categories(indicator: str, raw: list[str] | None) -> list[str] | None:
    """The borrower categories a loan target counts (None: keep / default)."""
    from fanxiang.loans.choices import BorrowerCategory

    if raw is None:
        return None
    if indicator not in LOAN_INDICATORS:
        raise InvalidInput.field(
            "loan_categories", "target.categories_not_applicable", "只有贷款类指标可以设定计入的借款人类别。"
        )
    codes = list(dict.fromkeys(str(c) for c in raw))
    unknown = [c for c in codes if c not in BorrowerCategory.values]
    if unknown or not codes:
        raise InvalidInput.field(
            "loan_categories",
            "target.categories_invalid",
            f"借款人类别无效：{'、'.join(unknown)}。" if unknown else "请至少选择一类借款人。",
        )
    return codes


def _fmt(indicator: str, value: Decimal) -> str:
    return f"{int(value):,}" if indicator in COUNT_INDICATORS else f"{value:,.2f}"


def _check_children_sum(parent: Target) -> None:
    children = Target.objects.filter(
        year=parent.year, indicator=parent.indicator, region__parent=parent.region_id
    )
    if not children.exists():
        return
    total = Target.normalize(parent.indicator, Decimal(children.aggregate(s=Sum("value"))["s"] or 0))
    if total != parent.value:
        diff = parent.value - total
        raise InvalidInput(
            "target.breakdown_mismatch",
            f"{parent.region.name}下级分解数之和为 {_fmt(parent.indicator, total)}，与{parent.region.name}"
            f"{parent.year}年目标 {_fmt(parent.indicator, parent.value)} 不一致"
            f"（{'少' if diff > 0 else '多'} {_fmt(parent.indicator, abs(diff))}）。请调整分解数后一并保存。",
            errors={"breakdown": ["分解数之和与上级目标不一致。"]},
            details={"expected": str(parent.value), "actual": str(total), "difference": str(diff)},
        )


@audit.audited
@transaction.atomic
def target_set(
    *,
    actor: Any,
    year: int,
    indicator: str,
    region: Region,
    value: Any,
    breakdown: dict[str, Any] | None = None,
    source: str = "",
    loan_categories: list[str] | None = None,
) -> Target:
    """Set a region's target, optionally with its breakdown to child regions ({child code: value}).

    Refused when the user does not hold the regions, when the breakdown's sum differs from the value, or
    when the change would make the parent's existing breakdown stop adding up.
    """
    if indicator not in Indicator.values:
        raise InvalidInput.field("indicator", "target.unknown_indicator", f"未知指标：{indicator}")
    if not 2000 <= int(year) <= 2100:
        raise InvalidInput.field("year", "target.invalid_year", "年度应在2000至2100之间。")
    amount = _clean_value(indicator, value, "value")
    categories = _clean_categories(indicator, loan_categories)
    children: dict[Region, Decimal] = {}
    for code, raw in (breakdown or {}).items():
        child = Region.objects.filter(code=code).first()
        if child is None or child.parent_id != region.pk:
            raise InvalidInput.field(
                f"breakdown.{code}",
                "target.breakdown_region_invalid",
                f"{code} 不是{region.name}的直接下级区划。",
            )
        children[child] = _clean_value(indicator, raw, f"breakdown.{code}")
    existing = (
        Target.objects.select_for_update().filter(year=year, indicator=indicator, region=region).first()
    )
    ensure_regions_in_scope(
        actor, Target, CHANGE if existing else ADD, [region.tree_path, *(c.tree_path for c in children)]
    )
    target = existing or Target(year=year, indicator=indicator, region=region)
    target.value = amount
    if source:
        target.source = source
    if categories is not None:
        target.loan_categories = categories
    target.save()
    for child, child_value in children.items():
        row = Target.objects.filter(year=year, indicator=indicator, region=child).first()
        if row is None:
            Target.objects.create(year=year, indicator=indicator, region=child, value=child_value)
        elif row.value != child_value:
            row.value = child_value
            row.save()
    _check_children_sum(target)
    for child in children:
        _check_children_sum(Target.objects.get(year=year, indicator=indicator, region=child))
    if region.parent_id:
        parent = (
            Target.objects.filter(year=year, indicator=indicator, region=region.parent)
            .select_related("region")
            .first()
        )
        if parent is not None:
            _check_children_sum(parent)
    return target
