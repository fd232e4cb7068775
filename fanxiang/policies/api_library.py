"""Policy documents, items and eligibility rules under ``/api/v1/policies``."""

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictInt

from fanxiang.core.api import ErrorOut, InputSchema, IsoDate, PageNumberPagination
from fanxiang.core.errors import Forbidden, InvalidInput, NotFound
from fanxiang.core.schema import choice
from fanxiang.core.scope import VIEW
from fanxiang.policies import selectors, services
from fanxiang.policies.facts import declared_facts, parse_declared
from fanxiang.policies.models import (
    BenefitType,
    DocumentLevel,
    DocumentStatus,
    PolicyDocument,
    PolicyRuleVersion,
)
from fanxiang.policies.rules import catalogue as field_catalogue
from fanxiang.policies.rules import compile_rule, load_lookups

router = Router(tags=["政策库"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _require_read(user: Any) -> None:
    if not selectors.may(user, PolicyDocument, VIEW):
        raise Forbidden("policy.forbidden", "无权查看政策库。")


def _money(v) -> str | None:
    return None if v is None else f"{v:.2f}"


class PolicyDocumentOut(Schema):
    id: int
    number: str
    title: str
    issuer: str
    level: str
    level_label: str
    issued_on: IsoDate | None
    effective_from: IsoDate | None
    effective_to: IsoDate | None
    status: str
    status_label: str
    source_url: str
    summary: str
    unconfirmed: bool
    unconfirmed_note: str
    item_count: int

    @staticmethod
    def resolve_level_label(obj):
        return str(obj.get_level_display())

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_item_count(obj):
        count = getattr(obj, "item_count", None)
        return count if count is not None else obj.items.filter(is_active=True).count()


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class RuleVersionOut(Schema):
    id: int
    item: int
    version: int
    status: str
    rule: dict
    note: str
    created_at: dt.datetime
    published_at: dt.datetime | None

    @staticmethod
    def resolve_item(obj):
        return obj.item_id


class ItemOut(Schema):
    id: int
    code: str
    title: str
    document: int
    document_number: str
    benefit_type: str
    benefit_type_label: str
    summary: str
    amount_kind: str
    amount_fixed: str | None
    amount_min: str | None
    amount_max: str | None
    amount_formula: dict
    amount_note: str
    regions: list[dict]
    effective_from: IsoDate | None
    effective_to: IsoDate | None
    once_only: bool
    responsible_unit: str
    materials: list[str]
    apply_where: str
    apply_link: str
    is_active: bool
    unconfirmed: bool
    unconfirmed_note: str
    rule_version: int | None
    rule: dict | None

    @staticmethod
    def resolve_document(obj):
        return obj.document_id

    @staticmethod
    def resolve_document_number(obj):
        return obj.document.number

    @staticmethod
    def resolve_benefit_type_label(obj):
        return str(obj.get_benefit_type_display())

    @staticmethod
    def resolve_amount_fixed(obj):
        return _money(obj.amount_fixed)

    @staticmethod
    def resolve_amount_min(obj):
        return _money(obj.amount_min)

    @staticmethod
    def resolve_amount_max(obj):
        return _money(obj.amount_max)

    @staticmethod
    def resolve_regions(obj):
        return [{"code": r.code, "name": r.name} for r in obj.regions.all()]

    @staticmethod
    def resolve_responsible_unit(obj):
        return str(obj.responsible_unit) if obj.responsible_unit_id else obj.responsible_unit_name

    @staticmethod
    def resolve_materials(obj):
        return obj.material_list

    @staticmethod
    def resolve_rule_version(obj):
        return obj.rule.version if obj.rule_id else None

    @staticmethod
    def resolve_rule(obj):
        return obj.rule.rule if obj.rule_id else None


class DocumentDetailOut(PolicyDocumentOut):
    full_text: str
    attachments: list[AttachmentOut]
    items: list[ItemOut]

    @staticmethod
    def resolve_attachments(obj):
        return [
            {
                "id": a.pk,
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "url": f"/policies/attachments/{a.pk}/",
            }
            for a in obj.attachments.all()
        ]

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class DocumentFilterIn(Schema):
    q: str | None = None
    level: choice(DocumentLevel, blank=True) | None = None
    status: choice(DocumentStatus, blank=True) | None = None
    benefit_type: choice(BenefitType, blank=True) | None = None
    in_force_on: IsoDate | None = None


@router.get(
    "/documents/",
    response={200: list[PolicyDocumentOut], **ERRORS},
    summary="政策文件列表（按文号、标题、全文检索）",
)
@paginate(PageNumberPagination)
def document_list(request, filters: Query[DocumentFilterIn]):
    _require_read(request.user)
    return selectors.documents_search(**{k: v for k, v in filters.dict().items() if v not in (None, "")})


@router.get(
    "/documents/{document_id}",
    response={200: DocumentDetailOut, **ERRORS},
    summary="政策文件详情（含条款、附件）",
)
def document_detail(request, document_id: int):
    _require_read(request.user)
    return selectors.document_get(document_id)


@router.get(
    "/documents/{document_id}/items", response={200: list[ItemOut], **ERRORS}, summary="政策文件的条款"
)
def document_items(request, document_id: int):
    _require_read(request.user)
    return list(selectors.items_of(selectors.document_get(document_id)))


@router.get(
    "/items/{item_id}", response={200: ItemOut, **ERRORS}, summary="政策条款详情（含已发布的资格规则）"
)
def item_detail(request, item_id: int):
    _require_read(request.user)
    return selectors.item_get(item_id)


@router.get(
    "/items/{item_id}/rule-versions",
    response={200: list[RuleVersionOut], **ERRORS},
    summary="资格规则的各版本",
)
def item_rule_versions(request, item_id: int):
    _require_read(request.user)
    return list(selectors.rule_versions(selectors.item_get(item_id)))


@router.get("/rule-fields", response={200: list[dict], **ERRORS}, summary="资格规则可用字段、类型和运算符")
def rule_fields(request):
    _require_read(request.user)
    return field_catalogue(load_lookups())


# The documented shape of a rule (the server takes any JSON object and reports what is wrong by path):
# a group {"all"|"any": [condition or group of conditions]}, a condition {field, op, value, when}. Bounded
# and closed, so the OpenAPI document describes what a clerk writes rather than "any JSON".
_SCALAR = [{"type": "integer"}, {"type": "string"}, {"type": "boolean"}, {"type": "null"}]
_VALUE = {"anyOf": [*_SCALAR, {"type": "array", "items": {"anyOf": _SCALAR}}]}
_GUARD = {
    "type": "object",
    "properties": {"field": {"type": "string"}, "op": {"type": "string"}, "value": _VALUE},
    "required": ["field", "op"],
    "additionalProperties": False,
}
_CONDITION = {
    "type": "object",
    "properties": {"field": {"type": "string"}, "op": {"type": "string"}, "value": _VALUE, "when": _GUARD},
    "required": ["field", "op"],
    "additionalProperties": False,
}
_GROUP = {
    "type": "object",
    # deeper groups are accepted too (up to 4 levels; the server checks)
    "properties": {
        k: {"type": "array", "items": {"anyOf": [_CONDITION, {"type": "object"}]}} for k in ("all", "any")
    },
    "additionalProperties": False,
}
RULE_SCHEMA = {
    "type": "object",
    "description": '资格规则：{"all": [...]} 或 {"any": [...]}，元素为条件 {field, op, value, when} 或条件组',
    "properties": {k: {"type": "array", "items": {"anyOf": [_CONDITION, _GROUP]}} for k in ("all", "any")},
    "additionalProperties": False,
}
FACTS_SCHEMA = {
    "type": "object",
    "description": "样例情况：age、sex、category、priority_groups、region、entity_kind、industry、jobs_created 等",
    "additionalProperties": {"anyOf": [*_SCALAR, {"type": "array", "items": {"type": "string"}}]},
}


def _documented_as(schema: dict, *, nullable: bool = False):
    def replace(target: dict) -> None:
        for key in ("additionalProperties", "type", "anyOf", "items", "properties"):
            target.pop(key, None)
        target.update({"anyOf": [schema, {"type": "null"}]} if nullable else schema)

    return replace


class RuleIn(InputSchema):
    rule: dict[str, Any] = Field(..., json_schema_extra=_documented_as(RULE_SCHEMA))
    note: str = Field("", max_length=200)


@router.post(
    "/items/{item_id}/rule",
    response={201: RuleVersionOut, **ERRORS},
    summary="保存资格规则（新版本草稿，先校验）",
)
def rule_save(request, item_id: int, payload: RuleIn):
    item = selectors.item_get(item_id)
    version = services.rule_save(actor=request.user, item=item, rule=payload.rule, note=payload.note)
    return Status(201, version)


@router.post(
    "/rule-versions/{version_id}/publish", response={200: ItemOut, **ERRORS}, summary="发布资格规则版本"
)
def rule_publish(request, version_id: int):
    version = PolicyRuleVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound("not_found", "规则版本不存在。")
    services.rule_publish(actor=request.user, version=version)
    return selectors.item_get(version.item_id)


class TryIn(InputSchema):
    rule: dict[str, Any] | None = Field(None, json_schema_extra=_documented_as(RULE_SCHEMA, nullable=True))
    version: StrictInt | None = None
    entrepreneur: StrictInt | None = None
    facts: dict[str, Any] | None = Field(None, json_schema_extra=_documented_as(FACTS_SCHEMA, nullable=True))
    on: IsoDate | None = None


@router.post(
    "/items/{item_id}/rule/try", response={200: dict, **ERRORS}, summary="用样例人员试算资格规则（不保存）"
)
def rule_try(request, item_id: int, payload: TryIn):
    _require_read(request.user)
    item = selectors.item_get(item_id)
    on = payload.on or selectors.today()
    if payload.rule is not None:
        rule = payload.rule
    elif payload.version is not None:
        version = item.rule_versions.filter(version=payload.version).first()
        if version is None:
            raise InvalidInput.field("version", "policy.rule_version_unknown", "该条款没有这个规则版本。")
        rule = version.rule
    else:
        rule = item.rule.rule if item.rule_id else {}
    compiled = compile_rule(rule)
    if payload.entrepreneur is not None:
        _person, facts = selectors.try_rule_on_entrepreneur(request.user, payload.entrepreneur, on=on)
    elif payload.facts is not None:
        facts = declared_facts(parse_declared(payload.facts), on=on)
    else:
        raise InvalidInput.field(
            "entrepreneur", "policy.sample_required", "请指定样例人员（entrepreneur）或输入情况（facts）。"
        )
    evaluation = compiled.evaluate(facts)
    return {
        "on": on.isoformat(),
        "passed": evaluation.passed,
        "conditions": [c.as_dict() for c in evaluation.conditions],
        "failed": [c.as_dict() for c in evaluation.failed],
    }
