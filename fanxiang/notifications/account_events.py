"""Inbox notices for account events the accounts app signals (accounts sits below notifications, so it sends
a signal and never imports this app; the subscription is made in NotificationsConfig.ready())."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from fanxiang.notifications.services import notify


def on_account_locked(sender: Any, user: Any, address: str | None, until: Any, **kwargs: Any) -> None:
    """``accounts.lockout.account_locked_out``: tell the holder their account was locked."""
    with transaction.atomic():  # a savepoint: a failure here never breaks the sign-in's transaction
        notify(
            event="account_locked",
            recipient_user=user,
            context={
                "name": user.display_name,
                "username": user.username,
                "address": address or "未知地址",
                "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
            },
            sms=False,
        )
