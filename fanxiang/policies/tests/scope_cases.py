"""Region-scope cases of the policies app for the generic suite (fanxiang/core/tests/test_scope_suite.py).

Documents, items and rule versions are city-wide reference data (not region-scoped); benefit grants (享受记录)
belong to the beneficiary's region: an officer of 411625 neither sees 411628's grants (list, detail, API,
export) nor records or revokes one there. The helpers here also serve the grant tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from fanxiang.accounts.models import User
from fanxiang.core.testing import ScopeCase
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.policies import grants
from fanxiang.policies.models import BenefitGrant, PolicyDocument, PolicyItem
from fanxiang.regions.models import Region

_seq = itertools.count(1)


def admin() -> User:
    return User.objects.get(username="city_admin")


def township(county: str, index: int = 0) -> Region:
    return Region.objects.filter(parent__code=county).order_by("code")[index]


def grant_document(**overrides) -> PolicyDocument:
    n = next(_seq)
    data = {
        "number": f"享受测试〔2020〕{n}号",
        "title": f"享受记录测试文件{n}",
        "issuer": "测试机关",
        "level": "city",
        "status": "in_force",
        "effective_from": dt.date(2020, 1, 1),
    }
    data.update(overrides)
    return PolicyDocument.objects.create(**data)


def grant_item(document: PolicyDocument | None = None, *, regions: list[str] = (), **overrides) -> PolicyItem:
    n = next(_seq)
    data = {
        "document": document or grant_document(),
        "code": f"grant-test-{n}",
        "title": f"测试补贴{n}",
        "benefit_type": "startup_subsidy",
        "amount_kind": "unknown",
        "once_only": False,
    }
    data.update(overrides)
    item = PolicyItem.objects.create(**data)
    if regions:
        item.regions.set(Region.objects.filter(code__in=regions))
    return item


def grant_person(county: str = "411625", *, name: str | None = None, township_index: int = 0) -> Entrepreneur:
    data = person_data(
        name=name or f"享受人{next(_seq)}",
        id_number=make_id(area=county),
        mobile="",
        region=township(county, township_index).code,
    )
    return registry.entrepreneur_create(actor=admin(), data=data)


def make_grant(county: str) -> BenefitGrant:
    item = PolicyItem.objects.filter(code="grant-scope-case").first() or grant_item(code="grant-scope-case")
    return grants.grant_create(
        actor=admin(),
        data={
            "item": item,
            "entrepreneur": grant_person(county),
            "amount": "1000.00",
            "granted_on": dt.date(2021, 3, 1),
            "batch": f"批次标记{county}-{next(_seq)}",
        },
    )


def write_grant(api_client, web_client, other_region: str) -> None:
    other = BenefitGrant.objects.filter(region__tree_path__contains=f"/{other_region}/").first()
    person = other.entrepreneur
    response = api_client.post(
        "/api/v1/policies/grants/",
        {"item": other.item_id, "entrepreneur": person.pk, "amount": "1000.00", "granted_on": "2021-04-01"},
    )
    assert response.status_code == 404, response.content
    response = api_client.post(
        "/api/v1/policies/grants/",
        {
            "item": other.item_id,
            "id_number": "",
            "credit_code": "",
            "amount": "1",
            "granted_on": "2021-04-01",
        },
    )
    assert response.status_code == 422
    response = api_client.post(f"/api/v1/policies/grants/{other.pk}/revoke", {"reason": "越权"})
    assert response.status_code == 404
    response = web_client.post(f"/policies/grants/{other.pk}/revoke/", {"reason": "越权"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    assert grants.grant_totals(user=admin(), region=other.region, year=2021)["amount"] == Decimal("1000.00")


CASES = [
    ScopeCase(
        model=BenefitGrant,
        make=make_grant,
        list_url="/policies/grants/",
        detail_url=lambda g: f"/policies/grants/{g.pk}/",
        export_url="/policies/grants/export/",
        api_list="/api/v1/policies/grants/",
        api_detail=lambda g: f"/api/v1/policies/grants/{g.pk}",
        marker=lambda g: g.batch,
        write=write_grant,
    ),
]
