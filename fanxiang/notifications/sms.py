"""Pluggable SMS backends (setting ``FANXIANG_SMS_BACKEND``, a dotted class path).

* :class:`ConsoleBackend` (default) — writes the message to the ``fanxiang.sms`` log. Outside production
  the full text is logged (that is how a developer reads a sign-in code); with ``FANXIANG_ENV=production``
  only the masked number and the length are logged, never the text, since it may hold a sign-in code.
* :class:`HttpGatewayBackend` — a JSON POST to an SMS gateway:

  ``FANXIANG_SMS_GATEWAY_URL``      endpoint, e.g. ``https://sms.example.gov.cn/api/send``
  ``FANXIANG_SMS_GATEWAY_KEY``      sent as ``Authorization: Bearer <key>``
  ``FANXIANG_SMS_GATEWAY_TIMEOUT``  seconds (default 5)
  ``FANXIANG_SMS_SIGN``             signature (签名) sent with every message (default 周口返乡创业)

  Request body ``{"mobile": "13800138000", "content": "…", "sign": "…", "request_id": "<uuid>"}``. A 2xx
  answer is success; its JSON ``id`` / ``message_id`` / ``biz_id`` (if any) is kept as the provider id. A 4xx
  is a permanent failure (bad number, content refused), a 5xx, a timeout or a network error a temporary one
  (retried). The error (status and the first 200 characters of the answer) is recorded on the delivery,
  never the key.
* :class:`LocmemBackend` — keeps messages in ``LocmemBackend.outbox`` (tests, browser tests); set
  ``LocmemBackend.fail_next = n`` to make the next n sends fail.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

from fanxiang.core.validators import mask_mobile

logger = logging.getLogger("fanxiang.sms")

DEFAULT_BACKEND = "fanxiang.notifications.sms.ConsoleBackend"


class SmsError(Exception):
    def __init__(self, code: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable


@dataclass
class SmsMessage:
    to: str
    text: str
    purpose: str = "notification"  # "otp" | "consent" | "notification"


class BaseBackend:
    def send(self, message: SmsMessage) -> str:
        """Send one message; return the provider's message id ("" if none) or raise :class:`SmsError`."""
        raise NotImplementedError


def _production() -> bool:
    return bool(getattr(settings, "PRODUCTION", False))


class ConsoleBackend(BaseBackend):
    def send(self, message: SmsMessage) -> str:
        if _production():
            logger.info(
                "SMS (%s) to %s: %d characters", message.purpose, mask_mobile(message.to), len(message.text)
            )
        else:
            logger.info("SMS (%s) to %s: %s", message.purpose, message.to, message.text)
        return ""


class LocmemBackend(BaseBackend):
    outbox: ClassVar[list[SmsMessage]] = []
    fail_next: ClassVar[int] = 0

    def send(self, message: SmsMessage) -> str:
        if LocmemBackend.fail_next > 0:
            LocmemBackend.fail_next -= 1
            raise SmsError("sms.gateway_unavailable", "短信网关暂时不可用（测试）。")
        LocmemBackend.outbox.append(message)
        return f"locmem-{len(LocmemBackend.outbox)}"

    @classmethod
    def reset(cls) -> None:
        cls.outbox.clear()
        cls.fail_next = 0


class HttpGatewayBackend(BaseBackend):
    def __init__(self) -> None:
        self.url = getattr(settings, "FANXIANG_SMS_GATEWAY_URL", "")
        self.key = getattr(settings, "FANXIANG_SMS_GATEWAY_KEY", "")
        self.timeout = float(getattr(settings, "FANXIANG_SMS_GATEWAY_TIMEOUT", 5) or 5)
        self.sign = getattr(settings, "FANXIANG_SMS_SIGN", "")

    def send(self, message: SmsMessage) -> str:
        if not self.url.startswith(("https://", "http://")):
            raise SmsError(
                "sms.gateway_not_configured",
                "未配置短信网关地址（FANXIANG_SMS_GATEWAY_URL）。",
                retryable=False,
            )
        body = json.dumps(
            {
                "mobile": message.to,
                "content": message.text,
                "sign": self.sign,
                "request_id": uuid.uuid4().hex,
            },
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(4096)
        except urllib.error.HTTPError as exc:
            detail = exc.read(200).decode("utf-8", "replace") if exc.fp else ""
            raise SmsError(
                f"sms.gateway_http_{exc.code}",
                f"短信网关返回 HTTP {exc.code}：{detail[:200]}",
                retryable=exc.code >= 500 or exc.code == 429,
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SmsError("sms.gateway_unreachable", f"短信网关无法连接：{str(reason)[:200]}") from None
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        if isinstance(data, dict):
            for key in ("id", "message_id", "biz_id"):
                if data.get(key):
                    return str(data[key])[:100]
        return ""


def get_backend() -> BaseBackend:
    path = getattr(settings, "FANXIANG_SMS_BACKEND", "") or DEFAULT_BACKEND
    return import_string(path)()


def send(to: str, text: str, purpose: str = "notification") -> str:
    """Send through the configured backend (raises :class:`SmsError`)."""
    return get_backend().send(SmsMessage(to=to, text=text, purpose=purpose))
