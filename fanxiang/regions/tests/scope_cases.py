from fanxiang.core.testing import ScopeCase
from fanxiang.regions.models import Region


def make_region(county: str) -> Region:
    # the first township of the county
    return Region.objects.filter(parent__code=county).order_by("code").first()


CASES = [
    ScopeCase(
        model=Region,
        make=make_region,
        list_url="/regions/",
        detail_url=lambda r: f"/regions/{r.pk}/",
        export_url="/regions/export/",
        api_list="/api/v1/regions/",
        api_detail=lambda r: f"/api/v1/regions/{r.code}",
        marker=lambda r: r.code,
        dropdowns=(("/targets/new/", "region"),),
    )
]
