"""Browser smoke test: real Chromium against the live server.

For each role: log in through the form, check the Chinese home page, then open every link of the side
navigation and require HTTP < 400, no console errors, no uncaught page errors and no request leaving
the app (government intranet: no CDN, no third-party origin). With FANXIANG_SCREENSHOTS=1, screenshots go
to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from fanxiang.conftest import DEMO_PASSWORD
from fanxiang.core.tests.browser import Watcher, launched_chromium, screenshot, settle

# Playwright's sync API runs an event loop in this thread; Django's ORM guard would refuse the
# fixtures' database access from it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    with launched_chromium("browser smoke test") as browser:
        yield browser


def _slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"


def _count_mismatch(page) -> str | None:
    """On a generic list page the "共 N 条" line must agree with the rows shown: all of them on a single
    page (an empty list shows one "暂无记录" row), at most N and at least one when paginated."""
    if not page.is_visible("[data-testid=count]"):
        return None
    match = re.search(r"\d+", page.inner_text("[data-testid=count]"))
    count = int(match.group()) if match else -1
    rows = page.locator("table.data tbody tr").count()
    if page.locator(".pagination").count():
        ok = 0 < rows < count
    else:
        ok = rows == max(count, 1)
    return None if ok else f"count line says {count}, table has {rows} rows"


def _desktop_page(browser, live_server):
    """A 1280×860 zh-CN page on the live server and its Watcher."""
    base = live_server.url.rstrip("/")
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    return base, context, page, Watcher(page, base)


def _login(page, base: str, username: str) -> None:
    response = page.goto(f"{base}/accounts/login/")
    assert response is not None and response.status == 200
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert page.url.rstrip("/") == base, f"{username}: login did not land on the home page ({page.url})"


@pytest.mark.parametrize("username", ["city_admin", "officer_411625"])
def test_role_walks_every_nav_page(browser, live_server, demo, username):
    base, context, page, watcher = _desktop_page(browser, live_server)
    try:
        _login(page, base, username)
        settle(page)
        assert "工作台" in page.inner_text("main")
        assert "返乡入乡创业服务平台" in page.title()
        if username == "city_admin":
            page.wait_for_selector("[data-testid=chart-targets] canvas", timeout=10_000)
        screenshot(page, ARTIFACTS / f"{username}-home.png", full_page=True)
        assert watcher.problems() == {}, f"{username} home: {watcher.problems()}"

        hrefs = page.eval_on_selector_all("nav.sidenav a", "els => els.map(e => e.getAttribute('href'))")
        assert len(hrefs) >= 3, hrefs
        failures: dict[str, object] = {}
        for href in dict.fromkeys(hrefs):
            watcher.reset()
            response = page.goto(base + href if href.startswith("/") else href)
            settle(page)
            status = response.status if response is not None else None
            if status is None or status >= 400:
                failures[href] = f"HTTP {status}"
            elif watcher.problems():
                failures[href] = watcher.problems()
            elif (mismatch := _count_mismatch(page)) is not None:
                failures[href] = mismatch
            screenshot(page, ARTIFACTS / f"{username}-nav-{_slug(href)}.png", full_page=True)
        assert failures == {}, f"{username}: {failures}"
    finally:
        context.close()


def test_home_on_a_phone(browser, live_server, demo):
    base = live_server.url.rstrip("/")
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, locale="zh-CN"
    )
    page = context.new_page()
    watcher = Watcher(page, base)
    try:
        _login(page, base, "officer_411625")
        settle(page)
        assert "工作台" in page.inner_text("main")
        # The side navigation folds away behind the menu button on a narrow screen.
        assert not page.is_visible("nav.sidenav")
        page.click("[data-toggle=sidenav]")
        assert page.is_visible("nav.sidenav")
        screenshot(page, ARTIFACTS / "mobile-nav-open.png")
        page.click("[data-toggle=sidenav]")
        # Nothing wider than the screen (a mobile browser would widen the layout viewport to fit), and
        # the top bar's links and buttons each on one line.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"page is {width}px wide on a 360px screen"
        misfits = page.eval_on_selector_all(
            ".topbar a, .topbar button, .topbar span",
            """els => els.filter(e => e.offsetParent !== null).map(e => [e.textContent.trim(),
                e.getBoundingClientRect()]).filter(([t, r]) => r.right > 360 || r.height > 30)
                .map(([t, r]) => `${t}: right ${r.right}, height ${r.height}`)""",
        )
        assert misfits == [], misfits
        screenshot(page, ARTIFACTS / "mobile-home.png", full_page=True)
        assert watcher.problems() == {}, watcher.problems()
    finally:
        context.close()


def test_registry_pages_and_live_checks(browser, live_server, demo):
    """The registry's pages with data: the live ID-number and credit-code checks, the founder search and
    the reveal (HTMX, no inline script under the CSP), the duplicate queue, transfers and progress charts."""
    from fanxiang.entrepreneurs import services
    from fanxiang.entrepreneurs.tests.factories import business_data, make_id, person_data
    from fanxiang.regions.models import Region

    officer = demo["officer_411625"]
    wang = services.entrepreneur_create(
        actor=officer, data=person_data(name="王五", mobile="13900000001", priority_groups=["poor_household"])
    )
    services.entrepreneur_create(
        actor=officer,
        data=person_data(name="王五", id_number=make_id(birth="19850101"), mobile="13900000002"),
    )
    business = services.business_create(
        actor=officer, data=business_data(jobs_created=12, poor_workers_employed=3), founders=[wang.pk]
    )
    services.entrepreneur_update(actor=officer, entrepreneur=wang, data={"skills": "农村电商"})
    services.transfer_request(
        actor=demo["officer_411628"],
        id_number=wang.id_number,
        to_region=Region.objects.get(code="411628101"),
        reason="已迁居鹿邑县",
    )

    base, context, page, watcher = _desktop_page(browser, live_server)
    try:
        _login(page, base, "officer_411625")
        problems: dict[str, object] = {}

        def visit(path: str, shot: str) -> None:
            watcher.reset()
            response = page.goto(base + path)
            settle(page)
            assert response is not None and response.status < 400, (
                f"{path}: HTTP {response and response.status}"
            )

        def done(shot: str) -> None:
            settle(page)  # what HTMX is still asking for has answered (the watcher sees its errors)
            screenshot(page, ARTIFACTS / f"registry-{shot}.png", full_page=True)
            if watcher.problems():
                problems[shot] = watcher.problems()

        visit(f"/entrepreneurs/{wang.pk}/", "detail")
        assert wang.id_number not in page.inner_text("main")
        page.click("[data-testid=reveal]")
        page.wait_for_selector("[data-testid=revealed]")
        assert wang.id_number in page.inner_text("[data-testid=revealed]")
        done("detail")

        visit("/entrepreneurs/new/", "create")
        page.fill("#id_id_number", "411625198501010010")
        page.wait_for_selector("[data-testid=id-check-error]")
        check = page.locator("[data-testid=id-check-error]")
        assert check.get_attribute("data-code") == "id.invalid_checksum"  # the code for tests, not for people
        assert "id.invalid_checksum" not in page.inner_text("#id-check")
        page.fill("#id_id_number", wang.id_number)
        page.wait_for_selector("[data-testid=id-check-registered]")
        page.fill("#id_name", "王五")
        page.select_option("#id_region", "411625101")
        page.select_option("#id_category", "returning_migrant_worker")
        with page.expect_navigation():
            page.click("form[data-testid=entrepreneur-form] button[type=submit]")
        watcher.reset()  # the refused form comes back with HTTP 422, which Chromium logs
        codes = page.eval_on_selector_all(
            "[data-testid=form-errors] li", "els => els.map(e => e.dataset.code)"
        )
        assert "entrepreneur.duplicate_id_number" in codes
        assert "entrepreneur.duplicate_id_number" not in page.inner_text("[data-testid=form-errors]")
        assert page.is_visible("[data-testid=conflict-link]")
        done("create-duplicate")

        visit(f"/entrepreneurs/businesses/new/?founder={wang.pk}", "business-form")
        page.fill("#id_credit_code", "91110000600037341A")
        page.wait_for_selector("[data-testid=override-reason]")
        page.fill("#founder-search", "ww")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('#id_founders option')).length >= 2"
        )
        done("business-form")

        for path, shot in (
            (f"/entrepreneurs/businesses/{business.pk}/", "business-detail"),
            ("/entrepreneurs/?q=ww", "list"),
            ("/entrepreneurs/duplicates/", "duplicates"),
            ("/entrepreneurs/transfers/", "transfers"),
        ):
            visit(path, shot)
            done(shot)
        visit("/targets/progress/?year=2020&region=411625", "progress")
        page.wait_for_selector("[data-testid=chart-jobs_created-children] canvas", timeout=10_000)
        done("progress")
        assert problems == {}, problems
    finally:
        context.close()
