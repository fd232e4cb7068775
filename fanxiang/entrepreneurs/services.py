"""Registry writes. Each is one atomic action: validated first, scope re-checked, rollups and audit
written in the same transaction. Views, API and Excel import all come through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from fanxiang.core import audit, pii
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.core.scope import ADD, CHANGE, can, ensure_in_scope, resolve
from fanxiang.core.workflow import Context
from fanxiang.entrepreneurs.choices import (
    INDICATOR_JOBS_CREATED,
    INDICATOR_NEW_ENTREPRENEURS,
    DuplicateReason,
    RecordStatus,
    ReviewStatus,
    TransferStatus,
)
from fanxiang.entrepreneurs.contacts import contact_drop_if_unseen
from fanxiang.entrepreneurs.models import (
    Business,
    BusinessFounder,
    DuplicateCandidate,
    Entrepreneur,
    JobReport,
    PriorityGroup,
    TransferRequest,
)
from fanxiang.entrepreneurs.validation import clean_business, clean_entrepreneur
from fanxiang.entrepreneurs.workflows import TRANSFERS
from fanxiang.regions.models import Region
from fanxiang.regions.rollups import rollup_add_many

PLAIN_FIELDS = (
    "name", "name_initials", "hukou_region", "region", "category", "return_date", "started_on", "worked_province",
    "worked_city", "worked_months", "education", "skills", "notes",
)  # fmt: skip


def _counted_on(clean: dict, fallback: dt.date) -> dt.date:
    """A person counts toward "new entrepreneurs" in the month they started up, else when registered."""
    return clean.get("started_on") or fallback


ID_HELD_ELSEWHERE = "该身份证号码已在其他县区登记，可申请转移"


def _duplicate_id_error(existing: Entrepreneur, actor: Any) -> Conflict:
    if can(actor, Entrepreneur, "view", existing.region.tree_path):
        return Conflict(
            "entrepreneur.duplicate_id_number",
            f"该身份证号码已登记：{existing.name}（{existing.region.name}）。请打开已有记录修改，不要重复登记。",
            errors={"id_number": ["该身份证号码已登记。"]},
            details={"existing_id": existing.pk, "url": reverse("entrepreneurs:detail", args=[existing.pk])},
        )
    # outside the actor's scope: name neither the county nor the record (no enumeration by ID number)
    return Conflict(
        "entrepreneur.duplicate_id_number",
        ID_HELD_ELSEWHERE,
        errors={"id_number": [ID_HELD_ELSEWHERE]},
        details={"transfer_api": "/api/v1/entrepreneurs/transfers/"},
    )


def _apply_priority(entrepreneur: Entrepreneur, codes: set[str]) -> None:
    groups = list(PriorityGroup.objects.filter(code__in=codes))
    entrepreneur.priority_groups.set(groups)


# --------------------------------------------------------------------------- priority-change hooks
# Other apps keep state derived from a person's priority groups (point (十三)); e.g. the loans app stores a
# ``priority`` flag on applications so reviewer queues sort on an index. They register a callback here in
# their ``AppConfig.ready`` (this app never imports them: no import cycle, no signals); it is called with
# ``entrepreneur_ids=[…]`` inside the transaction of the write that changed the groups.

_priority_callbacks: list[Callable[..., Any]] = []


def on_priority_change(callback: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``callback(*, entrepreneur_ids)`` (idempotent)."""
    if callback not in _priority_callbacks:
        _priority_callbacks.append(callback)
    return callback


def priority_changed(*, entrepreneur_ids: list[int]) -> None:
    """Tell the registered apps that these people's priority groups changed."""
    for callback in list(_priority_callbacks):
        callback(entrepreneur_ids=list(entrepreneur_ids))


def _flag_duplicates(entrepreneur: Entrepreneur) -> int:
    """Queue likely duplicates: same name and birth date, or same mobile."""
    found = 0
    same_name = Entrepreneur.objects.filter(
        name=entrepreneur.name, birth_date=entrepreneur.birth_date, status=RecordStatus.ACTIVE
    ).exclude(pk=entrepreneur.pk)
    pairs = [(o, DuplicateReason.SAME_NAME_BIRTH) for o in same_name[:20]]
    if entrepreneur.mobile_hash:
        same_mobile = Entrepreneur.objects.filter(
            mobile_hash=entrepreneur.mobile_hash, status=RecordStatus.ACTIVE
        ).exclude(pk=entrepreneur.pk)
        pairs += [(o, DuplicateReason.SAME_MOBILE) for o in same_mobile[:20]]
    for other, reason in pairs:
        first, second = sorted([entrepreneur, other], key=lambda e: e.pk)
        _, created = DuplicateCandidate.objects.get_or_create(entrepreneur=first, other=second, reason=reason)
        found += int(created)
    return found


@audit.audited
@transaction.atomic
def entrepreneur_create(*, actor: Any, data: dict[str, Any]) -> Entrepreneur:
    clean, errors = clean_entrepreneur(data)
    errors.raise_if_any()
    region: Region = clean["region"]
    if not can(actor, Entrepreneur, ADD, region.tree_path):
        raise Forbidden(
            "scope.region_forbidden",
            "无权在该行政区划登记人员。",
            errors={"region": ["不在您负责的行政区划范围内。"]},
        )
    id_hash = pii.index(clean["id_number"])
    existing = Entrepreneur.objects.select_related("region").filter(id_number_hash=id_hash).first()
    if existing is not None:
        raise _duplicate_id_error(existing, actor)
    entrepreneur = Entrepreneur(
        **{k: clean[k] for k in PLAIN_FIELDS},
        id_number_enc=pii.encrypt(clean["id_number"]),
        id_number_hash=id_hash,
        id_number_masked=clean["id_number_masked"],
        sex=clean["sex"],
        birth_date=clean["birth_date"],
        birthplace_code=clean["birthplace_code"],
        birthplace_name=clean["birthplace_name"],
        mobile_enc=pii.encrypt(clean["mobile"]),
        mobile_hash=pii.index(clean["mobile"]),
        mobile_masked=clean["mobile_masked"],
        counted_on=_counted_on(clean, timezone.localdate()),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            entrepreneur.save()
    except IntegrityError:  # a concurrent registration of the same person won the race
        existing = Entrepreneur.objects.select_related("region").get(id_number_hash=id_hash)
        raise _duplicate_id_error(existing, actor)
    _apply_priority(entrepreneur, clean["priority_groups"])
    ensure_in_scope(actor, entrepreneur, ADD)
    rollup_add_many([(region.pk, INDICATOR_NEW_ENTREPRENEURS, entrepreneur.counted_on, 1)])
    _flag_duplicates(entrepreneur)
    return entrepreneur


def _require_active(entrepreneur: Entrepreneur) -> None:
    if entrepreneur.status != RecordStatus.ACTIVE:
        raise InvalidInput("entrepreneur.closed", "该记录已注销，不能修改。")


@audit.audited
@transaction.atomic
def entrepreneur_update(*, actor: Any, entrepreneur: Entrepreneur, data: dict[str, Any]) -> Entrepreneur:
    entrepreneur = Entrepreneur.objects.select_for_update().get(pk=entrepreneur.pk)
    ensure_in_scope(actor, entrepreneur, CHANGE)
    _require_active(entrepreneur)
    unknown = set(data) - {*PLAIN_FIELDS, "id_number", "mobile", "priority_groups"} - {"name_initials"}
    if unknown:
        raise InvalidInput("request.unknown_fields", f"不可修改的字段：{', '.join(sorted(unknown))}")
    clean, errors = clean_entrepreneur(data, partial=True)
    errors.raise_if_any()
    old_region_id, old_counted = entrepreneur.region_id, entrepreneur.counted_on
    if "id_number" in clean:
        id_hash = pii.index(clean["id_number"])
        if id_hash != entrepreneur.id_number_hash:
            existing = Entrepreneur.objects.select_related("region").filter(id_number_hash=id_hash).first()
            if existing is not None:
                raise _duplicate_id_error(existing, actor)
            entrepreneur.id_number_enc = pii.encrypt(clean["id_number"])
            entrepreneur.id_number_hash = id_hash
            for key in ("id_number_masked", "sex", "birth_date", "birthplace_code", "birthplace_name"):
                setattr(entrepreneur, key, clean[key])
    if "mobile" in clean:
        entrepreneur.mobile_enc = pii.encrypt(clean["mobile"])
        entrepreneur.mobile_hash = pii.index(clean["mobile"])
        entrepreneur.mobile_masked = clean["mobile_masked"]
    for key in PLAIN_FIELDS:
        if key in clean:
            setattr(entrepreneur, key, clean[key])
    if "started_on" in clean:
        entrepreneur.counted_on = _counted_on(clean, timezone.localtime(entrepreneur.created_at).date())
    if entrepreneur.region_id != old_region_id:
        contact_drop_if_unseen(entrepreneur)
    entrepreneur.save()
    if "priority_groups" in clean:
        before = set(entrepreneur.priority_groups.values_list("code", flat=True))
        _apply_priority(entrepreneur, clean["priority_groups"])
        if before != set(entrepreneur.priority_groups.values_list("code", flat=True)):
            priority_changed(entrepreneur_ids=[entrepreneur.pk])
    # the write re-check: a user cannot move a record into a region they do not hold
    ensure_in_scope(actor, entrepreneur, CHANGE)
    if (old_region_id, old_counted) != (entrepreneur.region_id, entrepreneur.counted_on):
        rollup_add_many(
            [
                (old_region_id, INDICATOR_NEW_ENTREPRENEURS, old_counted, -1),
                (entrepreneur.region_id, INDICATOR_NEW_ENTREPRENEURS, entrepreneur.counted_on, 1),
            ]
        )
    if {"name", "mobile", "id_number"} & set(clean):
        _flag_duplicates(entrepreneur)
    return entrepreneur


@audit.audited
@transaction.atomic
def entrepreneur_close(*, actor: Any, entrepreneur: Entrepreneur, reason: str) -> Entrepreneur:
    """Records are never deleted: they are closed with a reason."""
    entrepreneur = Entrepreneur.objects.select_for_update().get(pk=entrepreneur.pk)
    ensure_in_scope(actor, entrepreneur, CHANGE)
    _require_active(entrepreneur)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", "entrepreneur.close_reason_required", "请填写注销原因。")
    entrepreneur.status = RecordStatus.CLOSED
    entrepreneur.closed_reason = reason[:200]
    entrepreneur.closed_at = timezone.now()
    entrepreneur.save()
    rollup_add_many([(entrepreneur.region_id, INDICATOR_NEW_ENTREPRENEURS, entrepreneur.counted_on, -1)])
    return entrepreneur


def reveal_id_number(*, actor: Any, entrepreneur: Entrepreneur, request: Any = None) -> str:
    """The clear ID number, for roles allowed to see it; every reveal is logged."""
    if not can(actor, Entrepreneur, "reveal", entrepreneur.region.tree_path):
        raise Forbidden("pii.reveal_forbidden", "您的角色无权查看完整的个人敏感信息。")
    audit.record_event(
        event=audit.EVENT_REVEAL,
        actor=actor,
        obj=entrepreneur,
        request=request,
        data={"field": "id_number,mobile"},
    )
    return entrepreneur.id_number


# --------------------------------------------------------------------------- transfers


@audit.audited
@transaction.atomic
def transfer_request(*, actor: Any, id_number: str, to_region: Region, reason: str) -> TransferRequest:
    """A county asks to take over a person another county holds (found by exact ID number)."""
    if not can(actor, Entrepreneur, ADD, to_region.tree_path):
        raise Forbidden(
            "scope.region_forbidden",
            "只能申请转入本人负责的区划。",
            errors={"to_region": ["不在您负责的范围内。"]},
        )
    if not (reason or "").strip():
        raise InvalidInput.field("reason", "transfer.reason_required", "请填写申请理由。")
    entrepreneur = (
        Entrepreneur.objects.select_related("region")
        .filter(id_number_hash=pii.index(str(id_number).strip().upper()))
        .first()
    )
    if entrepreneur is None or entrepreneur.status != RecordStatus.ACTIVE:
        raise NotFound("transfer.person_not_found", "未找到该身份证号码的在册人员，可直接登记。")
    if entrepreneur.region.tree_path.startswith(to_region.tree_path) or can(
        actor, Entrepreneur, CHANGE, entrepreneur.region.tree_path
    ):
        raise InvalidInput("transfer.already_in_scope", "此人已在您负责的区划内，无需转移。")
    if TransferRequest.objects.filter(entrepreneur=entrepreneur, status=TransferStatus.PENDING).exists():
        raise Conflict("transfer.pending_exists", "此人已有待审批的转移申请。")
    transfer = TransferRequest.objects.create(
        entrepreneur=entrepreneur,
        from_region=entrepreneur.region,
        to_region=to_region,
        reason=reason.strip()[:200],
        requested_by=actor,
    )
    TRANSFERS.record(
        obj=transfer,
        action="request",
        from_status="",
        to_status=TransferStatus.PENDING,
        actor=actor,
        role=TRANSFERS.requester_role(actor, transfer),
        note=transfer.reason,
    )
    return transfer


@audit.audited
def transfer_decide(
    *, actor: Any, transfer: TransferRequest, approve: bool, note: str = ""
) -> TransferRequest:
    """The holding county (or the city) approves or rejects; approval moves the person and their counts.
    One step of :data:`~fanxiang.entrepreneurs.workflows.TRANSFERS` (locks, authorises, writes the event)."""
    return TRANSFERS.transition(
        transfer,
        "approve" if approve else "reject",
        actor,
        note=(note or "").strip()[:200],
        effect=_transfer_decided,
    )


def _transfer_decided(ctx: Context) -> None:
    """The effect of a decision: a rejection needs its reason; an approval moves the person."""
    transfer = ctx.obj
    approve = ctx.step.action == "approve"
    if not approve and not ctx.note:
        raise InvalidInput.field("note", "transfer.reject_reason_required", "拒绝时请填写理由。")
    transfer.decided_by = ctx.actor
    transfer.decided_at = timezone.now()
    transfer.decision_note = ctx.note
    if not approve:
        return
    person = Entrepreneur.objects.select_for_update().get(pk=transfer.entrepreneur_id)
    old_region_id = person.region_id
    person.region = transfer.to_region
    contact_drop_if_unseen(person)  # the old county's officer no longer follows them up
    person.save()
    if person.status == RecordStatus.ACTIVE:
        rollup_add_many(
            [
                (old_region_id, INDICATOR_NEW_ENTREPRENEURS, person.counted_on, -1),
                (person.region_id, INDICATOR_NEW_ENTREPRENEURS, person.counted_on, 1),
            ]
        )


# --------------------------------------------------------------------------- duplicates


@audit.audited
@transaction.atomic
def duplicate_resolve(
    *,
    actor: Any,
    candidate: DuplicateCandidate,
    merge: bool,
    keep: Entrepreneur | None = None,
    note: str = "",
) -> DuplicateCandidate:
    """Merge the pair into ``keep`` (the other is closed, its businesses move over) or dismiss it."""
    candidate = (
        DuplicateCandidate.objects.select_for_update()
        .select_related("entrepreneur__region", "other__region")
        .get(pk=candidate.pk)
    )
    if candidate.status != ReviewStatus.OPEN:
        raise InvalidInput("duplicate.not_open", "该疑似重复已处理。")
    for person in (candidate.entrepreneur, candidate.other):
        ensure_in_scope(actor, person, CHANGE)
    if merge:
        if keep is None or keep.pk not in (candidate.entrepreneur_id, candidate.other_id):
            raise InvalidInput.field("keep", "duplicate.keep_required", "请选择保留哪一条记录。")
        drop = candidate.other if keep.pk == candidate.entrepreneur_id else candidate.entrepreneur
        for link in BusinessFounder.objects.filter(entrepreneur=drop):
            if BusinessFounder.objects.filter(business=link.business, entrepreneur=keep).exists():
                link.delete()
            else:
                link.entrepreneur = keep
                link.save()
        entrepreneur_close(actor=actor, entrepreneur=drop, reason=f"与 #{keep.pk} 重复，已合并")
        DuplicateCandidate.objects.filter(status=ReviewStatus.OPEN).filter(entrepreneur=drop).exclude(
            pk=candidate.pk
        ).update(status=ReviewStatus.DISMISSED)
        DuplicateCandidate.objects.filter(status=ReviewStatus.OPEN).filter(other=drop).exclude(
            pk=candidate.pk
        ).update(status=ReviewStatus.DISMISSED)
    candidate.status = ReviewStatus.MERGED if merge else ReviewStatus.DISMISSED
    candidate.decided_by = actor
    candidate.decided_at = timezone.now()
    candidate.note = (note or "").strip()[:200]
    candidate.save()
    audit.record_transition(
        obj=candidate,
        actor=actor,
        transition="merge" if merge else "dismiss",
        from_state=ReviewStatus.OPEN,
        to_state=candidate.status,
    )
    return candidate


# --------------------------------------------------------------------------- businesses


def _founders(actor: Any, ids: list[int]) -> list[Entrepreneur]:
    if not ids:
        raise InvalidInput.field("founders", "business.founder_required", "请至少选择一名创办人。")
    people = list(Entrepreneur.objects.for_user(actor, "view").filter(pk__in=ids, status=RecordStatus.ACTIVE))
    if len(people) != len(set(ids)):
        raise InvalidInput.field(
            "founders", "business.founder_unknown", "创办人不存在、已注销或不在您负责的范围内。"
        )
    return people


def _credit_code_taken(code: str, exclude_pk: int | None = None) -> bool:
    qs = Business.objects.filter(credit_code=code)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return bool(code) and qs.exists()


@audit.audited
@transaction.atomic
def business_create(
    *, actor: Any, data: dict[str, Any], founders: list[int], report_date: dt.date | None = None
) -> Business:
    clean, errors = clean_business(data)
    errors.raise_if_any()
    people = _founders(actor, founders)
    if not can(actor, Business, ADD, clean["region"].tree_path):
        raise Forbidden(
            "scope.region_forbidden",
            "无权在该行政区划登记经营主体。",
            errors={"region": ["不在您负责的行政区划范围内。"]},
        )
    if _credit_code_taken(clean["credit_code"]):
        raise Conflict(
            "business.duplicate_credit_code",
            "该统一社会信用代码已登记。",
            errors={"credit_code": ["已登记。"]},
        )
    tags = clean.pop("tags", [])
    jobs, poor = clean.pop("jobs_created", 0), clean.pop("poor_workers_employed", 0)
    business = Business.objects.create(**clean)
    business.tags.set(tags)
    for i, person in enumerate(people):
        BusinessFounder.objects.create(business=business, entrepreneur=person, is_primary=i == 0)
    ensure_in_scope(actor, business, ADD)
    if jobs or poor:
        business_report_jobs(
            actor=actor,
            business=business,
            report_date=report_date or clean.get("started_on") or timezone.localdate(),
            jobs_created=jobs,
            poor_workers_employed=poor,
        )
    return business


@audit.audited
@transaction.atomic
def business_update(
    *, actor: Any, business: Business, data: dict[str, Any], founders: list[int] | None = None
) -> Business:
    business = Business.objects.select_for_update().get(pk=business.pk)
    ensure_in_scope(actor, business, CHANGE)
    if business.status != RecordStatus.ACTIVE:
        raise InvalidInput("business.closed", "该经营主体已注销，不能修改。")
    if {"jobs_created", "poor_workers_employed"} & set(data):
        raise InvalidInput(
            "business.jobs_by_report", "带动就业人数请通过“就业报告”按日期填报，以便按月统计。"
        )
    clean, errors = clean_business(data, partial=True)
    errors.raise_if_any()
    if clean.get("credit_code") and _credit_code_taken(clean["credit_code"], business.pk):
        raise Conflict(
            "business.duplicate_credit_code",
            "该统一社会信用代码已登记。",
            errors={"credit_code": ["已登记。"]},
        )
    old_region_id = business.region_id
    tags = clean.pop("tags", None)
    for key, value in clean.items():
        setattr(business, key, value)
    business.save()
    if tags is not None:
        business.tags.set(tags)
    if founders is not None:
        people = _founders(actor, founders)
        BusinessFounder.objects.filter(business=business).exclude(entrepreneur__in=people).delete()
        for i, person in enumerate(people):
            BusinessFounder.objects.update_or_create(
                business=business, entrepreneur=person, defaults={"is_primary": i == 0}
            )
    ensure_in_scope(actor, business, CHANGE)
    if old_region_id != business.region_id and business.jobs_created:
        today = timezone.localdate()
        rollup_add_many(
            [
                (old_region_id, INDICATOR_JOBS_CREATED, today, -business.jobs_created),
                (business.region_id, INDICATOR_JOBS_CREATED, today, business.jobs_created),
            ]
        )
    return business


@audit.audited
@transaction.atomic
def business_report_jobs(
    *, actor: Any, business: Business, report_date: dt.date, jobs_created: int, poor_workers_employed: int = 0
) -> JobReport:
    """A dated jobs report: the business's jobs figure becomes ``jobs_created`` and the change counts in
    that month."""
    business = Business.objects.select_for_update().get(pk=business.pk)
    ensure_in_scope(actor, business, CHANGE)
    clean, errors = clean_business(
        {"jobs_created": jobs_created, "poor_workers_employed": poor_workers_employed}, partial=True
    )
    if report_date is None or report_date > timezone.localdate():
        errors.add("report_date", "date.in_future", "报告日期不能晚于今天。")
    errors.raise_if_any()
    delta = clean["jobs_created"] - business.jobs_created
    report = JobReport.objects.create(
        business=business,
        report_date=report_date,
        jobs_created=clean["jobs_created"],
        poor_workers_employed=clean["poor_workers_employed"],
        delta=delta,
        reported_by=actor if getattr(actor, "pk", None) else None,
    )
    business.jobs_created = clean["jobs_created"]
    business.poor_workers_employed = clean["poor_workers_employed"]
    business.save(update_fields=["jobs_created", "poor_workers_employed", "updated_at"])
    if business.status == RecordStatus.ACTIVE:
        rollup_add_many([(business.region_id, INDICATOR_JOBS_CREATED, report_date, delta)])
    return report


@audit.audited
@transaction.atomic
def business_close(*, actor: Any, business: Business, reason: str) -> Business:
    business = Business.objects.select_for_update().get(pk=business.pk)
    ensure_in_scope(actor, business, CHANGE)
    if business.status != RecordStatus.ACTIVE:
        raise InvalidInput("business.closed", "该经营主体已注销。")
    if not (reason or "").strip():
        raise InvalidInput.field("reason", "business.close_reason_required", "请填写注销原因。")
    business.status = RecordStatus.CLOSED
    business.closed_reason = reason.strip()[:200]
    business.save()
    return business


def can_reveal(actor: Any, entrepreneur: Entrepreneur) -> bool:
    return resolve(actor, Entrepreneur, "reveal").covers_path(entrepreneur.region.tree_path)
