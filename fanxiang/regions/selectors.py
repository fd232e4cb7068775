"""Region look-ups. Divisions are public reference data: looking a code up reveals no one's records, and
every write that takes a region re-checks it against the user's scope in its service."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from fanxiang.regions.models import Region


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=(code or "").strip(), is_active=True).first()


def selectable_regions() -> QuerySet[Region]:
    """Regions a form may offer (down to township); forms narrow them to the user's scope."""
    return Region.objects.exclude(level="village").filter(is_active=True)


def regions_within(qs: QuerySet[Region], scope: Any) -> QuerySet[Region]:
    """The regions of ``qs`` inside a resolved scope (``core.scope.resolve``): all of them for a
    city-wide scope, none for an empty one, else those below the scope's region paths."""
    if scope.all:
        return qs
    if not scope.region_paths:
        return qs.none()
    q = Q()
    for path in scope.region_paths:
        q |= Q(tree_path__startswith=path)
    return qs.filter(q)
