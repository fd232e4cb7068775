"""Notification reads: an inbox is owner-only; the delivery log is the city admin's."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from fanxiang.notifications.models import Delivery, Notification, NotificationTemplate


def inbox_for_user(user: Any) -> QuerySet[Notification]:
    """A staff user's own inbox."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_user=user)


def inbox_for_person(*, user: Any, entrepreneur_id: int | None) -> QuerySet[Notification]:
    """A portal account's inbox: what was sent to its user, and to the registry person it is bound to."""
    q = Q(recipient_user=user)
    if entrepreneur_id:
        q |= Q(recipient_entrepreneur_id=entrepreneur_id)
    return Notification.objects.filter(q)


def is_city_admin(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or (hasattr(user, "has_role") and user.has_role("city_admin")))
    )


def deliveries_for_admin(user: Any) -> QuerySet[Delivery]:
    if not is_city_admin(user):
        return Delivery.objects.none()
    return Delivery.objects.select_related("notification")


def templates_for_admin(user: Any) -> QuerySet[NotificationTemplate]:
    if not is_city_admin(user):
        return NotificationTemplate.objects.none()
    return NotificationTemplate.objects.all()
