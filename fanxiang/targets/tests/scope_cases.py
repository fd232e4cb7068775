from decimal import Decimal

from fanxiang.core.testing import ScopeCase
from fanxiang.regions.models import Region
from fanxiang.targets.models import Indicator, Target


def make_target(county: str) -> Target:
    region = Region.objects.filter(parent__code=county).order_by("code").first()
    return Target.objects.create(
        year=2031,
        indicator=Indicator.JOBS_CREATED,
        region=region,
        value=Decimal(123),
        source=f"marker-{region.code}",
    )


def write_target(api_client, web_client, other_region: str) -> None:
    region = Region.objects.filter(parent__code=other_region).order_by("code").last()
    response = api_client.post(
        "/api/v1/targets/",
        {"year": 2032, "indicator": "jobs_created", "region": region.code, "value": "10"},
    )
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "scope.region_forbidden"
    # the county itself, and a breakdown smuggling another county's township
    response = api_client.post(
        "/api/v1/targets/",
        {"year": 2032, "indicator": "jobs_created", "region": other_region, "value": "10"},
    )
    assert response.status_code == 403
    own = Region.objects.get(code="411625")
    response = api_client.post(
        "/api/v1/targets/",
        {
            "year": 2032,
            "indicator": "jobs_created",
            "region": own.code,
            "value": "10",
            "breakdown": [{"region": region.code, "value": "10"}],
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "target.breakdown_region_invalid"
    # the web form refuses a region outside the dropdown
    response = web_client.post(
        "/targets/new/", {"year": 2032, "indicator": "jobs_created", "region": region.pk, "value": "10"}
    )
    assert response.status_code == 422


CASES = [
    ScopeCase(
        model=Target,
        make=make_target,
        list_url="/targets/?year=2031",
        detail_url=lambda t: f"/targets/{t.pk}/",
        export_url="/targets/export/?year=2031",
        api_list="/api/v1/targets/?year=2031",
        api_detail=lambda t: f"/api/v1/targets/{t.pk}",
        marker=lambda t: t.source,
        write=write_target,
    )
]
