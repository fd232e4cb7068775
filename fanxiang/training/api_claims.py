"""Training-subsidy claims under ``/api/v1/training/claims`` (issue 14, item 7).

* ``GET /claims/`` (the caller's region scope; filters ``status``, ``region``: the page's filter rule, a bad
  value 422), ``POST /claims/`` ``{"class": id}`` → 201 with the roster,
* ``GET /claims/{id}`` → the claim with its lines (masked names, hours, completion, certificate number,
  amounts, reason) and objections,
* ``POST /claims/{id}/actions/{action}``: ``submit``, ``review``, ``publish``, ``approve``, ``return``
  (``{"note"}``, required for ``return``), ``object`` (``{"content", "raised_by", "contact", "line"}``),
  ``pay`` (``{"paid_on", "amount", "payment_ref"}``), ``follow_up`` (``{}``: decides the top-ups),
  ``pay_top_up`` (``{"paid_on", "amount", "payment_ref"}``: the top-ups' payment),
* ``POST /claims/objections/{id}/handle`` ``{"upheld": bool, "note"}``,
* ``POST /claims/objections/{id}/reveal-contact`` → ``{"contact"}`` (reveal right; every reveal logged).

Reads go through the claim's scoped queryset, writes through :mod:`fanxiang.training.claims`; refusals come
back as ``ErrorOut`` with their stable codes (``training.publicity_running``, ``training.objections_open``,
``policy.grant_once_only`` …).
"""

from __future__ import annotations

from decimal import Decimal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fanxiang.core.api import ErrorOut, InputSchema, IsoDate, mapped, parse_body
from fanxiang.core.errors import NotFound
from fanxiang.core.scope import VIEW
from fanxiang.core.validators import mask_name
from fanxiang.training import claims
from fanxiang.training.filters_claims import filter_claims
from fanxiang.training.models import Objection, SubsidyClaim, TrainingClass
from fanxiang.training.workflows_claims import CLAIMS

router = Router(tags=["创业培训"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ClaimLineOut(Schema):
    id: int
    enrolment: int
    name_masked: str
    hours_attended: Decimal
    completed: bool | None
    certificate_number: str
    eligible: bool
    full_amount: Decimal
    base_amount: Decimal
    top_up_amount: Decimal
    started_business: bool | None
    reason: str


class ObjectionOut(Schema):
    id: int
    line_name_masked: str
    raised_by: str
    contact_masked: str
    content: str
    received_on: IsoDate
    status: str
    handling_note: str


class ClaimOut(Schema):
    id: int
    training_class: int
    class_name: str
    region: str
    status: str
    status_label: str
    trainees: int
    amount_claimed: Decimal
    amount_approved: Decimal | None
    amount_paid: Decimal
    publicity_start: IsoDate | None
    publicity_end: IsoDate | None
    paid_on: IsoDate | None
    payment_ref: str
    follow_up_due: IsoDate | None
    followed_up_on: IsoDate | None
    amount_top_up_due: Decimal
    amount_topped_up: Decimal
    top_up_paid_on: IsoDate | None
    top_up_payment_ref: str
    allowed_actions: list[str]
    lines: list[ClaimLineOut] = []
    objections: list[ObjectionOut] = []


def claim_row(claim: SubsidyClaim, user=None, *, full: bool = False) -> dict:
    out = {
        "id": claim.pk,
        "training_class": claim.training_class_id,
        "class_name": claim.training_class.name,
        "region": claim.training_class.region.code,
        "status": claim.status,
        "status_label": str(claim.get_status_display()),
        "trainees": claim.trainees,
        "amount_claimed": claim.amount_claimed,
        "amount_approved": claim.amount_approved,
        "amount_paid": claim.amount_paid,
        "publicity_start": claim.publicity_start,
        "publicity_end": claim.publicity_end,
        "paid_on": claim.paid_on,
        "payment_ref": claim.payment_ref,
        "follow_up_due": claim.follow_up_due,
        "followed_up_on": claim.followed_up_on,
        "amount_top_up_due": claim.amount_top_up_due,
        "amount_topped_up": claim.amount_topped_up,
        "top_up_paid_on": claim.top_up_paid_on,
        "top_up_payment_ref": claim.top_up_payment_ref,
        "allowed_actions": CLAIMS.allowed_actions(claim, user) if user is not None else [],
    }
    if full:
        out["lines"] = [
            {
                "id": line.pk,
                "enrolment": line.enrolment_id,
                "name_masked": mask_name(line.enrolment.entrepreneur.name),
                "hours_attended": line.enrolment.hours_attended,
                "completed": line.enrolment.completed,
                "certificate_number": claims.certificate_of(line),
                "eligible": line.eligible,
                "full_amount": line.full_amount,
                "base_amount": line.base_amount,
                "top_up_amount": line.top_up_amount,
                "started_business": line.started_business,
                "reason": line.reason,
            }
            for line in claims.claim_lines(claim)
        ]
        names = {
            line.enrolment_id: mask_name(line.enrolment.entrepreneur.name)
            for line in claims.claim_lines(claim)
        }
        out["objections"] = [
            {
                "id": o.pk,
                "line_name_masked": names.get(o.enrolment_id, ""),
                "raised_by": o.raised_by,
                "contact_masked": o.contact_masked,
                "content": o.content,
                "received_on": o.received_on,
                "status": o.status,
                "handling_note": o.handling_note,
            }
            for o in claim.objections.order_by("id")
        ]
    return out


class ClaimIn(InputSchema):
    training_class: int = Field(alias="class")


class ClaimNoteIn(InputSchema):
    note: str = ""


class ClaimObjectionIn(InputSchema):
    content: str = ""
    raised_by: str = ""
    contact: str = ""
    line: int | None = None


class ClaimPayIn(InputSchema):
    paid_on: str = ""
    amount: str = ""
    payment_ref: str = ""


class ContactOut(Schema):
    contact: str


class ObjectionHandleIn(InputSchema):
    upheld: bool | None = None
    note: str = ""


@router.get("/claims/", response={200: list[ClaimOut], 422: ErrorOut}, summary="培训补贴申领列表")
@paginate(mapped(claim_row))
def claim_list(request, status: str | None = None, region: str | None = None):
    qs = claims.claims_for_user(request.user)
    return filter_claims(qs, status=status, region=region).order_by("-created_at", "-id")


@router.post("/claims/", response={201: ClaimOut, **ERRORS}, summary="申领培训补贴（结业培训班）")
def claim_create(request):
    body = parse_body(request, ClaimIn)
    klass = TrainingClass.objects.for_user(request.user, VIEW).filter(pk=body.training_class).first()
    if klass is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    claim = claims.claim_create(actor=request.user, training_class=klass)
    return Status(201, claim_row(claims.claim_get(request.user, claim.pk), request.user, full=True))


@router.get("/claims/{int:claim_id}", response={200: ClaimOut, **ERRORS}, summary="补贴申领详情（含名单）")
def claim_detail(request, claim_id: int):
    return claim_row(claims.claim_get(request.user, claim_id), request.user, full=True)


@router.post(
    "/claims/{int:claim_id}/actions/{action}",
    response={200: ClaimOut, **ERRORS},
    summary="补贴申领操作（提交、审核、公示、异议、审批、退回、拨付、跟踪核查、跟踪补拨）",
)
def claim_action(request, claim_id: int, action: str):
    claim = claims.claim_get(request.user, claim_id)
    user = request.user
    if action == "object":
        body = parse_body(request, ClaimObjectionIn)
        claims.objection_record(actor=user, claim=claim, data=body.dict())
    elif action == "pay":
        body = parse_body(request, ClaimPayIn)
        claims.claim_pay(actor=user, claim=claim, data=body.dict())
    elif action == "follow_up":
        parse_body(request, ClaimNoteIn)
        claims.claim_follow_up(actor=user, claim=claim)
    elif action == "pay_top_up":
        body = parse_body(request, ClaimPayIn)
        claims.claim_pay_top_up(actor=user, claim=claim, data=body.dict())
    elif action in ("submit", "review", "publish", "approve", "return"):
        body = parse_body(request, ClaimNoteIn)
        claims.claim_action(actor=user, claim=claim, action=action, note=body.note)
    else:
        raise NotFound("training.unknown_action", f"未知的操作：{action}。")
    return claim_row(claims.claim_get(user, claim_id), user, full=True)


@router.post(
    "/claims/objections/{int:objection_id}/handle",
    response={200: ClaimOut, **ERRORS},
    summary="处理公示异议（成立则该学员移出名单）",
)
def objection_handle(request, objection_id: int):
    objection = Objection.objects.for_user(request.user, VIEW).filter(pk=objection_id).first()
    if objection is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    body = parse_body(request, ObjectionHandleIn)
    claims.objection_handle(actor=request.user, objection=objection, upheld=body.upheld, note=body.note)
    return claim_row(claims.claim_get(request.user, objection.claim_id), request.user, full=True)


@router.post(
    "/claims/objections/{int:objection_id}/reveal-contact",
    response={200: ContactOut, **ERRORS},
    summary="查看异议人完整联系方式（需查看权限，留痕）",
)
def objection_reveal_contact(request, objection_id: int):
    objection = Objection.objects.for_user(request.user, VIEW).filter(pk=objection_id).first()
    if objection is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    contact = claims.objection_contact_reveal(actor=request.user, objection=objection, request=request)
    return {"contact": contact}
