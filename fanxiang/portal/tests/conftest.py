"""Portal test fixtures: SMS into a local outbox, uploads into a temporary MEDIA_ROOT, sign-in helpers."""

from __future__ import annotations

import re

import pytest

from fanxiang.conftest import ApiClient
from fanxiang.notifications.sms import LocmemBackend
from fanxiang.notifications.tests.fixtures import _sms_outbox, outbox  # noqa: F401


def last_code(mobile: str) -> str:
    """The code of the last SMS sent to ``mobile`` (the local outbox)."""
    for message in reversed(LocmemBackend.outbox):
        if message.to == mobile:
            match = re.search(r"(\d{6})", message.text)
            assert match, message.text
            return match.group(1)
    raise AssertionError(f"no SMS to {mobile}")


def portal_login(mobile: str, *, ip: str = "10.0.0.1") -> ApiClient:
    """Sign in (signing up on first use) through the API; an ApiClient carrying the portal token."""
    client = ApiClient()
    response = client.post("/api/v1/portal/otp", {"mobile": mobile}, REMOTE_ADDR=ip)
    assert response.status_code == 200, response.content
    response = client.post(
        "/api/v1/portal/login", {"mobile": mobile, "code": last_code(mobile)}, REMOTE_ADDR=ip
    )
    assert response.status_code == 200, response.content
    return ApiClient(response.json()["token"])


@pytest.fixture
def portal():
    """``portal("13700000001")`` → an ApiClient signed in as that mobile's portal account."""
    counter = iter(range(1, 250))

    def _get(mobile: str) -> ApiClient:
        return portal_login(mobile, ip=f"10.0.1.{next(counter)}")

    return _get
