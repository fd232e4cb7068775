"""The to-do inbox in real Chromium: a submitted application waits for the county officer, his home page's
我的待办 panel counts it, and a click on the line opens the queue filtered to exactly that application;
the guarantee officer's panel says 今日无待办. Screenshots (FANXIANG_SCREENSHOTS=1) go to ``/tmp/shots/``."""

from __future__ import annotations

import os

import pytest

from fanxiang.core.tests.browser import screenshot
from fanxiang.loans.tests.test_browser_loans import SHOTS, Session

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    from fanxiang.core.tests.browser import launched_chromium

    with launched_chromium("browser test") as browser:
        yield browser


def test_home_panel_leads_into_the_filtered_queue(browser, live_server, demo):
    from fanxiang.loans.tests.factories import advance, make_person, ready_draft

    officer = demo["officer_411625"]
    app = advance(ready_draft(officer, make_person(officer, name="任待办")), demo, "submitted")
    base = live_server.url.rstrip("/")

    s = Session(browser, base, "officer_411625")
    line = s.page.locator("[data-testid=task][data-kind='loan.hr_review']")
    assert line.count() == 1
    assert line.locator("[data-testid=task-count]").inner_text().strip() == "1"
    screenshot(s.page, SHOTS / "todos-1-home-county.png", full_page=True)
    s.submit("[data-testid=task][data-kind='loan.hr_review'] a")
    assert s.page.url.endswith("/loans/queue/?task=loan.hr_review")
    rows = s.page.locator("[data-testid=queue-row]")
    assert rows.count() == 1 and rows.first.get_attribute("data-id") == str(app.pk)
    assert "待县级初审的贷款申请" in s.page.locator("[data-testid=task-filter]").inner_text()
    screenshot(s.page, SHOTS / "todos-2-queue.png", full_page=True)
    s.close()

    g = Session(browser, base, "guarantee_officer")
    assert g.page.locator("[data-testid=tasks-empty]").inner_text().strip() == "今日无待办"
    g.close()
