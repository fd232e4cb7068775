"""Shared by the browser tests (real Chromium through Playwright): where Chromium is, how it is launched,
and the watcher of a page's console errors, uncaught page errors and requests leaving the app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Not network requests: they never leave the browser.
LOCAL_SCHEMES = ("data:", "blob:", "about:")
# Screenshots are for people looking at the pages, no test reads them: taken only with FANXIANG_SCREENSHOTS=1
# (full-page PNGs cost about a minute of the suite on two cores).
SCREENSHOTS = os.environ.get("FANXIANG_SCREENSHOTS", "") not in ("", "0")

# The page has loaded (scripts run, charts drawn: everything the pages do happens by DOMContentLoaded),
# its fonts too, no HTMX request is in flight and one frame has been painted. What waiting for
# "networkidle" ensured here, without its half second of guaranteed idling per page.
_SETTLED = """() => new Promise(resolve => {
  const done = () => document.fonts.ready.then(() => requestAnimationFrame(() => resolve(true)));
  const check = () => document.readyState === "complete" && !document.querySelector(".htmx-request")
    ? done() : setTimeout(check, 20);
  check();
})"""


def sms_code(outbox, mobile: str) -> str:
    """The six-digit code of the last text message sent to ``mobile`` (the ``sms`` fixture's outbox)."""
    import re

    for message in reversed(outbox):
        if message.to == mobile:
            return re.search(r"(\d{6})", message.text).group(1)
    raise AssertionError(f"no code sent to {mobile}")


def screenshot(page, path, **options) -> None:
    """``page.screenshot(path=path, **options)`` when FANXIANG_SCREENSHOTS=1, else nothing."""
    if SCREENSHOTS:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), **options)


def settle(page) -> None:
    """Wait until the page has loaded, its HTMX requests have answered and a frame is painted."""
    page.wait_for_load_state("load")
    page.evaluate(_SETTLED)


@contextmanager
def launched_chromium(what: str) -> Iterator:
    """A launched Chromium, closed afterwards; ``what`` (the test) is skipped when Chromium is not installed,
    failed instead when FANXIANG_REQUIRE_BROWSER is set."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("FANXIANG_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not installed at {CHROMIUM} and FANXIANG_REQUIRE_BROWSER is set")
        pytest.skip(f"Chromium not installed: {what} skipped")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API marks its event loop as running between its calls. Django then keeps database
    # connections per context instead of per thread (asgiref), so the test's own queries would open a
    # second connection to the in-memory test database beside the one the live server shares, and two
    # connections on SQLite's shared cache lock each other's tables ("database table is locked"). The
    # thread's connections, taken before the loop runs, are put back into that context.
    thread_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for alias, wrapper in thread_connections.items():
            connections[alias] = wrapper
        try:
            yield browser
        finally:
            browser.close()


class Watcher:
    """Collects console errors, uncaught page errors and foreign requests of one page."""

    def __init__(self, page, origin: str):
        self.origin = origin.rstrip("/") + "/"
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.foreign_requests: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("request", self._request)

    def _console(self, msg) -> None:
        if msg.type == "error":
            self.console_errors.append(f"{msg.text} @ {msg.location.get('url', '')}")

    def _request(self, request) -> None:
        url = request.url
        if not (url.startswith(self.origin) or url.startswith(LOCAL_SCHEMES)):
            self.foreign_requests.append(url)

    def problems(self) -> dict[str, list[str]]:
        found = {
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "foreign requests": self.foreign_requests,
        }
        return {k: list(v) for k, v in found.items() if v}

    def reset(self) -> None:
        self.console_errors.clear()
        self.page_errors.clear()
        self.foreign_requests.clear()
