"""The portal's counterparts (``/api/v1/portal/service-requests/``, portal token or session): the applicant
starts an online request at a centre, follows each step with its deadline and holder, resubmits after a
supplement request, withdraws, and rates a completed request once. Only the bound person's own requests."""

from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from fanxiang.core.api import InputSchema, mapped
from fanxiang.core.errors import NotFound
from fanxiang.onestop import services
from fanxiang.onestop.api import (
    CentreServiceOut,
    RequestNoteIn,
    RequestOut,
    RequestRowOut,
    ServiceRatingOut,
    rating_out,
    request_out,
    request_row,
)
from fanxiang.onestop.choices import CentreStatus, Mode, RatingSource
from fanxiang.onestop.models import Centre, ServiceRequest
from fanxiang.portal.api_common import ERRORS, actor_of, person_id
from fanxiang.portal.auth import portal_auth

router = Router(tags=["创业者门户·服务工单"], auth=portal_auth)


def _own(request, request_id: int) -> ServiceRequest:
    found = ServiceRequest.objects.filter(pk=request_id, entrepreneur_id=person_id(request)).first()
    if found is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    return found


class PortalCentreOut(Schema):
    id: int
    name: str
    region_name: str
    address: str
    hours: str
    phone: str
    services: list[CentreServiceOut]


@router.get("/centres", response=list[PortalCentreOut], summary="可网上办理的服务中心")
def portal_centres(request):
    centres = (
        Centre.objects.filter(status=CentreStatus.ACTIVE)
        .select_related("region")
        .prefetch_related("services")
    )
    return [
        {
            "id": c.pk,
            "name": c.name,
            "region_name": c.region.name,
            "address": c.address,
            "hours": c.hours,
            "phone": c.phone,
            "services": [
                {"code": s.code, "name": s.name} for s in c.services.all() if Mode.ONLINE in s.modes
            ],
        }
        for c in centres.order_by("region__code", "pk")
    ]


class PortalRequestIn(InputSchema):
    service_type: str
    centre: int
    description: str = ""


def _out(request, req: ServiceRequest) -> dict:
    return request_out(ServiceRequest.objects.get(pk=req.pk), actor_of(request))


@router.get("/", response=list[RequestRowOut], summary="我的服务工单")
@paginate(mapped(lambda r: request_row(r, timezone.localdate())))
def portal_request_list(request):
    return (
        ServiceRequest.objects.filter(entrepreneur_id=person_id(request))
        .exclude(status="draft")
        .select_related("service_type", "centre", "entrepreneur")
        .order_by("-created_at", "-id")
    )


@router.post("/", response={201: RequestOut, **ERRORS}, summary="网上办：提交服务工单")
def portal_request_create(request, payload: PortalRequestIn):
    person_id(request)
    req = services.service_request_create(actor=actor_of(request), channel=Mode.ONLINE, **payload.dict())
    return Status(201, _out(request, req))


@router.get("/{int:request_id}", response={200: RequestOut, **ERRORS}, summary="服务工单详情（各环节、时限）")
def portal_request_detail(request, request_id: int):
    return _out(request, _own(request, request_id))


@router.post(
    "/{int:request_id}/actions/resubmit", response={200: RequestOut, **ERRORS}, summary="补正后重新提交"
)
def portal_request_resubmit(request, request_id: int, payload: RequestNoteIn | None = None):
    req = _own(request, request_id)
    services.service_request_resubmit(
        actor=actor_of(request), service_request=req, note=payload.note if payload else ""
    )
    return _out(request, req)


@router.post(
    "/{int:request_id}/actions/withdraw", response={200: RequestOut, **ERRORS}, summary="撤回服务工单"
)
def portal_request_withdraw(request, request_id: int, payload: RequestNoteIn | None = None):
    req = _own(request, request_id)
    services.service_request_withdraw(
        actor=actor_of(request), service_request=req, note=payload.note if payload else ""
    )
    return _out(request, req)


class PortalRatingIn(InputSchema):
    level: int
    comment: str = ""


@router.post(
    "/{int:request_id}/rating", response={201: ServiceRatingOut, **ERRORS}, summary="服务评价（好差评）"
)
def portal_request_rate(request, request_id: int, payload: PortalRatingIn):
    req = _own(request, request_id)
    rating = services.rating_create(
        actor=actor_of(request), service_request=req, source=RatingSource.PORTAL, **payload.dict()
    )
    return Status(201, rating_out(rating))
