"""Satisfaction figures per centre, service type and month, kept as rollups in the rating's transaction."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fanxiang.onestop import services
from fanxiang.onestop.models import SatisfactionMonth
from fanxiang.onestop.tests.factories import clerk, request_in

pytestmark = pytest.mark.django_db


def _rate(code: str, level: int, service_type: str = "startup_guidance"):
    req = request_in("completed", code, service_type=service_type)
    return services.rating_create(actor=clerk(code), service_request=req, level=level)


def test_each_rating_counts_into_its_month_rollup(demo):
    first = _rate("411625", 5)
    _rate("411625", 2)
    _rate("411625", 4, "policy_consultation")
    month = timezone.localdate().replace(day=1)
    row = SatisfactionMonth.objects.get(
        centre=first.request.centre, service_type__code="startup_guidance", month=month
    )
    assert (row.ratings, row.level_sum, row.bad, row.level_5, row.level_2) == (2, 7, 1, 1, 1)
    assert SatisfactionMonth.objects.filter(centre=first.request.centre).count() == 2


def test_figures_through_the_api_in_scope(api, demo):
    _rate("411625", 5)
    _rate("411625", 1)
    _rate("411628", 1)
    year = timezone.localdate().year
    own = api("officer_411625").get("/api/v1/onestop/satisfaction", {"year": year}).json()
    assert own["totals"]["ratings"] == 2 and own["totals"]["bad"] == 1
    assert own["totals"]["average"] == 3.0 and own["totals"]["satisfied_share"] == 0.5
    assert own["by_month"][0]["month"] == timezone.localdate().strftime("%Y-%m")
    assert [s["service_type"] for s in own["by_service_type"]] == ["startup_guidance"]
    city = api("city_admin").get("/api/v1/onestop/satisfaction", {"year": year}).json()
    assert city["totals"]["ratings"] == 3 and len(city["by_centre"]) == 2
    typed = (
        api("city_admin").get("/api/v1/onestop/satisfaction", {"year": year, "type": "registration"}).json()
    )
    assert typed["totals"]["ratings"] == 0 and typed["totals"]["average"] is None
