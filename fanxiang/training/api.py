"""Start-up training under ``/api/v1/training`` (point (八)).

Reads go through :mod:`fanxiang.training.selectors` (the caller's region scope), writes through
:mod:`fanxiang.training.services`; refusals come back as ``ErrorOut`` with their stable codes.

``POST /classes/{id}/actions/{action}`` (``file``, ``approve``, ``return``, ``start``, ``finish``, ``cancel``)
takes ``{"note": "…"}`` (required for ``return`` and ``cancel``). ``POST /classes/{id}/enrolments`` takes
``{"entrepreneur": id}`` or ``{"id_number", "name", "mobile"}``, plus ``village_name`` and ``post`` (the
``village`` code optional) for the village-leader programme and ``confirm: true`` to accept a soft rule; a
refused rule gives 422 with its code and every failed rule in ``details.failed``.
"""

from decimal import Decimal

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from fanxiang.core.api import ErrorOut, InputSchema, IsoDate, mapped, parse_body
from fanxiang.core.errors import DomainError, NotFound
from fanxiang.training import selectors, services
from fanxiang.training.models import Base, Enrolment, Programme, Provider, TrainingClass
from fanxiang.training.workflows import CLASSES

router = Router(tags=["创业培训"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --------------------------------------------------------------------------- programmes


class ProgrammeOut(Schema):
    id: int
    code: str
    kind: str
    kind_label: str
    name: str
    hours_required: Decimal
    assessment: str
    is_active: bool


def programme_out(p: Programme) -> dict:
    return {
        "id": p.pk,
        "code": p.code,
        "kind": p.kind,
        "kind_label": str(p.get_kind_display()),
        "name": p.name,
        "hours_required": p.hours_required,
        "assessment": p.assessment,
        "is_active": p.is_active,
    }


class ProgrammeIn(InputSchema):
    code: str
    kind: str
    name: str
    hours_required: Decimal
    assessment: str = ""
    description: str = ""


@router.get("/programmes/", response={200: list[ProgrammeOut], 422: ErrorOut}, summary="培训项目列表")
@paginate(mapped(programme_out))
def programme_list(request):
    return selectors.programmes()


@router.post("/programmes/", response={201: ProgrammeOut, **ERRORS}, summary="新建培训项目（市级）")
def programme_create(request, payload: ProgrammeIn):
    programme = services.programme_create(actor=request.user, data=payload.dict())
    return Status(201, programme_out(programme))


# --------------------------------------------------------------------------- providers and bases


class ProviderOut(Schema):
    id: int
    organization: int
    name: str
    licence: str
    programmes: list[str]
    valid_from: IsoDate
    valid_to: IsoDate | None
    is_active: bool


def provider_out(p: Provider) -> dict:
    return {
        "id": p.pk,
        "organization": p.organization_id,
        "name": p.organization.name,
        "licence": p.licence,
        "programmes": [x.code for x in p.programmes.all()],
        "valid_from": p.valid_from,
        "valid_to": p.valid_to,
        "is_active": p.is_active,
    }


class ProviderIn(InputSchema):
    organization: int
    valid_from: IsoDate
    valid_to: IsoDate | None = None
    licence: str = ""
    contact: str = ""
    programmes: list[str] = []


@router.get("/providers/", response={200: list[ProviderOut], 422: ErrorOut}, summary="培训机构")
@paginate(mapped(provider_out))
def provider_list(request):
    return selectors.providers()


@router.post("/providers/", response={201: ProviderOut, **ERRORS}, summary="认定培训机构（市级）")
def provider_create(request, payload: ProviderIn):
    provider = services.provider_create(actor=request.user, data=payload.dict())
    return Status(201, provider_out(selectors.providers().get(pk=provider.pk)))


class TrainingBaseOut(Schema):
    id: int
    recommender: int
    name: str
    kind: str
    region: str
    valid_from: IsoDate
    valid_to: IsoDate | None
    address: str
    seats: int | None
    is_active: bool


def base_out(b: Base) -> dict:
    rec = b.recommender
    return {
        "id": b.pk,
        "recommender": rec.pk,
        "name": rec.name,
        "kind": rec.kind,
        "region": rec.region.code,
        "valid_from": rec.valid_from,
        "valid_to": rec.valid_to,
        "address": b.address,
        "seats": b.seats,
        "is_active": b.is_active,
    }


class TrainingBaseIn(InputSchema):
    recommender: int
    address: str = ""
    seats: int | None = None


@router.get("/bases/", response={200: list[TrainingBaseOut], 422: ErrorOut}, summary="孵化实训基地")
@paginate(mapped(base_out))
def base_list(request):
    return selectors.bases()


@router.post(
    "/bases/", response={201: TrainingBaseOut, **ERRORS}, summary="设置实训基地（关联已认定的孵化基地）"
)
def base_create(request, payload: TrainingBaseIn):
    base = services.base_create(actor=request.user, data=payload.dict())
    return Status(201, base_out(selectors.bases().get(pk=base.pk)))


# --------------------------------------------------------------------------- classes


class ClassSessionOut(Schema):
    id: int
    date: IsoDate
    start_time: str
    end_time: str
    hours: Decimal
    topic: str
    mode: str


def session_out(s) -> dict:
    return {
        "id": s.pk,
        "date": s.date,
        "start_time": s.start_time.strftime("%H:%M"),
        "end_time": s.end_time.strftime("%H:%M"),
        "hours": s.hours,
        "topic": s.topic,
        "mode": s.mode,
    }


class ClassRowOut(Schema):
    id: int
    name: str
    region: str
    region_name: str
    programme: int
    programme_kind: str
    programme_name: str
    provider: int
    provider_name: str
    mode: str
    start_date: IsoDate
    end_date: IsoDate
    capacity: int
    enrolled: int
    status: str
    status_label: str


class ClassOut(ClassRowOut):
    place: str
    base: int | None
    base_name: str
    teacher_names: str
    notes: str
    filed_on: IsoDate | None
    approved_on: IsoDate | None
    hours_required: Decimal
    hours_scheduled: Decimal
    sessions: list[ClassSessionOut]
    allowed_actions: list[str]


def class_row(c: TrainingClass) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "region": c.region.code,
        "region_name": c.region.name,
        "programme": c.programme_id,
        "programme_kind": c.programme.kind,
        "programme_name": c.programme.name,
        "provider": c.provider_id,
        "provider_name": str(c.provider),
        "mode": c.mode,
        "start_date": c.start_date,
        "end_date": c.end_date,
        "capacity": c.capacity,
        "enrolled": getattr(c, "enrolled", 0),
        "status": c.status,
        "status_label": CLASSES.status_label(c.status),
    }


def class_out(c: TrainingClass, user) -> dict:
    sessions = list(c.sessions.all())
    return {
        **class_row(c),
        "place": c.place,
        "base": c.base_id,
        "base_name": str(c.base) if c.base_id else "",
        "teacher_names": c.teacher_names,
        "notes": c.notes,
        "filed_on": c.filed_on,
        "approved_on": c.approved_on,
        "hours_required": c.programme.hours_required,
        "hours_scheduled": sum((s.hours for s in sessions), Decimal("0")),
        "sessions": [session_out(s) for s in sessions],
        "allowed_actions": [a for a in CLASSES.allowed_actions(c, user) if a in services.CLASS_ACTIONS],
    }


class ClassFilterIn(Schema):
    region: str | None = None
    status: str | None = None


class ClassIn(InputSchema):
    region: str
    programme: int
    provider: int
    base: int | None = None
    name: str
    place: str = ""
    mode: str = "offline"
    start_date: IsoDate
    end_date: IsoDate
    capacity: int | None = None
    teacher_names: str = ""
    notes: str = ""


@router.get("/classes/", response={200: list[ClassRowOut], 422: ErrorOut}, summary="培训班列表（按权限范围）")
@paginate(mapped(class_row))
def class_list(request, filters: Query[ClassFilterIn]):
    return selectors.classes_for_user(request.user, region=filters.region, status=filters.status)


@router.post("/classes/", response={201: ClassOut, **ERRORS}, summary="新建培训班")
def class_create(request, payload: ClassIn):
    klass = services.class_create(actor=request.user, data=payload.dict())
    return Status(201, class_out(selectors.class_detail(request.user, klass.pk), request.user))


@router.get("/classes/{int:class_id}", response={200: ClassOut, **ERRORS}, summary="培训班详情（含课表）")
def class_detail(request, class_id: int):
    return class_out(selectors.class_detail(request.user, class_id), request.user)


class ClassActionIn(InputSchema):
    note: str = ""


@router.post(
    "/classes/{int:class_id}/actions/{action}",
    response={200: ClassOut, **ERRORS},
    summary="培训班操作（备案、审核通过、退回、开班、结业、取消）",
)
def class_action(request, class_id: int, action: str):
    klass = selectors.class_detail(request.user, class_id)
    if action not in services.CLASS_ACTIONS:
        raise NotFound("training.unknown_action", f"未知的操作：{action}。")
    body = parse_body(request, ClassActionIn)
    services.class_action(actor=request.user, training_class=klass, action=action, note=body.note)
    return class_out(selectors.class_detail(request.user, class_id), request.user)


class ClassSessionIn(InputSchema):
    date: IsoDate
    start_time: str
    end_time: str
    hours: Decimal
    topic: str = ""
    mode: str | None = None
    video_seconds: int | None = None


@router.post(
    "/classes/{int:class_id}/sessions", response={201: ClassSessionOut, **ERRORS}, summary="安排课次"
)
def session_add(request, class_id: int, payload: ClassSessionIn):
    klass = selectors.class_detail(request.user, class_id)
    session = services.session_add(actor=request.user, training_class=klass, data=payload.dict())
    return Status(201, session_out(session))


# --------------------------------------------------------------------------- enrolments


class EnrolmentRowOut(Schema):
    id: int
    training_class: int
    entrepreneur: int
    name: str
    id_number_masked: str
    status: str
    village: str | None
    village_name: str
    post: str
    hours_attended: Decimal
    completed: bool | None
    warnings: list[dict]


def enrolment_row(e: Enrolment) -> dict:
    return {
        "id": e.pk,
        "training_class": e.training_class_id,
        "entrepreneur": e.entrepreneur_id,
        "name": e.entrepreneur.name,
        "id_number_masked": e.entrepreneur.id_number_masked,
        "status": e.status,
        "village": e.village.code if e.village_id else None,
        "village_name": e.village_name,
        "post": e.post,
        "hours_attended": e.hours_attended,
        "completed": e.completed,
        "warnings": e.warnings,
    }


class EnrolmentCertificateOut(Schema):
    number: str
    verify_url: str


class EnrolmentOut(EnrolmentRowOut):
    hours_required: Decimal
    attendance_share: Decimal
    reasons: list[str]
    certificate: EnrolmentCertificateOut | None


def enrolment_out(e: Enrolment) -> dict:
    required = e.training_class.programme.hours_required
    cert = getattr(e, "certificate", None)
    return {
        **enrolment_row(e),
        "hours_required": required,
        "attendance_share": (e.hours_attended / required).quantize(Decimal("0.0001"))
        if required
        else Decimal(0),
        "reasons": [e.completion_reason] if e.completion_reason else [],
        "certificate": {"number": cert.number, "verify_url": f"/verify/{cert.verify_code}"} if cert else None,
    }


class EnrolmentIn(InputSchema):
    entrepreneur: int | None = None
    id_number: str | None = None
    name: str = ""
    mobile: str = ""
    region: str | None = None
    village: str | None = None
    village_name: str = ""
    post: str = ""
    confirm: bool = False


@router.post(
    "/classes/{int:class_id}/enrolments",
    response={201: EnrolmentOut, **ERRORS},
    summary="报名（登记人员或身份证号）",
)
def enrolment_create(request, class_id: int, payload: EnrolmentIn):
    klass = selectors.class_detail(request.user, class_id)
    data = payload.dict()
    if data["entrepreneur"] is None and not data["id_number"]:
        raise DomainError(
            "training.trainee_required",
            "请选择登记人员或填写身份证号码。",
            status=422,
            errors={"entrepreneur": ["必填"]},
        )
    enrolment = services.enrolment_create(actor=request.user, training_class=klass, data=data)
    return Status(201, enrolment_out(selectors.enrolment_detail(request.user, enrolment.pk)))


@router.get(
    "/classes/{int:class_id}/enrolments",
    response={200: list[EnrolmentRowOut], 422: ErrorOut},
    summary="本班学员",
)
@paginate(mapped(enrolment_row))
def enrolment_list(request, class_id: int):
    klass = selectors.class_detail(request.user, class_id)
    return selectors.enrolments_of_class(request.user, klass)


@router.get("/enrolments/{int:enrolment_id}", response={200: EnrolmentOut, **ERRORS}, summary="学员学习情况")
def enrolment_detail(request, enrolment_id: int):
    return enrolment_out(selectors.enrolment_detail(request.user, enrolment_id))
