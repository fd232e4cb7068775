"""Demo financial products for the demo banks (``manage.py load_demo``). Idempotent. These are invented
for demonstration — every name says （演示） and no figure claims to describe a real bank's product."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from fanxiang.accounts.models import Organization
from fanxiang.finance.models import FinancialProduct
from fanxiang.regions.models import Region

NOTE = "演示数据：本产品为系统演示虚构，不代表任何银行的真实产品、额度或利率。"

# bank code, name, amount min/max (yuan), term min/max (months), rate min/max (%), collateral,
# entity kinds, categories, served county codes, valid_to
DEMO_PRODUCTS = [
    ("DEMO-BANK-PSBC", "创业设备抵押贷（演示）", "50000", "3000000", 12, 60, "4.350", "6.000",
     ["equipment", "natural_person_guarantee"], [], [], [], None),
    ("DEMO-BANK-PSBC", "应收账款质押融资（演示）", "100000", "5000000", 6, 12, "4.000", "5.500",
     ["receivables"], ["enterprise", "cooperative"], [], [], None),
    ("DEMO-BANK-PSBC", "返乡创业信用贷（演示）", "10000", "300000", 12, 36, "4.800", "6.500",
     ["credit"], ["individual_business", "family_farm", "unregistered"],
     ["returning_migrant_worker", "college_graduate", "veteran"], [], None),
    ("DEMO-BANK-RCB", "林权抵押贷（演示）", "50000", "2000000", 12, 96, "4.900", "6.800",
     ["forest_rights"], [], [], ["411622", "411624", "411625", "411628"], None),
    ("DEMO-BANK-RCB", "集体土地使用权抵押贷（演示）", "100000", "3000000", 12, 60, "5.000", "7.200",
     ["collective_land_use"], ["cooperative", "family_farm", "enterprise"], [], [], None),
    ("DEMO-BANK-RCB", "特种经营权·股权质押贷（演示）", "200000", "5000000", 12, 36, "4.650", "6.200",
     ["franchise_rights", "equity"], ["enterprise"], [], [], None),
    ("DEMO-BANK-RCB", "担保增信贷（演示，2020年专项）", "30000", "1000000", 12, 24, "4.350", "5.800",
     ["guarantee_institution", "natural_person_guarantee"], [], [], [], dt.date(2020, 12, 31)),
]  # fmt: skip


@transaction.atomic
def load_finance_demo() -> int:
    """Create or refresh the demo products of the demo banks present; returns how many exist."""
    banks = {o.code: o for o in Organization.objects.filter(code__in={p[0] for p in DEMO_PRODUCTS})}
    counties = {r.code: r for r in Region.objects.filter(code__in={c for p in DEMO_PRODUCTS for c in p[11]})}
    count = 0
    for (bank_code, name, a_min, a_max, t_min, t_max, r_min, r_max, collateral, kinds, categories, served,
         valid_to) in DEMO_PRODUCTS:  # fmt: skip
        bank = banks.get(bank_code)
        if bank is None:
            continue
        product, _created = FinancialProduct.objects.update_or_create(
            bank=bank,
            name=name,
            defaults={
                "description": NOTE,
                "amount_min": Decimal(a_min),
                "amount_max": Decimal(a_max),
                "term_months_min": t_min,
                "term_months_max": t_max,
                "rate_min": Decimal(r_min),
                "rate_max": Decimal(r_max),
                "collateral": collateral,
                "target_entity_kinds": kinds,
                "target_categories": categories,
                "valid_from": dt.date(2020, 1, 1),
                "valid_to": valid_to,
                "contact": f"{bank.short_name or bank.name}各网点（演示）",
            },
        )
        product.regions_served.set([counties[c] for c in served if c in counties])
        count += 1
    return count
