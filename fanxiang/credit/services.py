"""Credit ledger (诚信台账) and recommender-register writes.

* Loan credit events (repaid on time, overdue, compensated, recovered) are written by the loan repayment
  services through :func:`loan_credit_record`, inside the transaction of the loan's own state change.
* Blacklisting and lifting are decisions of a county officer (for people of their county) or a city admin;
  each is one ledger line with its reason and period. Eligibility reads the latest blacklist/lift line.
* Credit villages, credit parks and incubation bases (``Recommender``) are kept by county officers in their
  region and by the city; a recommender cited by a loan application cannot be deleted (deactivate it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.core.scope import ADD, CHANGE, DELETE, can, ensure_in_scope
from fanxiang.credit.models import CreditEntry, CreditEvent, Recommender, RecommenderKind
from fanxiang.regions.models import Region

BLACKLIST_ROLES = ("county_officer", "city_admin")


def loan_credit_record(
    *, loan: Any, event: str, date: dt.date, reason: str = "", actor: Any = None
) -> CreditEntry:
    """One ledger line for a loan's credit event, for its borrower (and business)."""
    return CreditEntry.objects.create(
        entrepreneur_id=loan.entrepreneur_id,
        business_id=loan.business_id,
        event=event,
        loan=loan,
        date=date,
        reason=(reason or "")[:200],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


def active_blacklist(entrepreneur: Any, day: dt.date) -> CreditEntry | None:
    """The blacklist line in force on ``day`` (the latest blacklist/lift line is a blacklisting whose
    period covers the day), or None."""
    last = (
        CreditEntry.objects.filter(
            entrepreneur=entrepreneur,
            event__in=[CreditEvent.BLACKLISTED, CreditEvent.BLACKLIST_LIFTED],
            date__lte=day,
        )
        .order_by("-date", "-id")
        .first()
    )
    if last and last.event == CreditEvent.BLACKLISTED and (last.until is None or last.until >= day):
        return last
    return None


def _ensure_may_blacklist(actor: Any, entrepreneur: Any) -> None:
    allowed = getattr(actor, "is_superuser", False) or (
        actor is not None and actor.has_role(*BLACKLIST_ROLES)
    )
    if not allowed or not can(actor, CreditEntry, ADD, entrepreneur.region.tree_path):
        raise Forbidden(
            "credit.blacklist_forbidden",
            "只有本县（市、区）人社部门经办人员或市级管理员可以列入或移出失信名单。",
        )


@audit.audited
@transaction.atomic
def blacklist_add(
    *,
    actor: Any,
    entrepreneur: Any,
    reason: str,
    start: dt.date | None = None,
    until: dt.date | None = None,
    business: Any = None,
) -> CreditEntry:
    """Put a person on the blacklist from ``start`` (default today) to ``until`` (None: until lifted)."""
    from fanxiang.entrepreneurs.models import Entrepreneur

    entrepreneur = Entrepreneur.objects.select_for_update().select_related("region").get(pk=entrepreneur.pk)
    _ensure_may_blacklist(actor, entrepreneur)
    reason = (reason or "").strip()
    start = start or timezone.localdate()
    if not reason:
        raise InvalidInput.field("reason", "credit.reason_required", "列入失信名单须写明原因。")
    if len(reason) > 200:
        raise InvalidInput.field("reason", "credit.reason_too_long", "原因不超过200字。")
    if until is not None and until < start:
        raise InvalidInput.field("until", "credit.period_invalid", "失信期限截止日期不能早于起始日期。")
    if (
        business is not None
        and business.region_id
        and not can(actor, CreditEntry, ADD, business.region.tree_path)
    ):
        raise Forbidden("credit.blacklist_forbidden", "该经营主体不在您负责的区划内。")
    if active_blacklist(entrepreneur, start) is not None:
        raise Conflict("credit.already_blacklisted", f"{entrepreneur.name}已在失信名单期限内，无需重复列入。")
    entry = CreditEntry.objects.create(
        entrepreneur=entrepreneur,
        business=business,
        event=CreditEvent.BLACKLISTED,
        date=start,
        until=until,
        reason=reason,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    ensure_in_scope(actor, entry, ADD)
    audit.record_transition(
        obj=entry,
        actor=actor,
        transition="blacklist",
        from_state="",
        to_state=CreditEvent.BLACKLISTED,
        data={"entrepreneur": entrepreneur.pk, "until": until.isoformat() if until else None},
    )
    return entry


@audit.audited
@transaction.atomic
def blacklist_lift(*, actor: Any, entrepreneur: Any, reason: str, date: dt.date | None = None) -> CreditEntry:
    from fanxiang.entrepreneurs.models import Entrepreneur

    entrepreneur = Entrepreneur.objects.select_for_update().select_related("region").get(pk=entrepreneur.pk)
    _ensure_may_blacklist(actor, entrepreneur)
    date = date or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", "credit.reason_required", "移出失信名单须写明原因。")
    if active_blacklist(entrepreneur, date) is None:
        raise Conflict("credit.not_blacklisted", f"{entrepreneur.name}在 {date} 不在失信名单期限内。")
    entry = CreditEntry.objects.create(
        entrepreneur=entrepreneur,
        event=CreditEvent.BLACKLIST_LIFTED,
        date=date,
        reason=reason[:200],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record_transition(
        obj=entry,
        actor=actor,
        transition="lift",
        from_state=CreditEvent.BLACKLISTED,
        to_state=CreditEvent.BLACKLIST_LIFTED,
        data={"entrepreneur": entrepreneur.pk},
    )
    return entry


# --------------------------------------------------------------------------- recommenders

RECOMMENDER_FIELDS = ("kind", "name", "region", "valid_from", "valid_to", "certificate", "is_active")


def _clean_recommender(data: dict[str, Any], current: Recommender | None = None) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    codes: list[str] = []

    def bad(field: str, code: str, message: str) -> None:
        errors.setdefault(field, []).append(message)
        codes.append(code)

    unknown = sorted(set(data) - set(RECOMMENDER_FIELDS))
    for name in unknown:
        bad(name, "recommender.unknown_field", f"未知字段“{name}”。")
    if "kind" in data:
        if data["kind"] not in RecommenderKind.values:
            bad(
                "kind",
                "recommender.kind_invalid",
                "类别应为信用乡村、信用园区、创业孵化示范基地或创业孵化实训基地。",
            )
        else:
            clean["kind"] = data["kind"]
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name or len(name) > 128:
            bad("name", "recommender.name_invalid", "请填写名称（不超过128字）。")
        else:
            clean["name"] = name
    if "region" in data:
        region = Region.objects.filter(code=str(data["region"] or "").strip()).first()
        if region is None:
            bad("region", "recommender.region_invalid", f"区划代码“{data['region']}”不存在。")
        else:
            clean["region"] = region
    for name in ("valid_from", "valid_to"):
        if name in data:
            value = data[name]
            if value is not None and not isinstance(value, dt.date):
                bad(name, "recommender.date_invalid", "日期格式应为 YYYY-MM-DD。")
            else:
                clean[name] = value
    if "certificate" in data:
        clean["certificate"] = str(data["certificate"] or "").strip()[:100]
    if "is_active" in data:
        clean["is_active"] = bool(data["is_active"])
    if current is None:
        for name in ("kind", "name", "region", "valid_from"):
            if name not in data:
                bad(name, "recommender.required", "此项必填。")
    valid_from = clean.get("valid_from", current.valid_from if current else None)
    valid_to = clean.get("valid_to", current.valid_to if current else None)
    if valid_from is None and "valid_from" in data:
        bad("valid_from", "recommender.required", "请填写认定日期。")
    elif valid_from and valid_to and valid_to < valid_from:
        bad("valid_to", "recommender.validity_invalid", "有效期至不能早于认定日期。")
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(
            codes[0], first if len(codes) == 1 else f"有{len(codes)}处输入有误：{first}等", errors=errors
        )
    return clean


@audit.audited
@transaction.atomic
def recommender_create(*, actor: Any, data: dict[str, Any]) -> Recommender:
    clean = _clean_recommender(data)
    if not can(actor, Recommender, ADD, clean["region"].tree_path):
        raise Forbidden(
            "scope.region_forbidden",
            "无权在该行政区划登记推荐单位。",
            errors={"region": ["不在您负责的行政区划范围内。"]},
        )
    recommender = Recommender.objects.create(**clean)
    ensure_in_scope(actor, recommender, ADD)
    return recommender


@audit.audited
@transaction.atomic
def recommender_update(*, actor: Any, recommender: Recommender, data: dict[str, Any]) -> Recommender:
    recommender = Recommender.objects.select_for_update().select_related("region").get(pk=recommender.pk)
    if not can(actor, Recommender, CHANGE, recommender.region.tree_path):
        raise Forbidden("scope.region_forbidden", "无权修改该推荐单位。")
    clean = _clean_recommender(data, recommender)
    for name, value in clean.items():
        setattr(recommender, name, value)
    recommender.save()
    ensure_in_scope(actor, recommender, CHANGE)
    return recommender


@audit.audited
@transaction.atomic
def recommender_delete(*, actor: Any, recommender: Recommender) -> None:
    recommender = Recommender.objects.select_for_update().select_related("region").get(pk=recommender.pk)
    if not can(actor, Recommender, DELETE, recommender.region.tree_path):
        raise Forbidden("scope.region_forbidden", "无权删除该推荐单位。")
    # Loan applications refer to a recommender with on_delete=PROTECT: Django refuses before writing
    # anything, and credit needs no knowledge of the loans app.
    try:
        recommender.delete()
    except ProtectedError:
        raise Conflict(
            "recommender.in_use",
            "已有贷款申请引用该推荐单位，不能删除；如已失效，请将其设为无效（is_active=false）。",
        ) from None
