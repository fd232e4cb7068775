"""Writes of the policy library: documents, attachments, items and their versioned eligibility rules.

City admins edit (the role table grants ``change`` on the policy models to them only); every change is in
the generic change log and rule saves/publications also write an explicit event."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, ErrorCollector, Forbidden, InvalidInput
from fanxiang.core.scope import ADD, CHANGE, DELETE, resolve
from fanxiang.policies.matching import clear_catalogue_cache
from fanxiang.policies.models import (
    AmountKind,
    BenefitType,
    DocumentLevel,
    DocumentStatus,
    PolicyAttachment,
    PolicyDocument,
    PolicyItem,
    PolicyRuleVersion,
    RuleStatus,
)
from fanxiang.policies.rules import validate_formula, validate_rule

EVENT_RULE_SAVED = "policy_rule_saved"
EVENT_RULE_PUBLISHED = "policy_rule_published"

# extension -> the leading bytes any of which the file must start with
ATTACHMENT_TYPES = {
    ".pdf": (b"%PDF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".ofd": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


def attachment_max_bytes() -> int:
    return int(getattr(settings, "FANXIANG_POLICY_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))


def _catalogue_changed() -> None:
    """Drop this process's compiled catalogue now and again after commit (others notice by its stamp)."""
    clear_catalogue_cache()
    transaction.on_commit(clear_catalogue_cache)


def _ensure(actor: Any, model: type, action: str) -> None:
    if resolve(actor, model, action).empty:
        raise Forbidden("policy.forbidden", "只有市级管理员可以维护政策库。")


# --------------------------------------------------------------------------- documents

DOCUMENT_FIELDS = (
    "number", "title", "issuer", "level", "issued_on", "effective_from", "effective_to", "status",
    "source_url", "summary", "full_text", "unconfirmed", "unconfirmed_note",
)  # fmt: skip


def _clean_dates(
    clean: dict[str, Any], keys: tuple[str, ...], errors: ErrorCollector, bad_period: str
) -> None:
    """Parse the ISO dates under ``keys`` in place (blank is None) and check the effective period."""
    for key in keys:
        value = clean.get(key)
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value) if value else None
            except ValueError:
                errors.add(key, "policy.bad_date", "日期格式应为 YYYY-MM-DD。")
                value = None
        clean[key] = value
    if clean["effective_from"] and clean["effective_to"] and clean["effective_to"] < clean["effective_from"]:
        errors.add("effective_to", "policy.bad_period", bad_period)


def _clean_document(data: dict[str, Any], *, instance: PolicyDocument | None = None) -> dict[str, Any]:
    errors = ErrorCollector()
    clean: dict[str, Any] = {}
    for key in DOCUMENT_FIELDS:
        if key in data:
            clean[key] = data[key]
        elif instance is not None:
            clean[key] = getattr(instance, key)
    for key in ("number", "title", "issuer"):
        clean[key] = (clean.get(key) or "").strip()
        if not clean[key]:
            errors.add(key, "policy.required", "必填。")
    clean["level"] = clean.get("level") or ""
    if clean["level"] not in DocumentLevel.values:
        errors.add("level", "policy.bad_choice", "层级应为国家级、省级、市级或县级。")
    clean["status"] = clean.get("status") or DocumentStatus.IN_FORCE
    if clean["status"] not in DocumentStatus.values:
        errors.add("status", "policy.bad_choice", "状态无效。")
    _clean_dates(clean, ("issued_on", "effective_from", "effective_to"), errors, "有效期至不能早于施行日期。")
    url = (clean.get("source_url") or "").strip()
    if url and not url.startswith(("http://", "https://")):
        errors.add("source_url", "policy.bad_url", "来源链接应以 http:// 或 https:// 开头。")
    clean["source_url"] = url
    for key in ("summary", "full_text", "unconfirmed_note"):
        clean[key] = clean.get(key) or ""
    clean["unconfirmed"] = bool(clean.get("unconfirmed"))
    if clean["unconfirmed"] and not clean["unconfirmed_note"].strip():
        errors.add(
            "unconfirmed_note", "policy.unconfirmed_note_required", "标为“待核实”时须写明待核实的内容。"
        )
    number_taken = PolicyDocument.objects.filter(number=clean["number"])
    if instance is not None:
        number_taken = number_taken.exclude(pk=instance.pk)
    if clean["number"] and number_taken.exists():
        errors.add("number", "policy.document_number_taken", f"文号“{clean['number']}”已存在。")
    errors.raise_if_any()
    return clean


@audit.audited
@transaction.atomic
def document_create(*, actor: Any, data: dict[str, Any]) -> PolicyDocument:
    _ensure(actor, PolicyDocument, ADD)
    clean = _clean_document(data)
    _catalogue_changed()
    try:
        with transaction.atomic():
            return PolicyDocument.objects.create(
                **clean, created_by=actor if getattr(actor, "pk", None) else None
            )
    except IntegrityError as exc:  # a concurrent create with the same number
        raise Conflict("policy.document_number_taken", f"文号“{clean['number']}”已存在。") from exc


@audit.audited
@transaction.atomic
def document_update(*, actor: Any, document: PolicyDocument, data: dict[str, Any]) -> PolicyDocument:
    _ensure(actor, PolicyDocument, CHANGE)
    document = PolicyDocument.objects.select_for_update().get(pk=document.pk)
    clean = _clean_document(data, instance=document)
    for key, value in clean.items():
        setattr(document, key, value)
    document.save()
    _catalogue_changed()
    return document


@audit.audited
@transaction.atomic
def attachment_add(*, actor: Any, document: PolicyDocument, upload: UploadedFile) -> PolicyAttachment:
    _ensure(actor, PolicyDocument, CHANGE)
    name = os.path.basename(upload.name or "").strip() or "附件"
    ext = os.path.splitext(name)[1].lower()
    spec = ATTACHMENT_TYPES.get(ext)
    if spec is None:
        allowed = "、".join(sorted(e.lstrip(".") for e in ATTACHMENT_TYPES))
        raise InvalidInput.field(
            "file", "policy.attachment_type", f"不支持的附件类型“{ext or '无扩展名'}”，可上传：{allowed}。"
        )
    if upload.size > attachment_max_bytes():
        limit = attachment_max_bytes() // (1024 * 1024)
        raise InvalidInput.field("file", "policy.attachment_too_large", f"附件不能超过 {limit} MB。")
    if upload.size == 0:
        raise InvalidInput.field("file", "policy.attachment_empty", "附件是空文件。")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(m) for m in spec):
        raise InvalidInput.field("file", "policy.attachment_type", f"文件内容与扩展名“{ext}”不符。")
    content_type = (getattr(upload, "content_type", "") or "")[:100]
    attachment = PolicyAttachment(
        document=document,
        original_name=name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    attachment.file.save(f"{timezone.now():%Y%m%d%H%M%S}{ext}", upload, save=False)
    attachment.save()
    PolicyDocument.objects.filter(pk=document.pk).update(updated_at=timezone.now())
    return attachment


@audit.audited
@transaction.atomic
def attachment_delete(*, actor: Any, attachment: PolicyAttachment) -> None:
    _ensure(actor, PolicyDocument, CHANGE)
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored) if stored else None)


# --------------------------------------------------------------------------- items

ITEM_FIELDS = (
    "code", "title", "benefit_type", "summary", "amount_kind", "amount_fixed", "amount_min", "amount_max",
    "amount_formula", "amount_note", "effective_from", "effective_to", "once_only", "responsible_unit",
    "responsible_unit_name", "materials", "apply_where", "apply_link", "is_active", "unconfirmed",
    "unconfirmed_note", "sort_order",
)  # fmt: skip


def _money(value: Any, key: str, errors: ErrorCollector) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, float):
        value = str(value)
    try:
        d = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors.add(key, "policy.bad_amount", "金额应为数值。")
        return None
    if not d.is_finite() or d < 0 or d >= Decimal("1e12"):
        errors.add(key, "policy.bad_amount", "金额应为非负数，且不超过万亿。")
        return None
    return d


def _clean_item(data: dict[str, Any], *, instance: PolicyItem | None = None) -> tuple[dict, list | None]:
    from fanxiang.regions.models import Region

    errors = ErrorCollector()
    clean: dict[str, Any] = {}
    for key in ITEM_FIELDS:
        if key in data:
            clean[key] = data[key]
        elif instance is not None:
            clean[key] = getattr(instance, key)
    clean["code"] = (clean.get("code") or "").strip()
    if not clean["code"]:
        errors.add("code", "policy.required", "必填。")
    elif (
        not all(c.isascii() and (c.isalnum() or c in "-_") for c in clean["code"]) or len(clean["code"]) > 48
    ):
        errors.add("code", "policy.bad_code", "条款代码只能由字母、数字、- 和 _ 组成（不超过48个字符）。")
    else:
        taken = PolicyItem.objects.filter(code=clean["code"])
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            errors.add("code", "policy.item_code_taken", f"条款代码“{clean['code']}”已被使用。")
    clean["title"] = (clean.get("title") or "").strip()
    if not clean["title"]:
        errors.add("title", "policy.required", "必填。")
    if clean.get("benefit_type") not in BenefitType.values:
        errors.add("benefit_type", "policy.bad_choice", "请选择政策类型。")
    clean["amount_kind"] = clean.get("amount_kind") or AmountKind.UNKNOWN
    if clean["amount_kind"] not in AmountKind.values:
        errors.add("amount_kind", "policy.bad_choice", "金额规则无效。")
    for key in ("amount_fixed", "amount_min", "amount_max"):
        clean[key] = _money(clean.get(key), key, errors)
    kind = clean["amount_kind"]
    if kind == AmountKind.FIXED and clean["amount_fixed"] is None:
        errors.add("amount_fixed", "policy.amount_required", "固定金额须填写金额。")
    if kind == AmountKind.RANGE:
        if clean["amount_min"] is None and clean["amount_max"] is None:
            errors.add("amount_max", "policy.amount_required", "金额区间至少填写上限或下限。")
        elif (
            clean["amount_min"] is not None
            and clean["amount_max"] is not None
            and clean["amount_min"] > clean["amount_max"]
        ):
            errors.add("amount_min", "policy.bad_amount", "最低金额不能大于最高金额。")
    formula = clean.get("amount_formula") or {}
    if kind == AmountKind.FORMULA:
        try:
            validate_formula(formula)
        except InvalidInput as exc:
            errors.absorb(exc)
    elif formula:
        formula = {}
    clean["amount_formula"] = formula
    if kind == AmountKind.UNKNOWN and not (clean.get("amount_note") or "").strip():
        errors.add("amount_note", "policy.amount_note_required", "金额待核实或不以金额计时，须写明金额说明。")
    _clean_dates(clean, ("effective_from", "effective_to"), errors, "截止日期不能早于起始日期。")
    link = (clean.get("apply_link") or "").strip()
    if link and (not link.startswith("/") or link.startswith("//")):
        errors.add("apply_link", "policy.bad_link", "办理入口应为本系统内的地址（以 / 开头）。")
    clean["apply_link"] = link
    unit = clean.get("responsible_unit")
    if unit not in (None, "") and not hasattr(unit, "pk"):
        from fanxiang.accounts.models import Organization

        found = Organization.objects.filter(pk=unit).first() if str(unit).isdigit() else None
        found = found or Organization.objects.filter(code=str(unit)).first()
        if found is None:
            errors.add("responsible_unit", "policy.organization_unknown", f"责任单位“{unit}”不存在。")
        unit = found
    clean["responsible_unit"] = unit or None
    for key in (
        "summary",
        "amount_note",
        "responsible_unit_name",
        "materials",
        "apply_where",
        "unconfirmed_note",
    ):
        clean[key] = clean.get(key) or ""
    for key in ("once_only", "unconfirmed"):
        clean[key] = bool(clean.get(key))
    clean["is_active"] = True if clean.get("is_active") is None else bool(clean["is_active"])
    clean["sort_order"] = int(clean.get("sort_order") or 100)
    if clean["unconfirmed"] and not clean["unconfirmed_note"].strip():
        errors.add(
            "unconfirmed_note", "policy.unconfirmed_note_required", "标为“待核实”时须写明待核实的内容。"
        )
    regions = None
    if "regions" in data:
        codes = [c for c in (data.get("regions") or []) if c]
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            errors.add("regions", "policy.region_unknown", f"区划代码不存在：{'、'.join(missing)}。")
        regions = [found[c] for c in codes if c in found]
    errors.raise_if_any()
    return clean, regions


@audit.audited
@transaction.atomic
def item_create(*, actor: Any, document: PolicyDocument, data: dict[str, Any]) -> PolicyItem:
    _ensure(actor, PolicyItem, ADD)
    clean, regions = _clean_item(data)
    item = PolicyItem.objects.create(document=document, **clean)
    if regions:
        item.regions.set(regions)
    _catalogue_changed()
    return item


@audit.audited
@transaction.atomic
def item_update(*, actor: Any, item: PolicyItem, data: dict[str, Any]) -> PolicyItem:
    _ensure(actor, PolicyItem, CHANGE)
    item = PolicyItem.objects.select_for_update().get(pk=item.pk)
    clean, regions = _clean_item(data, instance=item)
    for key, value in clean.items():
        setattr(item, key, value)
    item.save()  # bumps updated_at: the compiled catalogue is rebuilt
    if regions is not None:
        before = sorted(item.regions.values_list("code", flat=True))
        after = sorted(r.code for r in regions)
        if before != after:
            item.regions.set(regions)
            audit.record_event(
                event=audit.EVENT_UPDATE, actor=actor, obj=item, changes={"regions": [before, after]}
            )
    _catalogue_changed()
    return item


@audit.audited
@transaction.atomic
def item_delete(*, actor: Any, item: PolicyItem) -> None:
    _ensure(actor, PolicyItem, DELETE)
    if item.grants.exists():
        raise Conflict("policy.item_has_grants", "该条款已有享受记录，不能删除；可改为停用。")
    PolicyItem.objects.filter(pk=item.pk).update(rule=None)
    item.delete()
    _catalogue_changed()


# --------------------------------------------------------------------------- rules


@audit.audited
@transaction.atomic
def rule_save(*, actor: Any, item: PolicyItem, rule: Any, note: str = "") -> PolicyRuleVersion:
    """Save a rule as a new draft version (validated first). Saving the same rule as the latest version
    creates nothing and returns that version."""
    _ensure(actor, PolicyItem, CHANGE)
    rule = validate_rule(rule)
    item = PolicyItem.objects.select_for_update().get(pk=item.pk)
    latest = item.rule_versions.order_by("-version").first()
    if latest is not None and latest.rule == rule:
        return latest
    number = (item.rule_versions.aggregate(m=Max("version"))["m"] or 0) + 1
    version = PolicyRuleVersion.objects.create(
        item=item,
        version=number,
        rule=rule,
        status=RuleStatus.DRAFT,
        note=(note or "")[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record_event(
        event=EVENT_RULE_SAVED,
        actor=actor,
        obj=item,
        object_repr=f"{item.code} 规则 v{number}",
        changes={"rule": [latest.rule if latest else None, rule]},
        data={"item": item.code, "version": number, "note": version.note},
    )
    return version


@audit.audited
@transaction.atomic
def rule_publish(*, actor: Any, version: PolicyRuleVersion) -> PolicyItem:
    """Make ``version`` the item's published rule (re-validated: a region or code it names may be gone)."""
    _ensure(actor, PolicyItem, CHANGE)
    item = PolicyItem.objects.select_for_update().get(pk=version.item_id)
    version = PolicyRuleVersion.objects.select_for_update().get(pk=version.pk)
    if item.rule_id == version.pk:
        raise Conflict("policy.rule_already_published", f"版本 v{version.version} 已是当前发布的规则。")
    validate_rule(version.rule)
    previous = item.rule
    if previous is not None:
        previous.status = RuleStatus.SUPERSEDED
        previous.save(update_fields=["status"])
    version.status = RuleStatus.PUBLISHED
    version.published_by = actor if getattr(actor, "pk", None) else None
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_by", "published_at"])
    item.rule = version
    item.save()
    _catalogue_changed()
    audit.record_event(
        event=EVENT_RULE_PUBLISHED,
        actor=actor,
        obj=item,
        object_repr=f"{item.code} 发布规则 v{version.version}",
        changes={"rule_version": [previous.version if previous else None, version.version]},
        data={"item": item.code, "version": version.version, "rule": version.rule},
    )
    return item
