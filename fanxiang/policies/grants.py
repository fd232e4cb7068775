"""Policy-enjoyment records (享受记录): what was actually granted, to whom, when, by whom.

Services (:func:`grant_create`, :func:`grant_revoke`), reads and the one filter definition. The validation
every entry point shares, :func:`clean_grant`, lives in ``grants_core``; the Excel import of grants made
outside the system in ``grants_import``; both are importable from here too.

Writes keep per-region monthly rollups (``regions.RegionMonthStat``, indicators ``grant_amount:<type>`` and
``grant_count:<type>``) in the same transaction, so totals by region subtree, benefit type and month never
scan the grants. A revoked grant leaves the totals and no longer blocks a once-only item.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.core.scope import ADD, CHANGE, VIEW, ensure_in_scope, resolve
from fanxiang.policies.grants_core import (
    AMOUNT_INDICATOR,
    CENTS,
    CONFLICT_CODES,
    COUNT_INDICATOR,
    FORBIDDEN_CODES,
    GRANT_FIELDS,
    MAX_AMOUNT,
    GrantContext,
    _raise,
    _text,
    clean_grant,
    item_closed_message,
    once_only_message,
    rollup_deltas,
    yuan,
)
from fanxiang.policies.grants_import import (
    COLUMNS,
    HEADERS,
    MAX_ROWS,
    GrantImportReport,
    grant_import,
    read_grant_table,
    template_workbook,
)
from fanxiang.policies.models import BenefitGrant, BenefitType, GrantSource, PolicyItem
from fanxiang.regions.models import Region, RegionMonthStat
from fanxiang.regions.rollups import rollup_add_many

# the validation and the import, importable from here as before they had modules of their own
__all__ = ["AMOUNT_INDICATOR", "COLUMNS", "CONFLICT_CODES", "COUNT_INDICATOR", "FORBIDDEN_CODES", "GRANT_FIELDS",
           "HEADERS", "MAX_AMOUNT", "MAX_ROWS", "GrantContext", "GrantImportReport", "clean_grant",
           "grant_import", "item_closed_message", "once_only_message", "read_grant_table", "rollup_deltas",
           "template_workbook", "yuan"]  # fmt: skip

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --------------------------------------------------------------------------- writes


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
