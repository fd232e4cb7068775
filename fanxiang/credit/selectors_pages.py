"""Reads of the credit pages beyond ``credit.selectors``: who is on the blacklist on a day, within the caller's
scope (the same rule as ``services.active_blacklist``: the person's latest blacklist/lift line dated on or
before the day is a blacklisting whose period covers the day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from fanxiang.core.history import roles_prefetch
from fanxiang.core.scope import VIEW
from fanxiang.credit.models import CreditEntry, CreditEvent

BLACKLIST_EVENTS = (CreditEvent.BLACKLISTED, CreditEvent.BLACKLIST_LIFTED)


def blacklist_in_force(user: Any, day: dt.date, *, q: str = "") -> QuerySet[CreditEntry]:
    later = CreditEntry.objects.filter(
        entrepreneur=OuterRef("entrepreneur"), event__in=BLACKLIST_EVENTS, date__lte=day
    ).filter(Q(date__gt=OuterRef("date")) | Q(date=OuterRef("date"), pk__gt=OuterRef("pk")))
    qs = (
        CreditEntry.objects.for_user(user, VIEW)
        .filter(event=CreditEvent.BLACKLISTED, date__lte=day)
        .filter(Q(until__isnull=True) | Q(until__gte=day))
        .filter(~Exists(later))
        .select_related("entrepreneur__region", "business", "recorded_by")
        .prefetch_related(roles_prefetch("recorded_by"))  # the page names each recorder with their role
    )
    q = (q or "").strip()
    if q:
        qs = qs.filter(entrepreneur__name__icontains=q)
    return qs.order_by("-date", "-id")


def may_blacklist(user: Any, entrepreneur: Any) -> bool:
    """Whether the blacklist forms are offered (the service decides again)."""
    from fanxiang.core.scope import ADD, can
    from fanxiang.credit.services import BLACKLIST_ROLES

    if not getattr(user, "is_authenticated", False):
        return False
    if not (user.is_superuser or user.has_role(*BLACKLIST_ROLES)):
        return False
    return can(user, CreditEntry, ADD, entrepreneur.region.tree_path)


def people_search(user: Any, q: str, limit: int = 50) -> list:
    """People of the registry in the user's scope by name (contains) or exact ID number."""
    from fanxiang.entrepreneurs import selectors as registry

    q = (q or "").strip()
    if not q:
        return []
    found = registry.entrepreneur_by_id_number(user, q) if len(q) == 18 else None
    if found is not None:
        return [found]
    return list(
        registry.entrepreneurs_for_user(user).filter(name__icontains=q).order_by("name", "id")[:limit]
    )
