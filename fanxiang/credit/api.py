"""Credit ledger (诚信台账), blacklist and recommender register endpoints under ``/api/v1/credit``."""

import datetime as dt
from typing import Any

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from fanxiang.core.api import ErrorOut, InputSchema, IsoDate, PageNumberPagination
from fanxiang.core.errors import InvalidInput
from fanxiang.core.resolvers import region_code, region_name
from fanxiang.core.schema import choice
from fanxiang.core.scope import VIEW, get_for_user
from fanxiang.credit import selectors, services
from fanxiang.credit.models import CreditEntry, CreditEvent, Recommender, RecommenderKind

router = Router(tags=["诚信台账与信用推荐"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class EntryOut(Schema):
    id: int
    entrepreneur: int
    entrepreneur_name: str
    business: int | None
    event: str
    event_label: str
    loan: int | None
    loan_number: str | None
    date: IsoDate
    until: IsoDate | None
    reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_entrepreneur(obj):
        return obj.entrepreneur_id

    @staticmethod
    def resolve_entrepreneur_name(obj):
        return obj.entrepreneur.name

    @staticmethod
    def resolve_business(obj):
        return obj.business_id

    @staticmethod
    def resolve_event_label(obj):
        return str(obj.get_event_display())

    @staticmethod
    def resolve_loan(obj):
        return obj.loan_id

    @staticmethod
    def resolve_loan_number(obj):
        return obj.loan.number if obj.loan_id else None


class LedgerFilterIn(Schema):
    entrepreneur: int | None = None
    business: int | None = None
    event: choice(CreditEvent, blank=True) | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    region: str | None = None


@router.get("/entries/", response={200: list[EntryOut], 422: ErrorOut}, summary="诚信台账记录列表")
@paginate(PageNumberPagination)
def entry_list(request, filters: Query[LedgerFilterIn]):
    return selectors.entries_filtered(request.user, **filters.dict())


class PersonOut(Schema):
    id: int
    name: str
    region: str
    region_name: str


class CreditBusinessRef(Schema):
    id: int
    name: str


class BlacklistOut(Schema):
    id: int
    date: IsoDate
    until: IsoDate | None
    reason: str


class LoanBrief(Schema):
    id: int
    number: str
    status: str
    amount: str
    disbursed_total: str
    principal_outstanding: str
    days_past_due: int


class LedgerOut(Schema):
    entrepreneur: PersonOut | None
    business: CreditBusinessRef | None
    blacklisted: bool
    blacklist: BlacklistOut | None
    counts: dict[str, int]
    entries: list[EntryOut]
    loans: list[LoanBrief]


@router.get(
    "/ledger",
    response={200: LedgerOut, **ERRORS},
    summary="个人（或经营主体）诚信台账：按时还清、逾期、代偿、失信名单",
)
def ledger(request, entrepreneur: int | None = None, business: int | None = None):
    if not entrepreneur and not business:
        raise InvalidInput(
            "credit.subject_required",
            "请指定 entrepreneur（人员ID）或 business（经营主体ID）。",
            errors={"entrepreneur": ["必填其一。"]},
        )
    data = selectors.person_ledger(request.user, entrepreneur_id=entrepreneur, business_id=business)
    person = data["entrepreneur"]
    business_obj = data["business"]
    return {
        "entrepreneur": (
            {
                "id": person.pk,
                "name": person.name,
                "region": person.region.code,
                "region_name": person.region.name,
            }
            if person
            else None
        ),
        "business": {"id": business_obj.pk, "name": business_obj.name} if business_obj else None,
        "blacklisted": data["blacklisted"],
        "blacklist": data["blacklist"],
        "counts": data["counts"],
        "entries": data["entries"],
        "loans": [
            {
                "id": loan.pk,
                "number": loan.number,
                "status": loan.status,
                "amount": str(loan.amount),
                "disbursed_total": str(loan.disbursed_total),
                "principal_outstanding": str(loan.principal_outstanding),
                "days_past_due": loan.days_past_due,
            }
            for loan in data["loans"]
        ],
    }


class BlacklistIn(InputSchema):
    entrepreneur: int
    reason: str
    start: IsoDate | None = None
    until: IsoDate | None = None
    business: int | None = None


class LiftIn(InputSchema):
    entrepreneur: int
    reason: str
    date: IsoDate | None = None


def _person(request, pk: int):
    from fanxiang.entrepreneurs.models import Entrepreneur

    return get_for_user(Entrepreneur, request.user, VIEW, pk=pk)


@router.post("/blacklist", response={201: EntryOut, **ERRORS}, summary="列入失信名单（原因、期限）")
def blacklist_add(request, payload: BlacklistIn):
    from fanxiang.entrepreneurs.models import Business

    person = _person(request, payload.entrepreneur)
    business = get_for_user(Business, request.user, VIEW, pk=payload.business) if payload.business else None
    entry = services.blacklist_add(
        actor=request.user,
        entrepreneur=person,
        reason=payload.reason,
        start=payload.start,
        until=payload.until,
        business=business,
    )
    return Status(201, CreditEntry.objects.select_related("entrepreneur", "loan").get(pk=entry.pk))


@router.post("/blacklist/lift", response={201: EntryOut, **ERRORS}, summary="移出失信名单")
def blacklist_lift(request, payload: LiftIn):
    person = _person(request, payload.entrepreneur)
    entry = services.blacklist_lift(
        actor=request.user, entrepreneur=person, reason=payload.reason, date=payload.date
    )
    return Status(201, CreditEntry.objects.select_related("entrepreneur", "loan").get(pk=entry.pk))


# --------------------------------------------------------------------------- recommenders


class RecommenderOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    region: str
    region_name: str
    valid_from: IsoDate
    valid_to: IsoDate | None
    certificate: str
    is_active: bool
    valid_today: bool

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    resolve_region = staticmethod(region_code)
    resolve_region_name = staticmethod(region_name)

    @staticmethod
    def resolve_valid_today(obj):
        from django.utils import timezone

        return obj.valid_on(timezone.localdate())


class RecommenderIn(InputSchema):
    kind: choice(RecommenderKind, enforce=False)
    name: str
    region: str
    valid_from: IsoDate
    valid_to: IsoDate | None = None
    certificate: str = ""
    is_active: bool = True


class RecommenderPatch(InputSchema):
    kind: choice(RecommenderKind, enforce=False) | None = None
    name: str | None = None
    region: str | None = None
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    certificate: str | None = None
    is_active: bool | None = None


class RecommenderFilterIn(Schema):
    kind: choice(RecommenderKind, blank=True) | None = None
    region: str | None = None
    valid_on: IsoDate | None = None
    q: str | None = None


@router.get(
    "/recommenders/",
    response={200: list[RecommenderOut], 422: ErrorOut},
    summary="信用乡村、信用园区、孵化基地名录",
)
@paginate(PageNumberPagination)
def recommender_list(request, filters: Query[RecommenderFilterIn]):
    return selectors.recommenders_for_user(request.user, **filters.dict())


@router.post("/recommenders/", response={201: RecommenderOut, **ERRORS}, summary="登记推荐单位")
def recommender_create(request, payload: RecommenderIn):
    return Status(201, services.recommender_create(actor=request.user, data=payload.dict()))


@router.get(
    "/recommenders/{int:recommender_id}", response={200: RecommenderOut, **ERRORS}, summary="推荐单位详情"
)
def recommender_detail(request, recommender_id: int):
    return get_for_user(Recommender, request.user, VIEW, pk=recommender_id)


@router.patch(
    "/recommenders/{int:recommender_id}", response={200: RecommenderOut, **ERRORS}, summary="修改推荐单位"
)
def recommender_update(request, recommender_id: int, payload: RecommenderPatch):
    recommender = get_for_user(Recommender, request.user, VIEW, pk=recommender_id)
    data: dict[str, Any] = payload.dict(exclude_unset=True)
    return services.recommender_update(actor=request.user, recommender=recommender, data=data)


@router.delete(
    "/recommenders/{int:recommender_id}", response={204: None, **ERRORS}, summary="删除推荐单位（未被引用时）"
)
def recommender_delete(request, recommender_id: int):
    recommender = get_for_user(Recommender, request.user, VIEW, pk=recommender_id)
    services.recommender_delete(actor=request.user, recommender=recommender)
    return Status(204, None)
