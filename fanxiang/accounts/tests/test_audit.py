"""Every audited action leaves its record, and only the city admin can browse the trail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from fanxiang.accounts import services
from fanxiang.accounts.models import RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.conftest import DEMO_PASSWORD, ApiClient, api_login
from fanxiang.core import audit
from fanxiang.regions.models import Region
from fanxiang.targets.models import Target

USERNAME = "officer_411625"


def events(event: str, **filters) -> list[LogEntry]:
    return [e for e in LogEntry.objects.filter(**filters).order_by("pk") if audit.event_of(e) == event]


def last_event(event: str, **filters) -> LogEntry:
    found = events(event, **filters)
    assert found, f"no {event!r} audit entry"
    return found[-1]


def ct(model) -> ContentType:
    return ContentType.objects.get_for_model(model)


# --------------------------------------------------------------------------- logins and logouts


def test_web_login_is_audited(demo):
    user = demo[USERNAME]
    client = Client()
    response = client.post("/accounts/login/", {"username": USERNAME, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    entry = last_event(audit.EVENT_LOGIN, actor=user)
    assert entry.additional_data["via"] == "web"
    assert entry.content_type == ct(User)
    assert entry.object_pk == str(user.pk)
    assert entry.remote_addr == "127.0.0.1"
    assert entry.action == LogEntry.Action.ACCESS


def test_web_login_remote_addr_from_forwarded_header(demo):
    client = Client(HTTP_X_FORWARDED_FOR="10.41.16.25, 10.0.0.1")
    client.post("/accounts/login/", {"username": USERNAME, "password": DEMO_PASSWORD})
    assert last_event(audit.EVENT_LOGIN, actor=demo[USERNAME]).remote_addr == "10.41.16.25"


def test_web_logout_is_audited(demo):
    client = Client()
    client.post("/accounts/login/", {"username": USERNAME, "password": DEMO_PASSWORD})
    assert not events(audit.EVENT_LOGOUT, actor=demo[USERNAME])
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    entry = last_event(audit.EVENT_LOGOUT, actor=demo[USERNAME])
    assert entry.additional_data["via"] == "web"


def test_failed_login_is_audited_with_username(demo):
    user = demo[USERNAME]
    response = Client().post("/accounts/login/", {"username": USERNAME, "password": "Wrong#pass2020"})
    assert response.status_code == 200
    entry = last_event(audit.EVENT_LOGIN_FAILED)
    assert entry.additional_data["username"] == USERNAME
    assert entry.additional_data["locked_out"] is False
    assert entry.object_pk == str(user.pk)
    assert entry.actor is None
    assert entry.remote_addr == "127.0.0.1"
    assert "Wrong#pass2020" not in str(entry.additional_data)


def test_failed_login_for_unknown_user_is_audited(db):
    Client().post("/accounts/login/", {"username": "nobody_here", "password": "Wrong#pass2020"})
    entry = last_event(audit.EVENT_LOGIN_FAILED)
    assert entry.additional_data["username"] == "nobody_here"
    assert entry.object_repr == "nobody_here"
    assert entry.object_pk == ""
    assert entry.content_type == ct(User)


def test_lockout_is_marked_in_failed_login(demo):
    for _ in range(5):
        Client().post("/accounts/login/", {"username": USERNAME, "password": "Wrong#pass2020"})
    failures = events(audit.EVENT_LOGIN_FAILED, object_pk=str(demo[USERNAME].pk))
    assert len(failures) == 5
    assert failures[-1].additional_data["locked_out"] is True
    assert failures[0].additional_data["locked_out"] is False


def test_api_token_issue_and_revoke_are_audited(demo):
    user = demo[USERNAME]
    client = api_login(USERNAME)
    entry = last_event(audit.EVENT_LOGIN, actor=user)
    assert entry.additional_data["via"] == "api_token"
    assert entry.remote_addr == "127.0.0.1"
    assert client.delete("/api/v1/auth/token").status_code == 200
    entry = last_event(audit.EVENT_LOGOUT, actor=user)
    assert entry.additional_data["via"] == "api_token"
    assert entry.remote_addr == "127.0.0.1"


def test_failed_api_token_is_audited(demo):
    response = ApiClient().post("/api/v1/auth/token", {"username": USERNAME, "password": "Wrong#pass2020"})
    assert response.status_code == 401
    entry = last_event(audit.EVENT_LOGIN_FAILED)
    assert entry.additional_data["username"] == USERNAME


# --------------------------------------------------------------------------- data changes


def test_target_create_and_update_via_api_are_audited(api, demo):
    client = api(USERNAME)
    payload = {"year": 2021, "indicator": "new_entrepreneurs", "region": "411625", "value": "100"}
    response = client.post("/api/v1/targets/", payload)
    assert response.status_code == 200, response.content
    target = Target.objects.get(pk=response.json()["id"])

    created = LogEntry.objects.get_for_object(target).filter(action=LogEntry.Action.CREATE).get()
    assert audit.event_of(created) == audit.EVENT_CREATE
    assert created.actor == demo[USERNAME]
    assert created.remote_addr == "127.0.0.1"
    before, after = created.changes["value"]
    assert before in (None, "None")
    assert Decimal(after) == Decimal(100)

    response = client.post("/api/v1/targets/", {**payload, "value": "120"})
    assert response.status_code == 200, response.content
    updated = LogEntry.objects.get_for_object(target).filter(action=LogEntry.Action.UPDATE).get()
    assert audit.event_of(updated) == audit.EVENT_UPDATE
    assert updated.actor == demo[USERNAME]
    assert updated.remote_addr == "127.0.0.1"
    assert [Decimal(v) for v in updated.changes["value"]] == [Decimal(100), Decimal(120)]


def test_refused_target_change_leaves_no_change_record(api, demo):
    before = LogEntry.objects.filter(content_type=ct(Target)).count()
    response = api(USERNAME).post(
        "/api/v1/targets/",
        {"year": 2021, "indicator": "new_entrepreneurs", "region": "411628", "value": "100"},
    )
    assert response.status_code in (403, 404)
    assert LogEntry.objects.filter(content_type=ct(Target)).count() == before


def test_role_assignment_by_city_admin_is_audited(demo, web):
    admin = demo["city_admin"]
    officer = demo["officer_411628"]
    region = Region.objects.get(code="411625")
    response = web("city_admin").post(
        f"/accounts/users/{officer.pk}/",
        {"op": "assign", "role": Role.COUNTY_OFFICER, "region": region.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment = RoleAssignment.objects.get(user=officer, role=Role.COUNTY_OFFICER, region=region)
    entry = LogEntry.objects.get_for_object(assignment).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == admin
    assert entry.remote_addr == "127.0.0.1"
    assert entry.changes["role"][1] == Role.COUNTY_OFFICER


def test_role_revoke_is_audited(demo, web):
    admin = demo["city_admin"]
    officer = demo["officer_411628"]
    assignment = RoleAssignment.objects.get(user=officer)
    pk = assignment.pk
    response = web("city_admin").post(f"/accounts/users/{officer.pk}/", {"op": "revoke", "assignment": pk})
    assert response.status_code == 302
    entry = LogEntry.objects.filter(
        content_type=ct(RoleAssignment), object_pk=str(pk), action=LogEntry.Action.DELETE
    ).get()
    assert entry.actor == admin


def test_admin_lock_is_audited(demo, web):
    admin = demo["city_admin"]
    officer = demo[USERNAME]
    response = web("city_admin").post(f"/accounts/users/{officer.pk}/", {"op": "lock", "reason": "调离岗位"})
    assert response.status_code == 302
    entry = last_event(audit.EVENT_SECURITY, object_pk=str(officer.pk), content_type=ct(User))
    assert entry.actor == admin
    assert entry.additional_data["what"] == "lock"
    assert entry.additional_data["reason"] == "调离岗位"

    services.user_unlock(actor=admin, user=officer)
    entry = last_event(audit.EVENT_SECURITY, object_pk=str(officer.pk), content_type=ct(User))
    assert entry.additional_data["what"] == "unlock"
    assert entry.actor == admin


def test_password_change_is_audited_without_the_password(demo, web):
    client = web(USERNAME)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password": "Zhoukou#2024fx",
            "new_password2": "Zhoukou#2024fx",
        },
    )
    assert response.status_code == 302
    entry = last_event(audit.EVENT_SECURITY, object_pk=str(demo[USERNAME].pk), content_type=ct(User))
    assert entry.additional_data["what"] == "password_change"
    assert entry.actor == demo[USERNAME]
    assert "Zhoukou#2024fx" not in str(entry.additional_data)
    assert "Zhoukou#2024fx" not in str(entry.changes)
    # the user change log never stores the password hash either
    for row in LogEntry.objects.get_for_object(demo[USERNAME]):
        assert "password" not in (row.changes or {})


def test_excel_export_is_audited(demo, web):
    response = web(USERNAME).get("/targets/export/", {"year": "2020"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    entry = last_event(audit.EVENT_EXPORT)
    assert entry.actor == demo[USERNAME]
    assert entry.content_type == ct(Target)
    assert entry.additional_data["format"] == "xlsx"
    assert entry.additional_data["filters"] == {"year": "2020"}
    assert entry.remote_addr == "127.0.0.1"


# --------------------------------------------------------------------------- browsing the trail


def test_audit_api_for_city_admin(api, demo):
    api_login(USERNAME)  # a login by someone else
    client = api("city_admin")
    response = client.get("/api/v1/audit/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] >= 2
    item = body["items"][0]
    assert {"id", "timestamp", "event", "actor", "content_type", "object_pk", "changes", "data"} <= set(item)

    logins = client.get("/api/v1/audit/", {"event": "login"}).json()
    assert logins["count"] >= 2
    assert {i["event"] for i in logins["items"]} == {"login"}
    assert {"city_admin", USERNAME} <= {i["actor"] for i in logins["items"]}

    mine = client.get("/api/v1/audit/", {"event": "login", "actor": USERNAME}).json()
    assert mine["count"] >= 1
    assert {i["actor"] for i in mine["items"]} == {USERNAME}
    assert all(i["data"]["via"] == "api_token" for i in mine["items"])

    none = client.get("/api/v1/audit/", {"event": "login", "actor": "no_such_user"}).json()
    assert none == {"count": 0, "items": []}


def test_audit_api_filters_changes_by_model(api, demo):
    client = api("city_admin")
    client.post(
        "/api/v1/targets/", {"year": 2022, "indicator": "jobs_created", "region": "411600", "value": "10"}
    )
    body = client.get("/api/v1/audit/", {"event": "create", "model": "target", "actor": "city_admin"}).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["event"] == "create"
    assert item["content_type"] == "targets.target"
    assert item["actor"] == "city_admin"
    assert Decimal(item["changes"]["value"][1]) == Decimal(10)
    others = client.get("/api/v1/audit/", {"event": "create", "model": "target"}).json()
    assert others["count"] > 1  # the demo data's targets
    assert {i["event"] for i in others["items"]} == {"create"}
    assert {i["content_type"] for i in others["items"]} == {"targets.target"}


@pytest.mark.parametrize("username", [USERNAME, "leader"])
def test_audit_api_forbidden_for_others(api, username):
    response = api(username).get("/api/v1/audit/")
    assert response.status_code == 403
    assert response.json()["code"] == "audit.forbidden"


def test_audit_api_requires_login(db):
    response = ApiClient().get("/api/v1/audit/")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


def test_audit_page_for_city_admin(demo, web):
    client = web("city_admin")
    api_login(USERNAME)
    response = client.get("/accounts/audit/")
    assert response.status_code == 200
    assert "审计日志" in response.content.decode()
    filtered = client.get("/accounts/audit/", {"event": "login", "actor": USERNAME})
    assert filtered.status_code == 200
    page = filtered.context["page"]
    assert page.paginator.count >= 1
    assert all(e.actor.username == USERNAME for e in page.object_list)


@pytest.mark.parametrize("username", [USERNAME, "leader", "unit_liaison"])
def test_audit_page_forbidden_for_others(web, username):
    assert web(username).get("/accounts/audit/").status_code == 403


@pytest.mark.django_db
def test_service_called_outside_a_request_logs_its_actor(demo):
    """A service run from a shell, command or task still names who acted."""
    from auditlog.models import LogEntry

    from fanxiang.accounts import services
    from fanxiang.accounts.models import RoleAssignment
    from fanxiang.regions.models import Region

    admin = demo["city_admin"]
    assignment = services.role_assign(
        actor=admin,
        user=demo["officer_411602"],
        role="service_clerk",
        region=Region.objects.get(code="411602"),
    )
    entry = LogEntry.objects.get_for_object(assignment).get(action=LogEntry.Action.CREATE)
    assert entry.actor == admin
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
