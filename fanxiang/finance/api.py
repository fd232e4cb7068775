"""Financial products (point (五)) under ``/api/v1/finance``: the catalogue, its maintenance, and matching a
business's need and collateral to products."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from fanxiang.core.api import ErrorOut, InputSchema, IsoDate, PageNumberPagination, apply_filterset
from fanxiang.core.errors import NotFound
from fanxiang.core.schema import Money, choice
from fanxiang.core.scope import VIEW, get_for_user
from fanxiang.entrepreneurs.choices import BusinessKind, Category
from fanxiang.finance import selectors, services
from fanxiang.finance.choices import Collateral, ProductStatus
from fanxiang.finance.filtersets import ProductFilter
from fanxiang.finance.models import FinancialProduct

router = Router(tags=["金融产品"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class RegionRefOut(Schema):
    code: str
    name: str


class ProductOut(Schema):
    id: int
    bank: int
    bank_code: str
    bank_name: str
    name: str
    description: str
    amount_min: str
    amount_max: str
    term_months_min: int
    term_months_max: int
    rate_min: str
    rate_max: str
    collateral: list[str]
    collateral_labels: list[str]
    target_entity_kinds: list[str]
    target_categories: list[str]
    regions_served: list[RegionRefOut]
    valid_from: IsoDate
    valid_to: IsoDate | None
    status: str
    status_label: str
    contact: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_bank(obj: FinancialProduct) -> int:
        return obj.bank_id

    @staticmethod
    def resolve_bank_code(obj: FinancialProduct) -> str:
        return obj.bank.code

    @staticmethod
    def resolve_bank_name(obj: FinancialProduct) -> str:
        return obj.bank.name

    @staticmethod
    def resolve_amount_min(obj: FinancialProduct) -> str:
        return str(obj.amount_min)

    @staticmethod
    def resolve_amount_max(obj: FinancialProduct) -> str:
        return str(obj.amount_max)

    @staticmethod
    def resolve_rate_min(obj: FinancialProduct) -> str:
        return str(obj.rate_min)

    @staticmethod
    def resolve_rate_max(obj: FinancialProduct) -> str:
        return str(obj.rate_max)

    @staticmethod
    def resolve_collateral_labels(obj: FinancialProduct) -> list[str]:
        return obj.collateral_labels()

    @staticmethod
    def resolve_regions_served(obj: FinancialProduct) -> list[dict]:
        return [{"code": r.code, "name": r.name} for r in obj.regions_served.all()]

    @staticmethod
    def resolve_status_label(obj: FinancialProduct) -> str:
        return str(obj.get_status_display())


class ProductFilterIn(Schema):
    q: str | None = None
    bank: int | None = None
    collateral: choice(Collateral, blank=True, enforce=False) | None = None
    status: choice(ProductStatus, blank=True, enforce=False) | None = None
    current: bool | None = None


class ProductIn(InputSchema):
    bank: int | None = None
    name: str
    description: str = ""
    amount_min: Money
    amount_max: Money
    term_months_min: int
    term_months_max: int
    rate_min: Money
    rate_max: Money
    collateral: list[choice(Collateral, enforce=False)]
    target_entity_kinds: list[choice(BusinessKind, enforce=False)] = []
    target_categories: list[choice(Category, enforce=False)] = []
    regions_served: list[str] = []
    valid_from: IsoDate
    valid_to: IsoDate | None = None
    status: choice(ProductStatus) = "active"
    contact: str = ""


class ProductPatch(InputSchema):
    bank: int | None = None
    name: str | None = None
    description: str | None = None
    amount_min: Money | None = None
    amount_max: Money | None = None
    term_months_min: int | None = None
    term_months_max: int | None = None
    rate_min: Money | None = None
    rate_max: Money | None = None
    collateral: list[choice(Collateral, enforce=False)] | None = None
    target_entity_kinds: list[choice(BusinessKind, enforce=False)] | None = None
    target_categories: list[choice(Category, enforce=False)] | None = None
    regions_served: list[str] | None = None
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    status: choice(ProductStatus) | None = None
    contact: str | None = None


class ProductMatchIn(Schema):
    business: int | None = None
    amount: Decimal | None = None
    term_months: int | None = None
    collateral: list[str] = []
    on: IsoDate | None = None


class ProductBriefOut(Schema):
    id: int
    bank: int
    bank_name: str
    name: str
    amount_min: str
    amount_max: str
    term_months_min: int
    term_months_max: int
    rate_min: str
    rate_max: str
    collateral: list[str]
    collateral_labels: list[str]
    valid_to: IsoDate | None
    contact: str


class FailedConditionOut(Schema):
    code: str
    condition: str
    message: str


class FitOut(Schema):
    rank: int
    product: ProductBriefOut
    failed: list[FailedConditionOut]


class NeedOut(Schema):
    business: int | None
    amount: str | None
    term_months: int | None
    collateral: list[str]
    on: IsoDate


class MatchOut(Schema):
    need: NeedOut
    matches: list[FitOut]
    near_misses: list[FitOut]
    others: int


def _brief(p: FinancialProduct) -> dict:
    return {
        "id": p.pk,
        "bank": p.bank_id,
        "bank_name": p.bank.name,
        "name": p.name,
        "amount_min": str(p.amount_min),
        "amount_max": str(p.amount_max),
        "term_months_min": p.term_months_min,
        "term_months_max": p.term_months_max,
        "rate_min": str(p.rate_min),
        "rate_max": str(p.rate_max),
        "collateral": list(p.collateral),
        "collateral_labels": p.collateral_labels(),
        "valid_to": p.valid_to,
        "contact": p.contact,
    }


def match_out(result: selectors.MatchResult) -> dict:
    def fits(items: list[selectors.ProductFit]) -> list[dict]:
        return [
            {
                "rank": rank,
                "product": _brief(fit.product),
                "failed": [
                    {"code": f.code, "condition": f.field, "message": f.message} for f in fit.failures
                ],
            }
            for rank, fit in enumerate(items, start=1)
        ]

    need = result.need
    return {
        "need": {
            "business": need.business_id,
            "amount": str(need.amount) if need.amount is not None else None,
            "term_months": need.term_months,
            "collateral": list(need.collateral),
            "on": need.on,
        },
        "matches": fits(result.matches),
        "near_misses": fits(result.near_misses),
        "others": result.others,
    }


def _reload(pk: int, user: Any) -> FinancialProduct:
    return selectors.products_for_user(user).get(pk=pk)


@router.get(
    "/products/",
    response={200: list[ProductOut], 422: ErrorOut},
    summary="金融产品目录（按银行、接受的抵质押方式、状态筛选）",
)
@paginate(PageNumberPagination)
def product_list(request, filters: Query[ProductFilterIn]):
    return apply_filterset(ProductFilter, filters.dict(), selectors.products_for_user(request.user))


@router.post(
    "/products/",
    response={201: ProductOut, **ERRORS},
    summary="新增金融产品（市级管理员；银行人员限本行）",
    description="金额单位为元（字符串或数字，最多两位小数），年利率为百分数（如 4.35），"
    f"collateral 可选：{'、'.join(f'{v}（{label}）' for v, label in Collateral.choices)}。"
    "regions_served 为区划代码列表，空为全市。",
)
def product_create(request, payload: ProductIn):
    product = services.product_create(actor=request.user, data=payload.dict())
    return Status(201, _reload(product.pk, request.user))


@router.get(
    "/products/match",
    response={200: MatchOut, **ERRORS},
    summary="融资需求匹配：按需求金额、期限、可提供的抵质押/担保（及经营主体类型、区域）匹配产品",
    description="返回匹配的产品（按年利率从低到高）和差一两项条件的产品及其原因。"
    "collateral 可重复：`collateral=equipment&collateral=receivables`；不填表示无抵质押和担保。"
    "business 为经营主体ID（须在本人负责范围内，否则 404）。",
)
def product_match(request, params: Query[ProductMatchIn]):
    business = None
    if params.business is not None:
        from fanxiang.entrepreneurs.models import Business

        business = get_for_user(Business, request.user, VIEW, pk=params.business)
    need = selectors.need_of(
        business=business,
        amount=params.amount,
        term_months=params.term_months,
        collateral=params.collateral,
        on=params.on,
    )
    return match_out(selectors.product_match(user=request.user, need=need))


@router.get("/products/{int:product_id}", response={200: ProductOut, **ERRORS}, summary="金融产品详情")
def product_detail(request, product_id: int):
    product = selectors.products_for_user(request.user).filter(pk=product_id).first()
    if product is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    return product


@router.patch(
    "/products/{int:product_id}", response={200: ProductOut, **ERRORS}, summary="修改金融产品（含下架）"
)
def product_update(request, product_id: int, payload: ProductPatch):
    product = get_for_user(FinancialProduct, request.user, VIEW, pk=product_id)
    services.product_update(actor=request.user, product=product, data=payload.dict(exclude_unset=True))
    return _reload(product.pk, request.user)
