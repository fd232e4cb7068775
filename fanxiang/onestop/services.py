"""Every write of the one-stop app: one atomic function per action, keyword-only, refusing with stable codes.

Status changes go only through :data:`fanxiang.onestop.workflows.REQUESTS` /
:data:`~fanxiang.onestop.workflows.RECTIFICATIONS` ``.transition``; the effects below do the domain work
inside the step's transaction (any refusal rolls the whole step back).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fanxiang.accounts.models import Organization
from fanxiang.accounts.roles import APPLICANT
from fanxiang.core import pii
from fanxiang.core.audit import acting_as
from fanxiang.core.errors import Conflict, ErrorCollector, Forbidden, InvalidInput, NotFound
from fanxiang.core.scope import ADD, CHANGE, VIEW, ensure_in_scope, ensure_regions_in_scope
from fanxiang.core.validators import check_id_number, checked_text, mask_id_number
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.onestop.choices import (
    BAD_RATING_MAX,
    CentreStatus,
    Mode,
    RatingSource,
    RectificationStatus,
    RequestStatus,
)
from fanxiang.onestop.models import (
    REQUEST_REGIONS,
    Centre,
    Parameters,
    Rating,
    Rectification,
    SatisfactionMonth,
    ServiceRequest,
    ServiceType,
)
from fanxiang.onestop.workflows import RECTIFICATIONS, REQUESTS
from fanxiang.regions.models import Region, RegionLevel

S = RequestStatus
TEXT_MAX = 2000
CENTRE_FIELDS = ("name", "address", "hours", "phone", "staff_note")


_text = functools.partial(checked_text, app="onestop", max_length=TEXT_MAX)


# --------------------------------------------------------------------------- centres


def centre_create(*, actor: Any, data: dict[str, Any]) -> Centre:
    """A county's service centre (its region must be a county-level region in the actor's scope)."""
    errors = ErrorCollector()
    region = Region.objects.filter(code=str(data.get("region") or "")).first()
    if region is None:
        errors.add("region", "onestop.region_unknown", "所属县（市、区）不存在。")
    elif region.level != RegionLevel.COUNTY:
        errors.add("region", "onestop.region_not_county", "服务中心应设在县（市、区）。")
    values = {}
    for field, label, required, max_length in (
        ("name", "名称", True, 128),
        ("address", "地址", False, 200),
        ("hours", "办公时间", False, 200),
        ("phone", "咨询电话", False, 40),
        ("staff_note", "人员配备", False, TEXT_MAX),
    ):
        try:
            values[field] = _text(data.get(field), field, label, required=required, max_length=max_length)
        except InvalidInput as exc:
            errors.absorb(exc)
    status = data.get("status") or CentreStatus.ACTIVE
    if status not in CentreStatus.values:
        errors.add("status", "onestop.status_invalid", "状态不正确。")
    codes = list(data.get("services") or [])
    services = list(ServiceType.objects.filter(code__in=codes, is_active=True))
    if len(services) != len(set(codes)):
        errors.add("services", "onestop.service_type_unknown", "服务事项不存在。")
    errors.raise_if_any()
    ensure_regions_in_scope(actor, Centre, ADD, [region.tree_path])
    with transaction.atomic(), acting_as(actor):
        centre = Centre.objects.create(
            region=region, status=status, opened_on=data.get("opened_on"), **values
        )
        centre.services.set(services)
        ensure_in_scope(actor, centre, ADD)
    return centre


def centre_update(*, actor: Any, centre: Centre, data: dict[str, Any]) -> Centre:
    """Edit a centre's name, address, hours, phone, staff, services and status (not its county). Every bad
    field is reported at once; the centre must be one the actor may change."""
    ensure_in_scope(actor, centre, CHANGE)
    errors = ErrorCollector()
    values = {}
    for field, label, required, max_length in (
        ("name", "名称", True, 128),
        ("address", "地址", False, 200),
        ("hours", "办公时间", False, 200),
        ("phone", "咨询电话", False, 40),
        ("staff_note", "人员配备", False, TEXT_MAX),
    ):
        if field in data:
            try:
                values[field] = _text(data.get(field), field, label, required=required, max_length=max_length)
            except InvalidInput as exc:
                errors.absorb(exc)
    if "status" in data:
        if data["status"] not in CentreStatus.values:
            errors.add("status", "onestop.status_invalid", "状态不正确。")
        else:
            values["status"] = data["status"]
    if "opened_on" in data:
        values["opened_on"] = data["opened_on"] or None
    services = None
    if "services" in data:
        codes = list(data.get("services") or [])
        services = list(ServiceType.objects.filter(code__in=codes, is_active=True))
        if len(services) != len(set(codes)):
            errors.add("services", "onestop.service_type_unknown", "服务事项不存在。")
    errors.raise_if_any()
    with transaction.atomic(), acting_as(actor):
        locked = Centre.objects.select_for_update().get(pk=centre.pk)
        for field, value in values.items():
            setattr(locked, field, value)
        locked.save()
        if services is not None:
            locked.services.set(services)
        ensure_in_scope(actor, locked, CHANGE)
    return locked


# --------------------------------------------------------------------------- requests: intake


def service_request_create(
    *,
    actor: Any,
    service_type: str,
    channel: str,
    centre: int,
    entrepreneur: int | None = None,
    visitor_id_number: str | None = None,
    description: str = "",
    today: dt.date | None = None,
) -> ServiceRequest:
    """Take a request (window, assisted, or online by the applicant) and start its clock (``submit``)."""
    today = today or timezone.localdate()
    applicant = getattr(actor, "entrepreneur_id", None) is not None and not actor.assignments()
    errors = ErrorCollector()
    kind = ServiceType.objects.filter(code=service_type, is_active=True).first()
    if kind is None:
        errors.add("service_type", "onestop.service_type_unknown", "服务事项不存在。")
    if channel not in Mode.values:
        errors.add("channel", "onestop.channel_invalid", "办理渠道不正确。")
    elif kind is not None and channel not in kind.modes:
        errors.add("channel", "onestop.mode_not_allowed", f"“{kind.name}”不能以该方式办理。")
    if applicant and channel != Mode.ONLINE:
        errors.add("channel", "onestop.channel_invalid", "在门户提交的工单只能网上办。")
    visible = Centre.objects.all() if applicant else Centre.objects.for_user(actor, VIEW)
    place = visible.select_related("region").filter(pk=centre).first()
    if place is None:
        errors.add("centre", "onestop.centre_unknown", "服务中心不存在或无权访问。")
    elif place.status != CentreStatus.ACTIVE:
        errors.add("centre", "onestop.centre_inactive", "该服务中心当前不受理业务。")
    elif kind is not None and not place.services.filter(pk=kind.pk).exists():
        errors.add("service_type", "onestop.service_not_offered", f"该服务中心未开通“{kind.name}”。")
    person = None
    if applicant:
        entrepreneur, visitor_id_number = actor.entrepreneur_id, None
    if entrepreneur is not None:
        people = Entrepreneur.objects.all() if applicant else Entrepreneur.objects.for_user(actor, VIEW)
        person = people.filter(pk=entrepreneur).first()
        if person is None:
            errors.add("entrepreneur", "onestop.entrepreneur_unknown", "登记人员不存在或无权访问。")
    visitor = None
    if visitor_id_number:
        checked = check_id_number(visitor_id_number, today=today)
        if not checked.valid:
            errors.add("visitor_id_number", checked.code, checked.message)
        else:
            visitor = checked.value
    if entrepreneur is None and not visitor_id_number:
        errors.add("entrepreneur", "onestop.applicant_required", "请选择登记人员或填写来访人身份证号码。")
    try:
        text = _text(description, "description", "诉求描述")
    except InvalidInput as exc:
        errors.absorb(exc)
    limit = kind.time_limit_on(today) if kind is not None else None
    if kind is not None and limit is None:
        errors.add("service_type", "onestop.time_limit_missing", f"“{kind.name}”尚未设置办理时限。")
    errors.raise_if_any()
    with transaction.atomic(), acting_as(actor):
        req = ServiceRequest(
            service_type=kind,
            channel=channel,
            centre=place,
            origin_centre=place,
            entrepreneur=person,
            description=text,
            time_limit_days=limit,
            submitted_on=today,
            created_by=None if applicant else actor,
        )
        if visitor:
            sealed = pii.seal(visitor, mask_id_number)
            req.visitor_id_enc, req.visitor_id_hash = sealed.encrypted, sealed.hash
            req.visitor_id_masked = sealed.masked
        req.save()
        if not applicant:
            ensure_in_scope(actor, req, ADD)
        return REQUESTS.transition(req, "submit", actor, today=today, data={"channel": channel})


def service_request_create_assisted(
    *, actor: Any, assist_session: int, today: dt.date | None = None, **fields: Any
) -> ServiceRequest:
    """全程帮办 at the centre: the request of the person the clerk assists, taken only inside the clerk's own
    assisted session with the person's consent recorded (portal's assisted mode: a code to their phone or a
    signed form); the change log of the intake carries the session and the consent, as the portal's does."""
    from fanxiang.portal.assist import assisting
    from fanxiang.portal.selectors import assist_sessions_of

    session = assist_sessions_of(actor).filter(pk=assist_session).first()
    if session is None or not session.active(timezone.now()):
        raise InvalidInput.field(
            "assist_session",
            "onestop.consent_required",
            "全程帮办须先取得本人授权（短信验证码或签字授权书），且帮办仍在有效期内。",
        )
    fields.pop("channel", None)
    fields.pop("visitor_id_number", None)
    fields["entrepreneur"] = session.entrepreneur_id
    with assisting(session):
        return service_request_create(actor=actor, channel=Mode.ASSISTED, today=today, **fields)


# --------------------------------------------------------------------------- requests: steps


def _holder(ctx) -> None:
    """Staff act only on the requests their centre holds: after a transfer to another county the receiving
    centre handles it; the transferring one still sees it."""
    if ctx.acting_role == APPLICANT:
        return
    path = ctx.obj.centre.region.tree_path
    if not any(
        a.role in ctx.step.roles and path.startswith(a.region.tree_path) for a in ctx.actor.assignments()
    ):
        raise Forbidden("onestop.not_holder", "该工单已转至其他服务中心，由承办中心办理。")


def _on_behalf(ctx) -> None:
    """The clerk resubmits or withdraws for the applicant only for a request taken at the window or with
    assistance; an online request is the applicant's own."""
    _holder(ctx)
    if ctx.acting_role != APPLICANT and ctx.obj.channel == Mode.ONLINE:
        raise Forbidden("onestop.applicant_only", "网上办工单由申请人在门户办理。")


def _step(
    req: ServiceRequest, action: str, actor: Any, *, note: str = "", data=None, effect=None, today=None
):
    def run(ctx):
        (_on_behalf if action in ("resubmit", "withdraw") else _holder)(ctx)
        if effect is not None:
            effect(ctx)

    return REQUESTS.transition(req, action, actor, note=note, data=data, effect=run, today=today)


def _complete(result: str, outcome: Any = None):
    def effect(ctx) -> None:
        ctx.obj.result = result
        ctx.obj.completed_on = ctx.today
        ctx.obj.missing = []
        if outcome is not None:
            ctx.obj.outcome = outcome
            ctx.data["outcome"] = {"type": outcome._meta.label_lower, "id": outcome.pk}

    return effect


def service_request_accept(
    *,
    actor: Any,
    service_request: ServiceRequest,
    note: str = "",
    complete_now: bool = False,
    result: str = "",
    today: dt.date | None = None,
) -> ServiceRequest:
    """受理; 马上办 (``complete_now``): accepted and completed in one transaction (two steps on the timeline)."""
    note = _text(note, "note", "意见")
    result = _text(result, "result", "办理结果", required=complete_now)
    with transaction.atomic():
        req = _step(service_request, "accept", actor, note=note, today=today)
        if complete_now:
            req = _step(
                req,
                "complete",
                actor,
                data={"result": result, "on_the_spot": True},
                effect=_complete(result),
                today=today,
            )
        return req


def service_request_start(*, actor: Any, service_request: ServiceRequest, note: str = "", today=None):
    return _step(service_request, "start", actor, note=_text(note, "note", "意见"), today=today)


def service_request_request_supplement(
    *, actor: Any, service_request: ServiceRequest, missing: list[str], note: str = "", today=None
) -> ServiceRequest:
    """一次性告知: every missing item at once; the clock pauses until the applicant resubmits."""
    items = [_text(m, "missing", "补正事项", max_length=200) for m in (missing or [])]
    items = [m for m in dict.fromkeys(items) if m]
    if not items:
        raise InvalidInput.field(
            "missing", "onestop.missing_required", "请一次性列明需要补正的全部材料或事项。"
        )

    def effect(ctx) -> None:
        ctx.obj.missing = items

    return _step(
        service_request,
        "request_supplement",
        actor,
        note=_text(note, "note", "意见"),
        data={"missing": items},
        effect=effect,
        today=today,
    )


def service_request_resubmit(*, actor: Any, service_request: ServiceRequest, note: str = "", today=None):
    def effect(ctx) -> None:
        ctx.data["missing"] = list(ctx.obj.missing)
        ctx.obj.missing = []

    return _step(
        service_request, "resubmit", actor, note=_text(note, "note", "说明"), effect=effect, today=today
    )


def service_request_complete(
    *, actor: Any, service_request: ServiceRequest, result: str, outcome: Any = None, today=None
) -> ServiceRequest:
    result = _text(result, "result", "办理结果", required=True)
    return _step(
        service_request,
        "complete",
        actor,
        data={"result": result},
        effect=_complete(result, outcome),
        today=today,
    )


def service_request_transfer(
    *,
    actor: Any,
    service_request: ServiceRequest,
    reason: str,
    to_centre: int | None = None,
    to_unit: int | None = None,
    today=None,
) -> ServiceRequest:
    """转办 to another centre (which then holds it) or to a unit (the centre keeps it); the clock runs on."""
    reason = _text(reason, "reason", "转办原因")
    if (to_centre is None) == (to_unit is None):
        raise InvalidInput.field(
            "to_centre", "onestop.transfer_target_required", "请选择转办的服务中心或单位（二选一）。"
        )
    target_centre = target_unit = None
    if to_centre is not None:
        target_centre = Centre.objects.filter(pk=to_centre, status=CentreStatus.ACTIVE).first()
        if target_centre is None:
            raise InvalidInput.field(
                "to_centre", "onestop.centre_unknown", "接收的服务中心不存在或不受理业务。"
            )
    else:
        target_unit = Organization.objects.filter(pk=to_unit, is_active=True).first()
        if target_unit is None:
            raise InvalidInput.field("to_unit", "onestop.unit_unknown", "接收单位不存在。")

    def effect(ctx) -> None:
        req = ctx.obj
        if target_centre is not None:
            if target_centre.pk == req.centre_id:
                raise InvalidInput.field("to_centre", "onestop.transfer_same_centre", "不能转办给本中心。")
            if not target_centre.services.filter(pk=req.service_type_id).exists():
                raise InvalidInput.field(
                    "to_centre", "onestop.service_not_offered", f"接收中心未开通“{req.service_type.name}”。"
                )
            ctx.data["from_centre"] = {"id": req.centre_id, "name": req.centre.name}
            ctx.data["to_centre"] = {"id": target_centre.pk, "name": target_centre.name}
            req.centre = target_centre
            req.transferred_to_unit = None
        else:
            ctx.data["to_unit"] = {"id": target_unit.pk, "name": target_unit.name}
            req.transferred_to_unit = target_unit

    return _step(
        service_request, "transfer", actor, note=reason, data={"reason": reason}, effect=effect, today=today
    )


def service_request_reject(*, actor: Any, service_request: ServiceRequest, reason: str, today=None):
    reason = _text(reason, "reason", "不予办理的原因")
    return _step(service_request, "reject", actor, note=reason, data={"reason": reason}, today=today)


def service_request_withdraw(*, actor: Any, service_request: ServiceRequest, note: str = "", today=None):
    return _step(service_request, "withdraw", actor, note=_text(note, "note", "说明"), today=today)


ACTIONS = {
    "accept": service_request_accept,
    "start": service_request_start,
    "request_supplement": service_request_request_supplement,
    "resubmit": service_request_resubmit,
    "complete": service_request_complete,
    "transfer": service_request_transfer,
    "reject": service_request_reject,
    "withdraw": service_request_withdraw,
}


# --------------------------------------------------------------------------- ratings and rectifications


def _level(level: Any, field: str = "level") -> int:
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        raise InvalidInput.field(field, "onestop.level_invalid", "评价等级应为1至5。")
    return level


def _may_record_for(actor: Any, obj: Any, applicant_id: int | None) -> bool:
    """The applicant themself, or staff who may change the object (the clerk at the rating pad)."""
    person = getattr(actor, "entrepreneur_id", None)
    if person is not None and person == applicant_id:
        return True
    if REQUESTS.actor_roles(actor, obj) & {"service_clerk", "county_officer"}:
        return True
    return False


def rating_create(
    *,
    actor: Any,
    service_request: ServiceRequest,
    level: Any,
    comment: str = "",
    source: str = RatingSource.PAD,
    today: dt.date | None = None,
) -> Rating:
    """好差评: once per completed request, never changed; a rating of 1 or 2 opens a rectification."""
    today = today or timezone.localdate()
    level = _level(level)
    comment = _text(comment, "comment", "评价内容", max_length=500)
    if source not in RatingSource.values:
        raise InvalidInput.field("source", "onestop.source_invalid", "评价渠道不正确。")
    with transaction.atomic(), acting_as(actor):
        # with the centres and regions the role check reads (only the request's row is locked)
        req = (
            ServiceRequest.objects.select_related(*REQUEST_REGIONS, "service_type")
            .select_for_update(of=("self",))
            .filter(pk=service_request.pk)
            .first()
        )
        if req is None or not _may_record_for(actor, req, req.entrepreneur_id):
            raise NotFound("not_found", "记录不存在或无权访问。")
        if Rating.objects.filter(request=req).exists():
            raise Conflict("onestop.already_rated", "该工单已评价，评价不能重复提交或修改。")
        if req.status != S.COMPLETED:
            raise Conflict("onestop.not_completed", "工单办结后才能评价。")
        user = actor if getattr(actor, "pk", None) else None
        rating = Rating.objects.create(
            request=req, level=level, comment=comment, source=source, recorded_by=user
        )
        _roll_up(req, level, today)
        if level <= BAD_RATING_MAX:
            rectification_open(rating=rating, today=today)
    return rating


def _roll_up(req: ServiceRequest, level: int, day: dt.date) -> None:
    """Count the rating into its centre × service type × month rollup (same transaction; the UPDATE locks the row)."""
    month = day.replace(day=1)
    SatisfactionMonth.objects.get_or_create(
        centre_id=req.centre_id, service_type_id=req.service_type_id, month=month
    )
    SatisfactionMonth.objects.filter(
        centre_id=req.centre_id, service_type_id=req.service_type_id, month=month
    ).update(
        ratings=F("ratings") + 1,
        level_sum=F("level_sum") + level,
        bad=F("bad") + (1 if level <= BAD_RATING_MAX else 0),
        **{f"level_{level}": F(f"level_{level}") + 1},
    )


def rectification_open(*, rating: Rating, today: dt.date) -> Rectification:
    """A 差评 opens its rectification, due in ``Parameters.rectification_days`` working days (the system's step)."""
    days = Parameters.on(today).rectification_days
    rect = Rectification.objects.create(request=rating.request, rating=rating, limit_days=days)
    return RECTIFICATIONS.transition(rect, "open", None, today=today, data={"rating": rating.level})


def rectification_call_back(
    *, actor: Any, rectification: Rectification, note: str, today=None
) -> Rectification:
    note = _text(note, "note", "回访记录", required=True)

    def effect(ctx) -> None:
        ctx.obj.callback_on = ctx.today
        ctx.obj.callback_note = note

    return RECTIFICATIONS.transition(rectification, "call_back", actor, note=note, effect=effect, today=today)


def rectification_rate_fix(
    *, actor: Any, rectification: Rectification, level: Any, comment: str = "", today=None
) -> Rectification:
    level = _level(level)
    comment = _text(comment, "comment", "评价内容", max_length=500)

    def effect(ctx) -> None:
        ctx.obj.second_level, ctx.obj.second_comment, ctx.obj.closed_on = level, comment, ctx.today
        ctx.data["level"] = level

    return RECTIFICATIONS.transition(
        rectification, "rate_fix", actor, note=comment, effect=effect, today=today
    )


__all__ = ["ACTIONS", "RectificationStatus", "centre_create", "rating_create", "service_request_create"]
