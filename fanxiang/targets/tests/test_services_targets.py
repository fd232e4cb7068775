"""Given/when/then tests for target_set: breakdowns add up, scope holds, bad input is refused whole."""

from decimal import Decimal

import pytest

from fanxiang.core.errors import Forbidden, InvalidInput
from fanxiang.regions.models import Region
from fanxiang.targets.models import Indicator, Target
from fanxiang.targets.services import target_set

pytestmark = pytest.mark.django_db


def region(code):
    return Region.objects.get(code=code)


def set_target(demo, who, code, indicator, value, *, year=2030, breakdown=None):
    """target_set by the demo user ``who`` for the region ``code``."""
    return target_set(
        actor=demo[who], year=year, indicator=indicator, region=region(code), value=value, breakdown=breakdown
    )


def test_seeded_2020_city_targets_match_the_work_plan():
    city = {t.indicator: t.value for t in Target.objects.filter(year=2020, region__code="411600")}
    assert city == {
        Indicator.NEW_ENTREPRENEURS: Decimal("11200"),
        Indicator.JOBS_CREATED: Decimal("74700"),
        Indicator.GUARANTEED_LOANS: Decimal("290000000.00"),
    }


def test_demo_county_breakdown_adds_up_exactly(demo):
    for indicator, total in (
        ("new_entrepreneurs", 11200),
        ("jobs_created", 74700),
        ("guaranteed_loans", 290000000),
    ):
        rows = Target.objects.filter(year=2020, indicator=indicator, region__parent__code="411600")
        assert rows.count() == 10
        assert sum(r.value for r in rows) == Decimal(total)


def test_city_admin_sets_target_with_breakdown(demo):
    admin = demo["city_admin"]
    breakdown = {"411625": 600, "411628": 400}
    target = target_set(
        actor=admin,
        year=2030,
        indicator="new_entrepreneurs",
        region=region("411600"),
        value=1000,
        breakdown=breakdown,
    )
    assert target.value == Decimal(1000)
    children = {
        t.region.code: t.value for t in Target.objects.filter(year=2030, region__parent=target.region)
    }
    assert children == {"411625": Decimal(600), "411628": Decimal(400)}


def test_breakdown_that_does_not_add_up_is_refused_and_nothing_written(demo):
    with pytest.raises(InvalidInput) as exc:
        set_target(
            demo, "city_admin", "411600", "jobs_created", 1000, breakdown={"411625": 600, "411628": 300}
        )
    assert exc.value.code == "target.breakdown_mismatch"
    assert "少 100" in exc.value.message
    assert exc.value.details["difference"] == "100"
    assert not Target.objects.filter(year=2030).exists()


def test_changing_one_county_alone_breaks_the_city_breakdown_and_is_refused(demo):
    county = Target.objects.get(year=2020, indicator="jobs_created", region__code="411625")
    before = county.value
    with pytest.raises(InvalidInput) as exc:
        set_target(demo, "city_admin", "411625", "jobs_created", before + 1, year=2020)
    assert exc.value.code == "target.breakdown_mismatch"
    county.refresh_from_db()
    assert county.value == before


def test_changing_city_figure_without_new_breakdown_is_refused(demo):
    with pytest.raises(InvalidInput) as exc:
        set_target(demo, "city_admin", "411600", "new_entrepreneurs", 12000, year=2020)
    assert exc.value.code == "target.breakdown_mismatch"
    assert Target.objects.get(year=2020, indicator="new_entrepreneurs", region__code="411600").value == 11200


def test_county_officer_breaks_county_target_down_to_townships(demo):
    county = Target.objects.get(year=2020, indicator="new_entrepreneurs", region__code="411625")
    towns = list(Region.objects.filter(parent__code="411625").order_by("code")[:2])
    half = county.value // 2
    target_set(
        actor=demo["officer_411625"],
        year=2020,
        indicator="new_entrepreneurs",
        region=county.region,
        value=county.value,
        breakdown={towns[0].code: half, towns[1].code: county.value - half},
    )
    assert Target.objects.filter(year=2020, region__parent__code="411625").count() == 2


def test_county_officer_cannot_touch_another_county(demo):
    with pytest.raises(Forbidden) as exc:
        set_target(demo, "officer_411625", "411628", "jobs_created", 5)
    assert exc.value.code == "scope.region_forbidden"
    assert not Target.objects.filter(year=2030).exists()


def test_read_only_roles_cannot_write(demo):
    for username in ("leader", "bank_officer", "expert"):
        with pytest.raises(Forbidden):
            set_target(demo, username, "411600", "jobs_created", 5)


@pytest.mark.parametrize(
    ("indicator", "value", "code"),
    [
        ("jobs_created", "-1", "target.invalid_value"),
        ("jobs_created", "abc", "target.invalid_value"),
        ("jobs_created", "10.5", "target.not_integer"),
        ("jobs_created", "NaN", "target.invalid_value"),
        ("no_such_indicator", "10", "target.unknown_indicator"),
    ],
)
def test_bad_values_are_refused_with_their_code(demo, indicator, value, code):
    with pytest.raises(InvalidInput) as exc:
        set_target(demo, "city_admin", "411600", indicator, value)
    assert exc.value.code == code
    assert not Target.objects.filter(year=2030).exists()


def test_money_target_keeps_two_decimal_places(demo):
    target = set_target(demo, "city_admin", "411600", "guaranteed_loans", "1234.5")
    target.refresh_from_db()
    assert target.value == Decimal("1234.50")


def test_breakdown_child_must_be_a_direct_child(demo):
    with pytest.raises(InvalidInput) as exc:
        set_target(demo, "city_admin", "411600", "jobs_created", 10, breakdown={"411625001": 10})
    assert exc.value.code == "target.breakdown_region_invalid"
