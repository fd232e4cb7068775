"""Per-address rate limit on the staff sign-in endpoints (the login page and ``POST /api/v1/auth/token``).

The username lockout (django-axes, :mod:`fanxiang.accounts.lockout`) stops guessing one account's
password; it does nothing against one address trying many usernames. This limit does: at most
``FANXIANG_LOGIN_RATE`` (``"N/M"``: N attempts per M seconds, default ``20/60``) sign-in attempts per client
address; beyond that the request is refused with HTTP 429 ``auth.rate_limited`` and a ``Retry-After`` header
before any password is checked.

A *successful* sign-in gives its slot back, so a county office whose clerks all reach the intranet through
one NAT address is not throttled at the start of the day; only failures (wrong password, unknown user,
locked account) use up the budget. The slot is taken *before* the password is checked, so a burst of
parallel requests cannot all slip through before the first failure is counted.

Counters live in the Django cache (database cache or Redis, both shared by every web process), in fixed
windows of M seconds keyed by address.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse

from fanxiang.core.errors import TooManyRequests

CODE = "auth.rate_limited"
logger = logging.getLogger("fanxiang.accounts")


def client_address(request: Any) -> str | None:
    """The client address for sign-in limits and trusted addresses: ``REMOTE_ADDR``, or the header a trusted
    reverse proxy sets (``FANXIANG_CLIENT_IP_HEADER``, e.g. ``HTTP_X_REAL_IP``) — never a header the client
    could choose (``X-Forwarded-For`` as sent by the client would let anyone pose as any address). Also
    django-axes' ``AXES_CLIENT_IP_CALLABLE``, so its failure records name the same address."""
    if request is None:
        return None
    header = getattr(settings, "FANXIANG_CLIENT_IP_HEADER", "")
    value = request.META.get(header) if header else None
    return (value or request.META.get("REMOTE_ADDR") or "").split(",")[0].strip() or None


def rate() -> tuple[int, int]:
    """``(attempts, seconds)`` from ``FANXIANG_LOGIN_RATE`` (``"20/60"``); ``attempts`` 0 switches it off."""
    raw = str(getattr(settings, "FANXIANG_LOGIN_RATE", "20/60"))
    attempts, _, seconds = raw.partition("/")
    try:
        return max(0, int(attempts)), max(1, int(seconds or 60))
    except ValueError:
        logger.warning("FANXIANG_LOGIN_RATE=%r is not N/M; using 20/60", raw)
        return 20, 60


class LoginRateLimited(TooManyRequests):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            CODE,
            f"登录尝试过于频繁，请{retry_after}秒后再试。",
            details={"retry_after": retry_after},
        )
        self.retry_after = retry_after


@dataclass
class Attempt:
    key: str | None

    def succeeded(self) -> None:
        """Give the slot back: a successful sign-in does not count against the address."""
        if self.key is None:
            return
        try:
            cache.decr(self.key)
        except ValueError:  # the window ended meanwhile
            pass


def attempt_begin(request: Any, now: float | None = None) -> Attempt:
    """Take a sign-in slot for the request's address, or raise :class:`LoginRateLimited`."""
    limit, window = rate()
    address = client_address(request)
    if not limit or not address:
        return Attempt(None)
    now = time.time() if now is None else now
    bucket = int(now // window)
    key = f"fx:login-rate:{address}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    if count > limit:
        raise LoginRateLimited(max(1, math.ceil((bucket + 1) * window - now)))
    return Attempt(key)


def rate_limited_json(exc: LoginRateLimited) -> JsonResponse:
    response = JsonResponse(exc.as_dict(), status=exc.status)
    response["Retry-After"] = str(exc.retry_after)
    return response
