"""Every staff home page: the 我的待办 panel first (the to-do inbox of core.tasks, the same figures as
``GET /api/v1/me/tasks``), and a role intro that promises only pages that exist and open for that role."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fanxiang.accounts.home import ROLE_INTRO
from fanxiang.accounts.roles import Role
from fanxiang.core import tasks

pytestmark = pytest.mark.django_db

# demo user -> the pages its role intro speaks of (each must open for that user)
PROMISED = {
    "city_admin": [
        "loans:settings", "targets:target_list", "policies:document_list", "accounts:user_list",
        "accounts:assignment_list", "accounts:audit_list",
    ],
    "leader": ["targets:progress", "entrepreneurs:list", "loans:application_list", "policies:grant_list"],
    "officer_411625": [
        "entrepreneurs:list", "loans:queue", "portal:review_registrations", "portal:review_edits",
        "policies:grant_create",
    ],
    "unit_liaison": ["targets:progress", "policies:grant_list", "loans:batch_list"],
    "service_clerk": ["entrepreneurs:create", "loans:application_create", "portal:assist_start"],
    "guarantee_officer": ["loans:queue", "loans:application_list"],
    "bank_officer": ["loans:queue", "loans:bank_workbench", "loans:batch_list"],
    "expert": ["policies:document_list", "targets:progress"],
    "provider_411625": ["training:class_list", "training:class_calendar"],
}  # fmt: skip


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_role_has_an_intro_and_a_promise_list():
    assert set(ROLE_INTRO) == set(Role)
    assert {u for u in PROMISED} == {
        "city_admin", "leader", "officer_411625", "unit_liaison", "service_clerk", "guarantee_officer",
        "bank_officer", "expert", "provider_411625",
    }  # fmt: skip


@pytest.mark.parametrize("username", sorted(PROMISED))
def test_home_page_has_the_panel_and_its_intro_pages_open(demo, username):
    user = demo[username]
    client = _client(user)
    html = client.get("/").content.decode()
    assert ROLE_INTRO[user.primary_role] in html
    assert 'data-testid="tasks-panel"' in html
    inbox = tasks.tasks_for(user)
    assert f'data-count="{inbox["count"]}"' in html
    for item in inbox["items"]:
        assert f'href="{item["url"]}"' in html and item["title"] in html
    if not inbox["items"]:
        assert "今日无待办" in html
    for name in PROMISED[username]:
        assert client.get(reverse(name)).status_code == 200, name


def test_no_intro_promises_unbuilt_work():
    text = "".join(str(v) for v in ROLE_INTRO.values())
    for unbuilt in ("服务事项", "网上办", "马上办", "示范项目", "基金", "代偿", "工作要点", "咨询"):
        assert unbuilt not in text, unbuilt
