"""Demo policy grants (``make run``): one-time start-up subsidies and social-insurance subsidies of 2020–2021
for people and businesses of the demo counties, recorded through the grants service (once-only rules,
totals and month rollups apply). Deterministic, idempotent."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from fanxiang.core.errors import DomainError

COUNTIES = ("411625", "411628", "411602")
# item code, beneficiaries per county, amount range (yuan), batch label
PLAN = [
    ("rsb129-startup-subsidy", 8, (5000, 5000), "{year}年第{n}批一次性创业补贴"),
    ("rsb129-social-insurance", 6, (1800, 6400), "{year}年社会保险补贴第{n}批"),
    ("yfg486-park-fees", 3, (2000, 12000), "{year}年园区物业费补贴"),
]


@transaction.atomic
def load_policies_demo(seed: int = 2020) -> list[str]:
    from fanxiang.accounts.models import User
    from fanxiang.entrepreneurs.models import Business
    from fanxiang.policies import grants
    from fanxiang.policies.models import BenefitGrant, PolicyItem

    admin = User.objects.filter(username="city_admin").first()
    if admin is None or BenefitGrant.objects.exists() or not Business.objects.exists():
        return []
    rng = random.Random(seed)
    items = {i.code: i for i in PolicyItem.objects.filter(code__in=[p[0] for p in PLAN])}
    for code, per_county, (lo, hi), batch in PLAN:
        item = items.get(code)
        if item is None:
            continue
        for county in COUNTIES:
            businesses = Business.objects.filter(region__code__startswith=county).order_by("pk")
            for k, business in enumerate(businesses[: per_county * 2 : 2]):
                year = 2020 + k % 2
                day = dt.date(year, 3 + (k * 2) % 9, 10 + k)
                founder = business.founders.order_by("pk").first()
                amount = Decimal(lo if lo == hi else rng.randrange(lo, hi + 1, 100))
                data = {
                    "item": item,
                    "business": business,
                    "amount": f"{amount:.2f}",
                    "granted_on": day,
                    "batch": batch.format(year=year, n=1 + k // 3),
                }
                if founder is not None:
                    data["entrepreneur"] = founder
                try:
                    with transaction.atomic():
                        grants.grant_create(actor=admin, data=data)
                except DomainError:
                    continue  # outside the item's period or area, or already granted
    return []
