from datetime import datetime
from decimal import Decimal

from ninja import Query, Router, Schema
from ninja.pagination import paginate

from fanxiang.core.api import ErrorOut, InputSchema, PageNumberPagination
from fanxiang.core.errors import InvalidInput
from fanxiang.core.schema import Money, choice
from fanxiang.core.scope import VIEW, get_for_user
from fanxiang.regions.selectors import region_by_code
from fanxiang.targets import selectors, services
from fanxiang.targets.filtersets import TargetFilter
from fanxiang.targets.models import Indicator, Target

router = Router(tags=["年度目标"])


class TargetOut(Schema):
    id: int
    year: int
    indicator: Indicator
    indicator_label: str
    region: str
    region_name: str
    value: Decimal
    unit: str
    source: str
    loan_categories: list[str]
    updated_at: datetime

    @staticmethod
    def resolve_indicator_label(obj: Target) -> str:
        return str(obj.get_indicator_display())

    @staticmethod
    def resolve_region(obj: Target) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Target) -> str:
        return obj.region.name


class TargetFilterIn(Schema):
    year: int | None = None
    indicator: Indicator | None = None
    region: str | None = None


@router.get("/", response=list[TargetOut], summary="年度目标列表")
@paginate(PageNumberPagination)
def target_list(request, filters: Query[TargetFilterIn]):
    data = {k: v for k, v in filters.dict().items() if v is not None}
    qs = selectors.targets_for_user(request.user, VIEW).order_by("-year", "indicator", "region__tree_path")
    return TargetFilter(data, queryset=qs).qs


class ChildProgress(Schema):
    region: str
    name: str
    target: Decimal | None
    actual: Decimal
    ratio: Decimal | None


class MonthProgress(Schema):
    month: int
    actual: Decimal
    cumulative: Decimal


class IndicatorProgress(Schema):
    indicator: str
    label: str
    target: Decimal | None
    actual: Decimal
    ratio: Decimal | None
    children: list[ChildProgress]
    months: list[MonthProgress]
    categories: list[str] = []  # a loan indicator: the borrower categories counted towards the target
    categories_label: str = ""
    all_loans: Decimal | None = None  # a loan indicator: all guaranteed loans, whatever the borrower


class ProgressOut(Schema):
    year: int
    region: str
    region_name: str
    indicators: list[IndicatorProgress]


@router.get(
    "/progress",
    response={200: ProgressOut, 404: ErrorOut, 422: ErrorOut},
    summary="目标完成进度（按下级与月份）",
)
def target_progress(request, year: int, region: str = "411600"):
    if not 2000 <= year <= 2100:
        raise InvalidInput.field("year", "target.invalid_year", "年度应在2000至2100之间。")
    return selectors.progress(user=request.user, year=year, region_code=region)


@router.get("/{int:target_id}", response={200: TargetOut, 404: ErrorOut}, summary="年度目标详情")
def target_detail(request, target_id: int):
    return get_for_user(Target, request.user, VIEW, pk=target_id)


class BreakdownItem(InputSchema):
    region: str
    value: Money


class TargetIn(InputSchema):
    year: int
    indicator: choice(Indicator)
    region: str
    value: Money
    source: str = ""
    breakdown: list[BreakdownItem] | None = None
    loan_categories: list[str] | None = None  # guaranteed loans: the borrower categories counted


@router.post(
    "/",
    response={200: TargetOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="设定目标（可同时分解到下级）",
)
def target_upsert(request, payload: TargetIn):
    region = region_by_code(payload.region)
    if region is None:
        raise InvalidInput.field("region", "region.unknown", f"区划代码 {payload.region} 不存在。")
    breakdown = None
    if payload.breakdown is not None:
        breakdown = {}
        for item in payload.breakdown:
            if item.region in breakdown:
                raise InvalidInput.field(
                    f"breakdown.{item.region}",
                    "target.breakdown_duplicate",
                    f"分解中区划 {item.region} 重复。",
                )
            breakdown[item.region] = item.value
    return services.target_set(
        actor=request.user,
        year=payload.year,
        indicator=payload.indicator,
        region=region,
        value=payload.value,
        breakdown=breakdown,
        source=payload.source,
        loan_categories=payload.loan_categories,
    )
