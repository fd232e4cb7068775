"""Training-subsidy claims (培训补贴申领, issue 14 item 7): the roster, the county's review, the 公示, objections,
approval, payment and the 6-month follow-up. Every status change goes through
:data:`fanxiang.training.workflows_claims.CLAIMS` ``.transition``; the checks run as its effect, so a refusal
changes nothing.

* :func:`claim_create` (the class's county, on the institution's behalf) takes a finished class and writes
  one line per active enrolment: hours, completion and certificate number come from the records, never
  typed; the amount is the programme rule in force at the class start (``subsidy_per_trainee``), only for a
  trainee who completed, met ``subsidy_share`` of the hours and has a valid certificate; a trainee who
  already holds the kind's policy grant is marked ineligible with the policies' own reason.
* The 公示 runs ``Parameters.publicity_workdays`` working days (holiday calendar) from the day it is
  published, that day included; approval is refused while it runs (``training.publicity_running``) or
  while an objection is open (``training.objections_open``).
* An objection upheld removes its trainee's line (ineligible, amounts 0, the reason kept); dismissed keeps
  it, with the reason.
* Payment pays every eligible line its base share (``share_if_not_started`` of the full amount) as a policy
  grant of the kind's ``training_subsidy`` item (policies' :func:`grant_create`: totals, once-only rule);
  the follow-up ``full_if_started_within_months`` months after completion checks the registry (a business
  the trainee founded or leads — a founder link, not a loan, credit entry or benefit naming the business —
  registered on or after completion and within the months) and decides each line's top-up to the full
  amount, or not, with the reason on the line; :func:`claim_pay_top_up` records the top-up payment (date,
  voucher, amount) and makes each top-up a second grant.
* An objector's contact is a mobile number (the shared check), kept encrypted with a masked copy; the clear
  number only through :func:`objection_contact_reveal` (reveal right, audit-logged).
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from fanxiang.core import audit, calendar, pii
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.core.scope import ADD, CHANGE, REVEAL, VIEW, can, resolve
from fanxiang.core.validators import check_mobile, checked_text, mask_mobile
from fanxiang.core.workflow import Context
from fanxiang.entrepreneurs.models import BusinessFounder
from fanxiang.policies import grants as policy_grants
from fanxiang.policies.grants_core import once_only_message
from fanxiang.policies.models import BenefitGrant, PolicyItem
from fanxiang.training.choices import ClaimStatus, ClassStatus, EnrolmentStatus, ObjectionStatus
from fanxiang.training.completion import completion_of, hours_text
from fanxiang.training.models import (
    Enrolment,
    Objection,
    Parameters,
    SubsidyClaim,
    SubsidyClaimLine,
    TrainingClass,
)
from fanxiang.training.reference_claims import item_code
from fanxiang.training.workflows import CLASSES
from fanxiang.training.workflows_claims import CLAIMS

S = ClaimStatus
CENTS = Decimal("0.01")
ZERO = Decimal("0.00")
CLAIM_ACTIONS = ("submit", "review", "publish", "approve", "return", "pay", "follow_up", "pay_top_up")


def _md(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


_text = functools.partial(checked_text, app="training", max_length=2000)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the last day of a shorter month)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def publicity_end(start: dt.date, workdays: int) -> dt.date:
    """The last day of a 公示 of ``workdays`` working days published on ``start`` (counted when a working
    day)."""
    return calendar.add_workdays(start - dt.timedelta(days=1), workdays)


def _item(kind: str, *, top_up: bool = False) -> PolicyItem:
    item = PolicyItem.objects.filter(code=item_code(kind, top_up=top_up)).first()
    if item is None:
        raise Conflict(
            "training.subsidy_item_missing", "政策库中尚无该培训项目的培训补贴条款，请先加载参考数据。"
        )
    return item


# --------------------------------------------------------------------------- lines


def line_values(enrolment: Enrolment, *, today: dt.date) -> dict[str, Any]:
    """What a claim line says for ``enrolment``, computed from the records (never typed)."""
    klass = enrolment.training_class
    rule = klass.programme.rule_on(klass.start_date)
    done = completion_of(enrolment)
    needed = Decimal(rule.subsidy_share) * done.hours_required
    cert = getattr(enrolment, "certificate", None)
    reasons = [done.reason]
    eligible = done.completed
    if not done.completed:
        reasons.append("未结业，不予补贴")
    if done.hours_attended < needed:
        eligible = False
        reasons.append(f"补贴要求出勤 {hours_text(needed)} 学时，未达到")
    if cert is None or cert.revoked:
        eligible = False
        reasons.append("无有效结业证书" if cert is None else "结业证书已撤销")
    if eligible:
        earlier = BenefitGrant.objects.filter(
            item__code=item_code(klass.programme.kind),
            entrepreneur=enrolment.entrepreneur_id,
            revoked_at__isnull=True,
        ).first()
        if earlier is not None:
            eligible = False
            reasons.append(once_only_message(earlier.item, earlier, enrolment.entrepreneur.name))
    full = Decimal(rule.subsidy_per_trainee).quantize(CENTS) if eligible else ZERO
    base = (full * Decimal(rule.share_if_not_started)).quantize(CENTS)
    return {
        "eligible": eligible,
        "reason": "；".join(reasons)[:300],
        "full_amount": full,
        "base_amount": base,
    }


def _totals(claim: SubsidyClaim) -> None:
    lines = list(claim.lines.filter(eligible=True).values_list("full_amount", flat=True))
    claim.trainees = len(lines)
    claim.amount_claimed = sum(lines, ZERO)


def certificate_of(line: SubsidyClaimLine) -> str:
    cert = getattr(line.enrolment, "certificate", None)
    return cert.number if cert is not None and not cert.revoked else ""


# --------------------------------------------------------------------------- filing


def claim_create(*, actor: Any, training_class: TrainingClass, today: dt.date | None = None) -> SubsidyClaim:
    """File the subsidy claim of a finished class with its roster (the class moves to ``claimed``)."""
    today = today or timezone.localdate()
    if resolve(actor, SubsidyClaim, ADD).empty:
        raise Forbidden("training.forbidden", "您的角色无权申领培训补贴。")
    with transaction.atomic():
        klass = TrainingClass.objects.for_user(actor, VIEW).filter(pk=training_class.pk).first()
        if klass is None:
            raise NotFound("not_found", "记录不存在或无权访问。")
        if SubsidyClaim.objects.filter(training_class=klass).exists():
            raise Conflict("training.claim_exists", "该培训班已申领过补贴。")
        if klass.status != ClassStatus.FINISHED:
            raise Conflict(
                "training.class_not_finished",
                f"培训班当前状态为“{klass.get_status_display()}”，结业后才能申领补贴。",
            )
        CLASSES.transition(klass, "claim", actor, today=today)
        claim = SubsidyClaim.objects.create(training_class=klass, created_by=actor)
        enrolments = (
            Enrolment.objects.filter(training_class=klass, status=EnrolmentStatus.ENROLLED)
            .select_related("entrepreneur", "training_class__programme", "certificate")
            .prefetch_related("training_class__programme__rules")
            .order_by("id")
        )
        for enrolment in enrolments:
            SubsidyClaimLine.objects.create(
                claim=claim, enrolment=enrolment, **line_values(enrolment, today=today)
            )
        _totals(claim)
        claim.save(update_fields=["trainees", "amount_claimed", "updated_at"])
        CLAIMS.record(
            obj=claim,
            action="create",
            from_status="",
            to_status=claim.status,
            actor=actor,
            role=",".join(sorted(CLAIMS.actor_roles(actor, claim) & CLAIMS.roles_by_action["submit"])),
            data={"lines": claim.lines.count(), "amount": str(claim.amount_claimed)},
        )
    return claim


def claim_recompute(ctx: Context) -> None:
    """Re-read the roster when a returned claim is submitted again (certificates may have changed)."""
    claim = ctx.obj
    for line in claim.lines.select_related("enrolment__training_class__programme", "enrolment__entrepreneur"):
        if line.reason.startswith("公示异议成立"):
            continue  # a line removed after an upheld objection stays removed
        for key, value in line_values(line.enrolment, today=ctx.today).items():
            setattr(line, key, value)
        line.save()
    _totals(claim)


# --------------------------------------------------------------------------- steps


def _publish(ctx: Context) -> None:
    claim = ctx.obj
    days = Parameters.on(ctx.today).publicity_workdays
    claim.publicity_start = ctx.today
    claim.publicity_end = publicity_end(ctx.today, days)
    ctx.data.update({"workdays": days, "end": claim.publicity_end.isoformat()})


def _approve(ctx: Context) -> None:
    claim = ctx.obj
    if claim.publicity_end is None or ctx.today <= claim.publicity_end:
        end = _md(claim.publicity_end) if claim.publicity_end else "—"
        raise Conflict("training.publicity_running", f"公示期至{end}，公示期满后才能审批。")
    open_count = claim.objections.filter(status=ObjectionStatus.OPEN).count()
    if open_count:
        raise Conflict("training.objections_open", f"尚有{open_count}件公示异议未处理，处理完毕后才能审批。")
    _totals(claim)
    claim.amount_approved = claim.amount_claimed
    ctx.data["amount"] = str(claim.amount_approved)


def _return(ctx: Context) -> None:
    ctx.obj.publicity_start = ctx.obj.publicity_end = None


EFFECTS = {"submit": claim_recompute, "publish": _publish, "approve": _approve, "return": _return}


def claim_action(
    *, actor: Any, claim: SubsidyClaim, action: str, note: str = "", today: dt.date | None = None
) -> SubsidyClaim:
    """submit, review, publish, approve, return (pay and follow_up have their own functions)."""
    if action not in ("submit", "review", "publish", "approve", "return"):
        raise NotFound("training.unknown_action", f"未知的操作：{action}。")
    return CLAIMS.transition(claim, action, actor, note=note, today=today, effect=EFFECTS.get(action))


def _grant(actor: Any, line: SubsidyClaimLine, *, top_up: bool, amount: Decimal, day: dt.date, batch: str):
    klass = line.claim.training_class
    return policy_grants.grant_create(
        actor=actor,
        data={
            "item": _item(klass.programme.kind, top_up=top_up).pk,
            "entrepreneur": line.enrolment.entrepreneur_id,
            "amount": amount,
            "granted_on": day,
            "granting_unit_name": str(klass.provider)[:100],
            "batch": batch[:64],
            "note": f"{klass.name}培训补贴{'跟踪补拨' if top_up else ''}（申领 #{line.claim_id}）",
        },
    )


def _payment_input(
    data: dict[str, Any], today: dt.date, *, label: str = "拨付"
) -> tuple[str, dt.date, Decimal]:
    """The voucher number, date and amount of a payment record, each refused with its field and code."""
    ref = _text(data.get("payment_ref"), "payment_ref", f"{label}凭证号", required=True, max_length=64)
    try:
        paid_on = dt.date.fromisoformat(str(data.get("paid_on") or "").strip())
    except ValueError:
        raise InvalidInput.field(
            "paid_on", "training.paid_on_invalid", f"{label}日期应为有效日期（年-月-日）。"
        ) from None
    if paid_on > today:
        raise InvalidInput.field("paid_on", "training.paid_on_invalid", f"{label}日期不能晚于今天。")
    try:
        amount = Decimal(str(data.get("amount")).strip().replace(",", "")).quantize(CENTS)
    except (ArithmeticError, ValueError):
        raise InvalidInput.field(
            "amount", "training.amount_invalid", f"{label}金额应为数字（元）。"
        ) from None
    if not amount.is_finite() or amount < 0:
        raise InvalidInput.field("amount", "training.amount_invalid", f"{label}金额不能为负数（元）。")
    return ref, paid_on, amount


def claim_pay(
    *, actor: Any, claim: SubsidyClaim, data: dict[str, Any], today: dt.date | None = None
) -> SubsidyClaim:
    """Record the payment (date, amount, voucher number); each eligible line becomes a policy grant."""
    today = today or timezone.localdate()
    ref, paid_on, amount = _payment_input(data, today)

    def effect(ctx: Context) -> None:
        claim = ctx.obj
        lines = list(
            claim.lines.filter(eligible=True).select_related("enrolment", "claim__training_class__programme")
        )
        due = sum((line.base_amount for line in lines), ZERO)
        if amount != due:
            raise InvalidInput.field(
                "amount",
                "training.payment_amount_mismatch",
                f"本次应拨付{due:,.2f}元（各学员先行拨付合计）。",
            )
        for line in lines:
            if line.base_amount > 0:
                line.grant = _grant(
                    actor, line, top_up=False, amount=line.base_amount, day=paid_on, batch=ref
                )
                line.save(update_fields=["grant"])
        rule = claim.training_class.programme.rule_on(claim.training_class.start_date)
        claim.paid_on, claim.payment_ref, claim.amount_paid = paid_on, ref, due
        claim.follow_up_due = add_months(claim.training_class.end_date, rule.full_if_started_within_months)
        ctx.data.update({"paid_on": paid_on.isoformat(), "amount": str(due), "payment_ref": ref})

    return CLAIMS.transition(claim, "pay", actor, today=today, effect=effect)


def started_business(enrolment: Enrolment, *, since: dt.date, until: dt.date) -> dt.date | None:
    """The registration date of a business the trainee founded or leads, registered between ``since`` and
    ``until`` (both included). Only the registry's founder links count (创办人: the founder, the legal
    representative, a partner, :class:`~fanxiang.entrepreneurs.models.BusinessFounder`); a business the
    trainee is merely linked to — a loan taken for it, a credit entry, a benefit it received — does not."""
    link = (
        BusinessFounder.objects.filter(
            entrepreneur_id=enrolment.entrepreneur_id,
            business__registered_on__gte=since,
            business__registered_on__lte=until,
        )
        .select_related("business")
        .order_by("business__registered_on", "business_id")
        .first()
    )
    return link.business.registered_on if link else None


def claim_follow_up(*, actor: Any, claim: SubsidyClaim, today: dt.date | None = None) -> SubsidyClaim:
    """The follow-up after the split rule's months: decide each line's top-up to the full amount when the
    trainee registered a business in time, or not, with the reason on the line. The top-ups are paid
    afterwards with their own voucher (:func:`claim_pay_top_up`)."""
    today = today or timezone.localdate()

    def effect(ctx: Context) -> None:
        claim = ctx.obj
        if claim.followed_up_on is not None:
            raise Conflict("training.already_followed_up", f"已于{_md(claim.followed_up_on)}完成跟踪核查。")
        if claim.follow_up_due is None or today < claim.follow_up_due:
            raise Conflict(
                "training.follow_up_not_due", f"跟踪核查日为{_md(claim.follow_up_due or today)}，尚未到期。"
            )
        klass = claim.training_class
        months = klass.programme.rule_on(klass.start_date).full_if_started_within_months
        due = ZERO
        for line in claim.lines.filter(eligible=True).select_related("enrolment", "claim__training_class"):
            since = line.enrolment.completed_on or klass.end_date
            until = add_months(since, months)
            found = started_business(line.enrolment, since=since, until=until)
            line.started_business = found is not None
            gap = line.full_amount - line.base_amount
            if found is not None and gap > 0:
                line.top_up_amount = gap
                due += gap
                note = f"跟踪核查：{_md(found)}登记经营主体（结业后{months}个月内），应补拨{gap:,.2f}元"
            elif found is not None:
                note = f"跟踪核查：{_md(found)}登记经营主体，已全额拨付"
            else:
                note = f"跟踪核查：{_md(since)}至{_md(until)}未登记本人创办的经营主体，不予补拨"
            line.reason = f"{line.reason.split('；跟踪核查')[0]}；{note}"[-300:]
            line.save(update_fields=["started_business", "top_up_amount", "reason"])
        claim.amount_top_up_due = due
        claim.followed_up_on = today
        ctx.data.update({"top_up_due": str(due)})

    return CLAIMS.transition(claim, "follow_up", actor, today=today, effect=effect)


def claim_pay_top_up(
    *, actor: Any, claim: SubsidyClaim, data: dict[str, Any], today: dt.date | None = None
) -> SubsidyClaim:
    """Record the payment of the top-ups the follow-up decided (date, amount, voucher number), like the base
    payment: each topped-up line becomes a second policy grant."""
    today = today or timezone.localdate()
    ref, paid_on, amount = _payment_input(data, today, label="补拨")

    def effect(ctx: Context) -> None:
        claim = ctx.obj
        if claim.followed_up_on is None:
            raise Conflict("training.follow_up_pending", "尚未完成创业跟踪核查，核查后才能登记补拨。")
        if claim.top_up_paid_on is not None:
            raise Conflict(
                "training.top_up_already_paid",
                f"已于{_md(claim.top_up_paid_on)}登记补拨（凭证号{claim.top_up_payment_ref}）。",
            )
        lines = list(
            claim.lines.filter(eligible=True, top_up_amount__gt=0, top_up_grant__isnull=True).select_related(
                "enrolment", "claim__training_class__programme"
            )
        )
        due = sum((line.top_up_amount for line in lines), ZERO)
        # the follow-up's decision (amount_top_up_due) is what may be paid: lines topped up some other way
        # (a follow-up recorded before top-ups were paid as their own step) are not paid again
        if due <= 0 or due != claim.amount_top_up_due:
            raise Conflict("training.no_top_up_due", "跟踪核查未确定应补拨的学员，无需登记补拨。")
        if paid_on < claim.followed_up_on:
            raise InvalidInput.field(
                "paid_on",
                "training.paid_on_invalid",
                f"补拨日期不能早于跟踪核查日期{_md(claim.followed_up_on)}。",
            )
        if amount != due:
            raise InvalidInput.field(
                "amount", "training.payment_amount_mismatch", f"本次应补拨{due:,.2f}元（各学员应补拨合计）。"
            )
        for line in lines:
            line.top_up_grant = _grant(
                actor, line, top_up=True, amount=line.top_up_amount, day=paid_on, batch=ref
            )
            line.save(update_fields=["top_up_grant"])
        claim.top_up_paid_on, claim.top_up_payment_ref, claim.amount_topped_up = paid_on, ref, due
        claim.amount_paid += due
        ctx.data.update({"paid_on": paid_on.isoformat(), "amount": str(due), "payment_ref": ref})

    return CLAIMS.transition(claim, "pay_top_up", actor, today=today, effect=effect)


# --------------------------------------------------------------------------- objections


def objection_record(
    *, actor: Any, claim: SubsidyClaim, data: dict[str, Any], today: dt.date | None = None
) -> Objection:
    """Record an objection: staff from a phone call (``actor`` a user, contact optional), or the public form
    (``actor`` None, only while the 公示 runs, contact required). The contact is a mobile number (the shared
    mobile check); it is stored encrypted with a masked copy for display."""
    today = today or timezone.localdate()
    content = _text(data.get("content"), "content", "异议内容", required=True)
    raised_by = _text(data.get("raised_by"), "raised_by", "异议人", max_length=64)
    contact = objection_contact(data.get("contact"), required=actor is None)
    if actor is None:
        if claim.publicity_end is None or not (claim.publicity_start <= today <= claim.publicity_end):
            raise Conflict("training.publicity_closed", "该公示不在公示期内，不能在线提交异议。")
    enrolment = None
    line_id = data.get("line")
    if line_id not in (None, ""):
        if not (str(line_id).isascii() and str(line_id).isdigit()):
            raise InvalidInput.field("line", "training.line_invalid", "公示名单中没有该学员。")
        line = claim.lines.filter(pk=int(line_id)).select_related("enrolment").first()
        if line is None:
            raise InvalidInput.field("line", "training.line_invalid", "公示名单中没有该学员。")
        enrolment = line.enrolment
    made: dict[str, Objection] = {}

    def effect(ctx: Context) -> None:
        made["objection"] = Objection.objects.create(
            claim=ctx.obj,
            enrolment=enrolment,
            raised_by=raised_by,
            contact_enc=pii.encrypt(contact),
            contact_masked=mask_mobile(contact),
            content=content,
            received_on=today,
            recorded_by=actor,
        )
        ctx.data.update({"objection": made["objection"].pk, "line": line_id or None})

    CLAIMS.transition(claim, "object", actor, today=today, effect=effect)
    return made["objection"]


def objection_contact(raw: Any, *, required: bool) -> str:
    """The objector's contact as a normalised mobile number ("" when optional and left blank)."""
    if not str(raw or "").strip() and not required:
        return ""
    checked = check_mobile(str(raw or ""))
    if checked.valid:
        return checked.value
    if checked.code == "mobile.required":
        raise InvalidInput.field("contact", "training.contact_required", "请填写11位手机号码以便回复。")
    raise InvalidInput.field("contact", "training.contact_invalid", f"联系方式：{checked.message}")


def objection_contact_reveal(*, actor: Any, objection: Objection, request: Any = None) -> str:
    """The objector's clear contact number, for a role with the reveal right in the claim's county; every
    reveal is written to the audit log (as the registry's ID-number reveals are)."""
    path = objection.claim.training_class.region.tree_path
    if not can(actor, Objection, REVEAL, path):
        raise Forbidden("training.reveal_forbidden", "您的角色无权查看完整的个人敏感信息。")
    if not objection.contact_enc:
        raise Conflict("training.contact_missing", "该异议未留联系方式。")
    audit.record_event(
        event=audit.EVENT_REVEAL, actor=actor, obj=objection, request=request, data={"field": "contact"}
    )
    return pii.decrypt(objection.contact_enc)


def objection_handle(
    *, actor: Any, objection: Objection, upheld: bool, note: str, today: dt.date | None = None
) -> Objection:
    """Uphold (the trainee's line is removed, with the reason) or dismiss an objection (reason required)."""
    today = today or timezone.localdate()
    if not isinstance(upheld, bool):
        raise InvalidInput.field("upheld", "training.decision_invalid", "请选择异议成立或不成立。")
    note = _text(note, "note", "处理意见", required=True)
    if resolve(actor, Objection, CHANGE).empty:
        raise Forbidden("training.forbidden", "您的角色无权处理公示异议。")

    def effect(ctx: Context) -> None:
        found = Objection.objects.select_for_update().get(pk=objection.pk)
        if found.status != ObjectionStatus.OPEN:
            raise Conflict("training.objection_handled", "该异议已处理。")
        found.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        found.handling_note, found.handled_by, found.handled_on = note, actor, today
        found.save()
        if upheld and found.enrolment_id:
            line = ctx.obj.lines.get(enrolment_id=found.enrolment_id)
            line.eligible = False
            line.full_amount = line.base_amount = ZERO
            line.reason = f"公示异议成立：{note}"[:300]
            line.save()
            _totals(ctx.obj)
        objection.status = found.status
        ctx.data.update({"objection": found.pk, "upheld": upheld})

    CLAIMS.transition(objection.claim, "handle", actor, note=note, today=today, effect=effect)
    objection.refresh_from_db()
    return objection


# --------------------------------------------------------------------------- reads


def claims_for_user(user: Any, action: str = VIEW):
    return SubsidyClaim.objects.for_user(user, action).select_related(
        "training_class__programme", "training_class__region", "training_class__provider__organization"
    )


def claim_get(user: Any, pk: int, action: str = VIEW) -> SubsidyClaim:
    claim = claims_for_user(user, action).filter(pk=pk).first()
    if claim is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    return claim


def claim_lines(claim: SubsidyClaim):
    return claim.lines.select_related("enrolment__entrepreneur", "enrolment__certificate").order_by("id")


def public_claims(today: dt.date | None = None):
    """Claims whose 公示 runs today (the public list: every county, names masked by the page)."""
    today = today or timezone.localdate()
    return (
        SubsidyClaim.objects.filter(status=S.PUBLICISED, publicity_start__lte=today, publicity_end__gte=today)
        .select_related(
            "training_class__programme", "training_class__region", "training_class__provider__organization"
        )
        .order_by("publicity_end", "id")
    )
