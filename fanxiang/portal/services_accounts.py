"""Portal accounts: sign-in by mobile + one-time code (or an optional password), tokens, and real-name
binding to the registry.

A portal account acts on loans as its ``User`` carrying ``entrepreneur_id`` (:func:`portal_actor`), which the
loan workflow recognises as the applicant (``workflow.is_applicant``) — and as nothing else: the account holds
no role, so every staff scope resolves to nothing for it.
"""

from __future__ import annotations

import datetime as dt
import functools
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
    TooManyRequests,
    Unauthorized,
)
from fanxiang.core.validators import check_id_number, mask_mobile, validate_mobile
from fanxiang.entrepreneurs.choices import RecordStatus
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.portal import otp
from fanxiang.portal.models import OtpPurpose, PortalAccount

BIND_ATTEMPTS_PER_DAY = 10


def as_account(func):
    """Like ``audit.audited``, naming the account's own user when the caller gives no ``actor`` (the generic
    change log of what a portal account writes names that account)."""

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


def bind_account(
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
        bind_account(account, person, now, "id_match")
    return BindOutcome("bound", f"实名绑定成功：{person.name}。", person)
