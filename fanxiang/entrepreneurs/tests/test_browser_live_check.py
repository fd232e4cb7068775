"""Browser test (real Chromium): after a refused save, correcting the ID number clears the stale server error
under the field as soon as the live check says 校验通过, and a wrong number marks the field again."""

from __future__ import annotations

import os

import pytest

from fanxiang.conftest import DEMO_PASSWORD
from fanxiang.core.tests.browser import Watcher, launched_chromium
from fanxiang.entrepreneurs.tests.factories import make_id

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

BAD_ID = "411625198501010010"  # right shape, wrong check digit
ROW = ".form-row:has(#id_id_number)"


@pytest.fixture(scope="module")
def browser():
    with launched_chromium("live field check browser test") as browser:
        yield browser


def test_live_check_replaces_the_stale_server_error(browser, live_server, demo):
    base = live_server.url.rstrip("/")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    watcher = Watcher(page, base)
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "officer_411625")
        page.fill("#id_password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")

        page.goto(f"{base}/entrepreneurs/new/")
        page.fill("#id_id_number", BAD_ID)
        page.wait_for_selector("[data-testid=id-check-error]", timeout=10_000)  # its own check done first
        with page.expect_navigation():
            page.click("[data-testid=entrepreneur-form] button[type=submit]")
        watcher.reset()  # the refused save answers 422, which Chromium logs as a console error
        error = page.locator("[data-testid=error-id_number] li")
        assert "身份证号码校验位不正确" in error.inner_text()
        assert error.get_attribute("data-code") == "id.invalid_checksum"
        assert page.locator("[data-testid=error-name]").count() == 1  # the other refusals stay

        page.fill("#id_id_number", make_id())
        page.wait_for_selector("[data-testid=id-check-valid]", timeout=10_000)
        assert "校验通过" in page.inner_text("#id-check")
        assert page.locator("[data-testid=error-id_number]").count() == 0
        assert "has-error" not in (page.locator(ROW).get_attribute("class") or "")
        assert page.locator("[data-testid=error-name]").count() == 1

        page.fill("#id_id_number", BAD_ID)
        page.wait_for_selector("[data-testid=id-check-error]", timeout=10_000)
        assert page.locator("[data-testid=id-check-valid]").count() == 0
        assert "has-error" in (page.locator(ROW).get_attribute("class") or "")
        assert (
            page.locator("[data-testid=id-check-error]").get_attribute("data-code") == "id.invalid_checksum"
        )
        assert "（id." not in page.inner_text("main")
        assert watcher.problems() == {}, watcher.problems()
    finally:
        context.close()
