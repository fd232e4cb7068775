"""One-time codes by SMS: 6 digits, valid 5 minutes, one per 60 seconds, at most 5 an hour per number and
per IP, 5 wrong codes in a row invalidate the code and lock the number for 15 minutes. Codes are stored only
as a keyed hash with a per-code salt. All limits are settings (``FANXIANG_OTP_*``, see :func:`limits`).

Counters live in the database (``OtpCode`` rows counted per number / IP, ``OtpThrottle`` per number), so
several web processes share them and tests are deterministic: every function takes ``now``.
A refused request raises ``TooManyRequests`` (HTTP 429) with its own code:

* ``portal.otp_cooldown``       a code was sent less than 60 s ago (``details.retry_after`` seconds)
* ``portal.otp_rate_limited``   5 codes to this number in the last hour
* ``portal.otp_ip_rate_limited`` 5 codes requested from this IP address in the last hour
* ``portal.otp_locked``         too many wrong codes: the number is locked (``details.retry_after``)

A wrong code is ``portal.otp_invalid`` and an expired one ``portal.otp_expired`` (HTTP 401).
"""

from __future__ import annotations

import datetime as dt
import hmac
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from fanxiang.core import pii
from fanxiang.core.errors import DomainError, TooManyRequests, Unauthorized
from fanxiang.core.validators import mask_mobile, validate_mobile
from fanxiang.notifications import sms
from fanxiang.portal.models import OtpCode, OtpPurpose, OtpThrottle

KEEP = dt.timedelta(days=30)


@dataclass(frozen=True)
class Limits:
    length: int = 6
    ttl: dt.timedelta = dt.timedelta(minutes=5)
    cooldown: dt.timedelta = dt.timedelta(seconds=60)
    per_mobile_hour: int = 5
    per_ip_hour: int = 5
    max_failures: int = 5
    lock: dt.timedelta = dt.timedelta(minutes=15)


def limits() -> Limits:
    s = settings
    return Limits(
        ttl=dt.timedelta(seconds=getattr(s, "FANXIANG_OTP_TTL_SECONDS", 300)),
        cooldown=dt.timedelta(seconds=getattr(s, "FANXIANG_OTP_COOLDOWN_SECONDS", 60)),
        per_mobile_hour=getattr(s, "FANXIANG_OTP_PER_MOBILE_HOUR", 5),
        per_ip_hour=getattr(s, "FANXIANG_OTP_PER_IP_HOUR", 5),
        max_failures=getattr(s, "FANXIANG_OTP_MAX_FAILURES", 5),
        lock=dt.timedelta(minutes=getattr(s, "FANXIANG_OTP_LOCK_MINUTES", 15)),
    )


@dataclass(frozen=True)
class Sent:
    mobile: str
    mobile_masked: str
    expires_at: dt.datetime
    resend_after: dt.datetime
    code_id: int


def _hash(code: str, salt: str, purpose: str, mobile_hash: str) -> str:
    return pii.index(f"otp|{purpose}|{mobile_hash}|{salt}|{code}")


def _retry_after(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def throttle_lock(key: str) -> OtpThrottle:
    """The throttle row of ``key``, created if missing, locked for the transaction."""
    if not OtpThrottle.objects.filter(key=key).exists():
        try:
            with transaction.atomic():
                OtpThrottle.objects.create(key=key)
        except IntegrityError:  # created concurrently
            pass
    return OtpThrottle.objects.select_for_update().get(key=key)


def _locked_error(throttle: OtpThrottle, now: dt.datetime) -> TooManyRequests:
    seconds = _retry_after(throttle.locked_until, now)
    return TooManyRequests(
        "portal.otp_locked",
        f"验证码错误次数过多，该手机号已锁定，请{math.ceil(seconds / 60)}分钟后再试。",
        details={"retry_after": seconds},
    )


def message_text(purpose: str, code: str, extra: str = "") -> str:
    sign = getattr(settings, "FANXIANG_SMS_SIGN", "") or "周口返乡创业"
    minutes = int(limits().ttl.total_seconds() // 60)
    if purpose == OtpPurpose.CONSENT:
        return (
            f"【{sign}】{extra}申请为您代办返乡创业业务（全程帮办）。如您本人在场并同意，请将授权码{code}告知工作人员，"
            f"{minutes}分钟内有效。"
        )
    return f"【{sign}】您的登录验证码为{code}，{minutes}分钟内有效。请勿告诉他人。"


def request_code(
    *,
    mobile: str,
    purpose: str = OtpPurpose.LOGIN,
    ip: str | None = None,
    now: dt.datetime | None = None,
    extra: str = "",
) -> Sent:
    """Check the limits, store a new code (replacing any earlier one) and send it by SMS."""
    now = now or timezone.now()
    mobile = validate_mobile(mobile)
    mobile_hash = pii.index(mobile)
    lim = limits()
    with transaction.atomic():
        throttle = throttle_lock(f"{purpose}:{mobile_hash}")
        if throttle.locked(now):
            raise _locked_error(throttle, now)
        mine = OtpCode.objects.filter(purpose=purpose, mobile_hash=mobile_hash)
        last = mine.order_by("-created_at", "-id").first()
        if last is not None and last.created_at > now - lim.cooldown:
            seconds = _retry_after(last.created_at + lim.cooldown, now)
            raise TooManyRequests(
                "portal.otp_cooldown",
                f"验证码已发送，请{seconds}秒后再重新获取。",
                details={"retry_after": seconds},
            )
        hour_ago = now - dt.timedelta(hours=1)
        sent_hour = mine.filter(created_at__gt=hour_ago).order_by("created_at")
        if sent_hour.count() >= lim.per_mobile_hour:
            oldest = sent_hour.first()
            seconds = _retry_after(oldest.created_at + dt.timedelta(hours=1), now)
            raise TooManyRequests(
                "portal.otp_rate_limited",
                f"该手机号1小时内获取验证码已达{lim.per_mobile_hour}次，请稍后再试。",
                details={"retry_after": seconds},
            )
        if ip:
            from_ip = OtpCode.objects.filter(ip=ip, created_at__gt=hour_ago).order_by("created_at")
            if from_ip.count() >= lim.per_ip_hour:
                seconds = _retry_after(from_ip.first().created_at + dt.timedelta(hours=1), now)
                raise TooManyRequests(
                    "portal.otp_ip_rate_limited",
                    f"同一网络1小时内获取验证码已达{lim.per_ip_hour}次，请稍后再试。",
                    details={"retry_after": seconds},
                )
        mine.filter(consumed_at__isnull=True, invalidated_at__isnull=True).update(invalidated_at=now)
        mine.filter(created_at__lt=now - KEEP).delete()  # the number's old codes (kept a month as a trail)
        code = f"{secrets.randbelow(10**lim.length):0{lim.length}d}"
        salt = secrets.token_hex(8)
        otp = OtpCode.objects.create(
            purpose=purpose,
            mobile_hash=mobile_hash,
            code_hash=_hash(code, salt, purpose, mobile_hash),
            salt=salt,
            created_at=now,
            expires_at=now + lim.ttl,
            ip=ip or None,
        )
    # the gateway is called outside the transaction (a slow gateway never holds the lock)
    try:
        sms.send(
            mobile, message_text(purpose, code, extra), "consent" if purpose == OtpPurpose.CONSENT else "otp"
        )
    except sms.SmsError as exc:
        OtpCode.objects.filter(pk=otp.pk).update(
            sms_status="failed", sms_error=f"{exc.code}: {exc.message}"[:300], invalidated_at=now
        )
        raise DomainError("portal.sms_failed", "短信发送失败，请稍后重试。", status=503) from None
    OtpCode.objects.filter(pk=otp.pk).update(sms_status="sent")
    return Sent(mobile, mask_mobile(mobile), otp.expires_at, now + lim.cooldown, otp.pk)


def verify_code(
    *, mobile: str, code: str, purpose: str = OtpPurpose.LOGIN, now: dt.datetime | None = None
) -> str:
    """Consume the current code of ``mobile`` if ``code`` matches; returns the normalised mobile. A wrong code
    counts toward the lock (committed even though the call raises)."""
    now = now or timezone.now()
    mobile = validate_mobile(mobile)
    mobile_hash = pii.index(mobile)
    lim = limits()
    code = str(code or "").strip()
    refusal: DomainError | None = None
    with transaction.atomic():
        throttle = throttle_lock(f"{purpose}:{mobile_hash}")
        if throttle.locked(now):
            raise _locked_error(throttle, now)
        current = (
            OtpCode.objects.select_for_update()
            .filter(
                purpose=purpose,
                mobile_hash=mobile_hash,
                consumed_at__isnull=True,
                invalidated_at__isnull=True,
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if current is not None and current.expires_at <= now:
            refusal = Unauthorized("portal.otp_expired", "验证码已过期，请重新获取。")
        elif (
            current is not None
            and len(code) == lim.length
            and code.isdigit()
            and hmac.compare_digest(current.code_hash, _hash(code, current.salt, purpose, mobile_hash))
        ):
            current.consumed_at = now
            current.save(update_fields=["consumed_at"])
            throttle.failures = 0
            throttle.save(update_fields=["failures", "updated_at"])
        else:
            throttle.failures += 1
            if current is not None:
                current.attempts += 1
                current.save(update_fields=["attempts"])
            if throttle.failures >= lim.max_failures:
                OtpCode.objects.filter(
                    purpose=purpose,
                    mobile_hash=mobile_hash,
                    consumed_at__isnull=True,
                    invalidated_at__isnull=True,
                ).update(invalidated_at=now)
                throttle.failures = 0
                throttle.locked_until = now + lim.lock
                refusal = _locked_error(throttle, now)
            else:
                left = lim.max_failures - throttle.failures
                refusal = Unauthorized(
                    "portal.otp_invalid",
                    f"验证码不正确或已失效，还可尝试{left}次。",
                    errors={"code": [f"验证码不正确，还可尝试{left}次。"]},
                )
            throttle.save(update_fields=["failures", "locked_until", "updated_at"])
    if refusal is not None:
        raise refusal
    return mobile


def is_locked(*, key: str, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return OtpThrottle.objects.filter(key=key, locked_until__gt=now).exists()
