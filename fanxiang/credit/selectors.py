"""Credit ledger and recommender reads, always from the caller's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from fanxiang.core.errors import NotFound
from fanxiang.core.registry import hooks
from fanxiang.core.scope import VIEW, resolve
from fanxiang.credit.models import CreditEntry, CreditEvent, Recommender


def entries_for_user(user: Any, action: str = VIEW) -> QuerySet[CreditEntry]:
    return CreditEntry.objects.for_user(user, action).select_related(
        "entrepreneur", "business", "loan", "entrepreneur__region"
    )


def entries_filtered(
    user: Any,
    *,
    entrepreneur: int | None = None,
    business: int | None = None,
    event: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    region: str | None = None,
) -> QuerySet[CreditEntry]:
    qs = entries_for_user(user)
    if entrepreneur:
        qs = qs.filter(entrepreneur_id=entrepreneur)
    if business:
        qs = qs.filter(business_id=business)
    if event:
        qs = qs.filter(event=event)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if region:
        qs = qs.filter(entrepreneur__region__code__startswith=region)
    return qs.order_by("-date", "-id")


def person_ledger(user: Any, *, entrepreneur_id: int | None = None, business_id: int | None = None) -> dict:
    """One person's (or business's) credit view: blacklist status, ledger lines, loans and their states.
    404 unless the ledger scope of ``user`` covers the person's region; the loans listed are those the
    user may see (a bank sees its own)."""
    from fanxiang.credit.services import active_blacklist
    from fanxiang.entrepreneurs.models import Business, Entrepreneur

    scope = resolve(user, CreditEntry, VIEW)
    today = timezone.localdate()
    business = None
    if business_id:
        business = Business.objects.select_related("region").filter(pk=business_id).first()
        if business is None or not scope.covers_path(business.region.tree_path):
            raise NotFound("not_found", "记录不存在或无权访问。")
        entries = CreditEntry.objects.filter(business=business)
        loans = ledger_loans(user, business=business)
        ids = set(entries.values_list("entrepreneur_id", flat=True)) | {
            loan.entrepreneur_id for loan in loans
        }
        people = list(Entrepreneur.objects.filter(pk__in=ids))
        person = None
    else:
        person = Entrepreneur.objects.select_related("region").filter(pk=entrepreneur_id).first()
        if person is None or not scope.covers_path(person.region.tree_path):
            raise NotFound("not_found", "记录不存在或无权访问。")
        entries = CreditEntry.objects.filter(entrepreneur=person)
        loans = ledger_loans(user, entrepreneur=person)
        people = [person]
    entries = list(entries.select_related("loan", "business").order_by("-date", "-id"))
    blacklists = {p.pk: active_blacklist(p, today) for p in people}
    counts = {event: 0 for event in CreditEvent.values}
    for entry in entries:
        counts[entry.event] += 1
    return {
        "entrepreneur": person,
        "business": business,
        "blacklisted": any(blacklists.values()),
        "blacklist": next((b for b in blacklists.values() if b is not None), None),
        "counts": counts,
        "entries": entries,
        "loans": loans,
    }


def ledger_loans(user: Any, *, entrepreneur: Any = None, business: Any = None) -> list:
    """The loans of one person (or business) that ``user`` may see, newest first: asked of the apps that
    grant loans through the hook ``credit.ledger_loans`` (credit does not import them)."""
    loans = [
        loan
        for fn in hooks("credit.ledger_loans")
        for loan in fn(user, entrepreneur=entrepreneur, business=business)
    ]
    return sorted(loans, key=lambda loan: loan.created_at, reverse=True)


def recommenders_for_user(
    user: Any,
    action: str = VIEW,
    *,
    kind: str | None = None,
    region: str | None = None,
    valid_on: dt.date | None = None,
    q: str | None = None,
) -> QuerySet[Recommender]:
    qs = Recommender.objects.for_user(user, action).select_related("region")
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region__code__startswith=region)
    if q:
        qs = qs.filter(name__icontains=q)
    if valid_on:
        from django.db.models import Q

        qs = qs.filter(is_active=True, valid_from__lte=valid_on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=valid_on)
        )
    return qs.order_by("kind", "name", "id")
