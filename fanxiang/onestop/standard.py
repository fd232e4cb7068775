"""Writes of the centre construction standard: versions, items and grade bands (the city), assessments of a
centre (its county officer) and their confirmation or return (the city).

:data:`ASSESSMENTS` is the assessment's workflow on the platform's machine: ``submit`` (county officer of
the centre's county, from ``draft`` or ``returned``), ``confirm`` and ``return`` (reason required) by the
city (a city admin; a system administrator acts as one). Refusals: ``onestop.wrong_role`` 403,
``onestop.wrong_state`` 409, another county's assessment 404 ``not_found``.

Scoring (:func:`score_of`): an item met earns its weight, partly met ``partly_percent`` % of it (the
version's setting, 50 by default), not met nothing; the score is the points earned over the points
possible, ×100, rounded half up to 2 places. The grade is the highest band whose ``min_score`` the score
reaches (:func:`grade_of`); gaps are the items not fully met, in the standard's order.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fanxiang.accounts.roles import ROLE_LABELS, Role
from fanxiang.core import audit
from fanxiang.core.audit import acting_as
from fanxiang.core.errors import Conflict, ErrorCollector, Forbidden, InvalidInput, NotFound
from fanxiang.core.scope import ADD, CHANGE, VIEW, ensure_in_scope, get_for_user
from fanxiang.core.uploads import IMAGE_KINDS, check_upload
from fanxiang.core.validators import checked_text
from fanxiang.core.workflow import Workflow, step
from fanxiang.onestop.models import Centre
from fanxiang.onestop.standard_models import (
    Assessment,
    AssessmentEvent,
    AssessmentItem,
    AssessmentStatus,
    Evidence,
    EvidenceKind,
    GradeBand,
    ItemResult,
    StandardItem,
    StandardVersion,
    VersionStatus,
)

A = AssessmentStatus
COUNTY = Role.COUNTY_OFFICER.value
CITY = Role.CITY_ADMIN.value
EDITABLE = (A.DRAFT, A.RETURNED)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
EVIDENCE_TYPES = {
    EvidenceKind.PHOTO: ("jpg", "png"),
    EvidenceKind.DOCUMENT: ("pdf",),
    EvidenceKind.NONE: ("jpg", "png", "pdf"),
}


class AssessmentWorkflow(Workflow):
    def actor_roles(self, actor: Any, obj: Any) -> set[str]:
        roles = super().actor_roles(actor, obj)
        if getattr(actor, "is_superuser", False):
            roles.add(CITY)
        return roles


ASSESSMENTS = AssessmentWorkflow(
    name="onestop_assessment",
    code="onestop",
    model=Assessment,
    noun="评估",
    steps=(
        step("submit", [A.DRAFT, A.RETURNED], A.SUBMITTED, [COUNTY], "提交市级确认"),
        step("confirm", [A.SUBMITTED], A.CONFIRMED, [CITY], "确认"),
        step("return", [A.SUBMITTED], A.RETURNED, [CITY], "退回", requires=("note",)),
    ),
    event_model=AssessmentEvent,
    event_fk="assessment",
    role_labels=ROLE_LABELS,
    status_labels=A,
)


def max_evidence_bytes() -> int:
    return int(getattr(settings, "ONESTOP_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))


def is_city(actor: Any) -> bool:
    return bool(getattr(actor, "is_superuser", False) or (actor and actor.has_role(CITY)))


def _require_city(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False) and is_city(actor)):
        raise Forbidden("onestop.standard_city_only", "建设标准由市级管理员维护。")


_text = functools.partial(checked_text, app="onestop", max_length=2000)


def _decimal(value: Any, field: str, label: str, *, low: Decimal, high: Decimal) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if (
        number is None
        or not number.is_finite()
        or number < low
        or number > high
        or -number.as_tuple().exponent > 2
    ):
        raise InvalidInput.field(
            field, f"onestop.{field}_invalid", f"{label}应为{low}至{high}之间的数（最多两位小数）。"
        )
    return number


# --------------------------------------------------------------------------- scoring


def score_of(findings: list[tuple[Decimal, str]], partly_percent: int) -> Decimal:
    """Points earned over points possible ×100 (``findings``: (weight, result) per item)."""
    possible = sum((w for w, _ in findings), Decimal(0))
    if not possible:
        return Decimal("0.00")
    share = {ItemResult.MET: Decimal(1), ItemResult.PARTLY: Decimal(partly_percent) / HUNDRED}
    earned = sum((w * share.get(r, Decimal(0)) for w, r in findings), Decimal(0))
    return (earned / possible * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def grade_of(score: Decimal, bands: list[GradeBand]) -> GradeBand | None:
    """The highest band whose lowest score ``score`` reaches (None below every band)."""
    reached = [b for b in bands if score >= b.min_score]
    return max(reached, key=lambda b: b.min_score, default=None)


def result_of(assessment: Assessment) -> dict:
    """Score, grade and gaps of an assessment's findings as they stand."""
    findings = list(assessment.items.select_related("item").order_by("item__order", "item__code"))
    score = score_of([(f.item.weight, f.result) for f in findings], assessment.version.partly_percent)
    band = grade_of(score, list(assessment.version.bands.all()))
    gaps = [
        {
            "item": f.item.code,
            "title": f.item.title,
            "result": f.result or ItemResult.NOT_MET,
            "result_label": str(ItemResult(f.result or ItemResult.NOT_MET).label),
            "weight": str(f.item.weight),
            "note": f.note,
        }
        for f in findings
        if f.result != ItemResult.MET
    ]
    return {"score": score, "band": band, "gaps": gaps}


# --------------------------------------------------------------------------- versions (the city)


def current_version(day: dt.date | None = None) -> StandardVersion | None:
    """The published version in force on ``day`` (the latest valid from then)."""
    day = day or timezone.localdate()
    return (
        StandardVersion.objects.filter(status=VersionStatus.PUBLISHED, valid_from__lte=day)
        .order_by("-valid_from", "-id")
        .first()
    )


def _draft(version: StandardVersion) -> StandardVersion:
    locked = StandardVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise Conflict("onestop.standard_published", "已发布的标准版本不能修改，请新建版本。")
    return locked


def version_create(
    *, actor: Any, code: str, name: str, valid_from: dt.date, basis: str = "", copy_from: int | None = None
) -> StandardVersion:
    """A new draft version, optionally a copy of an existing one's items and bands."""
    _require_city(actor)
    errors = ErrorCollector()
    values = {}
    for field, value, label, max_length in (("code", code, "版本编号", 32), ("name", name, "名称", 128)):
        try:
            values[field] = _text(value, field, label, required=True, max_length=max_length)
        except InvalidInput as exc:
            errors.absorb(exc)
    if values.get("code") and StandardVersion.objects.filter(code=values["code"]).exists():
        errors.add("code", "onestop.standard_code_taken", "版本编号已存在。")
    source = StandardVersion.objects.filter(pk=copy_from).first() if copy_from else None
    if copy_from and source is None:
        errors.add("copy_from", "onestop.standard_unknown", "要复制的标准版本不存在。")
    if valid_from is None:
        errors.add("valid_from", "onestop.valid_from_required", "请填写生效日期。")
    errors.raise_if_any()
    with transaction.atomic(), acting_as(actor):
        version = StandardVersion.objects.create(
            valid_from=valid_from,
            basis=_text(basis, "basis", "依据/说明"),
            partly_percent=source.partly_percent if source else 50,
            **values,
        )
        if source is not None:
            for it in source.items.all():
                StandardItem.objects.create(
                    version=version,
                    **{f: getattr(it, f) for f in ("code", "category", "title", "description", "weight")},
                    evidence=it.evidence,
                    order=it.order,
                )
            for b in source.bands.all():
                GradeBand.objects.create(version=version, code=b.code, label=b.label, min_score=b.min_score)
    return version


def item_save(
    *, actor: Any, version: StandardVersion, data: dict[str, Any], item_id: int | None = None
) -> StandardItem:
    """Add an item to a draft version, or change one (``item_id``)."""
    _require_city(actor)
    errors = ErrorCollector()
    values: dict[str, Any] = {}
    for field, label, required, max_length in (
        ("code", "条目编号", True, 16),
        ("category", "类别", False, 32),
        ("title", "条目", True, 128),
        ("description", "要求", False, 2000),
    ):
        try:
            values[field] = _text(data.get(field), field, label, required=required, max_length=max_length)
        except InvalidInput as exc:
            errors.absorb(exc)
    try:
        values["weight"] = _decimal(data.get("weight"), "weight", "分值", low=CENT, high=Decimal("1000"))
    except InvalidInput as exc:
        errors.absorb(exc)
    evidence = data.get("evidence") or EvidenceKind.NONE
    if evidence not in EvidenceKind.values:
        errors.add("evidence", "onestop.evidence_kind_invalid", "佐证材料应为照片、文件或无需佐证。")
    values["evidence"] = evidence
    order = data.get("order")
    if order not in (None, ""):
        try:
            values["order"] = int(order)
            if not 0 <= values["order"] <= 32767:
                raise ValueError
        except (TypeError, ValueError):
            errors.add("order", "onestop.order_invalid", "排序应为0至32767之间的整数。")
    errors.raise_if_any()
    with transaction.atomic(), acting_as(actor):
        version = _draft(version)
        item = version.items.filter(pk=item_id).first() if item_id else StandardItem(version=version)
        if item is None:
            raise NotFound("not_found", "标准条目不存在。")
        if version.items.filter(code=values["code"]).exclude(pk=item.pk).exists():
            raise InvalidInput.field("code", "onestop.item_code_taken", "本版本中已有该条目编号。")
        for field, value in values.items():
            setattr(item, field, value)
        item.save()
    return item


def item_delete(*, actor: Any, version: StandardVersion, item_id: int) -> None:
    _require_city(actor)
    with transaction.atomic(), acting_as(actor):
        version = _draft(version)
        item = version.items.filter(pk=item_id).first()
        if item is None:
            raise NotFound("not_found", "标准条目不存在。")
        item.delete()


def bands_set(*, actor: Any, version: StandardVersion, bands: list[dict[str, Any]]) -> list[GradeBand]:
    """Replace a draft version's grade bands; one must start at 0 so that every score has a grade."""
    _require_city(actor)
    errors = ErrorCollector()
    clean = []
    for i, band in enumerate(bands):
        try:
            clean.append(
                (
                    _text(band.get("code"), f"bands.{i}.code", "等级编码", required=True, max_length=16),
                    _text(band.get("label"), f"bands.{i}.label", "等级", required=True, max_length=16),
                    _decimal(
                        band.get("min_score"), f"bands.{i}.min_score", "最低分", low=Decimal(0), high=HUNDRED
                    ),
                )
            )
        except InvalidInput as exc:
            errors.absorb(exc)
    errors.raise_if_any()
    if (
        not clean
        or len({c for c, _, _ in clean}) != len(clean)
        or len({m for _, _, m in clean}) != len(clean)
        or min(m for _, _, m in clean) != 0
    ):
        raise InvalidInput.field(
            "bands", "onestop.bands_invalid", "等级编码和最低分不能重复，且须有一个等级的最低分为0。"
        )
    with transaction.atomic(), acting_as(actor):
        version = _draft(version)
        version.bands.all().delete()
        return [
            GradeBand.objects.create(version=version, code=c, label=label, min_score=m)
            for c, label, m in clean
        ]


def version_publish(*, actor: Any, version: StandardVersion) -> StandardVersion:
    _require_city(actor)
    with transaction.atomic(), acting_as(actor):
        version = _draft(version)
        if not version.items.exists() or not version.bands.filter(min_score=0).exists():
            raise Conflict(
                "onestop.standard_incomplete", "标准版本须至少有一个条目，并设置评定等级后才能发布。"
            )
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.save(update_fields=["status", "published_at", "updated_at"])
    return version


# --------------------------------------------------------------------------- assessments (the county)


def _county_role(actor: Any, assessment: Assessment, label: str) -> None:
    if COUNTY not in ASSESSMENTS.actor_roles(actor, assessment):
        raise Forbidden("onestop.wrong_role", f"“{label}”由本县（市、区）人社经办人员办理。")


def _editable(actor: Any, assessment: Assessment, label: str) -> Assessment:
    locked = ASSESSMENTS.lock(assessment)
    ASSESSMENTS.ensure_visible(actor, locked)
    _county_role(actor, locked, label)
    if locked.status not in EDITABLE:
        raise Conflict(
            "onestop.wrong_state",
            f"评估当前状态为“{locked.get_status_display()}”，不能{label}。",
            details={"status": locked.status},
        )
    return locked


def assessment_create(*, actor: Any, centre_id: int, today: dt.date | None = None) -> Assessment:
    """Start an assessment of a centre against the version in force (one open assessment per centre)."""
    today = today or timezone.localdate()
    centre = get_for_user(Centre, actor, VIEW, pk=centre_id)
    version = current_version(today)
    if version is None:
        raise Conflict("onestop.standard_missing", "尚未发布建设标准，暂不能评估。")
    with transaction.atomic(), acting_as(actor):
        centre = Centre.objects.select_for_update().get(pk=centre.pk)
        assessment = Assessment(centre=centre, version=version)
        _county_role(actor, assessment, "发起评估")
        if Assessment.objects.filter(centre=centre).exclude(status=A.CONFIRMED).exists():
            raise Conflict("onestop.assessment_open", "该服务中心已有未完成的评估，请继续办理该评估。")
        assessment.created_by = actor if getattr(actor, "pk", None) else None
        assessment.save()
        AssessmentItem.objects.bulk_create(
            [AssessmentItem(assessment=assessment, item=it) for it in version.items.all()]
        )
        ensure_in_scope(actor, assessment, ADD)
    return assessment


def findings_record(*, actor: Any, assessment: Assessment, findings: list[dict[str, Any]]) -> Assessment:
    """Record the result and note of some items (``[{"item": <standard item id>, "result", "note"}]``)."""
    errors = ErrorCollector()
    clean: dict[int, tuple[str, str]] = {}
    for i, row in enumerate(findings):
        result = row.get("result") or ""
        if result not in ("", *ItemResult.values):
            errors.add(
                f"findings.{i}.result", "onestop.result_invalid", "评估结果应为达标、部分达标或未达标。"
            )
        try:
            note = _text(row.get("note"), f"findings.{i}.note", "说明")
        except InvalidInput as exc:
            errors.absorb(exc)
            note = ""
        try:
            clean[int(row.get("item"))] = (result, note)
        except (TypeError, ValueError):
            errors.add(f"findings.{i}.item", "onestop.item_unknown", "标准条目不存在。")
    errors.raise_if_any()
    with transaction.atomic(), acting_as(actor):
        locked = _editable(actor, assessment, "填报评估")
        rows = {f.item_id: f for f in locked.items.select_for_update().filter(item_id__in=clean)}
        unknown = set(clean) - set(rows)
        if unknown:
            raise InvalidInput.field("findings", "onestop.item_unknown", "标准条目不属于本次评估的标准版本。")
        for item_id, (result, note) in clean.items():
            f = rows[item_id]
            f.result, f.note = result, note
            f.save(update_fields=["result", "note"])
        locked.save(update_fields=["updated_at"])
        ensure_in_scope(actor, locked, CHANGE)
    return locked


@audit.audited
@transaction.atomic
def evidence_add(*, actor: Any, assessment: Assessment, item_id: int, upload: Any) -> Evidence:
    """A photo (JPG/PNG) or document (PDF) for one item, as the item asks; at most 10 MB."""
    locked = _editable(actor, assessment, "上传佐证材料")
    finding = locked.items.select_related("item").filter(item_id=item_id).first()
    if finding is None:
        raise NotFound("not_found", "标准条目不存在。")
    checked = check_upload(
        upload,
        allowed=EVIDENCE_TYPES[finding.item.evidence],
        max_bytes=max_evidence_bytes(),
        type_code="onestop.evidence_type_invalid",
        size_code="onestop.evidence_too_large",
        required_code="onestop.evidence_file_required",
    )
    doc = Evidence(
        finding=finding,
        kind=EvidenceKind.PHOTO if checked.kind in IMAGE_KINDS else EvidenceKind.DOCUMENT,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    doc.file.save(checked.name, upload, save=False)
    try:
        doc.save()
        ASSESSMENTS.record(
            obj=locked,
            action="upload",
            from_status=locked.status,
            to_status=locked.status,
            actor=actor,
            role=COUNTY,
            data={"item": finding.item.code, "evidence": doc.pk, "name": doc.original_name},
        )
        ensure_in_scope(actor, locked, CHANGE)
    except BaseException:
        doc.file.delete(save=False)  # never leave a file the database does not know
        raise
    return doc


@transaction.atomic
def evidence_remove(*, actor: Any, assessment: Assessment, evidence_id: int) -> None:
    locked = _editable(actor, assessment, "删除佐证材料")
    doc = Evidence.objects.filter(pk=evidence_id, finding__assessment=locked).first()
    if doc is None:
        raise NotFound("not_found", "佐证材料不存在。")
    ASSESSMENTS.record(
        obj=locked,
        action="remove_evidence",
        from_status=locked.status,
        to_status=locked.status,
        actor=actor,
        role=COUNTY,
        data={"evidence": doc.pk, "name": doc.original_name},
    )
    storage, path = doc.file.storage, doc.file.name
    doc.delete()
    transaction.on_commit(lambda: storage.delete(path))


def _check_complete(assessment: Assessment) -> None:
    """Every item has a result; an item met or partly met that asks for a photo or document has one."""
    errors = ErrorCollector()
    for f in assessment.items.select_related("item").prefetch_related("evidence"):
        if not f.result:
            errors.add(
                f"item.{f.item.code}", "onestop.finding_missing", f"请填写“{f.item.title}”的评估结果。"
            )
            continue
        need = f.item.evidence
        if need == EvidenceKind.NONE or f.result == ItemResult.NOT_MET:
            continue
        if not any(e.kind == need for e in f.evidence.all()):
            errors.add(
                f"item.{f.item.code}",
                "onestop.evidence_missing",
                f"“{f.item.title}”须上传{EvidenceKind(need).label}作为佐证。",
            )
    errors.raise_if_any()


def assessment_submit(
    *, actor: Any, assessment: Assessment, note: str = "", today: dt.date | None = None
) -> Assessment:
    today = today or timezone.localdate()

    def effect(ctx):
        _check_complete(ctx.obj)
        ctx.obj.submitted_on = ctx.today

    return ASSESSMENTS.transition(assessment, "submit", actor, note=note, today=today, effect=effect)


def assessment_confirm(
    *, actor: Any, assessment: Assessment, note: str = "", today: dt.date | None = None
) -> Assessment:
    """The city confirms: score, grade and gaps are fixed on the assessment."""

    def effect(ctx):
        found = result_of(ctx.obj)
        a = ctx.obj
        a.score = found["score"]
        a.grade = found["band"].code if found["band"] else ""
        a.grade_label = found["band"].label if found["band"] else ""
        a.gaps = found["gaps"]
        a.confirmed_on = ctx.today
        ctx.data.update(score=str(a.score), grade=a.grade, gaps=[g["item"] for g in a.gaps])

    return ASSESSMENTS.transition(assessment, "confirm", actor, note=note, today=today, effect=effect)


def assessment_return(
    *, actor: Any, assessment: Assessment, reason: str = "", today: dt.date | None = None
) -> Assessment:
    return ASSESSMENTS.transition(assessment, "return", actor, note=reason, today=today)


ACTIONS = {"submit": assessment_submit, "confirm": assessment_confirm, "return": assessment_return}
