"""Reference data of accounts: the member units of the leading group (registered in ``AccountsConfig.ready``)."""

from __future__ import annotations

from django.db import transaction

from fanxiang.accounts.data import ORGANIZATIONS
from fanxiang.accounts.models import Organization
from fanxiang.regions.models import Region


@transaction.atomic
def load_organizations() -> dict[str, int]:
    """The leading group's member units, in the city (idempotent)."""
    city = Region.objects.get(code="411600")
    for code, name, short, kind in ORGANIZATIONS:
        Organization.objects.update_or_create(
            code=code, defaults={"name": name, "short_name": short, "kind": kind, "region": city}
        )
    return {"organizations": Organization.objects.count()}
