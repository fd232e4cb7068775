"""Failed-login lockout: by username (django-axes), except at the holder's trusted addresses.

Five failures (``FANXIANG_LOCKOUT_FAILURES``) within the cool-off (``FANXIANG_LOCKOUT_MINUTES``) lock the
username on the login page and the token endpoint alike — not the address, since a county office reaches
the intranet through one NAT address. Locking by username alone let anyone lock ``city_admin`` out with five
requests, so:

* An address the user signed in from successfully in the last ``FANXIANG_TRUSTED_ADDRESS_DAYS`` days (30)
  is *trusted* for that user (:class:`~fanxiang.accounts.models.TrustedAddress`). There only the failures
  made *from that address* count. An outsider can lock the username for everybody else, but the holder at
  their usual address still gets in with the right password; someone guessing at the trusted address (a
  colleague behind the same NAT) still locks it after five failures.
* A successful web sign-in from a trusted address clears only that address's failures, so the outsiders'
  lock stays in force.

We chose trusted addresses over a second factor for administrators: staff accounts have no verified
mobile on record to send a code to (``User.mobile`` is optional and unverified), the SMS gateway is an
outside dependency that would then gate every admin sign-in, and the defect is a denial of service by
lockout, which trusted addresses remove without changing how anyone signs in.

When an account gets locked (:func:`on_locked_out`): an audit event, the user's API tokens revoked and
sessions ended (a token issued before a lockout must not work during it), and the
:data:`account_locked_out` signal, on which the notifications app puts a notice
in the holder's inbox. An outsider can therefore make the holder sign in again, but not keep them out.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.core.cache import cache
from django.dispatch import Signal
from django.utils import timezone

from fanxiang.accounts.models import TrustedAddress, User

logger = logging.getLogger("fanxiang.accounts")

# Sent (sender=User) when a failed-login lockout locks an existing account: ``user``, ``address`` (where the
# failure that locked it came from), ``until`` (when the lock ends unless failures go on). A higher layer
# (the notifications app) subscribes in its AppConfig.ready(); accounts never imports it.
account_locked_out = Signal()


def trusted_days() -> int:
    return int(getattr(settings, "FANXIANG_TRUSTED_ADDRESS_DAYS", 30))


def is_trusted(username: str | None, address: str | None, now=None) -> bool:
    if not username or not address or trusted_days() <= 0:
        return False
    since = (now or timezone.now()) - timedelta(days=trusted_days())
    return TrustedAddress.objects.filter(
        user__username=username, address=address, last_success_at__gte=since
    ).exists()


def _request_trusted(request: Any, credentials: dict | None) -> tuple[str | None, bool]:
    username = get_client_username(request, credentials)
    cached = getattr(request, "_fx_trusted", None)
    if cached is None:
        cached = request._fx_trusted = {}
    if username not in cached:
        cached[username] = is_trusted(username, getattr(request, "axes_ip_address", None))
    return username, cached[username]


class TrustedAddressAxesHandler(AxesDatabaseHandler):
    """axes' database handler, with the failures of a trusted address counted on their own
    (``AXES_HANDLER``)."""

    def filter_user_attempts(self, request, credentials=None):
        attempts = super().filter_user_attempts(request, credentials)
        _username, trusted = _request_trusted(request, credentials)
        if trusted:
            return [qs.filter(ip_address=request.axes_ip_address) for qs in attempts]
        return attempts


def on_locked_out(sender: Any, request: Any = None, username: str | None = None, **kwargs: Any) -> None:
    """axes' ``user_locked_out``: sent on the failure that reaches the limit and on every failure during
    the lockout. Acts once per lockout (per cool-off period)."""
    if not username:
        return
    address = getattr(request, "axes_ip_address", None) if request is not None else None
    _username, trusted = _request_trusted(request, None) if request is not None else (username, False)
    # One lock for "everyone but the trusted addresses", and one per trusted address that locked itself.
    scope = address if trusted else "*"
    cool_off = settings.AXES_COOLOFF_TIME
    seconds = int(cool_off.total_seconds()) if isinstance(cool_off, timedelta) else 15 * 60
    if not cache.add(f"fx:lockout:{username}:{scope}", 1, timeout=seconds):
        return
    user = User.objects.filter(username=username).first()
    from fanxiang.accounts import services

    until = timezone.now() + timedelta(seconds=seconds)
    services.lockout_record(
        username=username,
        user=user,
        request=request,
        address=address,
        trusted_address=trusted,
        until=until,
        failures=getattr(request, "axes_failures_since_start", None),
    )
    if user is None:
        return
    # send_robust: a failing subscriber (the inbox) must not turn a refused sign-in into a 500. Subscribers
    # write in their own savepoint.
    for receiver, result in account_locked_out.send_robust(
        sender=User, user=user, address=address, until=until
    ):
        if isinstance(result, Exception):
            logger.error("account_locked_out receiver %r failed: %r", receiver, result)
