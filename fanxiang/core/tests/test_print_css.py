"""The print stylesheet of staff pages (lists above all): the printed header with the page's title and the
print time in Beijing time; navigation, filters, buttons and pagination hidden; tables across the page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from fanxiang.conftest import DEMO_PASSWORD
from fanxiang.core.tests.browser import Watcher, launched_chromium

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _print_rules() -> str:
    css = Path(finders.find("fx/print.css")).read_text()
    match = re.search(r"@media print\s*\{(.*)\}\s*$", css, re.S)
    assert match, "print.css has an @media print block"
    return match.group(1)


def test_print_stylesheet_hides_the_chrome_and_widens_tables():
    rules = _print_rules()
    hidden = rules.split("{ display:none !important; }")[0]
    for selector in (
        ".topbar",
        ".sidenav",
        ".filters",
        ".pagination",
        ".btn",
        "button",
        ".breadcrumbs",
        ".batch-bar",
    ):
        assert selector in hidden, selector
    assert re.search(r"table\.data \{[^}]*width:100% !important", rules)
    assert re.search(r"\.print-header \{ display:flex !important", rules)
    assert Path(finders.find("fx/print.js")).is_file()


@pytest.mark.django_db
def test_every_staff_page_carries_the_printed_header(demo, web):
    body = web("officer_411625").get("/entrepreneurs/").content.decode()
    assert "fx/print.css" in body and "fx/print.js" in body
    header = re.search(r'<div class="print-header"[^>]*>(.*?)</div>', body, re.S)
    assert header, "printed header present"
    assert "返乡创业人员" in header.group(1)
    assert re.search(r"打印时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）", header.group(1))


@pytest.mark.browser
def test_a_list_prints_without_navigation_filters_and_pager(live_server, demo):
    with launched_chromium("print stylesheet") as browser:
        base = live_server.url.rstrip("/")
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        page = context.new_page()
        watcher = Watcher(page, base)
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "officer_411625")
        page.fill("#id_password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        page.goto(f"{base}/entrepreneurs/")
        assert not page.is_visible(".print-header")  # on screen: no printed header
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        for selector in (".sidenav", ".topbar", "[data-testid=filters]", ".page-head .actions"):
            assert not page.is_visible(selector), selector
        assert page.is_visible(".print-header")
        assert page.inner_text(".print-header .print-title").strip() == page.inner_text("main h1").strip()
        assert re.search(
            r"打印时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）", page.inner_text("[data-print-time]")
        )
        widths = page.evaluate(
            "[document.querySelector('table.data').getBoundingClientRect().width,"
            " document.querySelector('main').getBoundingClientRect().width]"
        )
        assert widths[0] >= widths[1] - 2
        assert page.pdf(format="A4")[:5] == b"%PDF-"
        assert not watcher.problems(), watcher.problems()
        context.close()
