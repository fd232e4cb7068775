"""Region look-ups. Divisions are public reference data: looking a code up reveals no one's records, and
every write that takes a region re-checks it against the user's scope in its service."""

from __future__ import annotations

from django.db.models import QuerySet

from fanxiang.regions.models import Region


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=(code or "").strip(), is_active=True).first()


def selectable_regions() -> QuerySet[Region]:
    """Regions a form may offer (down to township); forms narrow them to the user's scope."""
    return Region.objects.exclude(level="village").filter(is_active=True)
