"""Two phone forms in real Chromium at 375 px: the public self-check's 重点群体 boxes each sit beside their
label (the pairs wrap across the line), and the portal's new-business form loads a county's townships when
the county is chosen (HTMX) and files the request. With FANXIANG_SCREENSHOTS=1, screenshots go to
/tmp/shots-mobile/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as dj_settings

from fanxiang.core.tests.browser import Watcher, launched_chromium, screenshot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-mobile")
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

# For each option label of a multiple-choice field: the box's width, the gap from the box to the text and
# the vertical offset of their centres.
CHECK_GEOMETRY = """(sel) => [...document.querySelectorAll(sel + ' label')].map(l => {
  const box = l.querySelector('input[type=checkbox]').getBoundingClientRect();
  const text = [...l.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
  const range = document.createRange(); range.selectNodeContents(text);
  const t = range.getClientRects()[0];
  return {label: l.textContent.trim(), width: box.width, gap: t.left - box.right,
          dy: Math.abs((t.top + t.bottom) / 2 - (box.top + box.bottom) / 2), right: t.right};
})"""


@pytest.fixture(scope="module")
def chromium():
    with launched_chromium("mobile forms browser test") as browser:
        yield browser


def _shot(page, name: str) -> None:
    screenshot(page, SHOTS / f"{name}.png", full_page=True)


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url}: page is {width}px wide on a 375px screen"


def test_self_check_boxes_sit_beside_their_labels(chromium, live_server, demo):
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    watcher = Watcher(page, live_server.url)
    page.goto(f"{live_server.url}/policies/public/check/")
    rows = page.evaluate(CHECK_GEOMETRY, "#id_priority_groups")
    assert len(rows) >= 3
    for row in rows:
        assert row["width"] < 30, row  # a box, not a full-width input
        assert 0 <= row["gap"] <= 16, row  # the text right after its box
        assert row["dy"] < 12, row  # on the same line
        assert row["right"] <= 375, row
    tops = page.evaluate(
        "[...document.querySelectorAll('#id_priority_groups input')].map(e => e.getBoundingClientRect().top)"
    )
    assert len(set(round(t) for t in tops)) < len(tops)  # short labels share a line: they wrap, not stack
    _fits(page)
    _shot(page, "self-check-375")
    page.check("#id_priority_groups_0")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=check-result]")
    assert "待核实" not in page.content()
    _fits(page)
    assert not watcher.problems(), watcher.problems()
    context.close()


def test_portal_business_form_cascades_county_to_township(chromium, live_server, demo, portal):
    from fanxiang.portal.models import EditRequest
    from fanxiang.portal.tests.factories import portal_session, registry_person
    from fanxiang.regions.models import Region

    person = registry_person(demo["officer_411625"], name="李手机", mobile="13700006201", skills="")
    api = portal("13700006201")
    assert (
        api.post("/api/v1/portal/bind", {"name": "李手机", "id_number": person.id_number}).json()["status"]
        == "bound"
    )
    session = portal_session(api).cookies[dj_settings.SESSION_COOKIE_NAME].value
    context = chromium.new_context(**PHONE)
    context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = context.new_page()
    watcher = Watcher(page, live_server.url)
    page.goto(f"{live_server.url}/portal/businesses/new/")
    ours = list(Region.objects.filter(parent__code="411625", level="township").values_list("code", flat=True))
    theirs = list(
        Region.objects.filter(parent__code="411628", level="township").values_list("code", flat=True)
    )
    offered = page.eval_on_selector_all("#id_region option", "os => os.map(o => o.value)")
    assert set(offered) - {"", "411625"} == set(ours)
    _fits(page)
    _shot(page, "business-new-375")
    page.select_option("#id_county", "411628")
    page.wait_for_selector(f"#id_region option[value='{theirs[0]}']", state="attached")
    offered = page.eval_on_selector_all("#id_region option", "os => os.map(o => o.value)")
    assert set(offered) - {"", "411628"} == set(theirs)
    page.fill("#id_name", "李家手机店")
    page.select_option("#id_kind", "unregistered")
    page.select_option("#id_industry", "F")
    page.select_option("#id_region", theirs[0])
    _shot(page, "business-new-375-chosen")
    page.click("[data-testid=edit-form] button[type=submit]")
    page.wait_for_load_state()
    assert "/portal/profile/" in page.url, page.inner_text("main")[:800]
    request = EditRequest.objects.get(kind="business_new", account__entrepreneur=person)
    assert request.changes["region"] == theirs[0]
    assert not watcher.problems(), watcher.problems()
    context.close()
