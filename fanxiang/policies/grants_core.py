"""Policy-enjoyment records (享受记录): the one validation and what every write of a grant needs.

One validation, :func:`clean_grant`, serves the form, the API and every row of an Excel import of grants
made outside the system (``grants_import``). It checks, with a stable code per failure:

* the item exists, is active and in force on the grant date (item and document periods; a document
  repealed or expired without an end date is not in force) — ``policy.grant_item_not_in_force``;
* the beneficiary (a registered person, a business, or both — the person must then be one of the
  business's founders) is inside the actor's scope, and the item applies in their region;
* the amount fits the item's amount rule (a fixed amount, a range, a formula's ceiling);
* a once-only item is not granted twice to the same person or business (``policy.grant_once_only``, naming
  the earlier grant); the same grant is not recorded twice (``policy.grant_duplicate``: a re-imported file).

:func:`rollup_deltas` gives the per-region monthly rollups (indicators ``grant_amount:<type>`` and
``grant_count:<type>``) a write keeps in the same transaction. The services and reads are in ``grants``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from fanxiang.accounts.models import Organization
from fanxiang.core import pii
from fanxiang.core.errors import Conflict, ErrorCollector, Forbidden
from fanxiang.core.imports import parse_date, parse_decimal
from fanxiang.core.scope import ADD, VIEW, Scope, resolve
from fanxiang.entrepreneurs.models import Business, BusinessFounder, Entrepreneur
from fanxiang.policies.models import AmountKind, BenefitGrant, DocumentStatus, PolicyItem

AMOUNT_INDICATOR = "grant_amount:"
COUNT_INDICATOR = "grant_count:"
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


_decimal = parse_decimal  # an amount cell or field → a finite Decimal, or None
_date = parse_date  # a date cell or field → the date, or None


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


def rollup_deltas(grants: Iterable[BenefitGrant], sign: int = 1) -> list[tuple[int, str, dt.date, Decimal]]:
    out = []
    for grant in grants:
        benefit_type = grant.item.benefit_type
        out.append(
            (grant.region_id, f"{AMOUNT_INDICATOR}{benefit_type}", grant.granted_on, sign * grant.amount)
        )
        out.append((grant.region_id, f"{COUNT_INDICATOR}{benefit_type}", grant.granted_on, Decimal(sign)))
    return out
