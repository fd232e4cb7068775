"""Test data for the policy library: documents, items with published rules, people, businesses, grants."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from fanxiang.accounts.models import User
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.models import Business, BusinessFounder, PriorityGroup
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.policies import services
from fanxiang.policies.models import BenefitGrant, PolicyDocument, PolicyItem
from fanxiang.regions.models import Region

_seq = itertools.count(1)


def admin() -> User:
    return User.objects.get(username="city_admin")


def township(county: str = "411625") -> Region:
    return Region.objects.filter(parent__code=county).order_by("code").first()


def make_document(**overrides) -> PolicyDocument:
    n = next(_seq)
    data = {
        "number": f"测试发〔2020〕{n}号",
        "title": f"测试政策文件{n}",
        "issuer": "测试机关",
        "level": "city",
        "status": "in_force",
        "full_text": "返乡创业测试全文",
    }
    data.update(overrides)
    return services.document_create(actor=admin(), data=data)


def make_item(document: PolicyDocument, rule: dict | None = None, **overrides) -> PolicyItem:
    n = next(_seq)
    data = {
        "code": f"t-item-{n}",
        "title": f"测试条款{n}",
        "benefit_type": "startup_subsidy",
        "amount_kind": "fixed",
        "amount_fixed": "5000",
    }
    data.update(overrides)
    item = services.item_create(actor=admin(), document=document, data=data)
    if rule is not None:
        version = services.rule_save(actor=admin(), item=item, rule=rule)
        item = services.rule_publish(actor=admin(), version=version)
    return item


def make_person(
    birth: str = "19850101",
    *,
    female: bool = False,
    county: str = "411625",
    category: str = "returning_migrant_worker",
    groups: list[str] | None = None,
    return_date: str = "2020-03-01",
    **overrides,
):
    data = person_data(
        name=overrides.pop("name", "测试人"),
        id_number=make_id(area=county, birth=birth, female=female),
        mobile="",
        region=township(county).code,
        category=category,
        return_date=return_date,
        priority_groups=groups or [],
        **overrides,
    )
    return registry.entrepreneur_create(actor=admin(), data=data)


def make_business(
    person, *, kind="individual_business", industry="F", started_on=dt.date(2019, 1, 1), jobs=0
):
    business = Business.objects.create(
        kind=kind,
        name=f"测试主体{next(_seq)}",
        industry=industry,
        region=person.region,
        started_on=started_on,
        jobs_created=jobs,
    )
    BusinessFounder.objects.create(business=business, entrepreneur=person, is_primary=True)
    return business


def grant(person, item: PolicyItem, *, on=dt.date(2020, 5, 1), amount="5000", revoked=False) -> BenefitGrant:
    from django.utils import timezone

    return BenefitGrant.objects.create(
        item=item,
        entrepreneur=person,
        region=person.region,
        amount=Decimal(amount),
        granted_on=on,
        revoked_at=timezone.now() if revoked else None,
    )


def priority_codes() -> list[str]:
    return list(PriorityGroup.objects.values_list("code", flat=True))
