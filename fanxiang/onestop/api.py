"""One-stop service centres and service requests under ``/api/v1/onestop`` (points (六)(七)).

Reads go through :mod:`fanxiang.onestop.selectors` (the caller's region scope), writes through
:mod:`fanxiang.onestop.services`; refusals come back as ``ErrorOut`` with their stable codes.

``POST /requests/{id}/actions/{action}`` bodies: ``accept`` ``{note?, complete_now?, result?}`` (马上办:
``complete_now`` with the ``result``), ``start`` ``{note?}``, ``request_supplement`` ``{missing: [...],
note?}``, ``resubmit`` ``{note?}``, ``complete`` ``{result, outcome?: {kind, id}}``, ``transfer`` ``{to_centre | to_unit,
reason}``, ``reject`` ``{reason}``, ``withdraw`` ``{note?}``.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from fanxiang.core import calendar
from fanxiang.core.api import (
    ErrorOut,
    InputSchema,
    IsoDate,
    mapped,
    parse_body,
)
from fanxiang.core.errors import NotFound
from fanxiang.onestop import outcomes, selectors, services
from fanxiang.onestop.choices import RatingSource
from fanxiang.onestop.models import Centre, Rectification, ServiceRequest
from fanxiang.onestop.workflows import RECTIFICATIONS, REQUESTS

router = Router(tags=["一站式服务"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --------------------------------------------------------------------------- centres


class CentreServiceOut(Schema):
    code: str
    name: str


class CentreOut(Schema):
    id: int
    region: str
    region_name: str
    name: str
    address: str
    hours: str
    phone: str
    staff_note: str
    services: list[CentreServiceOut]
    status: str
    status_label: str
    opened_on: IsoDate | None


def centre_out(c: Centre) -> dict:
    return {
        "id": c.pk,
        "region": c.region.code,
        "region_name": c.region.name,
        "name": c.name,
        "address": c.address,
        "hours": c.hours,
        "phone": c.phone,
        "staff_note": c.staff_note,
        "services": [{"code": s.code, "name": s.name} for s in c.services.all()],
        "status": c.status,
        "status_label": str(c.get_status_display()),
        "opened_on": c.opened_on,
    }


class CentreFilterIn(Schema):
    region: str | None = None


class CentreIn(InputSchema):
    region: str
    name: str
    address: str = ""
    hours: str = ""
    phone: str = ""
    staff_note: str = ""
    services: list[str] = []
    status: str = "active"
    opened_on: IsoDate | None = None


@router.get("/centres/", response={200: list[CentreOut], 422: ErrorOut}, summary="服务中心列表（按权限范围）")
@paginate(mapped(lambda c: centre_out(c)))
def centre_list(request, filters: Query[CentreFilterIn]):
    return selectors.centres_for_user(request.user, region=filters.region)


@router.post("/centres/", response={201: CentreOut, **ERRORS}, summary="新建服务中心")
def centre_create(request, payload: CentreIn):
    centre = services.centre_create(actor=request.user, data=payload.dict())
    return Status(201, centre_out(selectors.centre_detail(request.user, centre.pk)))


@router.get("/centres/{int:centre_id}", response={200: CentreOut, **ERRORS}, summary="服务中心详情")
def centre_detail(request, centre_id: int):
    return centre_out(selectors.centre_detail(request.user, centre_id))


class CoverageCentreOut(Schema):
    id: int
    name: str


class CoverageOut(Schema):
    region: str
    region_name: str
    has_centre: bool
    centre: CoverageCentreOut | None
    grade: str | None  # the band code of the latest confirmed standard assessment (bands are data)
    grade_label: str | None = None
    score: Decimal | None = None
    assessed_on: IsoDate | None


class CoverageFilterIn(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度（2000–2100，默认今年）")


@router.get(
    "/coverage", response={200: list[CoverageOut], 422: ErrorOut}, summary="各县（市、区）服务中心覆盖"
)
def coverage(request, filters: Query[CoverageFilterIn]):
    return selectors.coverage(request.user, filters.year or timezone.localdate().year)


class ServiceTypeOut(Schema):
    code: str
    name: str
    materials: list[str]
    modes: list[str]
    time_limit_days: int | None
    responsible_unit: str


@router.get("/service-types/", response=list[ServiceTypeOut], summary="服务事项（编码、办理方式、时限）")
def service_type_list(request):
    today = timezone.localdate()
    return [
        {
            "code": t.code,
            "name": t.name,
            "materials": list(t.materials),
            "modes": list(t.modes),
            "time_limit_days": t.time_limit_on(today),
            "responsible_unit": t.responsible_unit.name if t.responsible_unit_id else t.responsible_unit_name,
        }
        for t in selectors.service_types()
    ]


# --------------------------------------------------------------------------- requests


class OnestopRefOut(Schema):
    id: int
    name: str


class OnestopEventOut(Schema):
    action: str
    label: str
    from_status: str
    to_status: str
    actor_name: str
    actor_role: str
    at: dt.datetime
    note: str
    data: dict


class ServiceRatingOut(Schema):
    id: int
    request: int
    level: int
    level_label: str
    comment: str
    source: str
    created_at: dt.datetime


class RectificationOut(Schema):
    id: int
    request: int
    rating: int
    status: str
    status_label: str
    limit_days: int
    due_date: IsoDate | None
    working_days_left: int | None
    callback_on: IsoDate | None
    callback_note: str
    second_level: int | None
    second_comment: str
    closed_on: IsoDate | None
    allowed_actions: list[str]
    events: list[OnestopEventOut]


class RequestRowOut(Schema):
    id: int
    status: str
    status_label: str
    service_type: str
    service_type_name: str
    channel: str
    centre: OnestopRefOut
    entrepreneur: OnestopRefOut | None
    visitor_id_masked: str
    description: str
    submitted_on: IsoDate | None
    due_date: IsoDate | None
    overdue: bool
    due_soon: bool


class OutcomeOut(Schema):
    kind: str
    id: int | None
    label: str
    url: str | None


class RequestOut(RequestRowOut):
    origin_centre: OnestopRefOut
    transferred_to_unit: OnestopRefOut | None
    time_limit_days: int | None
    working_days_left: int | None
    paused_days: int
    paused: bool
    missing: list[str]
    result: str
    completed_on: IsoDate | None
    allowed_actions: list[str]
    events: list[OnestopEventOut]
    rating: ServiceRatingOut | None
    rectification: RectificationOut | None
    outcome: OutcomeOut | None


def _ref(obj: Any) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def _events(workflow, rows) -> list[dict]:
    return [
        {
            "action": e.action,
            "label": workflow.action_labels.get(e.action, e.action),
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor_name": e.actor_name,
            "actor_role": e.actor_role,
            "at": e.at,
            "note": e.note,
            "data": e.data,
        }
        for e in rows
    ]


def request_row(req: ServiceRequest, today: dt.date, state: dict | None = None) -> dict:
    state = state or selectors.row_deadline(req, today)
    return {
        "id": req.pk,
        "status": req.status,
        "status_label": REQUESTS.status_label(req.status),
        "service_type": req.service_type.code,
        "service_type_name": req.service_type.name,
        "channel": req.channel,
        "centre": _ref(req.centre),
        "entrepreneur": _ref(req.entrepreneur),
        "visitor_id_masked": req.visitor_id_masked,
        "description": req.description,
        "submitted_on": req.submitted_on,
        "due_date": state["due_date"],
        "overdue": state["overdue"],
        "due_soon": state["due_soon"],
    }


def rating_out(r) -> dict:
    return {
        "id": r.pk,
        "request": r.request_id,
        "level": r.level,
        "level_label": str(r.get_level_display()),
        "comment": r.comment,
        "source": r.source,
        "created_at": r.created_at,
    }


def rectification_out(rect: Rectification, user: Any, today: dt.date) -> dict:
    open_ = rect.status == "open"
    return {
        "id": rect.pk,
        "request": rect.request_id,
        "rating": rect.rating_id,
        "status": rect.status,
        "status_label": RECTIFICATIONS.status_label(rect.status),
        "limit_days": rect.limit_days,
        "due_date": rect.due_date,
        "working_days_left": calendar.working_days_left(rect.due_date, today) if open_ else None,
        "callback_on": rect.callback_on,
        "callback_note": rect.callback_note,
        "second_level": rect.second_level,
        "second_comment": rect.second_comment,
        "closed_on": rect.closed_on,
        "allowed_actions": RECTIFICATIONS.allowed_actions(rect, user),
        "events": _events(RECTIFICATIONS, rect.events.all()),
    }


def request_out(req: ServiceRequest, user: Any) -> dict:
    today = timezone.localdate()
    state = selectors.deadline_state(req, today)
    rating, rect = selectors.feedback_of(req)
    return {
        **request_row(req, today, state),
        "origin_centre": _ref(req.origin_centre),
        "transferred_to_unit": _ref(req.transferred_to_unit),
        "time_limit_days": req.time_limit_days,
        "working_days_left": state["working_days_left"],
        "paused_days": state["paused_days"],
        "paused": state["paused"],
        "missing": list(req.missing),
        "result": req.result,
        "completed_on": req.completed_on,
        "allowed_actions": selectors.allowed_actions(req, user),
        "events": _events(REQUESTS, req.events.all()),
        "rating": rating_out(rating) if rating is not None else None,
        "rectification": rectification_out(rect, user, today) if rect is not None else None,
        "outcome": outcomes.outcome_out(req, user),
    }


class RequestIn(InputSchema):
    service_type: str
    channel: str
    centre: int
    entrepreneur: int | None = None
    visitor_id_number: str | None = None
    description: str = ""


class RequestFilterIn(Schema):
    status: str | None = None
    type: str | None = None
    centre: int | None = None
    region: str | None = None
    overdue: bool | None = None
    due_soon: bool | None = None


@router.post("/requests/", response={201: RequestOut, **ERRORS}, summary="登记服务工单")
def request_create(request, payload: RequestIn):
    req = services.service_request_create(actor=request.user, **payload.dict())
    return Status(201, request_out(selectors.request_detail(request.user, req.pk), request.user))


@router.get(
    "/requests/", response={200: list[RequestRowOut], 422: ErrorOut}, summary="服务工单列表（按权限范围）"
)
@paginate(mapped(lambda r: request_row(r, timezone.localdate())))
def request_list(request, filters: Query[RequestFilterIn]):
    f = filters.dict()
    return selectors.requests_for_user(
        request.user,
        status=f["status"],
        service_type=f["type"],
        centre=f["centre"],
        region=f["region"],
        overdue=f["overdue"],
        due_soon=f["due_soon"],
    )


@router.get(
    "/requests/{int:request_id}", response={200: RequestOut, **ERRORS}, summary="服务工单详情（含办理记录）"
)
def request_detail(request, request_id: int):
    return request_out(selectors.request_detail(request.user, request_id), request.user)


class RequestNoteIn(InputSchema):
    note: str = ""


class RequestAcceptIn(InputSchema):
    note: str = ""
    complete_now: bool = False
    result: str = ""


class RequestSupplementIn(InputSchema):
    missing: list[str]
    note: str = ""


class OutcomeRefIn(InputSchema):
    kind: str
    id: int


class RequestCompleteIn(InputSchema):
    result: str
    outcome: OutcomeRefIn | None = None  # what the request produced (a loan application, a grant …)


class RequestTransferIn(InputSchema):
    to_centre: int | None = None
    to_unit: int | None = None
    reason: str


class RequestRejectIn(InputSchema):
    reason: str


ACTION_BODIES: dict[str, type[InputSchema]] = {
    "accept": RequestAcceptIn,
    "start": RequestNoteIn,
    "request_supplement": RequestSupplementIn,
    "resubmit": RequestNoteIn,
    "complete": RequestCompleteIn,
    "transfer": RequestTransferIn,
    "reject": RequestRejectIn,
    "withdraw": RequestNoteIn,
}


@router.post(
    "/requests/{int:request_id}/actions/{action}",
    response={200: RequestOut, **ERRORS},
    summary="工单办理操作（受理、开始办理、一次性告知补正、补正、办结、转办、不予办理、撤回）",
)
def request_action(request, request_id: int, action: str):
    req = selectors.request_detail(request.user, request_id)
    schema = ACTION_BODIES.get(action)
    if schema is None:
        raise NotFound("onestop.unknown_action", f"未知的操作：{action}。")
    kwargs = parse_body(request, schema).dict()
    if action == "complete":
        kwargs["outcome"] = outcomes.resolve_outcome(
            actor=request.user, ref=kwargs.pop("outcome"), service_request=req
        )
    services.ACTIONS[action](actor=request.user, service_request=req, **kwargs)
    return request_out(selectors.request_detail(request.user, request_id), request.user)


class ServiceRatingIn(InputSchema):
    level: int
    comment: str = ""
    source: str = RatingSource.PAD.value


@router.post(
    "/requests/{int:request_id}/rating",
    response={201: ServiceRatingOut, **ERRORS},
    summary="录入服务评价（好差评）",
)
def request_rate(request, request_id: int, payload: ServiceRatingIn):
    req = selectors.request_detail(request.user, request_id)
    rating = services.rating_create(actor=request.user, service_request=req, **payload.dict())
    return Status(201, rating_out(rating))


@router.get("/ratings/", response=list[ServiceRatingOut], summary="服务评价列表（按权限范围）")
@paginate(mapped(lambda r: rating_out(r)))
def rating_list(request):
    return selectors.ratings_for_user(request.user)


class SatisfactionFilterIn(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度（2000–2100，默认今年）")
    centre: int | None = None
    type: str | None = None


class SatisfactionFiguresOut(Schema):
    ratings: int
    average: float | None
    bad: int
    bad_share: float | None
    satisfied_share: float | None
    levels: dict[str, int]


class SatisfactionMonthOut(SatisfactionFiguresOut):
    month: str


class SatisfactionCentreOut(SatisfactionFiguresOut):
    centre: OnestopRefOut


class SatisfactionTypeOut(SatisfactionFiguresOut):
    service_type: str
    name: str


class SatisfactionOut(Schema):
    year: int
    totals: SatisfactionFiguresOut
    by_month: list[SatisfactionMonthOut]
    by_centre: list[SatisfactionCentreOut]
    by_service_type: list[SatisfactionTypeOut]


@router.get("/satisfaction", response={200: SatisfactionOut, 422: ErrorOut}, summary="满意度（好差评）统计")
def satisfaction(request, filters: Query[SatisfactionFilterIn]):
    return selectors.satisfaction(
        request.user,
        filters.year or timezone.localdate().year,
        centre=filters.centre,
        service_type=filters.type,
    )


# --------------------------------------------------------------------------- rectifications


class RectificationRowOut(Schema):
    id: int
    request: int
    rating_level: int
    rating_comment: str
    status: str
    status_label: str
    due_date: IsoDate | None


def rectification_row(r: Rectification) -> dict:
    return {
        "id": r.pk,
        "request": r.request_id,
        "rating_level": r.rating.level,
        "rating_comment": r.rating.comment,
        "status": r.status,
        "status_label": RECTIFICATIONS.status_label(r.status),
        "due_date": r.due_date,
    }


@router.get("/rectifications/", response=list[RectificationRowOut], summary="差评整改列表（按权限范围）")
@paginate(mapped(rectification_row))
def rectification_list(request):
    return selectors.rectifications_for_user(request.user)


@router.get(
    "/rectifications/{int:rect_id}", response={200: RectificationOut, **ERRORS}, summary="差评整改详情"
)
def rectification_detail(request, rect_id: int):
    return rectification_out(
        selectors.rectification_detail(request.user, rect_id), request.user, timezone.localdate()
    )


class RectificationCallBackIn(InputSchema):
    note: str


class RectificationRateIn(InputSchema):
    level: int
    comment: str = ""


@router.post(
    "/rectifications/{int:rect_id}/actions/call_back",
    response={200: RectificationOut, **ERRORS},
    summary="整改回访",
)
def rectification_call_back(request, rect_id: int, payload: RectificationCallBackIn):
    rect = selectors.rectification_detail(request.user, rect_id)
    services.rectification_call_back(actor=request.user, rectification=rect, note=payload.note)
    return rectification_out(
        selectors.rectification_detail(request.user, rect_id), request.user, timezone.localdate()
    )


@router.post(
    "/rectifications/{int:rect_id}/actions/rate_fix",
    response={200: RectificationOut, **ERRORS},
    summary="整改后评价",
)
def rectification_rate_fix(request, rect_id: int, payload: RectificationRateIn):
    rect = selectors.rectification_detail(request.user, rect_id)
    services.rectification_rate_fix(actor=request.user, rectification=rect, **payload.dict())
    return rectification_out(
        selectors.rectification_detail(request.user, rect_id), request.user, timezone.localdate()
    )
