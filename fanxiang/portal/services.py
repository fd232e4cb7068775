"""Portal writes: sign-in and accounts, real-name binding, self-registrations and edit requests (decided by
the county through the registry's own services), and the clerk's assisted sessions.

A portal account acts on loans as its ``User`` carrying ``entrepreneur_id`` (:func:`portal_actor`), which the
loan workflow recognises as the applicant (``workflow.is_applicant``) — and as nothing else: the account holds
no role, so every staff scope resolves to nothing for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from fanxiang.accounts.models import User
from fanxiang.core import audit, pii
from fanxiang.core.errors import (
    Conflict,
    DomainError,
    ErrorCollector,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from fanxiang.core.scope import CHANGE, VIEW, ensure_in_scope, resolve
from fanxiang.core.validators import check_id_number, mask_id_number, mask_mobile, validate_mobile
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.choices import RecordStatus
from fanxiang.entrepreneurs.models import Business, BusinessFounder, Entrepreneur
from fanxiang.entrepreneurs.validation import clean_business, clean_entrepreneur
from fanxiang.notifications.services import notify, notify_region_staff
from fanxiang.portal import otp
from fanxiang.portal.models import (
    AssistSession,
    AssistStatus,
    ConsentMethod,
    EditKind,
    EditRequest,
    OtpPurpose,
    PortalAccount,
    Registration,
    RequestStatus,
)

BIND_ATTEMPTS_PER_DAY = 10
ASSIST_HOURS = 4

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
# self-registration: the person facts asked for (entrepreneur_create input keys)
REGISTRATION_PERSON_FIELDS = (
    "category", "return_date", "started_on", "worked_province", "worked_city", "worked_months", "education",
    "skills", "priority_groups", "hukou_region",
)  # fmt: skip


def _as_account(func):
    """Like ``audit.audited``, naming the account's own user when the caller gives no ``actor`` (the generic
    change log of what a portal account writes names that account)."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        account = kwargs.get("account")
        with audit.acting_as(kwargs.get("actor") or getattr(account, "user", None)):
            return func(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------- accounts and sign-in


def portal_actor(account: PortalAccount) -> User:
    """The user the portal account acts as: recognised by the loan workflow as the applicant of its own
    person's applications (``entrepreneur_id``), and as nobody else."""
    user = account.user
    user.entrepreneur_id = account.entrepreneur_id
    user.portal_account = account
    return user


def _new_user() -> User:
    user = User(username=f"portal-{uuid.uuid4().hex[:16]}", is_staff=False)
    user.set_unusable_password()
    user.save()
    return user


def account_for_mobile(mobile: str) -> PortalAccount | None:
    return (
        PortalAccount.objects.select_related("user", "entrepreneur")
        .filter(mobile_hash=pii.index(mobile))
        .first()
    )


@transaction.atomic
def _account_get_or_create(mobile: str) -> tuple[PortalAccount, bool]:
    account = account_for_mobile(mobile)
    if account is not None:
        return account, False
    try:
        with transaction.atomic():
            user = _new_user()
            with audit.acting_as(user):  # the change log names the new account's own user
                account = PortalAccount.objects.create(
                    user=user,
                    mobile_enc=pii.encrypt(mobile),
                    mobile_hash=pii.index(mobile),
                    mobile_masked=mask_mobile(mobile),
                )
    except IntegrityError:  # signed up concurrently (the user row is rolled back with it)
        return account_for_mobile(mobile), False
    return account, True


def _after_login(account: PortalAccount, method: str, request: Any, now: dt.datetime) -> None:
    if not account.is_active or not account.user.is_active:
        raise Forbidden("portal.account_disabled", "该门户账号已停用，请联系服务中心。")
    PortalAccount.objects.filter(pk=account.pk).update(last_login_at=now)
    audit.record_event(
        event=audit.EVENT_LOGIN, actor=account.user, obj=account, request=request, data={"portal": method}
    )


def request_login_code(*, mobile: str, ip: str | None = None, now: dt.datetime | None = None) -> otp.Sent:
    return otp.request_code(mobile=mobile, purpose=OtpPurpose.LOGIN, ip=ip, now=now)


def login_with_code(
    *, mobile: str, code: str, request: Any = None, now: dt.datetime | None = None
) -> tuple[PortalAccount, bool]:
    """Sign in (and sign up on first use) with a code sent to ``mobile``. Returns (account, created)."""
    now = now or timezone.now()
    mobile = otp.verify_code(mobile=mobile, code=code, purpose=OtpPurpose.LOGIN, now=now)
    account, created = _account_get_or_create(mobile)
    _after_login(account, "otp", request, now)
    return account, created


def login_with_password(
    *, mobile: str, password: str, request: Any = None, now: dt.datetime | None = None
) -> PortalAccount:
    """The optional password: same lock as codes (5 wrong → 15 minutes), one message for any failure."""
    now = now or timezone.now()
    mobile = validate_mobile(mobile)
    key = f"password:{pii.index(mobile)}"
    lim = otp.limits()
    refusal: DomainError | None = None
    with transaction.atomic():
        throttle = otp.throttle_lock(key)
        if throttle.locked(now):
            raise otp._locked_error(throttle, now)
        account = account_for_mobile(mobile)
        ok = account is not None and account.password and check_password(password or "", account.password)
        if ok:
            throttle.failures = 0
        else:
            throttle.failures += 1
            if throttle.failures >= lim.max_failures:
                throttle.failures = 0
                throttle.locked_until = now + lim.lock
                refusal = otp._locked_error(throttle, now)
            else:
                refusal = Unauthorized(
                    "portal.invalid_credentials",
                    f"手机号或密码不正确（未设置密码请用验证码登录），还可尝试{lim.max_failures - throttle.failures}次。",
                )
        throttle.save(update_fields=["failures", "locked_until", "updated_at"])
    if refusal is not None:
        raise refusal
    _after_login(account, "password", request, now)
    return account


@transaction.atomic
def account_set_password(*, account: PortalAccount, password: str) -> None:
    """An optional password for later sign-ins (the staff password rules apply)."""
    try:
        validate_password(password or "", user=account.user)
    except ValidationError as exc:
        raise InvalidInput(
            "portal.password_invalid", "；".join(exc.messages), errors={"password": exc.messages}
        )
    PortalAccount.objects.filter(pk=account.pk).update(password=make_password(password))
    account.password = "set"
    audit.record_event(
        event=audit.EVENT_SECURITY, actor=account.user, obj=account, data={"portal": "password_set"}
    )


def token_revoke(*, account: PortalAccount, token: Any) -> None:
    from fanxiang.portal.models import PortalToken

    PortalToken.objects.filter(pk=token.pk, account=account).update(revoked_at=timezone.now())
    audit.record_event(event=audit.EVENT_LOGOUT, actor=account.user, obj=account, data={"portal": "token"})


# --------------------------------------------------------------------------- real-name binding


@dataclass(frozen=True)
class BindOutcome:
    status: str  # "bound" | "registration_needed" | "review_needed"
    message: str
    entrepreneur: Entrepreneur | None = None


def _bind_attempt(account: PortalAccount, now: dt.datetime) -> None:
    key = f"bind:{account.pk}"
    with transaction.atomic():
        throttle = otp.throttle_lock(key)
        if throttle.locked(now):
            raise TooManyRequests(
                "portal.bind_rate_limited",
                "今天实名核验次数过多，请明天再试或携带身份证到服务中心办理。",
                details={"retry_after": int((throttle.locked_until - now).total_seconds())},
            )
        throttle.failures += 1
        if throttle.failures >= BIND_ATTEMPTS_PER_DAY:
            throttle.failures = 0
            throttle.locked_until = now + dt.timedelta(days=1)
        throttle.save(update_fields=["failures", "locked_until", "updated_at"])


def _clean_name_id(name: str, id_number: str) -> tuple[str, str]:
    errors = ErrorCollector()
    name = (name or "").strip()
    if not name:
        errors.add("name", "name.required", "请填写姓名。")
    elif len(name) > 32:
        errors.add("name", "name.too_long", "姓名不能超过32个字。")
    result = check_id_number(id_number or "")
    if not result.valid:
        errors.add("id_number", result.code, result.message)
    errors.raise_if_any()
    return name, result.value


def _bind(
    account: PortalAccount, person: Entrepreneur, now: dt.datetime, how: str, actor: Any = None
) -> None:
    PortalAccount.objects.select_for_update().filter(pk=account.pk).first()
    if PortalAccount.objects.filter(entrepreneur=person).exclude(pk=account.pk).exists():
        raise Conflict(
            "portal.record_bound_elsewhere",
            "该人员已绑定其他手机号账号。如需更换手机号，请携带身份证到服务中心办理。",
        )
    account.entrepreneur = person
    account.bound_at = now
    try:
        with transaction.atomic():
            account.save(update_fields=["entrepreneur", "bound_at"])
    except IntegrityError:
        raise Conflict("portal.record_bound_elsewhere", "该人员已绑定其他手机号账号。")
    User.objects.filter(pk=account.user_id).update(real_name=person.name[:32])
    account.user.real_name = person.name[:32]
    audit.record_event(
        event=audit.EVENT_UPDATE,
        actor=actor or account.user,
        obj=account,
        data={"portal": "bind", "entrepreneur": person.pk, "how": how},
    )


def account_bind(
    *, account: PortalAccount, name: str, id_number: str, now: dt.datetime | None = None
) -> BindOutcome:
    """Bind the account to the registry record holding this ID number under this name. Anything short of a
    full match (unknown number, other name, closed record) answers the same — "submit a registration" — so
    the form reveals nothing about who is registered. A match is bound at once only when the registry holds
    a mobile and it is the account's verified mobile; a match with no mobile on record or another one is not
    bound automatically: it goes to the county as a registration to merge."""
    now = now or timezone.now()
    if account.entrepreneur_id:
        raise Conflict("portal.already_bound", "您的账号已完成实名绑定。")
    name, id_value = _clean_name_id(name, id_number)
    _bind_attempt(account, now)
    with transaction.atomic():
        person = Entrepreneur.objects.filter(id_number_hash=pii.index(id_value)).first()
        if person is None or person.status != RecordStatus.ACTIVE or person.name != name:
            return BindOutcome(
                "registration_needed",
                "登记库中未找到与您的姓名和身份证号一致的记录，请填写返乡创业人员登记信息，由所在县（市、区）审核。",
            )
        if not person.mobile_hash:
            # Name and ID number alone are not proof of identity: without a mobile on record to match the
            # verified one, the county confirms the binding through the registration review.
            return BindOutcome(
                "review_needed",
                "登记信息中没有可核对的手机号，请提交登记核验申请，由所在县（市、区）人社部门确认后绑定。",
            )
        if person.mobile_hash != account.mobile_hash:
            return BindOutcome(
                "review_needed",
                "登记信息中的手机号与当前账号不一致，请提交登记核验申请，由所在县（市、区）人社部门确认后绑定。",
            )
        _bind(account, person, now, "id_match")
    return BindOutcome("bound", f"实名绑定成功：{person.name}。", person)


# --------------------------------------------------------------------------- self-registration


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


@_as_account
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


def _lock_registration(actor: Any, registration: Registration) -> Registration:
    reg = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("account__user", "region")
        .filter(pk=registration.pk)
        .first()
    )
    if reg is None or not resolve(actor, Registration, VIEW).covers(reg):
        raise NotFound("not_found", "记录不存在或无权访问。")
    ensure_in_scope(actor, reg, CHANGE)
    if reg.status != RequestStatus.PENDING:
        raise Conflict("portal.already_decided", f"该申请已处理（{reg.get_status_display()}）。")
    return reg


def _decided(
    reg: Registration, actor: Any, status: str, reason: str = "", person: Entrepreneur | None = None
):
    reg.status = status
    reg.reason = reason[:200]
    reg.decided_by = actor
    reg.decided_at = timezone.now()
    reg.entrepreneur = person
    reg.save()
    audit.record_transition(
        obj=reg,
        actor=actor,
        transition=status,
        from_state=RequestStatus.PENDING,
        to_state=status,
        data={"reason": reason[:200], "entrepreneur": person.pk if person else None},
    )


def _county_name(region) -> str:
    county = getattr(region, "county", None) or region
    return county.name


@audit.audited
@transaction.atomic
def registration_confirm(
    *, actor: Any, registration: Registration, with_business: bool = True
) -> Registration:
    """The county confirms a self-registration: a new registry record (and business) through the registry's
    services, bound to the account; the person is notified."""
    reg = _lock_registration(actor, registration)
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
        business = {"region": reg.region.code, **reg.business}  # jobs_created goes in as a dated jobs report
        registry.business_create(actor=actor, data=business, founders=[person.pk])
    _bind(account, person, timezone.now(), "registration_confirmed", actor=actor)
    _decided(reg, actor, RequestStatus.CONFIRMED, person=person)
    notify(
        event="registration_confirmed",
        recipient_user=account.user,
        context={"name": reg.name, "region": _county_name(reg.region)},
        link="/portal/",
    )
    return reg


def merge_candidates(actor: Any, registration: Registration):
    """Registry records the officer may merge a registration into: the same ID number, or the same name, in
    the officer's scope (change), active and not bound to another account."""
    from django.db.models import Q

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
    reg = _lock_registration(actor, registration)
    person = Entrepreneur.objects.select_for_update().filter(pk=entrepreneur.pk).first()
    if person is None or not resolve(actor, Entrepreneur, CHANGE).covers(person):
        raise NotFound("not_found", "要合并的登记记录不存在或不在您的管辖范围内。")
    if person.status != RecordStatus.ACTIVE:
        raise InvalidInput("entrepreneur.closed", "该记录已注销，不能合并。")
    if reg.account.entrepreneur_id:
        raise Conflict("portal.already_bound", "该账号已绑定登记记录。")
    _bind(reg.account, person, timezone.now(), "registration_merged", actor=actor)
    _decided(reg, actor, RequestStatus.MERGED, person=person)
    notify(
        event="registration_confirmed",
        recipient_user=reg.account.user,
        context={"name": person.name, "region": _county_name(reg.region)},
        link="/portal/",
    )
    return reg


@audit.audited
@transaction.atomic
def registration_reject(*, actor: Any, registration: Registration, reason: str) -> Registration:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", "portal.reason_required", "请填写不予登记的原因（将告知申请人）。")
    reg = _lock_registration(actor, registration)
    _decided(reg, actor, RequestStatus.REJECTED, reason=reason)
    notify(
        event="registration_rejected",
        recipient_user=reg.account.user,
        context={"name": reg.name, "region": _county_name(reg.region), "reason": reason[:200]},
        link="/portal/bind/",
    )
    return reg


# --------------------------------------------------------------------------- edit requests


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


@_as_account
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


def _lock_edit(actor: Any, edit: EditRequest) -> EditRequest:
    req = (
        EditRequest.objects.select_for_update(of=("self",))
        .select_related("account__user", "entrepreneur__region", "business")
        .filter(pk=edit.pk)
        .first()
    )
    if req is None or not resolve(actor, EditRequest, VIEW).covers(req):
        raise NotFound("not_found", "记录不存在或无权访问。")
    ensure_in_scope(actor, req, CHANGE)
    if req.status != RequestStatus.PENDING:
        raise Conflict("portal.already_decided", f"该申请已处理（{req.get_status_display()}）。")
    return req


@audit.audited
@transaction.atomic
def edit_request_approve(*, actor: Any, edit: EditRequest, today: dt.date | None = None) -> EditRequest:
    """Apply the change through the registry's services (validation, scope re-check, change log)."""
    req = _lock_edit(actor, edit)
    changes = dict(req.changes)
    if req.kind == EditKind.PERSON:
        registry.entrepreneur_update(actor=actor, entrepreneur=req.entrepreneur, data=changes)
    elif req.kind == EditKind.BUSINESS:
        if not BusinessFounder.objects.filter(business=req.business, entrepreneur=req.entrepreneur).exists():
            raise Conflict("portal.business_not_owned", "该经营主体已不属于申请人。")
        registry.business_update(actor=actor, business=req.business, data=changes)
    elif req.kind == EditKind.BUSINESS_NEW:
        business = registry.business_create(actor=actor, data=changes, founders=[req.entrepreneur_id])
        req.business = business
    else:
        registry.business_report_jobs(
            actor=actor,
            business=req.business,
            report_date=today or timezone.localdate(),
            jobs_created=changes.get("jobs_created", req.business.jobs_created),
            poor_workers_employed=changes.get("poor_workers_employed", req.business.poor_workers_employed),
        )
    req.status = RequestStatus.APPROVED
    req.decided_by = actor
    req.decided_at = timezone.now()
    req.save()
    audit.record_transition(
        obj=req,
        actor=actor,
        transition="approve",
        from_state=RequestStatus.PENDING,
        to_state=RequestStatus.APPROVED,
    )
    notify(
        event="edit_approved",
        recipient_user=req.account.user,
        context={"name": req.entrepreneur.name, "what": req.get_kind_display()},
        link="/portal/profile/",
    )
    return req


@audit.audited
@transaction.atomic
def edit_request_reject(*, actor: Any, edit: EditRequest, reason: str) -> EditRequest:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", "portal.reason_required", "请填写不同意的原因（将告知申请人）。")
    req = _lock_edit(actor, edit)
    req.status = RequestStatus.REJECTED
    req.reason = reason[:200]
    req.decided_by = actor
    req.decided_at = timezone.now()
    req.save()
    audit.record_transition(
        obj=req,
        actor=actor,
        transition="reject",
        from_state=RequestStatus.PENDING,
        to_state=RequestStatus.REJECTED,
        data={"reason": reason[:200]},
    )
    notify(
        event="edit_rejected",
        recipient_user=req.account.user,
        context={"name": req.entrepreneur.name, "what": req.get_kind_display(), "reason": reason[:200]},
        link="/portal/profile/",
    )
    return req


# --------------------------------------------------------------------------- assisted mode (全程帮办)


def _consent_mobile(person: Entrepreneur) -> str:
    account = PortalAccount.objects.filter(entrepreneur=person).first()
    if account is not None:
        return account.mobile
    return person.mobile if person.mobile_enc else ""


def _require_clerk(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.has_role("service_clerk")):
        raise Forbidden("portal.assist_forbidden", "只有服务中心窗口人员可以开展全程帮办。")


@audit.audited
@transaction.atomic
def assist_start(
    *, actor: Any, id_number: str, purpose: str = "", now: dt.datetime | None = None
) -> AssistSession:
    """Open an assisted session for a registry person in the clerk's scope. The person then consents (code
    to their phone, or a signed form)."""
    now = now or timezone.now()
    _require_clerk(actor)
    result = check_id_number(id_number or "")
    if not result.valid:
        raise InvalidInput.field("id_number", result.code, result.message)
    person = (
        Entrepreneur.objects.for_user(actor, VIEW)
        .filter(id_number_hash=pii.index(result.value), status=RecordStatus.ACTIVE)
        .first()
    )
    if person is None:
        raise NotFound(
            "portal.assist_person_not_found",
            "本服务中心辖区的登记库中没有该身份证号码的在册人员：请先办理返乡创业人员登记。",
            errors={"id_number": ["辖区内未找到该人员。"]},
        )
    session = AssistSession.objects.create(
        clerk=actor,
        organization=getattr(actor, "organization", None),
        entrepreneur=person,
        purpose=(purpose or "").strip()[:100],
        expires_at=now + dt.timedelta(hours=ASSIST_HOURS),
    )
    return session


def _own_session(actor: Any, session: AssistSession) -> AssistSession:
    found = (
        AssistSession.objects.select_for_update(of=("self",))
        .select_related("entrepreneur", "clerk")
        .filter(pk=session.pk, clerk=actor)
        .first()
    )
    if found is None:
        raise NotFound("not_found", "帮办记录不存在或无权访问。")
    return found


def assist_send_consent_code(
    *, actor: Any, session: AssistSession, now: dt.datetime | None = None
) -> otp.Sent:
    """Text a consent code to the person's phone (bound account's mobile, else the registry's)."""
    _require_clerk(actor)
    with transaction.atomic():
        s = _own_session(actor, session)
        if s.status != AssistStatus.AWAITING_CONSENT:
            raise Conflict("portal.assist_not_awaiting", "该帮办已授权或已结束。")
        mobile = _consent_mobile(s.entrepreneur)
    if not mobile:
        raise InvalidInput(
            "portal.assist_no_mobile", "该人员没有登记手机号码，请使用书面授权书（本人签字）并上传扫描件。"
        )
    org = getattr(actor, "organization", None)
    sent = otp.request_code(
        mobile=mobile,
        purpose=OtpPurpose.CONSENT,
        now=now,
        extra=f"{org}工作人员" if org else "服务中心工作人员",
    )
    AssistSession.objects.filter(pk=session.pk).update(consent_mobile_masked=sent.mobile_masked)
    return sent


def _activate(s: AssistSession, actor: Any, method: str, now: dt.datetime) -> AssistSession:
    s.status = AssistStatus.ACTIVE
    s.consent_method = method
    s.consent_at = now
    s.save()
    audit.record_event(
        event=audit.EVENT_SECURITY,
        actor=actor,
        obj=s,
        data={"assist": "consent", "method": method, "entrepreneur": s.entrepreneur_id},
    )
    return s


@audit.audited
def assist_confirm_code(
    *, actor: Any, session: AssistSession, code: str, now: dt.datetime | None = None
) -> AssistSession:
    now = now or timezone.now()
    _require_clerk(actor)
    with transaction.atomic():
        s = _own_session(actor, session)
        if s.status != AssistStatus.AWAITING_CONSENT:
            raise Conflict("portal.assist_not_awaiting", "该帮办已授权或已结束。")
        mobile = _consent_mobile(s.entrepreneur)
    if not mobile:
        raise InvalidInput("portal.assist_no_mobile", "该人员没有登记手机号码，请使用书面授权书。")
    otp.verify_code(mobile=mobile, code=code, purpose=OtpPurpose.CONSENT, now=now)
    with transaction.atomic():
        s = _own_session(actor, session)
        return _activate(s, actor, ConsentMethod.OTP, now)


CONSENT_TYPES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


@audit.audited
@transaction.atomic
def assist_confirm_signed_form(
    *, actor: Any, session: AssistSession, upload: Any, now: dt.datetime | None = None
) -> AssistSession:
    """Consent by a signed authorisation form (for a person without a phone): the scan is kept."""
    from pathlib import PurePath

    now = now or timezone.now()
    _require_clerk(actor)
    s = _own_session(actor, session)
    if s.status != AssistStatus.AWAITING_CONSENT:
        raise Conflict("portal.assist_not_awaiting", "该帮办已授权或已结束。")
    if upload is None:
        raise InvalidInput.field("file", "portal.consent_file_required", "请上传本人签字的授权书扫描件。")
    name = PurePath(getattr(upload, "name", "") or "").name
    signatures = CONSENT_TYPES.get(PurePath(name).suffix.lower())
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    size = getattr(upload, "size", 0) or 0
    if not signatures or size == 0 or not any(head.startswith(sig) for sig in signatures):
        raise InvalidInput.field("file", "portal.consent_file_invalid", "授权书只能是 PDF、JPG 或 PNG 文件。")
    if size > 10 * 1024 * 1024:
        raise InvalidInput.field("file", "portal.consent_file_invalid", "授权书文件不能超过10MB。")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    s.consent_file.save(name, upload, save=False)
    s.consent_file_sha256 = digest.hexdigest()
    try:
        return _activate(s, actor, ConsentMethod.SIGNED_FORM, now)
    except BaseException:
        s.consent_file.delete(save=False)
        raise


@audit.audited
@transaction.atomic
def assist_end(*, actor: Any, session: AssistSession, now: dt.datetime | None = None) -> AssistSession:
    now = now or timezone.now()
    s = _own_session(actor, session)
    if s.status == AssistStatus.ENDED:
        return s
    s.status = AssistStatus.ENDED
    s.ended_at = now
    s.save()
    return s
