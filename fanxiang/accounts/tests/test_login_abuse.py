"""Issue 10, defects 4 and 5: per-address sign-in rate limit, lockout that spares the holder's trusted
address, audit + inbox notice on lockout, and tokens and sessions revoked on password change, reset, lock,
lockout and role removal."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.test import Client, override_settings
from django.utils import timezone

from fanxiang.accounts import services
from fanxiang.accounts.models import ApiToken, RoleAssignment, TrustedAddress, User, hash_token
from fanxiang.conftest import DEMO_PASSWORD, ApiClient
from fanxiang.core import audit
from fanxiang.notifications.models import Notification


@pytest.fixture(autouse=True)
def _clock_mid_window(monkeypatch):
    """The rate limit counts in fixed windows: hold the throttle's clock in the middle of one, so that a
    test's burst never straddles a window boundary (which would reset the count and make the test flaky)."""
    import types

    from fanxiang.accounts import throttle

    monkeypatch.setattr(throttle, "time", types.SimpleNamespace(time=lambda: 1_800_000_030.0))


ADMIN = "city_admin"
OFFICER = "officer_411625"
WRONG = "Wrong#pass2020"
NEW_PASSWORD = "Zhoukou#2024fx"
OFFICE = "10.20.30.40"  # the admin's usual address
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.23"


def token(username: str, password: str = DEMO_PASSWORD, addr: str = OFFICE, **extra):
    return ApiClient().post(
        "/api/v1/auth/token", {"username": username, "password": password}, REMOTE_ADDR=addr, **extra
    )


def web_client(username: str, password: str = DEMO_PASSWORD, addr: str = OFFICE) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=addr)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response


def signed_in(client: Client) -> bool:
    """The session still carries a user and a page opens without a redirect to the login page."""
    response = client.get("/")
    return response.status_code == 200


def bearer(response) -> ApiClient:
    assert response.status_code == 200, response.content
    return ApiClient(response.json()["token"])


def lockout_events(username: str) -> list[LogEntry]:
    return [
        e
        for e in LogEntry.objects.filter(object_repr__contains=username).order_by("pk")
        if (e.additional_data or {}).get("what") == "lockout"
    ]


# --------------------------------------------------------------------------- per-address rate limit


def test_burst_of_usernames_from_one_address_is_refused_with_429(demo):
    statuses = [token(f"nobody_{i}", WRONG, ATTACKER).status_code for i in range(20)]
    assert statuses == [401] * 20
    response = token("nobody_20", WRONG, ATTACKER)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "auth.rate_limited"
    assert "登录尝试过于频繁" in body["message"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert body["details"]["retry_after"] == int(response["Retry-After"])
    # even the right password of a real account is refused from that address for now
    assert token(OFFICER, DEMO_PASSWORD, ATTACKER).status_code == 429
    # the web login page shares the budget of the address
    page = Client(REMOTE_ADDR=ATTACKER).post("/accounts/login/", {"username": OFFICER, "password": WRONG})
    assert page.status_code == 429
    assert 'data-code="auth.rate_limited"' in page.content.decode()
    assert "登录尝试过于频繁" in page.content.decode()
    assert page["Retry-After"]
    # another address is not affected
    assert token("nobody_x", WRONG, ELSEWHERE).status_code == 401
    assert token(OFFICER, DEMO_PASSWORD, ELSEWHERE).status_code == 200


def test_web_login_burst_is_refused_with_429(demo):
    statuses = [
        Client(REMOTE_ADDR=ATTACKER)
        .post("/accounts/login/", {"username": f"nobody_{i}", "password": WRONG})
        .status_code
        for i in range(21)
    ]
    assert statuses == [200] * 20 + [429]


def test_successful_sign_ins_do_not_use_up_the_budget(demo):
    """Clerks behind one NAT address signing in at the start of the day are not throttled."""
    statuses = [token(OFFICER, DEMO_PASSWORD, OFFICE).status_code for _ in range(25)]
    assert statuses == [200] * 25
    assert token("nobody", WRONG, OFFICE).status_code == 401


def test_client_chosen_forwarded_for_does_not_evade_the_limit(demo):
    statuses = [
        token(f"nobody_{i}", WRONG, ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code
        for i in range(21)
    ]
    assert statuses[-1] == 429


@override_settings(FANXIANG_LOGIN_RATE="3/60")
def test_rate_is_a_setting(demo):
    statuses = [token(f"nobody_{i}", WRONG, ATTACKER).status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]


@override_settings(FANXIANG_LOGIN_RATE="0/60")
def test_rate_limit_can_be_switched_off(demo):
    statuses = [token(f"nobody_{i}", WRONG, ATTACKER).status_code for i in range(25)]
    assert set(statuses) == {401}


# --------------------------------------------------------------------------- lockout and trusted addresses


def test_outsider_locks_the_username_but_not_the_admin_at_their_usual_address(demo):
    assert token(ADMIN, addr=OFFICE).status_code == 200  # the office becomes a trusted address
    statuses = [token(ADMIN, WRONG, ATTACKER).status_code for _ in range(5)]
    assert statuses == [401] * 4 + [429]
    locked = token(ADMIN, DEMO_PASSWORD, ATTACKER)
    assert locked.status_code == 429
    assert locked.json()["code"] == "auth.locked_out"
    assert token(ADMIN, DEMO_PASSWORD, ELSEWHERE).json()["code"] == "auth.locked_out"
    # the admin at the office still gets in with the right password, on the API and the web alike
    assert token(ADMIN, DEMO_PASSWORD, OFFICE).status_code == 200
    client, response = web_client(ADMIN, addr=OFFICE)
    assert response.status_code == 302
    assert signed_in(client)
    # … and a wrong password there is an ordinary failure, not "locked"
    assert token(ADMIN, WRONG, OFFICE).json()["code"] == "auth.invalid_credentials"
    # the admin's success at the office does not lift the lock for outsiders
    assert token(ADMIN, DEMO_PASSWORD, ATTACKER).json()["code"] == "auth.locked_out"


def test_failures_from_the_trusted_address_still_lock_it(demo):
    assert token(ADMIN, addr=OFFICE).status_code == 200
    [token(ADMIN, WRONG, OFFICE) for _ in range(5)]
    response = token(ADMIN, DEMO_PASSWORD, OFFICE)
    assert response.status_code == 429
    assert response.json()["code"] == "auth.locked_out"


def test_trust_expires_after_thirty_days(demo):
    assert token(ADMIN, addr=OFFICE).status_code == 200
    TrustedAddress.objects.filter(user=demo[ADMIN]).update(
        last_success_at=timezone.now() - timedelta(days=31)
    )
    [token(ADMIN, WRONG, ATTACKER) for _ in range(5)]
    assert token(ADMIN, DEMO_PASSWORD, OFFICE).json()["code"] == "auth.locked_out"


def test_without_a_trusted_address_the_username_lockout_applies_everywhere(demo):
    [token(ADMIN, WRONG, ATTACKER) for _ in range(5)]
    assert token(ADMIN, DEMO_PASSWORD, OFFICE).json()["code"] == "auth.locked_out"


def test_lockout_writes_one_audit_event_and_one_inbox_notice(demo):
    admin = demo[ADMIN]
    [token(ADMIN, WRONG, ATTACKER) for _ in range(7)]  # two more failures during the lockout
    events = lockout_events(ADMIN)
    assert len(events) == 1
    event = events[0]
    assert audit.event_of(event) == audit.EVENT_SECURITY
    assert event.object_pk == str(admin.pk)
    assert event.remote_addr == ATTACKER
    assert event.additional_data["address"] == ATTACKER
    assert event.additional_data["trusted_address"] is False
    notices = Notification.objects.filter(recipient_user=admin, event="account_locked")
    assert notices.count() == 1
    notice = notices.get()
    assert notice.title == "您的账户已被临时锁定"
    assert ATTACKER in notice.body
    assert "city_admin" in notice.body
    assert "锁定" in notice.body
    # the holder reads it in their inbox
    inbox_client = Client()
    admin.refresh_from_db()  # the lockout raised the session epoch
    inbox_client.force_login(admin)
    assert "您的账户已被临时锁定" in inbox_client.get("/notifications/").content.decode()


def test_lockout_of_an_unknown_username_is_audited_without_a_notice(demo):
    statuses = [token("no_such_user", WRONG, ATTACKER).status_code for _ in range(5)]
    assert statuses[-1] == 429
    assert len(lockout_events("no_such_user")) == 1
    assert not Notification.objects.filter(event="account_locked").exists()


def test_token_and_session_from_before_a_lockout_stop_working(demo):
    api = bearer(token(OFFICER, addr=OFFICE))
    web, _ = web_client(OFFICER, addr=OFFICE)
    assert api.get("/api/v1/me").status_code == 200
    assert signed_in(web)
    [token(OFFICER, WRONG, ATTACKER) for _ in range(5)]
    stale = api.get("/api/v1/me")
    assert stale.status_code == 401
    assert stale.json()["code"] == "auth.token_revoked"
    assert not signed_in(web)
    # the holder signs in again at the usual address
    assert bearer(token(OFFICER, addr=OFFICE)).get("/api/v1/me").status_code == 200


# --------------------------------------------------------------------------- revocation (defect 5)


@pytest.fixture
def officer_credentials(demo):
    """A token and two web sessions of the officer."""
    api = bearer(token(OFFICER))
    first, _ = web_client(OFFICER)
    second, _ = web_client(OFFICER, addr=ELSEWHERE)
    assert signed_in(first) and signed_in(second)
    return api, first, second


def assert_revoked(api: ApiClient, *sessions: Client) -> None:
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] in {"auth.token_revoked", "auth.account_locked"}
    for session in sessions:
        assert not signed_in(session)


def test_own_password_change_on_the_web_keeps_only_this_session(officer_credentials):
    api, first, second = officer_credentials
    response = first.post(
        "/accounts/password/",
        {"old_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert signed_in(first)
    assert_revoked(api, second)


def test_own_password_change_via_api_revokes_every_token(demo, officer_credentials):
    api, first, second = officer_credentials
    other = bearer(token(OFFICER))
    response = api.post("/api/v1/me/password", {"old_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 200, response.content
    assert_revoked(api, first, second)
    assert other.get("/api/v1/me").json()["code"] == "auth.token_revoked"
    fresh = ApiClient(response.json()["token"])
    assert fresh.get("/api/v1/me").status_code == 200
    active = ApiToken.objects.filter(user=demo[OFFICER], revoked_at__isnull=True)
    assert list(active.values_list("key_hash", flat=True)) == [hash_token(fresh.token)]


def test_own_password_change_via_api_from_a_browser_session_keeps_it(officer_credentials):
    api, first, second = officer_credentials
    response = first.post(
        "/api/v1/me/password",
        json.dumps({"old_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["token"] is None
    assert signed_in(first)
    assert_revoked(api, second)


def test_admin_password_reset_via_page_revokes_tokens_and_sessions(demo, officer_credentials):
    api, first, second = officer_credentials
    admin = Client()
    admin.force_login(demo[ADMIN])
    response = admin.post(f"/accounts/users/{demo[OFFICER].pk}/", {"op": "reset", "password": "Reset#2020fx"})
    assert response.status_code == 302
    assert_revoked(api, first, second)
    assert signed_in(admin)


def test_lock_revokes_tokens_and_sessions_and_unlock_does_not_revive_them(demo, officer_credentials):
    api, first, second = officer_credentials
    services.user_lock(actor=demo[ADMIN], user=demo[OFFICER], reason="离岗")
    assert_revoked(api, first, second)
    services.user_unlock(actor=demo[ADMIN], user=demo[OFFICER])
    assert api.get("/api/v1/me").json()["code"] == "auth.token_revoked"
    assert not signed_in(first)
    assert not signed_in(second)


def test_deactivation_via_admin_page_revokes_tokens_and_sessions(demo, officer_credentials):
    api, first, second = officer_credentials
    admin = Client()
    admin.force_login(demo[ADMIN])
    response = admin.post(f"/accounts/users/{demo[OFFICER].pk}/", {"op": "lock", "reason": "调离"})
    assert response.status_code == 302
    assert_revoked(api, first, second)
    services.user_unlock(actor=demo[ADMIN], user=demo[OFFICER])
    assert not signed_in(first)


def test_role_removal_revokes_tokens_and_sessions(demo, officer_credentials):
    api, first, second = officer_credentials
    assignment = RoleAssignment.objects.filter(user=demo[OFFICER]).first()
    admin = Client()
    admin.force_login(demo[ADMIN])
    response = admin.post(
        f"/accounts/users/{demo[OFFICER].pk}/", {"op": "revoke", "assignment": assignment.pk}
    )
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert_revoked(api, first, second)
    entry = LogEntry.objects.filter(object_pk=str(demo[OFFICER].pk)).order_by("-pk").first()
    assert entry.additional_data == {
        "event": audit.EVENT_SECURITY,
        "what": "credentials_revoked",
        "reason": "role_revoked",
        "tokens": 1,
    }


def test_a_new_sign_in_after_revocation_works(demo, officer_credentials):
    services.password_set_by_admin(actor=demo[ADMIN], user=demo[OFFICER], password="Reset#2020fx")
    client, response = web_client(OFFICER, "Reset#2020fx")
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # the forced password change, i.e. signed in
    assert client.get("/accounts/password/").status_code == 200
    assert User.objects.get(pk=demo[OFFICER].pk).session_epoch >= 1
