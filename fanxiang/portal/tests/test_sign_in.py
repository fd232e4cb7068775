"""Sign-up and sign-in by mobile + one-time code: the API contract, wrong and expired codes, the rate limits
(429 with their own codes), the lock after repeated wrong codes, hashed storage, and the optional password.
Time is injected (``now=``) into the services; the API tests use the real clock only where no wait matters."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from fanxiang.conftest import ApiClient
from fanxiang.core import pii
from fanxiang.core.errors import TooManyRequests, Unauthorized
from fanxiang.portal import otp, services
from fanxiang.portal.models import OtpCode, PortalAccount
from fanxiang.portal.tests.conftest import last_code

pytestmark = pytest.mark.django_db

MOBILE = "13700001234"
T0 = dt.datetime(2020, 4, 16, 9, 0, tzinfo=dt.UTC)


def at(seconds: int) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_sign_up_through_the_api_then_sign_in_again_same_account(outbox):
    client = ApiClient()
    response = client.post("/api/v1/portal/otp", {"mobile": "+86 137-0000-1234"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["mobile"] == "137****1234" and body["sent"] is True
    assert outbox[-1].to == MOBILE and "验证码" in outbox[-1].text
    response = client.post("/api/v1/portal/login", {"mobile": MOBILE, "code": last_code(MOBILE)})
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token", "expires_at"}
    token = response.json()["token"]
    assert token.startswith("fxp_")
    account = PortalAccount.objects.get(mobile_hash=pii.index(MOBILE))
    assert account.entrepreneur_id is None
    assert not account.user.has_usable_password()
    assert account.user.role_assignments.count() == 0
    me = ApiClient(token).get("/api/v1/portal/me")
    assert me.status_code == 200 and me.json()["mobile"] == "137****1234" and me.json()["bound"] is False
    # a second sign-in is the same account
    services.request_login_code(mobile=MOBILE, now=timezone.now() + dt.timedelta(minutes=2))
    again, created = services.login_with_code(
        mobile=MOBILE, code=last_code(MOBILE), now=timezone.now() + dt.timedelta(minutes=2)
    )
    assert not created and again.pk == account.pk
    assert PortalAccount.objects.count() == 1


def test_code_is_six_digits_and_stored_only_hashed(outbox):
    services.request_login_code(mobile=MOBILE, now=T0)
    code = last_code(MOBILE)
    assert len(code) == 6 and code.isdigit()
    row = OtpCode.objects.get()
    assert code not in (row.code_hash, row.salt)
    assert row.mobile_hash == pii.index(MOBILE)
    assert row.expires_at == T0 + dt.timedelta(minutes=5)
    assert row.sms_status == "sent"


def test_invalid_mobile_is_refused(outbox):
    response = ApiClient().post("/api/v1/portal/otp", {"mobile": "12345"})
    assert response.status_code == 422
    assert response.json()["code"] == "mobile.invalid"
    assert outbox == []


def test_wrong_code_is_refused_and_counts(outbox):
    services.request_login_code(mobile=MOBILE, now=T0)
    good = last_code(MOBILE)
    wrong = "000000" if good != "000000" else "111111"
    with pytest.raises(Unauthorized) as exc:
        services.login_with_code(mobile=MOBILE, code=wrong, now=at(10))
    assert exc.value.code == "portal.otp_invalid"
    assert "还可尝试4次" in exc.value.message
    assert OtpCode.objects.get().attempts == 1
    # the right code still works afterwards, and only once
    _account, created = services.login_with_code(mobile=MOBILE, code=good, now=at(20))
    assert created
    with pytest.raises(Unauthorized) as exc:
        services.login_with_code(mobile=MOBILE, code=good, now=at(30))
    assert exc.value.code == "portal.otp_invalid"


def test_wrong_code_through_the_api_is_401_with_its_code(outbox):
    client = ApiClient()
    client.post("/api/v1/portal/otp", {"mobile": MOBILE})
    wrong = "000000" if last_code(MOBILE) != "000000" else "111111"
    response = client.post("/api/v1/portal/login", {"mobile": MOBILE, "code": wrong})
    assert response.status_code == 401
    assert response.json()["code"] == "portal.otp_invalid"
    response = client.post("/api/v1/portal/login", {"mobile": MOBILE, "code": "12ab"})
    assert response.status_code == 401
    assert response.json()["code"] == "portal.otp_invalid"
    assert PortalAccount.objects.count() == 0


def test_expired_code_is_refused(outbox):
    services.request_login_code(mobile=MOBILE, now=T0)
    code = last_code(MOBILE)
    with pytest.raises(Unauthorized) as exc:
        services.login_with_code(mobile=MOBILE, code=code, now=at(5 * 60))
    assert exc.value.code == "portal.otp_expired"
    # at 4:59 it would have worked: a new code after the cool-down, used in time
    services.request_login_code(mobile=MOBILE, now=at(6 * 60))
    code = last_code(MOBILE)
    account, _ = services.login_with_code(mobile=MOBILE, code=code, now=at(6 * 60 + 299))
    assert account.pk


def test_a_new_code_replaces_the_previous_one(outbox):
    services.request_login_code(mobile=MOBILE, now=T0)
    first = last_code(MOBILE)
    services.request_login_code(mobile=MOBILE, now=at(61))
    second = last_code(MOBILE)
    if first != second:
        with pytest.raises(Unauthorized):
            services.login_with_code(mobile=MOBILE, code=first, now=at(70))
    account, _ = services.login_with_code(mobile=MOBILE, code=second, now=at(80))
    assert account.pk


def test_resend_cooldown_is_60_seconds(outbox):
    services.request_login_code(mobile=MOBILE, now=T0)
    with pytest.raises(TooManyRequests) as exc:
        services.request_login_code(mobile=MOBILE, now=at(59))
    assert exc.value.code == "portal.otp_cooldown"
    assert exc.value.details["retry_after"] == 1
    services.request_login_code(mobile=MOBILE, now=at(60))
    assert len(outbox) == 2


def test_cooldown_through_the_api_is_429(outbox):
    client = ApiClient()
    assert client.post("/api/v1/portal/otp", {"mobile": MOBILE}).status_code == 200
    response = client.post("/api/v1/portal/otp", {"mobile": MOBILE})
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "portal.otp_cooldown"
    assert 0 < body["details"]["retry_after"] <= 60
    assert len(outbox) == 1


def test_at_most_five_codes_an_hour_per_number(outbox):
    for i in range(5):
        services.request_login_code(mobile=MOBILE, now=at(i * 61), ip=f"10.9.0.{i}")
    with pytest.raises(TooManyRequests) as exc:
        services.request_login_code(mobile=MOBILE, now=at(5 * 61), ip="10.9.0.99")
    assert exc.value.code == "portal.otp_rate_limited"
    # the hour is a sliding window from the first code
    assert exc.value.details["retry_after"] == 3600 - 5 * 61
    services.request_login_code(mobile=MOBILE, now=at(3601), ip="10.9.0.99")
    assert len(outbox) == 6


def test_at_most_five_codes_an_hour_per_ip(outbox):
    for i in range(5):
        services.request_login_code(mobile=f"1370000100{i}", now=at(i), ip="10.8.8.8")
    with pytest.raises(TooManyRequests) as exc:
        services.request_login_code(mobile="13700001009", now=at(10), ip="10.8.8.8")
    assert exc.value.code == "portal.otp_ip_rate_limited"
    # another address is not affected
    services.request_login_code(mobile="13700001009", now=at(11), ip="10.8.8.9")


def test_ip_limit_through_the_api_is_429_and_ignores_forwarded_for(outbox):
    client = ApiClient()
    for i in range(5):
        response = client.post("/api/v1/portal/otp", {"mobile": f"1370000200{i}"}, REMOTE_ADDR="10.7.7.7")
        assert response.status_code == 200
    # a client-chosen X-Forwarded-For does not get around the limit
    response = client.post(
        "/api/v1/portal/otp",
        {"mobile": "13700002009"},
        REMOTE_ADDR="10.7.7.7",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "portal.otp_ip_rate_limited"


def test_five_wrong_codes_invalidate_the_code_and_lock_for_15_minutes(outbox):
    services.request_login_code(mobile=MOBILE, now=T0)
    good = last_code(MOBILE)
    wrong = "000000" if good != "000000" else "111111"
    for i in range(4):
        with pytest.raises(Unauthorized):
            services.login_with_code(mobile=MOBILE, code=wrong, now=at(10 + i))
    with pytest.raises(TooManyRequests) as exc:
        services.login_with_code(mobile=MOBILE, code=wrong, now=at(20))
    assert exc.value.code == "portal.otp_locked"
    assert OtpCode.objects.get().invalidated_at == at(20)
    # locked: even the right code, and new codes, are refused
    with pytest.raises(TooManyRequests) as exc:
        services.login_with_code(mobile=MOBILE, code=good, now=at(30))
    assert exc.value.code == "portal.otp_locked"
    with pytest.raises(TooManyRequests) as exc:
        services.request_login_code(mobile=MOBILE, now=at(120))
    assert exc.value.code == "portal.otp_locked"
    assert exc.value.details["retry_after"] == 15 * 60 - 100
    # after 15 minutes a new code works
    services.request_login_code(mobile=MOBILE, now=at(20 + 15 * 60))
    account, _ = services.login_with_code(mobile=MOBILE, code=last_code(MOBILE), now=at(20 + 15 * 60 + 5))
    assert account.pk


def test_lock_through_the_api_is_429(outbox):
    client = ApiClient()
    client.post("/api/v1/portal/otp", {"mobile": MOBILE})
    wrong = "000000" if last_code(MOBILE) != "000000" else "111111"
    codes = [
        client.post("/api/v1/portal/login", {"mobile": MOBILE, "code": wrong}).status_code for _ in range(5)
    ]
    assert codes == [401, 401, 401, 401, 429]
    response = client.post("/api/v1/portal/login", {"mobile": MOBILE, "code": last_code(MOBILE)})
    assert response.status_code == 429
    assert response.json()["code"] == "portal.otp_locked"


def test_sms_failure_is_reported_and_the_code_not_usable(outbox):
    from fanxiang.notifications.sms import LocmemBackend

    LocmemBackend.fail_next = 1
    response = ApiClient().post("/api/v1/portal/otp", {"mobile": MOBILE})
    assert response.status_code == 503
    assert response.json()["code"] == "portal.sms_failed"
    row = OtpCode.objects.get()
    assert row.sms_status == "failed" and row.invalidated_at is not None and "gateway" in row.sms_error


def test_console_backend_never_logs_the_code_in_production(settings, caplog):
    settings.FANXIANG_SMS_BACKEND = "fanxiang.notifications.sms.ConsoleBackend"
    settings.PRODUCTION = True
    with caplog.at_level(logging.INFO, logger="fanxiang.sms"):
        services.request_login_code(mobile=MOBILE, now=T0)
    text = caplog.text
    assert "137****1234" in text
    assert MOBILE not in text
    assert "验证码" not in text
    digits = [m for m in text.split() if m.isdigit() and len(m) == 6]
    assert digits == []


def test_console_backend_logs_the_code_outside_production(settings, caplog):
    settings.FANXIANG_SMS_BACKEND = "fanxiang.notifications.sms.ConsoleBackend"
    settings.PRODUCTION = False
    with caplog.at_level(logging.INFO, logger="fanxiang.sms"):
        services.request_login_code(mobile=MOBILE, now=T0)
    assert "登录验证码为" in caplog.text and MOBILE in caplog.text


def test_optional_password_sign_in_and_its_lock(outbox):
    services.request_login_code(mobile=MOBILE, now=T0)
    account, _ = services.login_with_code(mobile=MOBILE, code=last_code(MOBILE), now=at(5))
    with pytest.raises(Exception) as exc:
        services.account_set_password(account=account, password="short")
    assert exc.value.code == "portal.password_invalid"
    services.account_set_password(account=account, password="Fanxiang@2020")
    response = ApiClient().post(
        "/api/v1/portal/login/password", {"mobile": MOBILE, "password": "Fanxiang@2020"}
    )
    assert response.status_code == 200 and response.json()["token"].startswith("fxp_")
    for _ in range(4):
        with pytest.raises(Unauthorized) as exc:
            services.login_with_password(mobile=MOBILE, password="nope", now=at(100))
        assert exc.value.code == "portal.invalid_credentials"
    with pytest.raises(TooManyRequests) as exc:
        services.login_with_password(mobile=MOBILE, password="nope", now=at(101))
    assert exc.value.code == "portal.otp_locked"
    with pytest.raises(TooManyRequests):
        services.login_with_password(mobile=MOBILE, password="Fanxiang@2020", now=at(102))
    assert (
        services.login_with_password(mobile=MOBILE, password="Fanxiang@2020", now=at(102 + 15 * 60)).pk
        == account.pk
    )


def test_limits_are_settings(settings, outbox):
    settings.FANXIANG_OTP_COOLDOWN_SECONDS = 10
    services.request_login_code(mobile=MOBILE, now=T0)
    services.request_login_code(mobile=MOBILE, now=at(10))
    assert otp.limits().cooldown == dt.timedelta(seconds=10)
