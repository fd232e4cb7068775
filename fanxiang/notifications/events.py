"""The notification events every app may raise, with their placeholders and default Chinese texts.

Each app declares the events it raises and registers them in its ``ready()``
(``fanxiang.core.registry.register_notification_events``); this module reads them back and declares the
notifications app's own (account locked). An event is data: its code, a label, the placeholders a
template of it may use, the default inbox title and body, and whether it is *decisive* (also sent by SMS by default). City admins edit the texts and the SMS
switch per event (``NotificationTemplate``); the placeholders stay fixed here, so a template can never ask
for something the raising code does not supply. Apps raise an event with
:func:`fanxiang.notifications.services.notify`.
"""

from __future__ import annotations

from fanxiang.core.registry import NOTIFICATION_EVENTS
from fanxiang.core.registry import NotificationEvent as EventSpec

__all__ = ["ACCOUNT_EVENTS", "EVENTS", "EventSpec", "event_choices", "spec"]

# code -> event of every app, in registration order (the registry's dict itself: filled in ready())
EVENTS: dict[str, EventSpec] = NOTIFICATION_EVENTS

ACCOUNT_EVENTS = (
    EventSpec(
        "account_locked",
        "账户因登录失败被锁定",
        ("name", "username", "address", "until"),
        "您的账户已被临时锁定",
        "{name}，您的账户{username}因连续登录失败（最近一次来自{address}）已被临时锁定至{until}。"
        "在您近期成功登录过的地址，使用正确密码仍可登录；您此前的登录和访问令牌已失效，请重新登录。"
        "如非本人操作，请尽快修改密码并联系市级管理员。",
        sample=(
            ("name", "李四"),
            ("username", "city_admin"),
            ("address", "203.0.113.7"),
            ("until", "2020-05-20 09:30"),
        ),
    ),
)


def spec(event: str) -> EventSpec:
    try:
        return EVENTS[event]
    except KeyError:
        raise ValueError(f"unknown notification event {event!r}") from None


def event_choices() -> list[tuple[str, str]]:
    return [(e.code, e.label) for e in EVENTS.values()]
