"""Test data for the finance app: product input and businesses with a founder of a given category."""

from __future__ import annotations

import itertools
from typing import Any

from fanxiang.accounts.models import Organization, User
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.models import Business
from fanxiang.entrepreneurs.tests.factories import business_data, make_id, person_data
from fanxiang.entrepreneurs.tests.scope_cases import credit_code, township
from fanxiang.finance import services
from fanxiang.finance.models import FinancialProduct

_seq = itertools.count(1)


def bank(code: str = "DEMO-BANK-PSBC") -> Organization:
    return Organization.objects.get(code=code)


def product_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "bank": bank().pk,
        "name": f"测试产品{next(_seq)}",
        "description": "",
        "amount_min": "50000.00",
        "amount_max": "3000000.00",
        "term_months_min": 12,
        "term_months_max": 36,
        "rate_min": "4.350",
        "rate_max": "6.000",
        "collateral": ["equipment"],
        "target_entity_kinds": [],
        "target_categories": [],
        "regions_served": [],
        "valid_from": "2020-01-01",
        "valid_to": None,
        "status": "active",
        "contact": "",
    }
    data.update(overrides)
    return data


def make_product(actor: User | None = None, **overrides: Any) -> FinancialProduct:
    actor = actor or User.objects.get(username="city_admin")
    return services.product_create(actor=actor, data=product_data(**overrides))


def make_business(
    county: str = "411625", *, kind: str = "enterprise", category: str = "returning_migrant_worker"
) -> Business:
    admin = User.objects.get(username="city_admin")
    region = township(county).code
    founder = registry.entrepreneur_create(
        actor=admin,
        data=person_data(
            name=f"创办人{next(_seq)}",
            id_number=make_id(area=county),
            mobile="",
            region=region,
            category=category,
        ),
    )
    data = business_data(name=f"测试主体{next(_seq)}", region=region, kind=kind)
    data["credit_code"] = "" if kind == "unregistered" else credit_code(county)
    return registry.business_create(actor=admin, data=data, founders=[founder.pk])
