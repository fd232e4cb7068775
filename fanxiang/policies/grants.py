"""Policy-enjoyment records (享受记录): what was actually granted, to whom, when, by whom.

One validation, :func:`clean_grant`, serves the form, the API and every row of an Excel import of grants
made outside the system. It checks, with a stable code per failure:

* the item exists, is active and in force on the grant date (item and document periods; a document
  repealed or expired without an end date is not in force) — ``policy.grant_item_not_in_force``;
* the beneficiary (a registered person, a business, or both — the person must then be one of the
  business's founders) is inside the actor's scope, and the item applies in their region;
* the amount fits the item's amount rule (a fixed amount, a range, a formula's ceiling);
* a once-only item is not granted twice to the same person or business (``policy.grant_once_only``, naming
  the earlier grant); the same grant is not recorded twice (``policy.grant_duplicate``: a re-imported file).

Writes keep per-region monthly rollups (``regions.RegionMonthStat``, indicators ``grant_amount:<type>`` and
``grant_count:<type>``) in the same transaction, so totals by region subtree, benefit type and month never
scan the grants. A revoked grant leaves the totals and no longer blocks a once-only item.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django import forms
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from fanxiang.accounts.models import Organization
from fanxiang.core import audit, pii
from fanxiang.core.errors import Conflict, ErrorCollector, Forbidden, InvalidInput, NotFound
from fanxiang.core.scope import ADD, CHANGE, VIEW, Scope, ensure_in_scope, resolve
from fanxiang.entrepreneurs.models import Business, BusinessFounder, Entrepreneur
from fanxiang.policies.models import (
    AmountKind,
    BenefitGrant,
    BenefitType,
    DocumentStatus,
    GrantSource,
    PolicyItem,
)
from fanxiang.regions.models import Region, RegionMonthStat
from fanxiang.regions.rollups import rollup_add_many

AMOUNT_INDICATOR = "grant_amount:"
COUNT_INDICATOR = "grant_count:"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_AMOUNT = Decimal("10000000000")  # 100亿元: a typing error beyond this
CENTS = Decimal("0.01")
GRANT_FIELDS = (
    "item",
    "entrepreneur",
    "id_number",
    "name",
    "business",
    "credit_code",
    "amount",
    "granted_on",
    "granting_org",
    "granting_unit_name",
    "batch",
    "note",
)
# Codes that are not input errors when a single grant is refused (the import reports all as row errors).
FORBIDDEN_CODES = {"scope.region_forbidden"}
CONFLICT_CODES = {"policy.grant_once_only", "policy.grant_duplicate"}


def yuan(value: Decimal) -> str:
    value = Decimal(value)
    if value >= 10000 and value % 100 == 0:
        return f"{(value / 10000).normalize():f}万元"
    return f"{value:,.2f}元"


# --------------------------------------------------------------------------- validation


@dataclass
class GrantContext:
    """What validating grants needs, loaded once per request or per import file."""

    actor: Any
    add: Scope
    view_people: Any
    view_businesses: Any
    today: dt.date
    lock: bool = False
    items_by_id: dict[int, PolicyItem] = field(default_factory=dict)
    items_by_code: dict[str, PolicyItem] = field(default_factory=dict)
    people_by_hash: dict[str, Entrepreneur] | None = None  # preloaded by the import
    businesses_by_code: dict[str, Business] | None = None
    earlier: dict[tuple, list[BenefitGrant]] | None = None  # (item id, "e"|"b", id) -> live grants

    @classmethod
    def for_actor(cls, actor: Any, *, lock: bool = False) -> GrantContext:
        return cls(
            actor=actor,
            add=resolve(actor, BenefitGrant, ADD),
            view_people=Entrepreneur.objects.for_user(actor, VIEW),
            view_businesses=Business.objects.for_user(actor, VIEW),
            today=timezone.localdate(),
            lock=lock,
        )

    # -- items

    def _remember(self, items: Iterable[PolicyItem]) -> None:
        for item in items:
            self.items_by_id[item.pk] = item
            self.items_by_code[item.code] = item

    def _items(self):
        return PolicyItem.objects.select_related("document").prefetch_related("regions")

    def preload_items(self, codes: Iterable[str]) -> None:
        self._remember(self._items().filter(code__in=set(codes)))

    def item(self, ref: Any) -> PolicyItem | None:
        if isinstance(ref, PolicyItem):
            ref = ref.pk
        if isinstance(ref, int) and not isinstance(ref, bool):
            if ref not in self.items_by_id:
                self._remember(self._items().filter(pk=ref))
            return self.items_by_id.get(ref)
        code = str(ref or "").strip()
        if re.fullmatch(r"\d{1,18}", code):  # an id sent as text (forms)
            return self.item(int(code))
        code = code.split()[0] if code else ""  # "rsb129-startup-subsidy 返乡入乡创业一次性创业补贴"
        if code and code not in self.items_by_code:
            self._remember(self._items().filter(code=code))
        return self.items_by_code.get(code)

    # -- beneficiaries

    def _people(self):
        qs = self.view_people.select_related("region")
        return qs.select_for_update(of=("self",)) if self.lock else qs

    def _businesses(self):
        qs = self.view_businesses.select_related("region")
        return qs.select_for_update(of=("self",)) if self.lock else qs

    def person_by_id(self, pk: int) -> Entrepreneur | None:
        return self._people().filter(pk=pk).first()

    def person_by_id_number(self, id_number: str) -> Entrepreneur | None:
        digest = pii.index(id_number)
        if self.people_by_hash is not None:
            return self.people_by_hash.get(digest)
        return self._people().filter(id_number_hash=digest).first()

    def business_by_id(self, pk: int) -> Business | None:
        return self._businesses().filter(pk=pk).first()

    def business_by_code(self, code: str) -> Business | None:
        if self.businesses_by_code is not None:
            return self.businesses_by_code.get(code)
        return self._businesses().filter(credit_code=code).first()

    # -- earlier grants

    def live_grants(self, item: PolicyItem, person: Entrepreneur | None, business: Business | None):
        keys = []
        if person is not None:
            keys.append((item.pk, "e", person.pk))
        if business is not None:
            keys.append((item.pk, "b", business.pk))
        if self.earlier is not None:
            seen: dict[int, BenefitGrant] = {}
            for key in keys:
                for grant in self.earlier.get(key, []):
                    seen[grant.pk] = grant
            return sorted(seen.values(), key=lambda g: (g.granted_on, g.pk))
        q = Q()
        if person is not None:
            q |= Q(entrepreneur=person)
        if business is not None:
            q |= Q(business=business)
        return list(
            BenefitGrant.objects.filter(q, item=item, revoked_at__isnull=True)
            .select_related("entrepreneur", "business")
            .order_by("granted_on", "pk")
        )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _decimal(value: Any) -> Decimal | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _pk(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if hasattr(value, "pk"):
        return value.pk
    text = _text(value)
    return int(text) if re.fullmatch(r"\d{1,18}", text) else None


def item_closed_message(item: PolicyItem, day: dt.date) -> str | None:
    """Why ``item`` cannot be granted on ``day``, or None when it is in force then."""
    doc = item.document
    if not item.is_active:
        return f"政策条款“{item.title}”已停用，不能登记享受记录"
    if doc.status in (DocumentStatus.REPEALED, DocumentStatus.EXPIRED) and doc.effective_to is None:
        return f"政策文件{doc.number}{doc.get_status_display()}，不能登记享受记录"
    spans = (
        (doc.effective_from, doc.effective_to, f"政策文件{doc.number}"),
        (item.effective_from, item.effective_to, f"政策条款“{item.title}”"),
    )
    for start, end, what in spans:
        if (start and day < start) or (end and day > end):
            period = f"{start or '发布之日'} 至 {end or '长期'}"
            return f"{what}的执行期为 {period}，享受日期 {day} 不在执行期内"
    return None


def _amount_message(item: PolicyItem, amount: Decimal) -> tuple[str, str] | None:
    kind = item.amount_kind
    if kind == AmountKind.FIXED and item.amount_fixed is not None and amount != item.amount_fixed:
        return (
            "policy.grant_amount_mismatch",
            f"该政策为固定金额 {yuan(item.amount_fixed)}，所填金额为 {yuan(amount)}",
        )
    if kind == AmountKind.RANGE:
        if item.amount_max is not None and amount > item.amount_max:
            return (
                "policy.grant_amount_out_of_range",
                f"金额 {yuan(amount)} 超过该政策上限 {yuan(item.amount_max)}",
            )
        if item.amount_min is not None and amount < item.amount_min:
            return (
                "policy.grant_amount_out_of_range",
                f"金额 {yuan(amount)} 低于该政策下限 {yuan(item.amount_min)}",
            )
    if kind == AmountKind.FORMULA:
        ceiling = _decimal((item.amount_formula or {}).get("max"))
        if ceiling is not None and amount > ceiling:
            return (
                "policy.grant_amount_out_of_range",
                f"金额 {yuan(amount)} 超过该政策按公式计算的上限 {yuan(ceiling)}",
            )
    return None


def _beneficiary_name(person: Entrepreneur | None, business: Business | None) -> str:
    if person is not None and business is not None:
        return f"{person.name}（{business.name}）"
    return person.name if person is not None else business.name if business is not None else ""


def once_only_message(item: PolicyItem, earlier: BenefitGrant, who: str) -> str:
    unit = earlier.granting_unit_name or (str(earlier.granting_org) if earlier.granting_org_id else "")
    by = f"，{unit}发放" if unit else ""
    return (
        f"{who}已于 {earlier.granted_on} 享受过“{item.title}”（享受记录 #{earlier.pk}{by}，"
        f"金额 {yuan(earlier.amount)}）。该项为一次性政策，不能重复享受；如原记录有误，请先撤销原记录。"
    )


def clean_grant(ctx: GrantContext, data: dict[str, Any]) -> tuple[dict[str, Any], ErrorCollector]:
    """Validate one grant. Returns the clean values (model fields) and every error found, each with its field
    (``item``, ``entrepreneur``/``id_number``/``name``, ``business``/``credit_code``, ``amount``,
    ``granted_on``, ``granting_org``, ``batch``, ``note``) and stable code."""
    errors = ErrorCollector()
    clean: dict[str, Any] = {}
    for name in sorted(set(data) - set(GRANT_FIELDS)):
        errors.add(name, "policy.grant_unknown_field", f"未知字段“{name}”。")

    item = None
    if data.get("item") in (None, ""):
        errors.add("item", "policy.grant_item_required", "请选择政策条款。")
    else:
        item = ctx.item(data["item"])
        if item is None:
            errors.add("item", "policy.grant_item_invalid", f"政策条款“{_text(data['item'])}”不存在。")
        else:
            clean["item"] = item

    # -- the beneficiary: a person (by id or ID number), a business (by id or credit code), or both
    person = business = None
    missing = "未找到{}的登记记录，或不在您负责的范围内；请先在“创业人员登记”中登记。"
    if data.get("entrepreneur") not in (None, ""):
        pk = _pk(data["entrepreneur"])
        person = ctx.person_by_id(pk) if pk else None
        if person is None:
            errors.add("entrepreneur", "policy.grant_beneficiary_not_found", missing.format("该人员"))
    id_number = _text(data.get("id_number")).upper()
    if id_number:
        found = ctx.person_by_id_number(id_number)
        if found is None:
            errors.add("id_number", "policy.grant_beneficiary_not_found", missing.format("该身份证号码"))
        elif person is not None and found.pk != person.pk:
            errors.add("id_number", "policy.grant_beneficiary_mismatch", "身份证号码与所选人员不一致。")
        else:
            person = found
    name = _text(data.get("name"))
    if person is not None and name and name != person.name:
        errors.add(
            "name",
            "policy.grant_name_mismatch",
            f"姓名“{name}”与该身份证号码登记的姓名“{person.name}”不一致。",
        )
    if data.get("business") not in (None, ""):
        pk = _pk(data["business"])
        business = ctx.business_by_id(pk) if pk else None
        if business is None:
            errors.add("business", "policy.grant_beneficiary_not_found", missing.format("该经营主体"))
    credit_code = _text(data.get("credit_code")).upper()
    if credit_code:
        found_business = ctx.business_by_code(credit_code)
        if found_business is None:
            errors.add(
                "credit_code", "policy.grant_beneficiary_not_found", missing.format("该统一社会信用代码")
            )
        elif business is not None and found_business.pk != business.pk:
            errors.add(
                "credit_code", "policy.grant_beneficiary_mismatch", "统一社会信用代码与所选经营主体不一致。"
            )
        else:
            business = found_business
    given = any(
        data.get(k) not in (None, "") for k in ("entrepreneur", "id_number", "business", "credit_code")
    )
    if not given:
        errors.add(
            "entrepreneur",
            "policy.grant_beneficiary_required",
            "请指定享受人员（身份证号码）或享受主体（统一社会信用代码）。",
        )
    if person is not None and business is not None:
        founded = BusinessFounder.objects.filter(business=business, entrepreneur=person).exists()
        if not founded:
            errors.add(
                "business",
                "policy.grant_business_not_founded",
                f"{person.name}不是“{business.name}”的创办人，请核对享受人员与享受主体。",
            )
    clean["entrepreneur"], clean["business"] = person, business
    region = business.region if business is not None else person.region if person is not None else None
    where = "business" if business is not None else "entrepreneur"
    if region is not None:
        clean["region"] = region
        if not ctx.add.covers_path(region.tree_path):
            errors.add(
                where, "scope.region_forbidden", f"“{region.full_name}”不在您负责登记享受记录的区划范围内。"
            )

    # -- amount and date
    amount = _decimal(data.get("amount"))
    if data.get("amount") in (None, ""):
        errors.add("amount", "policy.grant_amount_required", "请填写金额（元）。")
    elif amount is None or amount < 0 or amount > MAX_AMOUNT or amount != amount.quantize(CENTS):
        errors.add("amount", "policy.grant_amount_invalid", "金额应为不小于0的数字（元，最多两位小数）。")
        amount = None
    else:
        amount = amount.quantize(CENTS)
        clean["amount"] = amount
    day = _date(data.get("granted_on"))
    if data.get("granted_on") in (None, ""):
        errors.add("granted_on", "policy.grant_date_required", "请填写享受日期。")
    elif day is None:
        errors.add("granted_on", "policy.grant_date_invalid", "日期格式应为 YYYY-MM-DD（如 2021-06-01）。")
    elif day > ctx.today:
        errors.add("granted_on", "policy.grant_date_invalid", f"享受日期 {day} 晚于今天，请核对。")
        day = None
    else:
        clean["granted_on"] = day

    # -- the item's own conditions
    if item is not None and day is not None:
        closed = item_closed_message(item, day)
        if closed:
            errors.add("item", "policy.grant_item_not_in_force", closed)
    if item is not None and region is not None:
        paths = [r.tree_path for r in item.regions.all()]
        if paths and not any(region.tree_path.startswith(p) for p in paths):
            names = "、".join(r.name for r in item.regions.all())
            errors.add(
                "item",
                "policy.grant_region_not_covered",
                f"该政策适用区域为{names}，{_beneficiary_name(person, business)}所在的{region.full_name}不在其中。",
            )
    if item is not None and amount is not None:
        problem = _amount_message(item, amount)
        if problem:
            errors.add("amount", *problem)

    # -- other fields
    org_ref = data.get("granting_org")
    if org_ref not in (None, ""):
        org = Organization.objects.filter(pk=_pk(org_ref) or 0).first()
        if org is None:
            errors.add("granting_org", "policy.grant_org_invalid", "发放单位不存在。")
        else:
            clean["granting_org"] = org
    unit_name = _text(data.get("granting_unit_name"))
    if len(unit_name) > 100:
        errors.add("granting_unit_name", "policy.grant_text_too_long", "发放单位名称不超过100字。")
    clean["granting_unit_name"] = unit_name[:100]
    if "granting_org" not in clean and not unit_name:
        actor_org = getattr(ctx.actor, "organization", None)
        if actor_org is not None:
            clean["granting_org"] = actor_org
    if "granting_org" in clean and not clean["granting_unit_name"]:
        clean["granting_unit_name"] = clean["granting_org"].name[:100]
    batch = _text(data.get("batch"))
    if len(batch) > 64:
        errors.add("batch", "policy.grant_text_too_long", "批次不超过64字。")
    clean["batch"] = batch[:64]
    note = _text(data.get("note"))
    if len(note) > 2000:
        errors.add("note", "policy.grant_text_too_long", "备注不超过2000字。")
    clean["note"] = note

    # -- earlier grants: once-only items, and the same grant recorded twice
    if item is not None and (person is not None or business is not None) and not errors:
        who = _beneficiary_name(person, business)
        live = ctx.live_grants(item, person, business)
        if item.once_only and live:
            errors.add(where, "policy.grant_once_only", once_only_message(item, live[0], who))
        else:
            same = [
                g
                for g in live
                if g.granted_on == day
                and g.amount == amount
                and g.entrepreneur_id == (person.pk if person else None)
                and g.business_id == (business.pk if business else None)
            ]
            if same:
                errors.add(
                    where,
                    "policy.grant_duplicate",
                    f"已有相同的享受记录（#{same[0].pk}：{who}，{day}，{yuan(amount)}），请勿重复登记或重复导入。",
                )
    return clean, errors


def _raise(errors: ErrorCollector) -> None:
    """A single grant's refusal: 403 outside the actor's regions, 409 once-only/duplicate, else 422."""
    codes = {item["code"] for item in errors.items}
    for exc_class, special in ((Forbidden, FORBIDDEN_CODES), (Conflict, CONFLICT_CODES)):
        hits = [i for i in errors.items if i["code"] in special]
        if hits and codes <= special:
            first = hits[0]
            raise exc_class(first["code"], first["message"], errors={first["field"]: [first["message"]]})
    errors.raise_if_any()


# --------------------------------------------------------------------------- writes


def rollup_deltas(grants: Iterable[BenefitGrant], sign: int = 1) -> list[tuple[int, str, dt.date, Decimal]]:
    out = []
    for grant in grants:
        benefit_type = grant.item.benefit_type
        out.append(
            (grant.region_id, f"{AMOUNT_INDICATOR}{benefit_type}", grant.granted_on, sign * grant.amount)
        )
        out.append((grant.region_id, f"{COUNT_INDICATOR}{benefit_type}", grant.granted_on, Decimal(sign)))
    return out


def _new_grant(ctx: GrantContext, clean: dict[str, Any], source: str) -> BenefitGrant:
    grant = BenefitGrant.objects.create(
        item=clean["item"],
        entrepreneur=clean["entrepreneur"],
        business=clean["business"],
        region=clean["region"],
        amount=clean["amount"],
        granted_on=clean["granted_on"],
        granting_org=clean.get("granting_org"),
        granting_unit_name=clean["granting_unit_name"],
        batch=clean["batch"],
        note=clean["note"],
        source=source,
        created_by=ctx.actor if getattr(ctx.actor, "pk", None) else None,
    )
    ensure_in_scope(ctx.actor, grant, ADD)
    return grant


def _bulk_new_grants(ctx: GrantContext, cleans: list[dict[str, Any]], source: str, log: dict) -> list[int]:
    """The import's write: grants and their change-log rows inserted set-wise with the registry import's
    inserter (auditlog writes its rows on ``save()``; a ``save()`` a row costs a round trip and a model diff
    each). Same scope re-check as :func:`_new_grant`. Returns the new ids in row order."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from fanxiang.entrepreneurs.imports import _insert  # multi-row INSERT … RETURNING / COPY

    for clean in cleans:  # what ensure_in_scope checks, without a query per row
        if not ctx.add.covers_path(clean["region"].tree_path):
            raise Forbidden("scope.region_forbidden", "无权在该行政区划范围内进行此操作。")
    actor = ctx.actor if getattr(ctx.actor, "pk", None) else None
    now = timezone.now()
    rows = [
        {
            "item_id": c["item"].pk,
            "entrepreneur_id": c["entrepreneur"].pk if c["entrepreneur"] else None,
            "business_id": c["business"].pk if c["business"] else None,
            "region_id": c["region"].pk,
            "amount": c["amount"],
            "granted_on": c["granted_on"],
            "granting_org_id": c["granting_org"].pk if c.get("granting_org") else None,
            "granting_unit_name": c["granting_unit_name"],
            "batch": c["batch"],
            "source": source,
            "note": c["note"],
            "created_by_id": actor.pk if actor else None,
            "created_at": now,
            "revoked_at": None,
            "revoke_reason": "",
        }
        for c in cleans
    ]
    ids = _insert(BenefitGrant, rows, returning=True)
    content_type_id = ContentType.objects.get_for_model(BenefitGrant).pk
    entries = []
    for pk, row in zip(ids, rows, strict=True):
        changes = {
            k.removesuffix("_id"): [None, str(v)]
            for k, v in row.items()
            if v not in (None, "") and k != "created_at"
        }
        changes["id"] = [None, str(pk)]
        entries.append(
            {
                "content_type_id": content_type_id,
                "object_pk": str(pk),
                "object_id": pk,
                "object_repr": f"{row['item_id']} {row['amount']} {row['granted_on']}",
                "serialized_data": None,
                "action": LogEntry.Action.CREATE,
                "changes_text": "",
                "changes": changes,
                "actor_id": actor.pk if actor else None,
                "cid": None,
                "remote_addr": None,
                "remote_port": None,
                "timestamp": now,
                "additional_data": {"event": audit.EVENT_CREATE, **log},
                "actor_email": getattr(actor, "email", None) if actor else None,
            }
        )
    _insert(LogEntry, entries)
    return ids


@audit.audited
@transaction.atomic
def grant_create(*, actor: Any, data: dict[str, Any], source: str = GrantSource.SYSTEM) -> BenefitGrant:
    """Record one grant (validated by :func:`clean_grant`; the beneficiary's row is locked while a once-only
    item is checked, so two clerks cannot grant it twice at once)."""
    if resolve(actor, BenefitGrant, ADD).empty:
        raise Forbidden("policy.grant_forbidden", "您的角色无权登记政策享受记录。")
    ctx = GrantContext.for_actor(actor, lock=True)
    clean, errors = clean_grant(ctx, dict(data))
    _raise(errors)
    grant = _new_grant(ctx, clean, source)
    rollup_add_many(rollup_deltas([grant]))
    return grant


@audit.audited
@transaction.atomic
def grant_revoke(*, actor: Any, grant: BenefitGrant, reason: str) -> BenefitGrant:
    """Revoke a grant recorded in error (or clawed back): it leaves the totals and no longer counts as
    received; the record and its history stay."""
    grant = (
        BenefitGrant.objects.select_for_update(of=("self",)).select_related("item", "region").get(pk=grant.pk)
    )
    if not resolve(actor, BenefitGrant, CHANGE).covers(grant):
        raise Forbidden("scope.region_forbidden", "无权撤销该区划的享受记录。")
    reason = _text(reason)
    if not reason:
        raise InvalidInput.field("reason", "policy.grant_reason_required", "撤销享受记录须写明原因。")
    if len(reason) > 500:
        raise InvalidInput.field("reason", "policy.grant_reason_too_long", "撤销原因不超过500字。")
    if grant.revoked_at is not None:
        raise Conflict(
            "policy.grant_already_revoked",
            f"该享受记录已于 {timezone.localtime(grant.revoked_at):%Y-%m-%d %H:%M} 撤销。",
        )
    grant.revoked_at = timezone.now()
    grant.revoke_reason = reason
    grant.save(update_fields=["revoked_at", "revoke_reason"])
    rollup_add_many(rollup_deltas([grant], sign=-1))
    audit.record_transition(
        obj=grant,
        actor=actor,
        transition="revoke",
        from_state="granted",
        to_state="revoked",
        data={"reason": reason},
    )
    return grant


def rebuild_grant_rollups() -> int:
    """Recompute the grant rollups from the records (after data fixes or grants written outside the
    services). Returns the number of live grants counted."""
    with transaction.atomic():
        RegionMonthStat.objects.filter(
            Q(indicator__startswith=AMOUNT_INDICATOR) | Q(indicator__startswith=COUNT_INDICATOR)
        ).delete()
        live = BenefitGrant.objects.filter(revoked_at__isnull=True).select_related("item")
        grants = list(live.only("region_id", "granted_on", "amount", "item__benefit_type"))
        rollup_add_many(rollup_deltas(grants))
    return len(grants)


# --------------------------------------------------------------------------- reads


def grants_for_user(user: Any, action: str = VIEW):
    return BenefitGrant.objects.for_user(user, action).select_related(
        "item", "item__document", "entrepreneur", "business", "region", "granting_org"
    )


def grant_get(user: Any, pk: int, action: str = VIEW) -> BenefitGrant:
    grant = grants_for_user(user, action).filter(pk=pk).first()
    if grant is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    return grant


def totals_regions(user: Any):
    """Regions whose totals the user may read: the subtrees they hold, and what lies below them (to county
    level and townships)."""
    scope = resolve(user, BenefitGrant, VIEW)
    qs = Region.objects.filter(level__in=["city", "county", "township"], is_active=True).order_by("tree_path")
    if scope.all:
        return qs
    if scope.empty:
        return qs.none()
    q = Q()
    for path in scope.region_paths:
        q |= Q(tree_path__startswith=path)
    return qs.filter(q)


def totals_region(user: Any, code: str | None) -> Region:
    regions = totals_regions(user)
    region = regions.filter(code=code).first() if code else regions.first()
    if region is None:
        raise NotFound("not_found", "区划不存在或不在您负责的范围内。")
    return region


def _cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENTS)


def grant_totals(*, user: Any, region: Region, year: int) -> dict[str, Any]:
    """Live grants of ``year`` in ``region``'s subtree: totals, by benefit type, by month (× type) and by
    direct child region (× type), from the rollups — one grouped query, whatever the number of grants."""
    if not resolve(user, BenefitGrant, VIEW).covers_path(region.tree_path):
        raise NotFound("not_found", "区划不存在或不在您负责的范围内。")
    rows = (
        RegionMonthStat.objects.filter(year=year, region__tree_path__startswith=region.tree_path)
        .filter(Q(indicator__startswith=AMOUNT_INDICATOR) | Q(indicator__startswith=COUNT_INDICATOR))
        .values_list("region__tree_path", "indicator", "month")
        .annotate(v=Sum("value"))
    )
    types = list(BenefitType.values)
    zero = lambda: {"amount": Decimal(0), "count": Decimal(0)}  # noqa: E731
    total = zero()
    by_type = {t: zero() for t in types}
    by_month = {m: {t: zero() for t in types} for m in range(1, 13)}
    depth = region.tree_path.count("/")
    by_child: dict[str, dict[str, dict]] = defaultdict(lambda: {t: zero() for t in types})
    for path, indicator, month, value in rows:
        kind = "amount" if indicator.startswith(AMOUNT_INDICATOR) else "count"
        benefit_type = indicator.split(":", 1)[1]
        if benefit_type not in by_type:
            by_type[benefit_type] = zero()
            types.append(benefit_type)
        value = Decimal(value or 0)
        total[kind] += value
        by_type[benefit_type][kind] += value
        by_month[month].setdefault(benefit_type, zero())[kind] += value
        parts = path.strip("/").split("/")
        child = parts[depth - 1] if len(parts) >= depth else ""  # "" = the region itself
        by_child[child].setdefault(benefit_type, zero())[kind] += value
    labels = dict(BenefitType.choices)
    children = list(Region.objects.filter(parent=region, is_active=True).order_by("sort_order", "code"))
    child_rows = [(c.code, c.name) for c in children]
    if "" in by_child:
        child_rows.append(("", f"{region.name}（本级）"))

    def cells(per_type: dict[str, dict]) -> dict[str, Any]:
        amount = sum((v["amount"] for v in per_type.values()), Decimal(0))
        count = sum((v["count"] for v in per_type.values()), Decimal(0))
        return {
            "amount": _cents(amount),
            "count": int(count),
            "by_type": {t: _cents(per_type.get(t, zero())["amount"]) for t in types},
            "count_by_type": {t: int(per_type.get(t, zero())["count"]) for t in types},
        }

    return {
        "region": region,
        "year": year,
        "amount": _cents(total["amount"]),
        "count": int(total["count"]),
        "types": [
            {
                "type": t,
                "label": str(labels.get(t, t)),
                "amount": _cents(by_type[t]["amount"]),
                "count": int(by_type[t]["count"]),
            }
            for t in types
        ],
        "months": [{"month": m, **cells(by_month[m])} for m in range(1, 13)],
        "children": [
            {"code": code, "name": name, **cells(by_child.get(code, {}))} for code, name in child_rows
        ],
    }


# --------------------------------------------------------------------------- Excel import


@dataclass(frozen=True)
class GrantColumn:
    header: str
    field: str
    required: bool = False
    width: int = 16
    help: str = ""
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[GrantColumn, ...] = (
    GrantColumn(
        "政策条款代码",
        "item",
        True,
        34,
        "必填。从下拉列表选择（形如“rsb129-startup-subsidy 返乡入乡创业一次性创业补贴”），或只填代码；"
        "全部条款见“政策条款”工作表。",
        ("条款代码", "政策条款"),
    ),
    GrantColumn(
        "身份证号码",
        "id_number",
        False,
        22,
        "享受人员的身份证号码（须已登记且在您负责的范围内）。与统一社会信用代码至少填一项；请将本列设为文本格式。",
        ("身份证号", "公民身份号码"),
    ),
    GrantColumn("姓名", "name", False, 10, "选填；填写时须与登记的姓名一致（用于核对）。", ("享受人员",)),
    GrantColumn(
        "统一社会信用代码",
        "credit_code",
        False,
        22,
        "享受主体（经营主体）的统一社会信用代码（须已登记）。同时填身份证号码时，该人员须为主体的创办人。",
        ("信用代码",),
    ),
    GrantColumn(
        "金额（元）", "amount", True, 14, "必填，单位元，最多两位小数；须符合该政策的金额标准。", ("金额",)
    ),
    GrantColumn(
        "享受日期",
        "granted_on",
        True,
        14,
        "必填，如 2021-06-01（也可写 2021/6/1、2021年6月1日）；须在政策执行期内，不能晚于今天。",
        ("发放日期", "日期"),
    ),
    GrantColumn("发放单位", "granting_unit_name", False, 22, "选填，不填为您所在单位。", ("发放部门",)),
    GrantColumn("批次", "batch", False, 16, "选填，不超过64字；不填时使用页面上填写的批次。", ("发放批次",)),
    GrantColumn("备注", "note", False, 24, "选填。"),
)
BY_FIELD = {c.field: c for c in COLUMNS}
HEADERS = [c.header for c in COLUMNS]
MAX_ROWS = 10_000
# Which column an error of a field belongs to.
COLUMN_OF = {
    "item": "政策条款代码",
    "id_number": "身份证号码",
    "entrepreneur": "身份证号码",
    "name": "姓名",
    "credit_code": "统一社会信用代码",
    "business": "统一社会信用代码",
    "amount": "金额（元）",
    "granted_on": "享受日期",
    "granting_org": "发放单位",
    "granting_unit_name": "发放单位",
    "batch": "批次",
    "note": "备注",
}


def _norm(value: Any) -> str:
    text = re.sub(r"\s+", "", _text(value)).replace("(", "（").replace(")", "）")
    return text.rstrip("*＊").removesuffix("（必填）").removesuffix("（选填）")


_HEADER_TO_FIELD = {_norm(name): c.field for c in COLUMNS for name in (c.header, *c.aliases)}
_IGNORED = {_norm(h) for h in ("错误原因", "序号")}


@dataclass
class GrantTable:
    columns: dict[str, int]
    rows: list[tuple[int, list[Any]]]
    ignored_columns: list[str]


def _file_error(code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors={"file": [message]})


def read_grant_table(content: bytes, filename: str) -> GrantTable:
    """Parse an upload (.xlsx/.xls/.csv; the registry import's readers) into header-mapped rows."""
    from fanxiang.entrepreneurs import imports as registry_io  # the file readers of the registry import

    if not content:
        raise _file_error("import.empty_file", "上传的文件是空的。")
    if len(content) > registry_io.MAX_FILE_BYTES:
        raise _file_error("import.file_too_large", "文件过大，请拆分后分批导入。")
    kind = registry_io._detect_format(content, filename)
    raw = registry_io._read_csv_rows(content) if kind == "csv" else registry_io._read_excel_rows(content)
    if not raw or all(registry_io._blank(v) for v in raw[0]):
        raise _file_error("import.empty_file", "文件第1行应为列名（表头），但第1行是空的。请使用导入模板。")
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(raw[0]):
        key = _norm(header)
        if not key:
            continue
        name = _HEADER_TO_FIELD.get(key)
        if name is None:
            if key not in _IGNORED:
                ignored.append(_text(header))
            continue
        if name in columns:
            raise _file_error(
                "import.duplicate_column",
                f"列“{BY_FIELD[name].header}”出现了两次（第{columns[name] + 1}列和第{index + 1}列），请删除其中一列。",
            )
        columns[name] = index
    missing = [c.header for c in COLUMNS if c.required and c.field not in columns]
    if "id_number" not in columns and "credit_code" not in columns:
        missing.append("身份证号码或统一社会信用代码")
    if missing:
        raise InvalidInput(
            "import.missing_columns",
            f"缺少必填列：{'、'.join(missing)}。请使用导入模板，第1行为列名。",
            errors={header: ["缺少此列。"] for header in missing},
        )
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        if all(registry_io._blank(v) for v in values):
            continue
        rows.append((number, list(values)))
        if len(rows) > MAX_ROWS:
            raise _file_error("import.too_many_rows", f"一次最多导入{MAX_ROWS:,}行，请拆分文件后分批导入。")
    if not rows:
        raise _file_error("import.empty_file", "文件只有表头，没有数据行。")
    return GrantTable(columns=columns, rows=rows, ignored_columns=ignored)


def _row_data(table: GrantTable, values: list[Any], batch: str) -> tuple[dict[str, Any], bool]:
    from fanxiang.entrepreneurs import imports as registry_io

    data: dict[str, Any] = {}
    id_as_number = False
    for name, index in table.columns.items():
        value = values[index] if index < len(values) else None
        if name == "granted_on":
            data[name] = registry_io._cell_date(value)
            if isinstance(data[name], dt.datetime):
                data[name] = data[name].date()
            continue
        if name == "id_number":
            id_as_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        text = registry_io._cell_text(value)
        if text:
            data[name] = text
    if not data.get("batch") and batch:
        data["batch"] = batch
    return data, id_as_number


@dataclass
class GrantImportReport:
    total_rows: int = 0
    valid_rows: int = 0
    created: int = 0
    amount: Decimal = Decimal("0.00")
    errors: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = True
    partial: bool = False
    committed: bool = False

    @property
    def error_rows(self) -> int:
        return len({e["row"] for e in self.errors})

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "valid_rows": self.valid_rows,
            "created": self.created,
            "amount": f"{self.amount:.2f}",
            "error_rows": self.error_rows,
            "errors": self.errors,
            "ignored_columns": self.ignored_columns,
            "dry_run": self.dry_run,
            "partial": self.partial,
            "committed": self.committed,
        }


def _preload(ctx: GrantContext, table: GrantTable) -> None:
    """Items, people, businesses and live grants the file names, a few queries for the whole file."""
    from fanxiang.entrepreneurs import imports as registry_io

    def column(name: str) -> list[str]:
        index = table.columns.get(name)
        if index is None:
            return []
        return [
            registry_io._cell_text(v[index])
            for _r, v in table.rows
            if index < len(v) and v[index] not in (None, "")
        ]

    ctx.preload_items(code.split()[0] for code in column("item") if code.strip())
    hashes = sorted({pii.index(v.upper()) for v in column("id_number")})
    ctx.people_by_hash = {}
    for start in range(0, len(hashes), 500):
        for person in ctx._people().filter(id_number_hash__in=hashes[start : start + 500]):
            ctx.people_by_hash[person.id_number_hash] = person
    codes = sorted({v.upper() for v in column("credit_code")})
    ctx.businesses_by_code = {}
    for start in range(0, len(codes), 500):
        for business in ctx._businesses().filter(credit_code__in=codes[start : start + 500]):
            ctx.businesses_by_code[business.credit_code] = business
    ctx.earlier = defaultdict(list)
    people = [p.pk for p in ctx.people_by_hash.values()]
    businesses = [b.pk for b in ctx.businesses_by_code.values()]
    items = list(ctx.items_by_id)
    for start in range(0, max(len(people), len(businesses), 1), 500):
        q = Q(entrepreneur_id__in=people[start : start + 500]) | Q(
            business_id__in=businesses[start : start + 500]
        )
        for grant in BenefitGrant.objects.filter(q, item_id__in=items, revoked_at__isnull=True):
            if grant.entrepreneur_id:
                ctx.earlier[(grant.item_id, "e", grant.entrepreneur_id)].append(grant)
            if grant.business_id:
                ctx.earlier[(grant.item_id, "b", grant.business_id)].append(grant)


class _NothingWritten(Exception):
    pass


def _validate_rows(ctx: GrantContext, table: GrantTable, batch: str, report: GrantImportReport) -> list:
    """Every row through :func:`clean_grant`; a later row repeating a once-only item (or the same grant) of an
    earlier row of the file is an error on the later row. Returns (row, clean) of the valid rows."""
    valid: list[tuple[int, dict[str, Any]]] = []
    seen_once: dict[tuple, int] = {}
    seen_same: dict[tuple, int] = {}
    for row, values in table.rows:
        data, id_as_number = _row_data(table, values, batch)
        clean, errors = clean_grant(ctx, data)
        for item in errors.items:
            message = item["message"]
            if item["field"] in ("id_number", "entrepreneur") and id_as_number:
                message += "（该单元格是数字格式，Excel 只保留15位有效数字，请把本列设为文本后重新填写）"
            report.errors.append(
                {
                    "row": row,
                    "column": COLUMN_OF.get(item["field"], ""),
                    "code": item["code"],
                    "message": message,
                }
            )
        if errors:
            continue
        item, person, business = clean["item"], clean["entrepreneur"], clean["business"]
        keys = ([(item.pk, "e", person.pk)] if person else []) + (
            [(item.pk, "b", business.pk)] if business else []
        )
        column = "统一社会信用代码" if business is not None else "身份证号码"
        if item.once_only:
            first = next((seen_once[k] for k in keys if k in seen_once), None)
            if first is not None:
                report.errors.append(
                    {
                        "row": row,
                        "column": column,
                        "code": "policy.grant_once_only",
                        "message": f"与本文件第{first}行重复：“{item.title}”为一次性政策，同一人员或主体只能享受一次。",
                    }
                )
                continue
            for key in keys:
                seen_once[key] = row
        same = (
            item.pk,
            person.pk if person else None,
            business.pk if business else None,
            clean["granted_on"],
            clean["amount"],
        )
        if same in seen_same:
            report.errors.append(
                {
                    "row": row,
                    "column": column,
                    "code": "policy.grant_duplicate",
                    "message": f"与本文件第{seen_same[same]}行完全相同（同一政策、对象、日期和金额），请删除重复行。",
                }
            )
            continue
        seen_same[same] = row
        valid.append((row, clean))
    order = {c.header: i for i, c in enumerate(COLUMNS)}
    report.errors.sort(key=lambda e: (e["row"], order.get(e["column"], 99)))
    return valid


def grant_import(
    *,
    actor: Any,
    content: bytes,
    filename: str,
    dry_run: bool = True,
    partial: bool = False,
    batch: str = "",
) -> GrantImportReport:
    """Import grants made outside the system. Every row goes through :func:`clean_grant`; every bad row is
    reported by Excel row number (header = row 1), column and reason. All-or-nothing by default: any bad row
    and nothing is written; with ``partial`` the valid rows are written and the bad ones reported.
    ``dry_run`` only validates. Synchronous, up to :data:`MAX_ROWS` rows a file."""
    if resolve(actor, BenefitGrant, ADD).empty:
        raise Forbidden("policy.grant_forbidden", "您的角色无权登记政策享受记录，不能导入。")
    batch = _text(batch)[:64]
    table = read_grant_table(content, filename)
    report = GrantImportReport(
        total_rows=len(table.rows), ignored_columns=table.ignored_columns, dry_run=dry_run, partial=partial
    )
    if dry_run:
        ctx = GrantContext.for_actor(actor)
        _preload(ctx, table)
        valid = _validate_rows(ctx, table, batch, report)
    else:
        try:
            with audit.acting_as(actor), transaction.atomic():
                ctx = GrantContext.for_actor(
                    actor, lock=True
                )  # beneficiaries locked while checked and written
                _preload(ctx, table)
                valid = _validate_rows(ctx, table, batch, report)
                if report.errors and not partial:
                    raise _NothingWritten
                cleans = [clean for _row, clean in valid]
                created = _bulk_new_grants(
                    ctx, cleans, GrantSource.IMPORT, {"import": True, "file": filename}
                )
                rollup_add_many(
                    rollup_deltas(
                        BenefitGrant(
                            item=c["item"], region=c["region"], amount=c["amount"], granted_on=c["granted_on"]
                        )
                        for c in cleans
                    )
                )
                report.created = len(created)
                report.committed = True
                audit.record_event(
                    event=audit.EVENT_CREATE,
                    actor=actor,
                    model=BenefitGrant,
                    object_repr=f"批量导入享受记录：{filename or '文件'}"[:500],
                    data={
                        "import": True,
                        "file": filename,
                        "total_rows": report.total_rows,
                        "created": report.created,
                        "error_rows": report.error_rows,
                        "partial": partial,
                        "batch": batch,
                        "created_ids": created,
                    },
                )
        except _NothingWritten:
            pass
    report.valid_rows = len(valid)
    report.amount = sum((clean["amount"] for _row, clean in valid), Decimal("0.00"))
    return report


def template_workbook() -> bytes:
    """The import template: a data sheet with Chinese headers and an item dropdown, the instructions, and
    the list of policy items."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from fanxiang.core.excel import append_row

    wb = Workbook()
    ws = wb.active
    ws.title = "享受记录"
    ws.append(HEADERS)
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="B4232A" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        if col.field in ("id_number", "credit_code"):
            ws.column_dimensions[letter].number_format = "@"  # text: Excel keeps all 18 characters
    ws.freeze_panes = "A2"

    items = list(
        PolicyItem.objects.select_related("document").filter(is_active=True).order_by("sort_order", "id")
    )
    sheet = wb.create_sheet("政策条款")
    sheet.append(["选项（代码 名称）", "政策文件", "政策类型", "金额标准", "一次性"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in items:
        if item.amount_kind == AmountKind.FIXED and item.amount_fixed is not None:
            rule = f"固定 {yuan(item.amount_fixed)}"
        elif item.amount_kind == AmountKind.RANGE:
            rule = f"{yuan(item.amount_min) if item.amount_min is not None else '不限'} — " + (
                yuan(item.amount_max) if item.amount_max is not None else "不限"
            )
        else:
            rule = item.amount_note or item.get_amount_kind_display()
        append_row(
            sheet,
            [f"{item.code} {item.title}", item.document.number, item.get_benefit_type_display(), rule,
             "是" if item.once_only else ""],
        )  # fmt: skip
    for letter, width in zip("ABCDE", (60, 26, 14, 30, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    if items:
        dv = DataValidation(
            type="list",
            formula1=f"'政策条款'!$A$2:$A${len(items) + 1}",
            allow_blank=False,
            showErrorMessage=False,
            promptTitle="政策条款",
            prompt="请从下拉列表选择",
            showInputMessage=True,
        )
        dv.add("A2:A10001")
        ws.add_data_validation(dv)

    notes = wb.create_sheet("说明")
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 8
    notes.column_dimensions["C"].width = 90
    notes.append(["政策享受记录批量导入说明"])
    notes["A1"].font = Font(bold=True, size=14)
    for line in (
        "1. 用于导入在系统外发放的补贴、贴息、奖补等享受记录。在“享受记录”工作表填写，第1行为列名（不要修改），"
        "每行一条记录；红色列名为必填列。",
        "2. 先“校验”：系统逐行检查并列出所有错误（行号、列名、错误代码、原因），不写入任何数据。",
        "3. 默认“全部正确才导入”：有任何错误行，整个文件都不导入；也可选择“只导入正确的行”。",
        "4. 享受人员须已在系统中登记（按身份证号码查找），享受主体按统一社会信用代码查找，均须在您负责的区划内。",
        "5. 一次性政策（见“政策条款”工作表）同一人员或主体只能享受一次；已导入的记录再次导入会报“重复”，不会重复计数。",
        f"6. 每次最多{MAX_ROWS:,}行；支持 .xlsx、.xls 和 .csv（UTF-8 或 GBK 编码）文件。",
    ):
        notes.append([line])
        notes.merge_cells(start_row=notes.max_row, start_column=1, end_row=notes.max_row, end_column=3)
        notes.cell(row=notes.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        notes.row_dimensions[notes.max_row].height = 30
    notes.append([])
    notes.append(["列名", "必填", "填写要求"])
    for cell in notes[notes.max_row]:
        cell.font = Font(bold=True)
    for col in COLUMNS:
        notes.append([col.header, "是" if col.required else "", col.help])
        notes.cell(row=notes.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- the one filter definition


def _filter_regions(request: Any):
    """Region choices of the grant filter: the regions the user may read grants in (all, for the API's
    validation of a code when no request is at hand)."""
    if request is None or not getattr(request, "user", None):
        return Region.objects.filter(level__in=["city", "county", "township"]).order_by("tree_path")
    return totals_regions(request.user)


class _RegionField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.name if obj.level != "township" else f"\u3000{obj.name}"


class RegionChoiceFilter(django_filters.ModelChoiceFilter):
    """A region by its code (the API and the page send codes); townships indented under their county."""

    field_class = _RegionField


class GrantFilter(django_filters.FilterSet):
    """Shared by the list page, its Excel export and the API list."""

    q = django_filters.CharFilter(label="姓名/主体名称", method="filter_q")
    item = django_filters.ModelChoiceFilter(
        label="政策条款", queryset=PolicyItem.objects.order_by("sort_order", "id"), empty_label="全部"
    )
    type = django_filters.ChoiceFilter(
        label="政策类型", choices=BenefitType.choices, field_name="item__benefit_type", empty_label="全部"
    )
    region = RegionChoiceFilter(
        label="区划（含下级）",
        queryset=_filter_regions,
        to_field_name="code",
        method="filter_region",
        empty_label="全部",
    )
    date_from = django_filters.DateFilter(
        label="享受日期起", field_name="granted_on", lookup_expr="gte", widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        label="享受日期止", field_name="granted_on", lookup_expr="lte", widget=DATE_INPUT
    )
    batch = django_filters.CharFilter(label="批次", field_name="batch", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(
        label="状态",
        choices=[("live", "有效"), ("revoked", "已撤销")],
        method="filter_status",
        empty_label="全部",
    )

    class Meta:
        model = BenefitGrant
        fields = ["item"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(entrepreneur__name__icontains=value) | Q(business__name__icontains=value))

    def filter_region(self, qs, name, value):
        return qs.filter(region__tree_path__startswith=value.tree_path) if value else qs

    def filter_status(self, qs, name, value):
        return qs.filter(revoked_at__isnull=value == "live")
