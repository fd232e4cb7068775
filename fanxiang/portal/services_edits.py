"""Edit requests: a bound person asks to change their registry facts; the county approves (the change is
applied through the registry's own services, so validation, scope and the change log apply) or rejects with
a reason — both steps of :data:`fanxiang.portal.workflows.EDIT_REQUESTS`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.core.workflow import Context
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.models import Business, BusinessFounder, Entrepreneur
from fanxiang.entrepreneurs.validation import clean_business, clean_entrepreneur
from fanxiang.notifications.services import notify, notify_region_staff
from fanxiang.portal.models import EditKind, EditRequest, PortalAccount, RequestStatus
from fanxiang.portal.services_accounts import as_account
from fanxiang.portal.workflows import EDIT_REQUESTS, decide

# what a person may ask to change (the county approves; the registry's services apply it)
PERSON_EDITABLE = (
    "region", "return_date", "started_on", "worked_province", "worked_city", "worked_months", "education",
    "skills",
)  # fmt: skip
BUSINESS_EDITABLE = (
    "name", "kind", "credit_code", "industry", "region", "address", "employees", "registered_on", "started_on",
)  # fmt: skip
BUSINESS_NEW_FIELDS = (*BUSINESS_EDITABLE, "jobs_created")
JOBS_FIELDS = ("jobs_created", "poor_workers_employed")


def _current(obj: Any, key: str) -> Any:
    value = getattr(obj, key, None)
    if key in ("region", "hukou_region"):
        return getattr(value, "code", None)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _normalise(key: str, value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "code") and key in ("region", "hukou_region"):
        return value.code
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [getattr(v, "code", v) for v in value]
    if hasattr(value, "quantize"):
        return str(value)
    return value


def _owned_business(account: PortalAccount, business_id: Any) -> Business:
    business = (
        Business.objects.filter(
            pk=business_id, founder_links__entrepreneur_id=account.entrepreneur_id
        ).first()
        if str(business_id or "").isdigit()
        else None
    )
    if business is None:
        raise NotFound("not_found", "经营主体不存在或不是您创办的。")
    return business


@as_account
@transaction.atomic
def edit_request_create(
    *,
    account: PortalAccount,
    kind: str,
    changes: dict[str, Any],
    business_id: Any = None,
    note: str = "",
    actor: Any = None,
) -> EditRequest:
    """Ask the county to change registry facts. Only the fields that differ are kept; the values are checked
    with the registry's validation now, and again by the registry's services when the county approves."""
    if not account.entrepreneur_id:
        raise Forbidden("portal.not_bound", "请先完成实名绑定。")
    person = Entrepreneur.objects.get(pk=account.entrepreneur_id)
    if kind not in EditKind.values:
        raise InvalidInput.field("kind", "portal.edit_kind_invalid", "变更类别有误。")
    allowed = {
        EditKind.PERSON: PERSON_EDITABLE,
        EditKind.BUSINESS: BUSINESS_EDITABLE,
        EditKind.BUSINESS_NEW: BUSINESS_NEW_FIELDS,
        EditKind.JOBS: JOBS_FIELDS,
    }[kind]
    unknown = set(changes) - set(allowed)
    if unknown:
        raise InvalidInput("request.unknown_fields", f"不可申请变更的字段：{', '.join(sorted(unknown))}")
    business = None
    target: Any = person
    if kind in (EditKind.BUSINESS, EditKind.JOBS):
        business = _owned_business(account, business_id)
        target = business
    values = {
        k: v
        for k, v in changes.items()
        if not (isinstance(v, str) and v.strip() == "" and kind == EditKind.BUSINESS_NEW)
    }
    if kind == EditKind.PERSON:
        clean, errors = clean_entrepreneur(values, partial=True)
    elif kind == EditKind.BUSINESS_NEW:
        values.setdefault("region", person.region.code)
        clean, errors = clean_business(values)
    else:
        clean, errors = clean_business(values, partial=True)
    errors.raise_if_any()
    if kind == EditKind.BUSINESS_NEW:
        diff = {k: _normalise(k, clean.get(k)) for k in values if k in allowed}
        previous: dict[str, Any] = {}
    else:
        diff = {}
        previous = {}
        for key in values:
            new = _normalise(key, clean.get(key))
            old = _current(target, key)
            if new != old and not (new in (None, "") and old in (None, "")):
                diff[key] = new
                previous[key] = old
    if not diff:
        raise InvalidInput("portal.edit_no_changes", "没有需要变更的内容。")
    pending = EditRequest.objects.filter(
        entrepreneur=person, kind=kind, business=business, status=RequestStatus.PENDING
    )
    if kind != EditKind.BUSINESS_NEW and pending.exists():
        raise Conflict("portal.edit_pending", "同一内容已有待审核的变更申请，请等待县区审核。")
    req = EditRequest.objects.create(
        account=account,
        entrepreneur=person,
        business=business,
        kind=kind,
        changes=diff,
        previous=previous,
        note=(note or "").strip()[:200],
    )
    notify_region_staff(
        role="county_officer",
        region=person.region,
        event="edit_submitted",
        context={"name": person.name, "what": req.get_kind_display()},
        link=f"/portal/review/edit-requests/{req.pk}/",
    )
    return req


def _decided(ctx: Context) -> None:
    req = ctx.obj
    req.reason = ctx.data.get("reason", "")
    req.decided_by = ctx.actor
    req.decided_at = timezone.now()


def _notify_decided(req: EditRequest, event: str, **context: Any) -> None:
    notify(
        event=event,
        recipient_user=req.account.user,
        context={"name": req.entrepreneur.name, "what": req.get_kind_display(), **context},
        link="/portal/profile/",
    )


@audit.audited
@transaction.atomic
def edit_request_approve(*, actor: Any, edit: EditRequest, today: dt.date | None = None) -> EditRequest:
    """Apply the change through the registry's services (validation, scope re-check, change log)."""

    def apply(ctx: Context) -> None:
        req = ctx.obj
        changes = dict(req.changes)
        if req.kind == EditKind.PERSON:
            registry.entrepreneur_update(actor=actor, entrepreneur=req.entrepreneur, data=changes)
        elif req.kind == EditKind.BUSINESS:
            if not BusinessFounder.objects.filter(
                business=req.business, entrepreneur=req.entrepreneur
            ).exists():
                raise Conflict("portal.business_not_owned", "该经营主体已不属于申请人。")
            registry.business_update(actor=actor, business=req.business, data=changes)
        elif req.kind == EditKind.BUSINESS_NEW:
            req.business = registry.business_create(actor=actor, data=changes, founders=[req.entrepreneur_id])
        else:
            registry.business_report_jobs(
                actor=actor,
                business=req.business,
                report_date=ctx.today,
                jobs_created=changes.get("jobs_created", req.business.jobs_created),
                poor_workers_employed=changes.get(
                    "poor_workers_employed", req.business.poor_workers_employed
                ),
            )
        _decided(ctx)

    req = decide(EDIT_REQUESTS, edit, "approve", actor, effect=apply, today=today)
    _notify_decided(req, "edit_approved")
    return req


@audit.audited
@transaction.atomic
def edit_request_reject(*, actor: Any, edit: EditRequest, reason: str) -> EditRequest:
    req = decide(
        EDIT_REQUESTS,
        edit,
        "reject",
        actor,
        reason=reason,
        reason_message="请填写不同意的原因（将告知申请人）。",
        effect=_decided,
    )
    _notify_decided(req, "edit_rejected", reason=req.reason)
    return req
