"""Reads of the policy library: document search, matching one person, the region outreach list, the
public self-check.

Documents and items are public reference data (no region scope); what concerns people — matching and
outreach — starts from ``Entrepreneur.objects.for_user`` and never leaves the user's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from fanxiang.core.errors import Forbidden, InvalidInput, NotFound
from fanxiang.core.history import roles_prefetch
from fanxiang.core.scope import EXPORT, VIEW, resolve
from fanxiang.entrepreneurs.choices import RecordStatus
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.policies.facts import declared_facts, facts_and_grants, facts_for_entrepreneur, iter_fact_chunks
from fanxiang.policies.matching import Catalogue, CatalogueItem, MatchResult, load_catalogue, match_facts
from fanxiang.policies.models import (
    AmountKind,
    BenefitGrant,
    DocumentStatus,
    PolicyDocument,
    PolicyItem,
    PolicyRuleVersion,
)
from fanxiang.policies.rules import VectorContext, region_mask
from fanxiang.regions.models import Region
from fanxiang.regions.selectors import regions_within


def today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- documents and items


def may(user: Any, model: type, action: str = VIEW) -> bool:
    """Documents and items are city-wide: a role either holds the action on them or not."""
    return not resolve(user, model, action).empty


def documents_search(
    *,
    q: str = "",
    level: str = "",
    status: str = "",
    benefit_type: str = "",
    in_force_on: dt.date | None = None,
) -> QuerySet[PolicyDocument]:
    """Documents whose number, title or full text contains ``q`` (and whose items match the filters)."""
    qs = PolicyDocument.objects.all().annotate(item_count=Count("items", filter=Q(items__is_active=True)))
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(title__icontains=q)
            | Q(full_text__icontains=q)
            | Q(summary__icontains=q)
            | Q(issuer__icontains=q)
        )
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(status=status)
    if benefit_type:
        qs = qs.filter(
            pk__in=PolicyItem.objects.filter(benefit_type=benefit_type, is_active=True).values("document")
        )
    if in_force_on:
        qs = qs.filter(status__in=["in_force", "amended"]).filter(
            Q(effective_from__isnull=True) | Q(effective_from__lte=in_force_on),
            Q(effective_to__isnull=True) | Q(effective_to__gte=in_force_on),
        )
    return qs.order_by("-issued_on", "number")


def items_of(document: PolicyDocument, *, active_only: bool = False) -> QuerySet[PolicyItem]:
    qs = document.items.select_related("rule", "responsible_unit").prefetch_related("regions")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("sort_order", "id")


def document_get(pk: int) -> PolicyDocument:
    doc = (
        PolicyDocument.objects.prefetch_related(
            "attachments",
            Prefetch("items", queryset=PolicyItem.objects.select_related("rule", "responsible_unit")
                     .prefetch_related("regions").order_by("sort_order", "id")),
        )
        .filter(pk=pk)
        .first()
    )  # fmt: skip
    if doc is None:
        raise NotFound("not_found", "政策文件不存在。")
    return doc


def item_get(pk: int) -> PolicyItem:
    item = (
        PolicyItem.objects.select_related("document", "rule", "responsible_unit")
        .prefetch_related("regions")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise NotFound("not_found", "政策条款不存在。")
    return item


def active_items() -> QuerySet[PolicyItem]:
    """The policy items in force (a city-wide catalogue, not region-owned data)."""
    return PolicyItem.objects.filter(is_active=True)


def rule_versions(item: PolicyItem) -> QuerySet[PolicyRuleVersion]:
    return (
        item.rule_versions.select_related("created_by", "published_by")
        .prefetch_related(roles_prefetch("created_by"))  # the version tables name the author with their role
        .order_by("-version")
    )


def ended_q(on: dt.date) -> Q:
    """Items that have ended by ``on``: their own or their document's end date is before it, or the
    document was repealed or has expired."""
    return (
        Q(effective_to__lt=on)
        | Q(document__effective_to__lt=on)
        | Q(document__status__in=[DocumentStatus.REPEALED, DocumentStatus.EXPIRED])
    )


def documents_ended_q(on: dt.date) -> Q:
    """Documents that have ended by ``on`` (end date before it, repealed or expired)."""
    return Q(effective_to__lt=on) | Q(status__in=[DocumentStatus.REPEALED, DocumentStatus.EXPIRED])


PUBLIC_AMOUNT_UNKNOWN = "金额以经办部门核定为准"


def public_amount_text(item: Any, text: str) -> str:
    """An item's amount text as the public reads it (public pages, the portal). While an item with no
    amount rule is still being verified its amount note is a staff note (what is missing, what to check):
    the public reads the plain rule. ``item`` is a PolicyItem or a compiled catalogue item."""
    if getattr(item, "unconfirmed", False) and getattr(item, "amount_kind", "") == AmountKind.UNKNOWN:
        return PUBLIC_AMOUNT_UNKNOWN
    return text or PUBLIC_AMOUNT_UNKNOWN


def public_items(
    *, benefit_type: str = "", level: str = "", q: str = "", ended: bool = False, on: dt.date | None = None
) -> QuerySet[PolicyItem]:
    """Active items for the public pages: the current ones, or with ``ended`` those that have ended by
    ``on`` (today in Asia/Shanghai by default) — never both in one list."""
    on = on or today()
    qs = PolicyItem.objects.filter(is_active=True).select_related("document").prefetch_related("regions")
    ended_now = ended_q(on)
    qs = qs.filter(ended_now) if ended else qs.exclude(ended_now)
    if benefit_type:
        qs = qs.filter(benefit_type=benefit_type)
    if level:
        qs = qs.filter(document__level=level)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(summary__icontains=q)
            | Q(document__number__icontains=q)
            | Q(document__title__icontains=q)
            | Q(document__full_text__icontains=q)
        )
    return qs.order_by("benefit_type", "sort_order", "id")


# --------------------------------------------------------------------------- matching


def grants_of(entrepreneur: Entrepreneur) -> list[tuple[str, Decimal, dt.date]]:
    """Non-revoked grants to the person or to a business they founded: (item code, amount, date)."""
    return list(
        BenefitGrant.objects.filter(
            Q(entrepreneur=entrepreneur) | Q(business__founder_links__entrepreneur=entrepreneur),
            revoked_at__isnull=True,
        )
        .distinct()
        .values_list("item__code", "amount", "granted_on")
    )


def match_entrepreneur(
    entrepreneur: Entrepreneur,
    *,
    on: dt.date | None = None,
    max_failed: int | None = None,
    catalogue: Catalogue | None = None,
) -> MatchResult:
    """Items ``entrepreneur`` qualifies for on ``on`` (estimated amounts, reasons), near misses (the exact
    failed conditions), received items (non-revoked grants; once-only ones explain why they are not
    offered again) and exclusions (region, not in force, no published rule)."""
    on = on or today()
    catalogue = catalogue or load_catalogue()
    facts, grants = facts_and_grants(entrepreneur, on=on, fields=catalogue.fields)
    return match_facts(facts, catalogue, on=on, max_failed=max_failed, grants=grants)


def entrepreneur_for_matching(user: Any, pk: int) -> Entrepreneur:
    found = list(
        Entrepreneur.objects.for_user(user, VIEW)
        .select_related("region", "hukou_region")
        .filter(pk=pk)
        .order_by()[:1]
    )
    person = found[0] if found else None
    if person is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    return person


def self_check(data: dict[str, Any], *, on: dt.date | None = None, max_failed: int = 2) -> MatchResult:
    """The public "what can I get" check on typed facts; stores nothing."""
    on = on or today()
    return match_facts(declared_facts(data, on=on), load_catalogue(), on=on, max_failed=max_failed)


def try_rule_on_entrepreneur(user: Any, pk: int, *, on: dt.date) -> tuple[Entrepreneur, dict]:
    person = entrepreneur_for_matching(user, pk)
    return person, facts_for_entrepreneur(person, on=on)


# --------------------------------------------------------------------------- outreach


class OutreachRow:
    """One item's people "eligible but not yet received", kept as bit masks per chunk of people (see
    ``rules.VectorContext``) and expanded to ids only when a list is asked for."""

    def __init__(self, item: CatalogueItem, chunks: list[list[int]]) -> None:
        self.item = item
        self._chunks = chunks
        self.masks: list[tuple[int, int]] = []  # (chunk number, mask)
        self.count = 0
        self._ids: list[int] | None = None

    def add(self, chunk_no: int, mask: int) -> None:
        self.masks.append((chunk_no, mask))
        self.count += mask.bit_count()

    @property
    def person_ids(self) -> list[int]:
        if self._ids is None:
            ids: list[int] = []
            for chunk_no, mask in self.masks:
                chunk = self._chunks[chunk_no]
                text = format(mask, f"0{len(chunk)}b")
                ids.extend(chunk[i] for i, c in enumerate(text) if c == "1")
            self._ids = ids
        return self._ids


@dataclass
class OutreachResult:
    region: Region
    on: dt.date
    people: int
    rows: list[OutreachRow]
    skipped: list[tuple[CatalogueItem, str]]

    def row(self, code: str) -> OutreachRow | None:
        return next((r for r in self.rows if r.item.code == code), None)


def outreach_regions(user: Any, action: str = VIEW) -> QuerySet[Region]:
    """City, counties and townships within the user's scope on the registry."""
    scope = resolve(user, Entrepreneur, action)
    qs = Region.objects.filter(is_active=True, level__in=["city", "county", "township"]).order_by("tree_path")
    return regions_within(qs, scope)


def outreach_region(user: Any, code: str | None, action: str = VIEW) -> Region:
    """The region an outreach list is asked for: default the user's own (first) region; must lie inside the
    user's registry scope for ``action``."""
    scope = resolve(user, Entrepreneur, action)
    if scope.empty:
        raise Forbidden("policy.outreach_forbidden", "无权查看该区域的创业人员。")
    if not code:
        if scope.all:
            region = Region.objects.filter(parent__isnull=True).order_by("tree_path").first()
            region = Region.objects.filter(code="411600").first() or region
        else:
            region = Region.objects.filter(tree_path=scope.region_paths[0]).first()
        if region is None:
            raise NotFound("not_found", "区划不存在。")
        return region
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise InvalidInput.field("region", "policy.region_unknown", f"区划代码“{code}”不存在。")
    if not scope.covers_path(region.tree_path):
        raise Forbidden(
            "scope.region_forbidden",
            "无权查看该区域的创业人员。",
            errors={"region": ["不在您负责的行政区划范围内。"]},
        )
    return region


def outreach(
    *,
    user: Any,
    region: Region,
    on: dt.date | None = None,
    item_codes: list[str] | None = None,
    action: str = VIEW,
    catalogue: Catalogue | None = None,
) -> OutreachResult:
    """Per item, the active registered people of ``region`` (within the user's scope) who meet the item's
    published rule on ``on`` but have not received it. Facts are loaded in bulk; rules run compiled."""
    on = on or today()
    catalogue = catalogue or load_catalogue()
    items = [i for i in catalogue.items if item_codes is None or i.code in item_codes]
    if item_codes is not None and not items:
        raise NotFound("not_found", "政策条款不存在或未启用。")
    live: list[CatalogueItem] = []
    skipped: list[tuple[CatalogueItem, str]] = []
    for item in items:
        reason = item.closed_reason(on) or item.pending_reason(on)
        if reason:
            skipped.append((item, reason[1]))
        elif item.rule is None:
            skipped.append((item, "资格条件尚未发布"))
        elif item.region_paths and not any(
            p.startswith(region.tree_path) or region.tree_path.startswith(p) for p in item.region_paths
        ):
            skipped.append((item, f"适用区域（{item.region_text}）与所选区域不重合"))
        else:
            live.append(item)
    people = Entrepreneur.objects.for_user(user, action).filter(
        region__tree_path__startswith=region.tree_path, status=RecordStatus.ACTIVE
    )
    chunks: list[list[int]] = []
    rows = [OutreachRow(item, chunks) for item in live]
    count = 0
    if live:
        fields: set[str] = {"region"}
        for item in live:
            fields.update(item.rule.fields)
        for ids, facts in iter_fact_chunks(people, on=on, fields=fields):
            chunk_no = len(chunks)
            chunks.append(ids)
            count += len(ids)
            ctx = VectorContext(facts)
            n = ctx.n
            received: dict[str, int] = {}
            for i, f in enumerate(facts):
                for code in f["received"]:
                    received[code] = received.get(code, 0) | (1 << (n - 1 - i))
            for row in rows:
                item = row.item
                m = item.rule.mask(ctx)
                if m and item.region_paths:
                    m &= region_mask(ctx, item.region_paths)
                if m and item.code in received:
                    m &= ctx.full ^ received[item.code]
                if m:
                    row.add(chunk_no, m)
    else:
        count = people.count()
    return OutreachResult(region=region, on=on, people=count, rows=rows, skipped=skipped)


def outreach_people(user: Any, ids: list[int], action: str = VIEW) -> QuerySet[Entrepreneur]:
    return (
        Entrepreneur.objects.for_user(user, action)
        .filter(pk__in=ids)
        .select_related("region__parent")
        .order_by("region__tree_path", "pk")
    )


def may_export_outreach(user: Any, region: Region) -> bool:
    return resolve(user, Entrepreneur, EXPORT).covers_path(region.tree_path)
