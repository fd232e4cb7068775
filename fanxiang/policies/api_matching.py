"""Matching one person and the region outreach list under ``/api/v1/policies``."""

from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import BaseModel

from fanxiang.core.api import ErrorOut, IsoDate, PageNumberPagination
from fanxiang.core.errors import InvalidInput
from fanxiang.core.resolvers import region_code, region_name
from fanxiang.core.scope import EXPORT
from fanxiang.policies import exports, selectors
from fanxiang.policies.matching import result_as_dict

router = Router(tags=["政策库"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# The match result is built as plain dicts: its output models are plain pydantic models (validated in
# pydantic-core), not ninja Schemas (which wrap every value to resolve ORM attributes).


class FailedOut(BaseModel):
    condition: str
    message: str
    field: str | None = None
    unknown: bool = False


class EligibleOut(BaseModel):
    item: int
    code: str
    document: int
    document_number: str
    document_title: str
    title: str
    benefit_type: str
    benefit_type_label: str
    estimated_amount: str | None
    amount_text: str
    reasons: list[str]
    once_only: bool
    regions: str
    responsible_unit: str
    apply_link: str
    unconfirmed: bool
    unconfirmed_note: str


class NearMissOut(BaseModel):
    item: int
    code: str
    title: str
    document_number: str
    benefit_type: str
    benefit_type_label: str
    failed: list[FailedOut]
    unconfirmed: bool
    unconfirmed_note: str


class ReceivedOut(BaseModel):
    item: int | None
    code: str
    title: str
    times: int
    total_amount: str | None
    last_granted_on: str | None
    once_only: bool
    message: str


class ExcludedOut(BaseModel):
    item: int
    code: str
    title: str
    reason: str
    message: str


class MatchOut(BaseModel):
    entrepreneur: int
    on: str
    max_failed: int
    eligible: list[EligibleOut]
    near_misses: list[NearMissOut]
    received: list[ReceivedOut]
    excluded: list[ExcludedOut]
    not_matched: int


class PolicyMatchIn(Schema):
    entrepreneur: int
    on: IsoDate | None = None
    max_failed: int | None = None


@router.get(
    "/match",
    response={200: MatchOut, **ERRORS},
    summary="一名创业人员可享受的政策、差一点符合的政策和已享受的政策",
)
def match(request, params: Query[PolicyMatchIn]):
    if params.max_failed is not None and not 0 <= params.max_failed <= 5:
        raise InvalidInput.field("max_failed", "policy.bad_max_failed", "max_failed 应在 0–5 之间。")
    person = selectors.entrepreneur_for_matching(request.user, params.entrepreneur)
    result = selectors.match_entrepreneur(person, on=params.on, max_failed=params.max_failed)
    return {"entrepreneur": person.pk, **result_as_dict(result)}


class OutreachIn(Schema):
    region: str | None = None
    on: IsoDate | None = None


class OutreachItemOut(Schema):
    item: int
    code: str
    title: str
    document_number: str
    benefit_type: str
    benefit_type_label: str
    eligible_not_received: int


class SkippedOut(Schema):
    item: int
    code: str
    title: str
    reason: str


class OutreachOut(Schema):
    region: str
    region_name: str
    on: str
    people: int
    items: list[OutreachItemOut]
    skipped: list[SkippedOut]


@router.get(
    "/outreach",
    response={200: OutreachOut, **ERRORS},
    summary="区域政策精准推送：各条款“符合但尚未享受”的人数",
)
def outreach(request, params: Query[OutreachIn]):
    region = selectors.outreach_region(request.user, params.region)
    result = selectors.outreach(user=request.user, region=region, on=params.on)
    return {
        "region": region.code,
        "region_name": region.name,
        "on": result.on.isoformat(),
        "people": result.people,
        "items": [
            {
                "item": row.item.id,
                "code": row.item.code,
                "title": row.item.title,
                "document_number": row.item.document_number,
                "benefit_type": row.item.benefit_type,
                "benefit_type_label": row.item.benefit_label,
                "eligible_not_received": row.count,
            }
            for row in result.rows
        ],
        "skipped": [
            {"item": i.id, "code": i.code, "title": i.title, "reason": why} for i, why in result.skipped
        ],
    }


class OutreachPeopleIn(Schema):
    item: str
    region: str | None = None
    on: IsoDate | None = None


class PolicyPersonOut(Schema):
    id: int
    name: str
    sex: str
    id_number_masked: str
    mobile_masked: str
    category: str
    region: str
    region_name: str

    resolve_region = staticmethod(region_code)
    resolve_region_name = staticmethod(region_name)


@router.get(
    "/outreach/people",
    response={200: list[PolicyPersonOut], **ERRORS},
    summary="某条款“符合但尚未享受”的人员名单（分页）",
)
@paginate(PageNumberPagination)
def outreach_people(request, params: Query[OutreachPeopleIn]):
    region = selectors.outreach_region(request.user, params.region)
    result = selectors.outreach(user=request.user, region=region, on=params.on, item_codes=[params.item])
    row = result.row(params.item)
    ids = row.person_ids if row else []
    return selectors.outreach_people(request.user, ids)


@router.get(
    "/outreach/export", response={200: None, **ERRORS}, summary="导出“符合但尚未享受”名单（Excel，记录审计）"
)
def outreach_export(request, item: str | None = None, region: str | None = None, on: IsoDate | None = None):
    region_obj = selectors.outreach_region(request.user, region, action=EXPORT)
    return exports.outreach_xlsx(request, region=region_obj, on=on, item=item)
