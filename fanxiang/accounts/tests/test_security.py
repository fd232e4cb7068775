"""Security controls: login lockout, API tokens, password policy, forced password change, sessions,
admin lock/unlock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from fanxiang.accounts import services
from fanxiang.accounts.models import ApiToken, hash_token
from fanxiang.accounts.roles import Role
from fanxiang.conftest import DEMO_PASSWORD, ApiClient, api_login
from fanxiang.core.errors import Forbidden, InvalidInput
from fanxiang.regions.models import Region

USERNAME = "officer_411625"
WRONG = "Wrong#pass2020"
GOOD_NEW_PASSWORD = "Zhoukou#2024fx"


def web_login(client: Client, username: str = USERNAME, password: str = DEMO_PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def api_token(username: str = USERNAME, password: str = DEMO_PASSWORD):
    return ApiClient().post("/api/v1/auth/token", {"username": username, "password": password})


def web_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail_web(n: int, username: str = USERNAME) -> list[int]:
    return [web_login(Client(), username, WRONG).status_code for _ in range(n)]


def fail_api(n: int, username: str = USERNAME) -> list[int]:
    return [api_token(username, WRONG).status_code for _ in range(n)]


def age_attempts(minutes: int, username: str = USERNAME) -> None:
    """Pretend the failed attempts happened ``minutes`` ago (axes counts only those inside the cool-off)."""
    attempts = AccessAttempt.objects.filter(username=username)
    assert attempts.exists()
    attempts.update(attempt_time=timezone.now() - timedelta(minutes=minutes))


# --------------------------------------------------------------------------- lockout


def test_lockout_settings():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]


def test_web_login_with_right_password_works(demo):
    client = Client()
    response = web_login(client)
    assert response.status_code == 302
    assert web_logged_in(client)


def test_four_failures_do_not_lock(demo):
    statuses = fail_web(4)
    assert statuses == [200, 200, 200, 200]
    client = Client()
    assert web_login(client).status_code == 302
    assert web_logged_in(client)
    # a success resets the counter
    assert not AccessAttempt.objects.filter(username=USERNAME).exists()


def test_web_lockout_after_five_failures(demo):
    statuses = fail_web(5)
    assert statuses[:4] == [200] * 4
    assert statuses[4] == 429
    client = Client()
    response = web_login(client)  # the right password
    assert response.status_code == 429
    assert "联系管理员解锁" in response.content.decode()
    assert not web_logged_in(client)
    # other accounts are not affected (lockout by username, not by address)
    other = Client()
    assert web_login(other, "officer_411628").status_code == 302


def test_api_lockout_after_five_failures(demo):
    first = api_token(password=WRONG)
    assert first.status_code == 401
    assert first.json()["code"] == "auth.invalid_credentials"
    fail_api(4)
    response = api_token()  # the sixth, with the right password
    assert response.status_code == 429
    assert response.json()["code"] == "auth.locked_out"
    assert "token" not in response.json()
    assert api_token("officer_411628").status_code == 200


def test_web_lockout_blocks_api(demo):
    fail_web(5)
    response = api_token()
    assert response.status_code == 429
    assert response.json()["code"] == "auth.locked_out"


def test_api_lockout_blocks_web(demo):
    fail_api(5)
    client = Client()
    response = web_login(client)
    assert response.status_code == 429
    assert not web_logged_in(client)


def test_mixed_failures_count_together(demo):
    fail_web(3)
    fail_api(2)
    assert api_token().status_code == 429
    assert web_login(Client()).status_code == 429


def test_lockout_expires_after_cool_off(demo):
    fail_api(5)
    assert api_token().status_code == 429
    age_attempts(14)
    assert api_token().status_code == 429, "still locked within 15 minutes"
    age_attempts(16)
    response = api_token()
    assert response.status_code == 200, response.content
    assert response.json()["token"]
    client = Client()
    assert web_login(client).status_code == 302
    assert web_logged_in(client)


def test_old_failures_do_not_count(demo):
    fail_web(4)
    age_attempts(16)
    fail_web(1)
    client = Client()
    assert web_login(client).status_code == 302


def test_user_unlock_clears_lockout(demo):
    fail_web(5)
    assert api_token().status_code == 429
    services.user_unlock(actor=demo["city_admin"], user=demo[USERNAME])
    assert not AccessAttempt.objects.filter(username=USERNAME).exists()
    assert api_token().status_code == 200
    client = Client()
    assert web_login(client).status_code == 302


def test_user_unlock_via_admin_page_clears_lockout(demo, web):
    fail_api(5)
    response = web("city_admin").post(f"/accounts/users/{demo[USERNAME].pk}/", {"op": "unlock"})
    assert response.status_code == 302
    assert api_token().status_code == 200


# --------------------------------------------------------------------------- API tokens


def test_token_issue_and_use(demo):
    response = api_token()
    assert response.status_code == 200
    body = response.json()
    assert body["must_change_password"] is False
    token = ApiToken.objects.get(key_hash=hash_token(body["token"]))
    assert token.user == demo[USERNAME]
    assert token.revoked_at is None
    # only the hash is stored
    assert body["token"] not in {token.key_hash}
    expected = timezone.now() + settings.API_TOKEN_TTL
    assert abs((token.expires_at - expected).total_seconds()) < 60
    me = ApiClient(body["token"]).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == USERNAME


def test_token_wrong_password(demo):
    response = api_token(password=WRONG)
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid_credentials"
    assert not ApiToken.objects.filter(user=demo[USERNAME]).exists()


def test_no_token_is_auth_required(db):
    response = ApiClient().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


def test_token_expired(demo):
    client = api_login(USERNAME)
    ApiToken.objects.filter(key_hash=hash_token(client.token)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.token_expired"


def test_token_revoked(demo):
    client = api_login(USERNAME)
    assert client.get("/api/v1/me").status_code == 200
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 200
    assert response.json() == {"revoked": True}
    assert ApiToken.objects.get(key_hash=hash_token(client.token)).revoked_at is not None
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.token_revoked"
    # revoking one token leaves the user's other tokens working
    other = api_login(USERNAME)
    assert other.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("garbage", ["garbage", "x" * 43, "Bearer"])
def test_garbage_token(db, garbage):
    response = ApiClient(garbage).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.token_invalid"


def test_revoke_needs_a_bearer_token(demo, web):
    response = web(USERNAME).delete("/api/v1/auth/token")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.token_required"


def test_revoke_with_garbage_token(db):
    response = ApiClient("garbage").delete("/api/v1/auth/token")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.token_invalid"


def test_session_write_without_csrf_is_refused(demo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo[USERNAME])
    assert client.get("/api/v1/me").status_code == 200
    response = client.post(
        "/api/v1/tools/check-mobile", '{"mobile": "13800138000"}', content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


# --------------------------------------------------------------------------- password policy


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1#xyzuv", "至少"),  # 9 characters
        ("abcdefghij12", "至少3类"),  # 2 classes
        ("ABCDEFGHIJ!!", "至少3类"),  # 2 classes
        ("Xofficer_411625", "用户名"),  # contains the username
        ("xOFFICER_411625!", "用户名"),  # case-insensitively
    ],
)
def test_password_policy_refuses(demo, password, message):
    user = demo[USERNAME]
    with pytest.raises(InvalidInput) as exc:
        services.password_change(user=user, old_password=DEMO_PASSWORD, new_password=password)
    assert exc.value.code == "accounts.password_policy"
    assert any(message in m for m in exc.value.errors["new_password"]), exc.value.errors
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)


def test_password_policy_accepts_good_password(demo):
    user = demo[USERNAME]
    services.password_change(user=user, old_password=DEMO_PASSWORD, new_password=GOOD_NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(GOOD_NEW_PASSWORD)
    assert user.password_changed_at is not None


def test_password_change_wrong_old_password(demo):
    with pytest.raises(InvalidInput) as exc:
        services.password_change(user=demo[USERNAME], old_password=WRONG, new_password=GOOD_NEW_PASSWORD)
    assert exc.value.code == "accounts.wrong_password"


def test_password_change_same_password(demo):
    with pytest.raises(InvalidInput) as exc:
        services.password_change(user=demo[USERNAME], old_password=DEMO_PASSWORD, new_password=DEMO_PASSWORD)
    assert exc.value.code == "accounts.password_unchanged"


def test_password_validators_configured():
    names = [v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert "MinimumLengthValidator" in names
    assert "CharacterClassValidator" in names
    assert "UsernameNotContainedValidator" in names
    length = next(
        v for v in settings.AUTH_PASSWORD_VALIDATORS if v["NAME"].endswith("MinimumLengthValidator")
    )
    assert length["OPTIONS"]["min_length"] == 10


@pytest.mark.parametrize("password", ["Ab1#xyzuv", "abcdefghij12", "Xofficer_411625"])
def test_password_policy_via_api(api, password):
    client = api(USERNAME)
    response = client.post("/api/v1/me/password", {"old_password": DEMO_PASSWORD, "new_password": password})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "accounts.password_policy"
    assert body["errors"]["new_password"]


def test_password_change_via_api(api, demo):
    client = api(USERNAME)
    response = client.post(
        "/api/v1/me/password", {"old_password": DEMO_PASSWORD, "new_password": GOOD_NEW_PASSWORD}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] is True
    # the token that made the change is revoked; the answer carries a fresh one (issue 10, defect 5)
    assert client.get("/api/v1/me").json()["code"] == "auth.token_revoked"
    assert ApiClient(body["token"]).get("/api/v1/me").status_code == 200
    assert api_token(password=GOOD_NEW_PASSWORD).status_code == 200
    assert api_token(password=DEMO_PASSWORD).status_code == 401


def test_password_change_via_api_wrong_old(api):
    response = api(USERNAME).post(
        "/api/v1/me/password", {"old_password": WRONG, "new_password": GOOD_NEW_PASSWORD}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "accounts.wrong_password"


def test_user_create_applies_password_policy(demo):
    with pytest.raises(InvalidInput) as exc:
        services.user_create(
            actor=demo["city_admin"], username="clerk_weak", real_name="弱密码", password="12345678"
        )
    assert exc.value.code == "accounts.password_policy"
    assert "password" in exc.value.errors


# --------------------------------------------------------------------------- forced password change


@pytest.fixture
def new_user(demo):
    user = services.user_create(
        actor=demo["city_admin"],
        username="clerk_new",
        real_name="新经办",
        password="Initial#2020fx",
        mobile="+86 138-0013-8000",
    )
    services.role_assign(
        actor=demo["city_admin"],
        user=user,
        role=Role.COUNTY_OFFICER,
        region=Region.objects.get(code="411625"),
    )
    return user


def test_created_user_must_change_password(new_user):
    assert new_user.must_change_password
    assert new_user.mobile == "13800138000"


@pytest.mark.parametrize("path", ["/", "/targets/", "/accounts/assignments/", "/regions/"])
def test_web_redirects_to_password_change(new_user, path):
    client = Client()
    assert web_login(client, "clerk_new", "Initial#2020fx").status_code == 302
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/"


def test_web_forced_change_then_works(new_user):
    client = Client()
    web_login(client, "clerk_new", "Initial#2020fx")
    assert client.get("/").status_code == 302
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "Initial#2020fx",
            "new_password": GOOD_NEW_PASSWORD,
            "new_password2": GOOD_NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    new_user.refresh_from_db()
    assert not new_user.must_change_password
    # the session survives the change and every page opens
    assert client.get("/").status_code == 200
    assert client.get("/targets/").status_code == 200


def test_web_forced_change_refuses_weak_password(new_user):
    client = Client()
    web_login(client, "clerk_new", "Initial#2020fx")
    response = client.post(
        "/accounts/password/",
        {"old_password": "Initial#2020fx", "new_password": "short", "new_password2": "short"},
    )
    assert response.status_code == 422
    new_user.refresh_from_db()
    assert new_user.must_change_password
    assert client.get("/").status_code == 302


def test_api_forced_change_then_works(new_user):
    response = api_token("clerk_new", "Initial#2020fx")
    assert response.status_code == 200
    assert response.json()["must_change_password"] is True
    client = ApiClient(response.json()["token"])
    blocked = client.get("/api/v1/targets/")
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "auth.password_change_required"
    blocked = client.post("/api/v1/tools/check-mobile", {"mobile": "13800138000"})
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "auth.password_change_required"
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["must_change_password"] is True
    changed = client.post(
        "/api/v1/me/password", {"old_password": "Initial#2020fx", "new_password": GOOD_NEW_PASSWORD}
    )
    assert changed.status_code == 200, changed.content
    # the old token is revoked with the change; the fresh one in the answer works (issue 10, defect 5)
    assert client.get("/api/v1/targets/").status_code == 401
    client = ApiClient(changed.json()["token"])
    assert client.get("/api/v1/targets/").status_code == 200
    assert client.get("/api/v1/me").json()["must_change_password"] is False


def test_admin_password_reset_forces_change_and_revokes_tokens(demo):
    officer = demo[USERNAME]
    client = api_login(USERNAME)
    services.password_set_by_admin(actor=demo["city_admin"], user=officer, password="Reset#2020fx")
    officer.refresh_from_db()
    assert officer.must_change_password
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.token_revoked"


# --------------------------------------------------------------------------- sessions


def test_session_idle_timeout_settings():
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_session_expiry_is_refreshed_on_each_request(demo):
    client = Client()
    web_login(client)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(seconds=60))
    assert client.get("/").status_code == 200
    expire = Session.objects.get(session_key=key).expire_date
    assert expire > timezone.now() + timedelta(seconds=1700)


def test_idle_session_expires(demo):
    client = Client()
    web_login(client)
    assert client.get("/").status_code == 200
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --------------------------------------------------------------------------- admin lock / unlock


def test_locked_user_cannot_get_token_or_log_in(demo):
    officer = demo[USERNAME]
    client = api_login(USERNAME)
    services.user_lock(actor=demo["city_admin"], user=officer, reason="离岗")
    officer.refresh_from_db()
    assert not officer.is_active
    assert officer.locked_reason == "离岗"
    response = api_token()
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid_credentials"
    # the token issued before the lock no longer works
    stale = client.get("/api/v1/me")
    assert stale.status_code == 401
    assert stale.json()["code"] == "auth.token_revoked"
    web = Client()
    assert web_login(web).status_code == 200
    assert not web_logged_in(web)

    services.user_unlock(actor=demo["city_admin"], user=officer)
    assert api_token().status_code == 200


def test_token_of_inactive_user_is_refused(demo):
    client = api_login(USERNAME)
    type(demo[USERNAME]).objects.filter(pk=demo[USERNAME].pk).update(is_active=False)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.account_locked"


def test_lock_via_admin_page(demo, web):
    officer = demo[USERNAME]
    response = web("city_admin").post(f"/accounts/users/{officer.pk}/", {"op": "lock", "reason": "调离"})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active
    assert api_token().status_code == 401


def test_lock_requires_reason(demo):
    with pytest.raises(InvalidInput) as exc:
        services.user_lock(actor=demo["city_admin"], user=demo[USERNAME], reason="  ")
    assert exc.value.code == "accounts.reason_required"


def test_admin_cannot_lock_self(demo):
    with pytest.raises(InvalidInput) as exc:
        services.user_lock(actor=demo["city_admin"], user=demo["city_admin"], reason="测试")
    assert exc.value.code == "accounts.cannot_lock_self"


def test_non_admin_cannot_lock_or_unlock(demo):
    for action in (
        lambda: services.user_lock(actor=demo[USERNAME], user=demo["officer_411628"], reason="x"),
        lambda: services.user_unlock(actor=demo[USERNAME], user=demo["officer_411628"]),
        lambda: services.user_create(
            actor=demo["leader"], username="someone", real_name="某人", password=GOOD_NEW_PASSWORD
        ),
    ):
        with pytest.raises(Forbidden) as exc:
            action()
        assert exc.value.code == "accounts.admin_required"
    demo["officer_411628"].refresh_from_db()
    assert demo["officer_411628"].is_active


@pytest.mark.parametrize("username", [USERNAME, "leader"])
def test_non_admin_gets_403_on_user_admin_pages(demo, web, username):
    client = web(username)
    target = demo["officer_411628"]
    assert client.get("/accounts/users/").status_code == 403
    assert client.get("/accounts/users/new/").status_code == 403
    assert client.get(f"/accounts/users/{target.pk}/").status_code == 403
    response = client.post(f"/accounts/users/{target.pk}/", {"op": "lock", "reason": "越权"})
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.is_active


def test_admin_sees_user_admin_pages(demo, web):
    client = web("city_admin")
    assert client.get("/accounts/users/").status_code == 200
    assert client.get("/accounts/users/new/").status_code == 200
    assert client.get(f"/accounts/users/{demo[USERNAME].pk}/").status_code == 200
