"""Fixtures shared by the tests that send SMS (notifications, portal): import them into a conftest."""

import pytest

from fanxiang.notifications.sms import LocmemBackend


@pytest.fixture(autouse=True)
def _sms_outbox(settings, tmp_path):
    """SMS into the local outbox (emptied before and after each test), uploads into a temporary MEDIA_ROOT."""
    settings.FANXIANG_SMS_BACKEND = "fanxiang.notifications.sms.LocmemBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    LocmemBackend.reset()
    yield
    LocmemBackend.reset()


@pytest.fixture
def outbox():
    return LocmemBackend.outbox
