"""The centre construction standard and assessments under ``/api/v1/onestop/standard`` (point (六)).

Versions and their items are reference data (read by every signed-in user, written by the city while a
version is a draft); assessments are region-scoped (:mod:`fanxiang.onestop.standard_selectors`). Writes go
through :mod:`fanxiang.onestop.standard`; refusals come back as ``ErrorOut`` with their stable codes.

``POST /assessments/{id}/actions/{action}``: ``submit`` ``{note?}`` (county officer), ``confirm``
``{note?}`` and ``return`` ``{reason}`` (the city).
"""

import datetime as dt
from decimal import Decimal

from django.http import FileResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fanxiang.core.api import ErrorOut, InputSchema, IsoDate, mapped
from fanxiang.core.errors import NotFound
from fanxiang.onestop import standard
from fanxiang.onestop import standard_selectors as sel
from fanxiang.onestop.standard_models import Assessment, Evidence, StandardItem, StandardVersion

router = Router(tags=["一站式服务：建设标准"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --------------------------------------------------------------------------- versions


class StandardItemOut(Schema):
    id: int
    code: str
    category: str
    title: str
    description: str
    weight: Decimal
    evidence: str
    evidence_label: str
    order: int


class BandOut(Schema):
    code: str
    label: str
    min_score: Decimal


class VersionOut(Schema):
    id: int
    code: str
    name: str
    valid_from: IsoDate
    status: str
    status_label: str
    partly_percent: int
    basis: str
    total_weight: Decimal
    items: list[StandardItemOut]
    bands: list[BandOut]


def item_out(it: StandardItem) -> dict:
    return {
        "id": it.pk,
        "code": it.code,
        "category": it.category,
        "title": it.title,
        "description": it.description,
        "weight": it.weight,
        "evidence": it.evidence,
        "evidence_label": str(it.get_evidence_display()),
        "order": it.order,
    }


def version_out(v: StandardVersion) -> dict:
    items = sorted(v.items.all(), key=lambda i: (i.order, i.code))
    return {
        "id": v.pk,
        "code": v.code,
        "name": v.name,
        "valid_from": v.valid_from,
        "status": v.status,
        "status_label": str(v.get_status_display()),
        "partly_percent": v.partly_percent,
        "basis": v.basis,
        "total_weight": sum((i.weight for i in items), Decimal(0)),
        "items": [item_out(i) for i in items],
        "bands": [
            {"code": b.code, "label": b.label, "min_score": b.min_score}
            for b in sorted(v.bands.all(), key=lambda b: -b.min_score)
        ],
    }


class VersionIn(InputSchema):
    code: str
    name: str
    valid_from: IsoDate
    basis: str = ""
    copy_from: int | None = None


class ItemIn(InputSchema):
    code: str
    title: str
    weight: Decimal
    category: str = ""
    description: str = ""
    evidence: str = "none"
    order: int | None = None


class BandIn(InputSchema):
    code: str
    label: str
    min_score: Decimal


class BandsIn(InputSchema):
    bands: list[BandIn]


@router.get("/versions/", response=list[VersionOut], summary="建设标准版本（含条目与等级）")
def version_list(request):
    return [version_out(v) for v in sel.versions()]


@router.get("/versions/current", response={200: VersionOut, **ERRORS}, summary="现行建设标准")
def version_current(request):
    found = standard.current_version()
    if found is None:
        raise NotFound("onestop.standard_missing", "尚未发布建设标准。")
    return version_out(sel.version_detail(found.pk))


@router.get("/versions/{int:version_id}", response={200: VersionOut, **ERRORS}, summary="建设标准版本详情")
def version_detail(request, version_id: int):
    return version_out(sel.version_detail(version_id))


@router.post("/versions/", response={201: VersionOut, **ERRORS}, summary="新建标准版本（草稿，市级）")
def version_create(request, payload: VersionIn):
    v = standard.version_create(actor=request.user, **payload.dict())
    return Status(201, version_out(sel.version_detail(v.pk)))


@router.post(
    "/versions/{int:version_id}/items",
    response={201: StandardItemOut, **ERRORS},
    summary="新增标准条目（草稿版本）",
)
def item_create(request, version_id: int, payload: ItemIn):
    item = standard.item_save(actor=request.user, version=sel.version_detail(version_id), data=payload.dict())
    return Status(201, item_out(item))


@router.post(
    "/versions/{int:version_id}/items/{int:item_id}",
    response={200: StandardItemOut, **ERRORS},
    summary="修改标准条目（草稿版本）",
)
def item_update(request, version_id: int, item_id: int, payload: ItemIn):
    version = sel.version_detail(version_id)
    return item_out(
        standard.item_save(actor=request.user, version=version, data=payload.dict(), item_id=item_id)
    )


@router.delete(
    "/versions/{int:version_id}/items/{int:item_id}",
    response={204: None, **ERRORS},
    summary="删除标准条目（草稿版本）",
)
def item_delete(request, version_id: int, item_id: int):
    standard.item_delete(actor=request.user, version=sel.version_detail(version_id), item_id=item_id)
    return Status(204, None)


@router.put("/versions/{int:version_id}/bands", response={200: VersionOut, **ERRORS}, summary="设置评定等级")
def bands_set(request, version_id: int, payload: BandsIn):
    bands = [b.dict() for b in payload.bands]
    standard.bands_set(actor=request.user, version=sel.version_detail(version_id), bands=bands)
    return version_out(sel.version_detail(version_id))


@router.post(
    "/versions/{int:version_id}/publish", response={200: VersionOut, **ERRORS}, summary="发布标准版本"
)
def version_publish(request, version_id: int):
    standard.version_publish(actor=request.user, version=sel.version_detail(version_id))
    return version_out(sel.version_detail(version_id))


# --------------------------------------------------------------------------- assessments


class EvidenceOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int
    url: str
    uploaded_at: dt.datetime


class FindingOut(Schema):
    item: int
    code: str
    title: str
    weight: Decimal
    evidence_required: str
    result: str
    note: str
    evidence: list[EvidenceOut]


class GapOut(Schema):
    item: str
    title: str
    result: str
    result_label: str
    weight: str
    note: str


class AssessmentEventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor: str
    role: str
    note: str
    at: dt.datetime


class AssessmentOut(Schema):
    id: int
    centre: int
    centre_name: str
    region: str
    version: str
    status: str
    status_label: str
    score: Decimal | None
    grade: str
    grade_label: str
    gaps: list[GapOut]
    submitted_on: IsoDate | None
    confirmed_on: IsoDate | None
    allowed_actions: list[str]
    findings: list[FindingOut] = []
    events: list[AssessmentEventOut] = []


def evidence_url(a: Assessment, e: Evidence) -> str:
    return f"/api/v1/onestop/standard/assessments/{a.pk}/evidence/{e.pk}"


def assessment_out(a: Assessment, user, *, full: bool = False) -> dict:
    """The assessment; ``full``: with its findings, evidence, timeline and the caller's allowed actions."""
    out = {
        "id": a.pk,
        "centre": a.centre_id,
        "centre_name": a.centre.name,
        "region": a.centre.region.code,
        "version": a.version.code,
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "score": a.score,
        "grade": a.grade,
        "grade_label": a.grade_label,
        "gaps": a.gaps,
        "submitted_on": a.submitted_on,
        "confirmed_on": a.confirmed_on,
        "allowed_actions": standard.ASSESSMENTS.allowed_actions(a, user) if full else [],
    }
    if full:
        out["findings"] = [
            {
                "item": f.item_id,
                "code": f.item.code,
                "title": f.item.title,
                "weight": f.item.weight,
                "evidence_required": f.item.evidence,
                "result": f.result,
                "note": f.note,
                "evidence": [
                    {
                        "id": e.pk,
                        "kind": e.kind,
                        "name": e.original_name,
                        "content_type": e.content_type,
                        "size": e.size,
                        "url": evidence_url(a, e),
                        "uploaded_at": e.uploaded_at,
                    }
                    for e in f.evidence.all()
                ],
            }
            for f in a.items.all()
        ]
        out["events"] = [
            {
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor_name,
                "role": e.actor_role,
                "note": e.note,
                "at": e.at,
            }
            for e in a.events.all()
        ]
    return out


class AssessmentFilterIn(Schema):
    centre: int | None = None
    status: str | None = None


class AssessmentIn(InputSchema):
    centre: int


class FindingIn(InputSchema):
    item: int
    result: str = ""
    note: str = ""


class FindingsIn(InputSchema):
    findings: list[FindingIn]


class ActionIn(InputSchema):
    note: str = ""
    reason: str = ""


@router.get(
    "/assessments/",
    response={200: list[AssessmentOut], 422: ErrorOut},
    summary="建设标准评估列表（按权限范围）",
)
@paginate(mapped(lambda a: assessment_out(a, None)))
def assessment_list(request, filters: Query[AssessmentFilterIn]):
    return sel.assessments_for_user(request.user, centre=filters.centre, status=filters.status)


@router.get("/assessments/{int:assessment_id}", response={200: AssessmentOut, **ERRORS}, summary="评估详情")
def assessment_detail(request, assessment_id: int):
    return assessment_out(sel.assessment_detail(request.user, assessment_id), request.user, full=True)


@router.post("/assessments/", response={201: AssessmentOut, **ERRORS}, summary="发起服务中心建设标准评估")
def assessment_create(request, payload: AssessmentIn):
    a = standard.assessment_create(actor=request.user, centre_id=payload.centre)
    return Status(201, assessment_out(sel.assessment_detail(request.user, a.pk), request.user, full=True))


@router.post(
    "/assessments/{int:assessment_id}/findings",
    response={200: AssessmentOut, **ERRORS},
    summary="填报评估条目",
)
def findings_record(request, assessment_id: int, payload: FindingsIn):
    a = sel.assessment_detail(request.user, assessment_id)
    standard.findings_record(actor=request.user, assessment=a, findings=[f.dict() for f in payload.findings])
    return assessment_out(sel.assessment_detail(request.user, assessment_id), request.user, full=True)


@router.post(
    "/assessments/{int:assessment_id}/evidence",
    response={201: EvidenceOut, **ERRORS},
    summary="上传佐证材料（照片 JPG/PNG，文件 PDF，不超过10MB）",
)
def evidence_upload(request, assessment_id: int, item: Form[int], file: File[UploadedFile]):
    a = sel.assessment_detail(request.user, assessment_id)
    e = standard.evidence_add(actor=request.user, assessment=a, item_id=item, upload=file)
    return Status(
        201,
        {
            "id": e.pk,
            "kind": e.kind,
            "name": e.original_name,
            "content_type": e.content_type,
            "size": e.size,
            "url": evidence_url(a, e),
            "uploaded_at": e.uploaded_at,
        },
    )


def evidence_file(user, assessment_id: int, evidence_id: int) -> FileResponse:
    """The stored file of one evidence item of an assessment in the user's scope (streamed; photos of a
    centre's premises and its rule books hold no personal data, so no reveal is logged)."""
    a = sel.assessment_detail(user, assessment_id)
    e = Evidence.objects.filter(pk=evidence_id, finding__assessment=a).first()
    if e is None:
        raise NotFound("not_found", "佐证材料不存在。")
    inline = e.kind == "photo"
    return FileResponse(
        e.file.open("rb"), as_attachment=not inline, filename=e.original_name, content_type=e.content_type
    )


@router.get(
    "/assessments/{int:assessment_id}/evidence/{int:evidence_id}",
    response={200: None, **ERRORS},
    summary="查看佐证材料",
)
def evidence_download(request, assessment_id: int, evidence_id: int):
    return evidence_file(request.user, assessment_id, evidence_id)


@router.delete(
    "/assessments/{int:assessment_id}/evidence/{int:evidence_id}",
    response={204: None, **ERRORS},
    summary="删除佐证材料",
)
def evidence_delete(request, assessment_id: int, evidence_id: int):
    a = sel.assessment_detail(request.user, assessment_id)
    standard.evidence_remove(actor=request.user, assessment=a, evidence_id=evidence_id)
    return Status(204, None)


@router.post(
    "/assessments/{int:assessment_id}/actions/{action}",
    response={200: AssessmentOut, **ERRORS},
    summary="评估办理操作（提交、确认、退回）",
)
def assessment_action(request, assessment_id: int, action: str, payload: ActionIn | None = None):
    a = sel.assessment_detail(request.user, assessment_id)
    if action not in standard.ACTIONS:
        raise NotFound("onestop.unknown_action", f"未知的操作：{action}。")
    body = payload or ActionIn()
    if action == "return":
        standard.assessment_return(actor=request.user, assessment=a, reason=body.reason or body.note)
    else:
        standard.ACTIONS[action](actor=request.user, assessment=a, note=body.note)
    return assessment_out(sel.assessment_detail(request.user, assessment_id), request.user, full=True)
