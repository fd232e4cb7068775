"""The browser tests, the live server and the test's own queries share one database connection.

Two connections to SQLite's shared-cache in-memory test database lock each other's tables ("database
table is locked"): the live server must be started after the test database exists (so it shares the
connection), and the test's queries, made while Playwright's loop is marked as running, must not open a
connection of their own (``launched_chromium`` puts the thread's connection back)."""

from __future__ import annotations

import os

import pytest
from django.db import connections

from fanxiang.core.tests.browser import launched_chromium

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    with launched_chromium("connection sharing test") as browser:
        yield browser


def test_the_test_and_the_live_server_use_one_connection(browser, live_server, demo):
    served = live_server.thread.connections_override.get("default")
    if connections["default"].vendor == "sqlite":
        assert served is not None, "the live server was started before the in-memory test database"
        assert connections["default"] is served
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("#id_username").count() == 1
    if served is not None:
        assert connections["default"] is served  # still, after a Playwright call
    page.close()
