"""Product catalogue reads and matching a business's need to products.

Matching takes a need (amount, term), the collateral or guarantees the borrower can offer and, when a
business is given, its entity kind, its founders' categories and its region; ``on`` is the date the loan
is wanted (default today). Each product in sale is checked condition by condition; a product passing all
is a match, one failing at most :data:`NEAR_MISS_MAX_FAILURES` conditions is a near miss listed with every
failed condition and a sentence a clerk can read out ("需求金额 500 万元，超过该产品上限 300 万元")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from fanxiang.core.errors import ErrorCollector
from fanxiang.core.scope import VIEW
from fanxiang.entrepreneurs.choices import BusinessKind, Category
from fanxiang.entrepreneurs.models import Business
from fanxiang.entrepreneurs.selectors import businesses_for_user
from fanxiang.finance.choices import COLLATERAL_PHRASE, Collateral, ProductStatus
from fanxiang.finance.models import FinancialProduct, yuan_text
from fanxiang.finance.parsing import parse_decimal, parse_int
from fanxiang.regions.models import Region

NEAR_MISS_MAX_FAILURES = 2
MAX_NEED_AMOUNT = Decimal("1000000000000")
MAX_NEED_TERM = 360


def products_for_user(user: Any, action: str = VIEW) -> QuerySet[FinancialProduct]:
    return (
        FinancialProduct.objects.for_user(user, action)
        .select_related("bank")
        .prefetch_related(Prefetch("regions_served", queryset=Region.objects.order_by("tree_path")))
    )


def business_for_matching(user: Any, pk: int) -> Business | None:
    """The business ``pk`` if it lies in the user's scope, else ``None`` (the page answers 404)."""
    return businesses_for_user(user, VIEW).filter(pk=pk).first()


def business_label(business: Business) -> str:
    """How a business reads in the picker: name, credit code (when registered) and township."""
    code = f"，{business.credit_code}" if business.credit_code else ""
    return f"{business.name}（{business.region.name}{code}）"


def _phrases(codes: list[str]) -> str:
    return "、".join(COLLATERAL_PHRASE.get(c, c) for c in codes)


def _labels(choices: Any, codes: list[str]) -> str:
    labels = dict(choices.choices)
    return "、".join(str(labels.get(c, c)) for c in codes)


@dataclass(frozen=True)
class Failure:
    code: str
    field: str
    message: str


@dataclass
class ProductFit:
    product: FinancialProduct
    failures: list[Failure] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Need:
    amount: Decimal | None
    term_months: int | None
    collateral: tuple[str, ...]
    on: dt.date
    business_id: int | None = None
    entity_kind: str | None = None
    categories: tuple[str, ...] = ()
    region: Region | None = None


@dataclass
class MatchResult:
    need: Need
    matches: list[ProductFit]
    near_misses: list[ProductFit]
    others: int  # products in sale failing more conditions than a near miss


def clean_need(
    *, amount: Any = None, term_months: Any = None, collateral: Any = None, on: dt.date | None = None
) -> tuple[Decimal | None, int | None, tuple[str, ...], dt.date]:
    """Check the need typed by a clerk or sent to the API (422 with field and code on bad input)."""
    errors = ErrorCollector()
    value: Decimal | None = None
    if amount not in (None, ""):
        value = parse_decimal(amount)
        if value is None or value <= 0 or value > MAX_NEED_AMOUNT or value != value.quantize(Decimal("0.01")):
            errors.add(
                "amount", "finance.match_amount_invalid", "需求金额应为大于0的金额（元，最多两位小数）。"
            )
            value = None
    term: int | None = None
    if term_months not in (None, ""):
        term = parse_int(term_months)
        if term is None or not 1 <= term <= MAX_NEED_TERM:
            errors.add(
                "term_months",
                "finance.match_term_invalid",
                f"需求期限应为1至{MAX_NEED_TERM}之间的整数（月）。",
            )
            term = None
    codes = [str(c).strip() for c in (collateral or []) if str(c).strip()]
    unknown = [c for c in codes if c not in Collateral.values]
    if unknown:
        errors.add(
            "collateral",
            "finance.collateral_invalid",
            f"未知的抵质押或担保方式：{'、'.join(unknown)}。可选：{'、'.join(Collateral.values)}。",
        )
    errors.raise_if_any()
    ordered = tuple(c for c in Collateral.values if c in codes)
    return value, term, ordered, on or timezone.localdate()


def need_of(
    *,
    business: Any = None,
    amount: Any = None,
    term_months: Any = None,
    collateral: Any = None,
    on: dt.date | None = None,
) -> Need:
    value, term, codes, day = clean_need(amount=amount, term_months=term_months, collateral=collateral, on=on)
    if business is None:
        return Need(value, term, codes, day)
    from fanxiang.entrepreneurs.models import BusinessFounder

    categories = tuple(
        sorted(
            set(
                BusinessFounder.objects.filter(business=business).values_list(
                    "entrepreneur__category", flat=True
                )
            )
        )
    )
    region = Region.objects.select_related("parent__parent").get(pk=business.region_id)
    return Need(value, term, codes, day, business.pk, business.kind, categories, region)


def _region_name(region: Region) -> str:
    county = region.county
    return county.name if county is not None else region.name


def check_product(product: FinancialProduct, need: Need) -> ProductFit:
    """Every condition the product sets on the need, in a fixed order; each failure explains itself."""
    fit = ProductFit(product)
    fail = fit.failures.append
    if not product.valid_on(need.on):
        until = product.valid_to.isoformat() if product.valid_to else "长期"
        fail(
            Failure(
                "finance.match_not_valid",
                "on",
                f"该产品有效期为 {product.valid_from.isoformat()} 至 {until}，{need.on.isoformat()} 不在有效期内",
            )
        )
    if need.amount is not None:
        if need.amount > product.amount_max:
            fail(
                Failure(
                    "finance.match_amount_over_max",
                    "amount",
                    f"需求金额 {yuan_text(need.amount)}，超过该产品上限 {yuan_text(product.amount_max)}",
                )
            )
        elif need.amount < product.amount_min:
            fail(
                Failure(
                    "finance.match_amount_under_min",
                    "amount",
                    f"需求金额 {yuan_text(need.amount)}，低于该产品起贷金额 {yuan_text(product.amount_min)}",
                )
            )
    if need.term_months is not None:
        if need.term_months > product.term_months_max:
            fail(
                Failure(
                    "finance.match_term_over_max",
                    "term_months",
                    f"需求期限 {need.term_months} 个月，超过该产品最长期限 {product.term_months_max} 个月",
                )
            )
        elif need.term_months < product.term_months_min:
            fail(
                Failure(
                    "finance.match_term_under_min",
                    "term_months",
                    f"需求期限 {need.term_months} 个月，短于该产品最短期限 {product.term_months_min} 个月",
                )
            )
    accepted = set(product.collateral)
    if Collateral.CREDIT not in accepted and not accepted & set(need.collateral):
        if need.collateral:
            message = f"不接受{_phrases(list(need.collateral))}（该产品接受：{_phrases(product.collateral)}）"
        else:
            message = f"须提供抵质押或担保（该产品接受：{_phrases(product.collateral)}）"
        fail(Failure("finance.match_collateral_not_accepted", "collateral", message))
    if need.business_id is None:
        return fit
    if product.target_entity_kinds and need.entity_kind not in product.target_entity_kinds:
        fail(
            Failure(
                "finance.match_entity_kind",
                "business",
                f"该产品不面向{_labels(BusinessKind, [need.entity_kind])}"
                f"（面向：{_labels(BusinessKind, product.target_entity_kinds)}）",
            )
        )
    if product.target_categories:
        if not set(need.categories) & set(product.target_categories):
            theirs = _labels(Category, list(need.categories)) or "未登记"
            fail(
                Failure(
                    "finance.match_category",
                    "business",
                    f"该产品面向{_labels(Category, product.target_categories)}，本主体创办人类别为{theirs}",
                )
            )
    if need.region is not None:
        served = list(product.regions_served.all())
        if served and not any(need.region.tree_path.startswith(r.tree_path) for r in served):
            fail(
                Failure(
                    "finance.match_region_not_served",
                    "business",
                    f"该产品不在{_region_name(need.region)}开办（服务区域：{'、'.join(r.name for r in served)}）",
                )
            )
    return fit


def _rank_key(fit: ProductFit) -> tuple:
    """Lowest rate first, then the widest amount ceiling, then bank and name (stable for equal offers)."""
    p = fit.product
    return (len(fit.failures), p.rate_min, p.rate_max, -p.amount_max, p.bank.code, p.name, p.pk)


def product_match(*, user: Any, need: Need) -> MatchResult:
    """Products in sale (not withdrawn) the user may read, checked against ``need``."""
    fits = [
        check_product(product, need)
        for product in products_for_user(user).filter(status=ProductStatus.ACTIVE)
    ]
    fits.sort(key=_rank_key)
    matches = [f for f in fits if f.matched]
    near = [f for f in fits if 0 < len(f.failures) <= NEAR_MISS_MAX_FAILURES]
    return MatchResult(need, matches, near, len(fits) - len(matches) - len(near))
