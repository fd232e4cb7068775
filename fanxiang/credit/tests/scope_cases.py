"""Region-scope cases of the credit app: recommenders and ledger lines of one county are invisible and
unwritable to another county's officer."""

import datetime as dt
import itertools

from fanxiang.accounts.models import User
from fanxiang.core.testing import ScopeCase
from fanxiang.credit.models import CreditEntry, Recommender
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.regions.models import Region

_seq = itertools.count(1)


def _township(county: str) -> Region:
    return Region.objects.filter(parent__code=county).order_by("code").first()


def make_recommender(county: str) -> Recommender:
    return Recommender.objects.create(
        kind="credit_village",
        name=f"信用村标记{county}-{next(_seq)}",
        region=_township(county),
        valid_from=dt.date(2020, 1, 1),
    )


def write_recommender(api_client, web_client, other_region: str) -> None:
    response = api_client.post(
        "/api/v1/credit/recommenders/",
        {
            "kind": "credit_park",
            "name": "越权园区",
            "region": _township(other_region).code,
            "valid_from": "2020-01-01",
        },
    )
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "scope.region_forbidden"
    other = Recommender.objects.filter(region__code__startswith=other_region).first()
    response = api_client.patch(f"/api/v1/credit/recommenders/{other.pk}", {"name": "改名"})
    assert response.status_code == 404
    assert api_client.delete(f"/api/v1/credit/recommenders/{other.pk}").status_code == 404


def make_entry(county: str) -> CreditEntry:
    admin = User.objects.get(username="city_admin")
    township = _township(county)
    data = person_data(id_number=make_id(area=county), mobile="", region=township.code)
    person = registry.entrepreneur_create(actor=admin, data=data)
    return CreditEntry.objects.create(
        entrepreneur=person,
        event="blacklisted",
        date=dt.date(2021, 1, 1),
        reason=f"失信标记{county}-{next(_seq)}",
    )


def write_entry(api_client, web_client, other_region: str) -> None:
    other = CreditEntry.objects.filter(entrepreneur__region__code__startswith=other_region).first()
    response = api_client.post(
        "/api/v1/credit/blacklist",
        {"entrepreneur": other.entrepreneur_id, "reason": "越权", "start": "2021-06-01"},
    )
    assert response.status_code == 404, response.content
    response = api_client.post(
        "/api/v1/credit/blacklist/lift", {"entrepreneur": other.entrepreneur_id, "reason": "越权"}
    )
    assert response.status_code == 404


CASES = [
    ScopeCase(
        model=Recommender,
        make=make_recommender,
        list_url="/credit/recommenders/",
        detail_url=lambda r: f"/credit/recommenders/{r.pk}/",
        export_url="/credit/recommenders/export/",
        api_list="/api/v1/credit/recommenders/",
        api_detail=lambda r: f"/api/v1/credit/recommenders/{r.pk}",
        marker=lambda r: r.name,
        write=write_recommender,
    ),
    ScopeCase(
        model=CreditEntry,
        make=make_entry,
        list_url="/credit/ledger/",
        detail_url=lambda e: f"/credit/ledger/{e.pk}/",
        export_url="/credit/ledger/export/",
        api_list="/api/v1/credit/entries/",
        marker=lambda e: e.reason,
        write=write_entry,
    ),
]
