from fanxiang.notifications.tests.fixtures import _sms_outbox, outbox  # noqa: F401
