"""Self-registrations: a portal account whose name and ID number the registry could not bind registers the
person (and their business) for the county of the current residence, which confirms it, merges it into an
existing record or rejects it with a reason sent back — every decision a step of
:data:`fanxiang.portal.workflows.REGISTRATIONS`, whose effect does the registry work through the registry's
own services (validation, scope, change log)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fanxiang.core import audit, pii
from fanxiang.core.errors import Conflict, ErrorCollector, InvalidInput, NotFound
from fanxiang.core.scope import CHANGE, resolve
from fanxiang.core.validators import mask_id_number
from fanxiang.core.workflow import Context
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.choices import RecordStatus
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.entrepreneurs.validation import clean_business, clean_entrepreneur
from fanxiang.notifications.services import notify, notify_region_staff
from fanxiang.portal.models import PortalAccount, Registration, RequestStatus
from fanxiang.portal.services_accounts import as_account, bind_account
from fanxiang.portal.services_edits import BUSINESS_NEW_FIELDS
from fanxiang.portal.workflows import REGISTRATIONS, decide

# the person facts asked for (entrepreneur_create input keys)
REGISTRATION_PERSON_FIELDS = (
    "category", "return_date", "started_on", "worked_province", "worked_city", "worked_months", "education",
    "skills", "priority_groups", "hukou_region",
)  # fmt: skip


def _prefixed(errors: ErrorCollector, prefix: str, exc_errors: ErrorCollector) -> None:
    for item in exc_errors.items:
        errors.add(f"{prefix}{item['field']}", item["code"], item["message"])


def _json_values(data: dict, keys: tuple[str, ...]) -> dict:
    out = {}
    for key in keys:
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, (set, tuple)):
            value = sorted(value)
        out[key] = value
    return out


@as_account
@transaction.atomic
def registration_submit(
    *, account: PortalAccount, data: dict[str, Any], actor: Any = None, assisted_by: Any = None
) -> Registration:
    """A self-registration for the county of the person's current residence: name, ID number, current
    region, the person facts and (optionally) their business. Checked with the registry's own validation."""
    account = PortalAccount.objects.select_for_update().get(pk=account.pk)
    if account.entrepreneur_id:
        raise Conflict("portal.already_bound", "您的账号已完成实名绑定，无需再登记。")
    if Registration.objects.filter(account=account, status=RequestStatus.PENDING).exists():
        raise Conflict("portal.registration_pending", "您已提交登记申请，请等待县区审核。")
    person_in = {
        "name": data.get("name"),
        "id_number": data.get("id_number"),
        "mobile": account.mobile,
        "region": data.get("region"),
        **{k: data.get(k) for k in REGISTRATION_PERSON_FIELDS},
    }
    clean, person_errors = clean_entrepreneur(person_in)
    errors = ErrorCollector()
    _prefixed(errors, "", person_errors)
    business_in = {
        k: v
        for k, v in (data.get("business") or {}).items()
        if k in BUSINESS_NEW_FIELDS and v not in (None, "", [])
    }
    if business_in:
        business_in.setdefault("region", data.get("region"))
        _b, business_errors = clean_business(business_in)  # the full check business_create will run
        _prefixed(errors, "business_", business_errors)
    errors.raise_if_any()
    id_hash = pii.index(clean["id_number"])
    if PortalAccount.objects.filter(entrepreneur__id_number_hash=id_hash).exists():
        raise Conflict(
            "portal.record_bound_elsewhere",
            "该身份证号码已绑定其他手机号账号。如需更换手机号，请携带身份证到服务中心办理。",
        )
    registration = Registration.objects.create(
        account=account,
        name=clean["name"],
        id_number_enc=pii.encrypt(clean["id_number"]),
        id_number_hash=id_hash,
        id_number_masked=mask_id_number(clean["id_number"]),
        region=clean["region"],
        person=_json_values(
            {
                **{
                    k: person_in.get(k)
                    for k in REGISTRATION_PERSON_FIELDS
                    if person_in.get(k) not in (None, "")
                },
                "priority_groups": sorted(clean.get("priority_groups") or []),
            },
            REGISTRATION_PERSON_FIELDS,
        ),
        business={k: business_in[k] for k in sorted(business_in)},
        assisted_by=assisted_by,
    )
    notify_region_staff(
        role="county_officer",
        region=registration.region,
        event="registration_submitted",
        context={"name": registration.name, "region": registration.region.name},
        link=f"/portal/review/registrations/{registration.pk}/",
    )
    return registration


def _decided(ctx: Context, person: Entrepreneur | None = None) -> None:
    """What every decision writes on the registration (the machine sets the status and records the step)."""
    reg = ctx.obj
    reg.reason = ctx.data.get("reason", "")
    reg.decided_by = ctx.actor
    reg.decided_at = timezone.now()
    reg.entrepreneur = person
    ctx.data["entrepreneur"] = person.pk if person else None


def _county_name(region) -> str:
    county = getattr(region, "county", None) or region
    return county.name


def _notify_confirmed(reg: Registration, name: str) -> None:
    notify(
        event="registration_confirmed",
        recipient_user=reg.account.user,
        context={"name": name, "region": _county_name(reg.region)},
        link="/portal/",
    )


@audit.audited
@transaction.atomic
def registration_confirm(
    *, actor: Any, registration: Registration, with_business: bool = True
) -> Registration:
    """The county confirms a self-registration: a new registry record (and business) through the registry's
    services, bound to the account; the person is notified."""

    def confirm(ctx: Context) -> None:
        reg = ctx.obj
        account = reg.account
        if account.entrepreneur_id:
            raise Conflict("portal.already_bound", "该账号已绑定登记记录，请直接驳回本申请并说明。")
        data = {
            **reg.person,
            "name": reg.name,
            "id_number": reg.id_number,
            "mobile": account.mobile,
            "region": reg.region.code,
        }
        person = registry.entrepreneur_create(actor=actor, data=data)
        if with_business and reg.business:
            business = {
                "region": reg.region.code,
                **reg.business,
            }  # jobs_created goes in as a dated jobs report
            registry.business_create(actor=actor, data=business, founders=[person.pk])
        bind_account(account, person, timezone.now(), "registration_confirmed", actor=actor)
        _decided(ctx, person)

    reg = decide(REGISTRATIONS, registration, "confirmed", actor, effect=confirm)
    _notify_confirmed(reg, reg.name)
    return reg


def merge_candidates(actor: Any, registration: Registration):
    """Registry records the officer may merge a registration into: the same ID number, or the same name, in
    the officer's scope (change), active and not bound to another account."""
    qs = (
        Entrepreneur.objects.for_user(actor, CHANGE)
        .filter(status=RecordStatus.ACTIVE)
        .filter(Q(id_number_hash=registration.id_number_hash) | Q(name=registration.name))
        .filter(portal_account__isnull=True)
        .select_related("region")
    )
    return qs.order_by("-id")[:20]


@audit.audited
@transaction.atomic
def registration_merge(*, actor: Any, registration: Registration, entrepreneur: Entrepreneur) -> Registration:
    """The county binds the account to an existing record (the person was registered already, perhaps with
    a typo or another mobile)."""

    def merge(ctx: Context) -> None:
        reg = ctx.obj
        person = Entrepreneur.objects.select_for_update().filter(pk=entrepreneur.pk).first()
        if person is None or not resolve(actor, Entrepreneur, CHANGE).covers(person):
            raise NotFound("not_found", "要合并的登记记录不存在或不在您的管辖范围内。")
        if person.status != RecordStatus.ACTIVE:
            raise InvalidInput("entrepreneur.closed", "该记录已注销，不能合并。")
        if reg.account.entrepreneur_id:
            raise Conflict("portal.already_bound", "该账号已绑定登记记录。")
        bind_account(reg.account, person, timezone.now(), "registration_merged", actor=actor)
        _decided(ctx, person)

    reg = decide(REGISTRATIONS, registration, "merged", actor, effect=merge)
    _notify_confirmed(reg, reg.entrepreneur.name)
    return reg


@audit.audited
@transaction.atomic
def registration_reject(*, actor: Any, registration: Registration, reason: str) -> Registration:
    reg = decide(
        REGISTRATIONS,
        registration,
        "rejected",
        actor,
        reason=reason,
        reason_message="请填写不予登记的原因（将告知申请人）。",
        effect=_decided,
    )
    notify(
        event="registration_rejected",
        recipient_user=reg.account.user,
        context={"name": reg.name, "region": _county_name(reg.region), "reason": reg.reason},
        link="/portal/bind/",
    )
    return reg
