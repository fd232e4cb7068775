"""The policy catalogue compiled once per change, and matching facts against it.

``load_catalogue()`` reads every active item with its document, regions and published rule and compiles the
rules; the result is kept in the process and reused until an item or document changes (one cheap aggregate
query tells). ``match_facts`` sorts the items for one set of facts into eligible (with estimated amount and
reasons), near misses (failing at most ``max_failed`` conditions, each named), received and excluded (outside
the region, not in force, no published rule), each with a Chinese explanation."""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Max

from fanxiang.policies.models import AmountKind, DocumentStatus, PolicyItem
from fanxiang.policies.rules import Evaluation, Lookups, Rule, describe_formula, formula_amount, load_lookups

DEFAULT_MAX_FAILED = 1


def near_miss_limit() -> int:
    return int(getattr(settings, "FANXIANG_POLICY_NEAR_MISS_MAX", DEFAULT_MAX_FAILED))


def _money(v: Decimal | None) -> str:
    if v is None:
        return ""
    v = Decimal(v)
    if v >= 10000 and v % 100 == 0:
        return f"{(v / 10000).normalize():f}万元"
    return f"{v:,.2f}元"


@dataclass
class CatalogueItem:
    id: int
    code: str
    title: str
    benefit_type: str
    benefit_label: str
    sort_order: int
    document_id: int
    document_number: str
    document_title: str
    document_level: str
    document_status: str
    document_status_label: str
    document_from: dt.date | None
    document_to: dt.date | None
    item_from: dt.date | None
    item_to: dt.date | None
    once_only: bool
    region_paths: tuple[str, ...]
    region_names: tuple[str, ...]
    amount_kind: str
    amount_fixed: Decimal | None
    amount_min: Decimal | None
    amount_max: Decimal | None
    amount_formula: dict
    amount_note: str
    rule: Rule | None
    rule_version: int | None
    unconfirmed: bool
    unconfirmed_note: str
    responsible_unit: str
    apply_link: str
    apply_where: str

    # -- applicability (besides the rule)

    @property
    def region_text(self) -> str:
        return "、".join(self.region_names) if self.region_names else "全市"

    def covers(self, region_path: str | None) -> bool:
        if not self.region_paths:
            return True
        return bool(region_path) and any(region_path.startswith(p) for p in self.region_paths)

    def closed_reason(self, on: dt.date) -> tuple[str, str] | None:
        """Why the item cannot apply on ``on`` at all (document repealed/expired, period over)."""
        if self.document_status in (DocumentStatus.REPEALED, DocumentStatus.EXPIRED):
            return "document_not_in_force", f"政策文件{self.document_number}{self.document_status_label}"
        if self.document_to and on > self.document_to:
            return "document_expired", f"政策文件{self.document_number}有效期至 {self.document_to}，已过期"
        if self.item_to and on > self.item_to:
            return "item_expired", f"该条款执行期至 {self.item_to}，已截止"
        return None

    def pending_reason(self, on: dt.date) -> tuple[str, str] | None:
        """Not yet in force on ``on`` (will be later): a near miss, not an exclusion."""
        if self.document_from and on < self.document_from:
            return (
                "document_not_yet_effective",
                f"政策文件{self.document_number}自 {self.document_from} 起施行，尚未生效",
            )
        if self.item_from and on < self.item_from:
            return "item_not_yet_effective", f"该条款自 {self.item_from} 起执行，尚未生效"
        return None

    # -- amounts

    def estimate(self, facts: dict) -> tuple[Decimal | None, str]:
        kind = self.amount_kind
        note = f"（{self.amount_note}）" if self.amount_note else ""
        if kind == AmountKind.FIXED and self.amount_fixed is not None:
            return self.amount_fixed, f"{_money(self.amount_fixed)}{note}"
        if kind == AmountKind.RANGE and (self.amount_min is not None or self.amount_max is not None):
            if self.amount_min is not None and self.amount_max is not None:
                text = f"{_money(self.amount_min)}–{_money(self.amount_max)}，按上限估算"
            elif self.amount_max is not None:
                text = f"最高{_money(self.amount_max)}"
            else:
                text = f"不低于{_money(self.amount_min)}"
            value = self.amount_max if self.amount_max is not None else self.amount_min
            return value, text + note
        if kind == AmountKind.FORMULA and self.amount_formula:
            value = formula_amount(self.amount_formula, facts)
            rule = describe_formula(self.amount_formula)
            if value is None:
                return None, f"按公式计算：{rule}（缺少计算所需信息）{note}"
            return value, f"按公式计算：{rule}{note}"
        return None, self.amount_note or "金额以经办部门核定为准"

    def brief(self) -> dict[str, Any]:
        return {
            "item": self.id,
            "code": self.code,
            "title": self.title,
            "benefit_type": self.benefit_type,
            "benefit_type_label": self.benefit_label,
            "document": self.document_id,
            "document_number": self.document_number,
            "document_title": self.document_title,
            "once_only": self.once_only,
            "regions": self.region_text,
            "unconfirmed": self.unconfirmed,
            "unconfirmed_note": self.unconfirmed_note,
        }


@dataclass
class Catalogue:
    stamp: tuple
    items: list[CatalogueItem]
    lookups: Lookups
    by_code: dict[str, CatalogueItem] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_code = {i.code: i for i in self.items}

    def plan(self, on: dt.date, region: str | None, region_name: str = "") -> tuple[list, list]:
        """For a date and a region path: the items to evaluate (with the conditions that fail before any
        rule — not yet in force, region unknown) and the items excluded with their reason. Memoised: many
        people share a date and a township."""
        key = (on, region, region_name)
        plans = self.__dict__.setdefault("_plans", {})
        found = plans.get(key)
        if found is not None:
            return found
        live: list[tuple[CatalogueItem, list[dict]]] = []
        excluded: list[Excluded] = []
        for item in self.items:
            closed = item.closed_reason(on)
            if closed:
                excluded.append(Excluded(item, *closed))
                continue
            if region is not None and not item.covers(region):
                excluded.append(
                    Excluded(
                        item,
                        "region_not_covered",
                        f"现居住地{region_name}不在适用区域（{item.region_text}）内",
                    )
                )
                continue
            if item.rule is None:
                excluded.append(Excluded(item, "rule_not_published", "资格条件尚未发布，暂不参与匹配"))
                continue
            pre: list[dict] = []
            if region is None and item.region_paths:
                pre.append({"condition": "region", "message": f"未提供所在区划（适用区域：{item.region_text}）",
                            "unknown": True})  # fmt: skip
            pending = item.pending_reason(on)
            if pending:
                pre.append({"condition": "effective_period", "message": pending[1], "unknown": False})
            live.append((item, pre))
        if len(plans) > 2048:
            plans.clear()
        plans[key] = (live, excluded)
        return live, excluded

    @functools.cached_property
    def fields(self) -> set[str]:
        """Catalogue fields any published rule or formula reads."""
        used: set[str] = set()
        for item in self.items:
            if item.rule is not None:
                used.update(item.rule.fields)
            for term in (item.amount_formula or {}).get("terms", []):
                used.add(term.get("field"))
        return used


def _join_notes(*notes: str) -> str:
    parts = [n.strip().rstrip("。；;") for n in notes if n and n.strip()]
    return "；".join(parts) + "。" if parts else ""


_cache: dict[str, Catalogue] = {}
_lock = threading.Lock()


def catalogue_stamp() -> tuple:
    agg = PolicyItem.objects.aggregate(
        updated=Max("updated_at"), count=Count("id"), documents=Max("document__updated_at")
    )
    return (agg["updated"], agg["count"], agg["documents"])


_checked_at: dict[str, float] = {}


def stamp_ttl() -> float:
    """Seconds a process trusts its compiled catalogue before asking the database whether an item or
    document changed. A change made in this process clears it at once (services, on commit); other
    processes see it within this time."""
    return float(getattr(settings, "FANXIANG_POLICY_CATALOGUE_TTL", 2.0))


def load_catalogue() -> Catalogue:
    """The compiled catalogue of active items; rebuilt when an item or document changed."""
    cached = _cache.get("catalogue")
    now = time.monotonic()
    if cached is not None and now - _checked_at.get("catalogue", 0.0) < stamp_ttl():
        return cached
    stamp = catalogue_stamp()
    if cached is not None and cached.stamp == stamp:
        _checked_at["catalogue"] = now
        return cached
    with _lock:
        cached = _cache.get("catalogue")
        if cached is not None and cached.stamp == stamp:
            return cached
        built = build_catalogue(stamp)
        _cache["catalogue"] = built
        _checked_at["catalogue"] = now
        return built


def clear_catalogue_cache() -> None:
    _cache.clear()
    _checked_at.clear()


def build_catalogue(stamp: tuple = ()) -> Catalogue:
    lookups = load_lookups()
    items = list(
        PolicyItem.objects.filter(is_active=True)
        .select_related("document", "rule", "responsible_unit")
        .prefetch_related("regions")
        .order_by("sort_order", "id")
    )
    compiled = []
    for item in items:
        doc = item.document
        regions = sorted(item.regions.all(), key=lambda r: r.tree_path)
        rule = Rule(item.rule.rule, lookups) if item.rule_id else None
        compiled.append(
            CatalogueItem(
                id=item.pk,
                code=item.code,
                title=item.title,
                benefit_type=item.benefit_type,
                benefit_label=str(item.get_benefit_type_display()),
                sort_order=item.sort_order,
                document_id=doc.pk,
                document_number=doc.number,
                document_title=doc.title,
                document_level=doc.level,
                document_status=doc.status,
                document_status_label=str(doc.get_status_display()),
                document_from=doc.effective_from,
                document_to=doc.effective_to,
                item_from=item.effective_from,
                item_to=item.effective_to,
                once_only=item.once_only,
                region_paths=tuple(r.tree_path for r in regions),
                region_names=tuple(r.name for r in regions),
                amount_kind=item.amount_kind,
                amount_fixed=item.amount_fixed,
                amount_min=item.amount_min,
                amount_max=item.amount_max,
                amount_formula=item.amount_formula or {},
                amount_note=item.amount_note,
                rule=rule,
                rule_version=item.rule.version if item.rule_id else None,
                unconfirmed=item.unconfirmed or doc.unconfirmed,
                unconfirmed_note=_join_notes(item.unconfirmed_note, doc.unconfirmed_note),
                responsible_unit=(
                    str(item.responsible_unit) if item.responsible_unit_id else item.responsible_unit_name
                ),
                apply_link=item.apply_link,
                apply_where=item.apply_where,
            )
        )
    return Catalogue(stamp=stamp, items=compiled, lookups=lookups)


# --------------------------------------------------------------------------- matching


@dataclass
class Eligible:
    item: CatalogueItem
    estimated_amount: Decimal | None
    amount_text: str
    reasons: list[str]
    evaluation: Evaluation


@dataclass
class NearMiss:
    item: CatalogueItem
    failed: list[dict]  # [{"condition", "message", "unknown"}]
    evaluation: Evaluation | None


@dataclass
class Excluded:
    item: CatalogueItem
    code: str
    message: str


@dataclass
class Received:
    item: CatalogueItem | None
    code: str
    title: str
    times: int
    total: Decimal
    last_granted_on: dt.date | None
    once_only: bool
    message: str


@dataclass
class MatchResult:
    on: dt.date
    eligible: list[Eligible]
    near_misses: list[NearMiss]
    received: list[Received]
    excluded: list[Excluded]
    not_matched: int
    max_failed: int


def _reasons(item: CatalogueItem, evaluation: Evaluation) -> list[str]:
    reasons = [c.message for c in evaluation.conditions if c.passed and c.applicable]
    if not reasons:
        reasons = ["该条款未设置资格条件"]
    reasons.append(f"适用区域：{item.region_text}")
    return reasons


def match_facts(
    facts: dict,
    catalogue: Catalogue,
    *,
    on: dt.date,
    max_failed: int | None = None,
    grants: list[tuple[str, Decimal, dt.date]] | None = None,
) -> MatchResult:
    """Sort the catalogue for ``facts``. ``grants`` (item code, amount, date) fill the received list; the
    facts' ``received`` set (item codes) drives once-only checks either way."""
    limit = near_miss_limit() if max_failed is None else max_failed
    received_codes = facts.get("received") or frozenset()
    eligible: list[Eligible] = []
    near: list[NearMiss] = []
    not_matched = 0
    live, excluded_all = catalogue.plan(on, facts.get("region"), facts.get("region_name") or "")
    excluded = [x for x in excluded_all if not (x.item.once_only and x.item.code in received_codes)]
    for item, pre in live:
        if item.once_only and item.code in received_codes:
            continue  # reported under "received" with the explanation
        rule = item.rule
        room = limit - len(pre)
        failures = rule.failures(facts, max(room, 0))  # one pass; stops once past the room left
        if not failures and not pre:
            evaluation = rule.evaluate(facts)
            amount, text = item.estimate(facts)
            eligible.append(Eligible(item, amount, text, _reasons(item, evaluation), evaluation))
            continue
        if failures > room:
            not_matched += 1
            continue
        failed = pre + [
            {"condition": c.path, "field": c.field, "message": c.message, "unknown": c.passed is None}
            for c in rule.failed_conditions(facts)
        ]
        near.append(NearMiss(item, failed, None))
    near.sort(key=lambda n: (len(n.failed), n.item.sort_order, n.item.id))
    received = _received(catalogue, received_codes, grants)
    return MatchResult(on, eligible, near, received, excluded, not_matched, limit)


def _received(catalogue: Catalogue, codes, grants) -> list[Received]:
    rows: dict[str, list[tuple[Decimal, dt.date | None]]] = {}
    if grants is not None:
        for code, amount, day in grants:
            rows.setdefault(code, []).append((amount, day))
    for code in codes:
        rows.setdefault(code, [])
    out = []
    for code, entries in rows.items():
        item = catalogue.by_code.get(code)
        once = bool(item and item.once_only)
        title = item.title if item else catalogue.lookups.items.get(code, code)
        last = max((d for _, d in entries if d), default=None)
        when = f"已于 {last} 享受" if last else "已享受"
        if once:
            message = f"{when}；该项为一次性政策，不能重复享受"
        else:
            message = f"{when}；该项可按规定再次申请" if item else when
        out.append(
            Received(
                item=item,
                code=code,
                title=title,
                times=len(entries) or 1,
                total=sum((a for a, _ in entries), Decimal("0.00")),
                last_granted_on=last,
                once_only=once,
                message=message,
            )
        )
    out.sort(key=lambda r: (r.item.sort_order if r.item else 10**6, r.code))
    return out


def result_as_dict(result: MatchResult) -> dict[str, Any]:
    """The API shape: ``{"eligible": [{"item", "document_number", "title", "estimated_amount", "reasons"}],
    "near_misses": [{"item", "title", "failed": [{"condition", "message"}]}], "received": [...]}`` and more."""

    def amount(v):
        return None if v is None else f"{Decimal(v):.2f}"

    return {
        "on": result.on.isoformat(),
        "max_failed": result.max_failed,
        "eligible": [
            {
                **e.item.brief(),
                "estimated_amount": amount(e.estimated_amount),
                "amount_text": e.amount_text,
                "reasons": e.reasons,
                "responsible_unit": e.item.responsible_unit,
                "apply_link": e.item.apply_link,
            }
            for e in result.eligible
        ],
        "near_misses": [
            {
                **n.item.brief(),
                "failed": n.failed,
            }
            for n in result.near_misses
        ],
        "received": [
            {
                "item": r.item.id if r.item else None,
                "code": r.code,
                "title": r.title,
                "times": r.times,
                "total_amount": amount(r.total),
                "last_granted_on": r.last_granted_on.isoformat() if r.last_granted_on else None,
                "once_only": r.once_only,
                "message": r.message,
            }
            for r in result.received
        ],
        "excluded": [
            {
                "item": x.item.id,
                "code": x.item.code,
                "title": x.item.title,
                "reason": x.code,
                "message": x.message,
            }
            for x in result.excluded
        ],
        "not_matched": result.not_matched,
    }
