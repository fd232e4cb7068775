"""The portal reads like a public site: the policy page shows no staff verification notes ("待核实",
"未取得") in the amounts, and the footer is the public one."""

from __future__ import annotations

import pytest

from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.tests.factories import business_data
from fanxiang.portal.tests.factories import portal_session, registry_person

pytestmark = pytest.mark.django_db


def test_policy_page_shows_no_internal_notes(portal, demo):
    officer = demo["officer_411625"]
    person = registry_person(officer, name="李政策", mobile="13700006301", skills="")
    registry.business_create(actor=officer, data=business_data(started_on="2020-05-10", jobs_created=3),
                             founders=[person.pk])  # fmt: skip
    api = portal("13700006301")
    assert (
        api.post("/api/v1/portal/bind", {"name": "李政策", "id_number": person.id_number}).json()["status"]
        == "bound"
    )
    html = portal_session(api).get("/portal/policies/").content.decode()
    assert "返乡入乡创业一次性创业补贴" in html  # an item whose amount is still being verified
    assert "金额以经办部门核定为准" in html
    for word in ("待核实", "未取得", "内部办公"):
        assert word not in html, word
    assert 'data-testid="public-footer"' in html
