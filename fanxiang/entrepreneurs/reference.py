"""Reference data of the registry: priority groups and industry tags (registered in
``EntrepreneursConfig.ready``)."""

from __future__ import annotations

from django.db import transaction

from fanxiang.entrepreneurs.choices import DEFAULT_INDUSTRY_TAGS, DEFAULT_PRIORITY_GROUPS
from fanxiang.entrepreneurs.models import IndustryTag, PriorityGroup


@transaction.atomic
def load_registry_reference() -> None:
    """The default priority groups and industry tags (idempotent; never overwrites edits)."""
    for code, name, order in DEFAULT_PRIORITY_GROUPS:
        PriorityGroup.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    for code, name in DEFAULT_INDUSTRY_TAGS:
        IndustryTag.objects.get_or_create(code=code, defaults={"name": name})
