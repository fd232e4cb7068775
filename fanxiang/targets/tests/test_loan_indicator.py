"""Issue 12 item 15: the guaranteed-loan target (2.9亿元 to returning migrant workers) counts only the
loans of the borrower categories the target names (default returning migrant workers); the total of all
guaranteed loans is shown beside it as its own figure, on /targets/progress/ and in its API."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from fanxiang.loans.tests.factories import advance, make_person, ready_draft
from fanxiang.regions.models import Region
from fanxiang.targets import selectors, services
from fanxiang.targets.models import Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def loans(demo, settings, tmp_path):
    """Two disbursed loans this year in 411625: 100,000 to a returning migrant worker, 50,000 to a
    veteran; a city target for this year broken down to the county."""
    settings.MEDIA_ROOT = tmp_path / "media"
    clerk = demo["service_clerk"]
    migrant = make_person(clerk, name="返乡甲", category="returning_migrant_worker")
    veteran = make_person(clerk, name="退役乙", category="veteran")
    a = advance(ready_draft(clerk, migrant, amount="100000.00"), demo, "disbursed")
    b = advance(
        ready_draft(clerk, veteran, amount="50000.00", borrower_categories=["veteran"]), demo, "disbursed"
    )
    assert a.borrower_categories == ["returning_migrant_worker"] and b.borrower_categories == ["veteran"]
    year = timezone.localdate().year
    city, county = Region.objects.get(code="411600"), Region.objects.get(code="411625")
    Target.objects.create(year=year, indicator="guaranteed_loans", region=city, value=Decimal("200000.00"))
    Target.objects.create(year=year, indicator="guaranteed_loans", region=county, value=Decimal("200000.00"))
    return {"year": year, "city": city, "county": county}


def loan_indicator(data: dict) -> dict:
    return next(i for i in data["indicators"] if i["indicator"] == "guaranteed_loans")


def test_indicator_counts_only_the_named_categories_total_counts_all(loans, demo):
    data = selectors.progress(user=demo["city_admin"], year=loans["year"], region_code="411600")
    ind = loan_indicator(data)
    assert ind["actual"] == Decimal("100000.00")  # the veteran's loan is not counted towards the target
    assert ind["all_loans"] == Decimal("150000.00")  # but is in the total of all guaranteed loans
    assert ind["ratio"] == Decimal("0.5000")
    assert ind["categories"] == ["returning_migrant_worker"]
    assert "返乡创业农民工" in ind["categories_label"]
    child = next(c for c in ind["children"] if c["region"] == "411625")
    assert child["actual"] == Decimal("100000.00") and child["ratio"] == Decimal("0.5000")
    month = timezone.localdate().month
    assert ind["months"][month - 1]["actual"] == Decimal("100000.00")
    # the other indicators carry no loan figures
    other = next(i for i in data["indicators"] if i["indicator"] == "new_entrepreneurs")
    assert other["all_loans"] is None and other["categories"] == []


def test_categories_are_configurable_per_target(loans, demo):
    services.target_set(
        actor=demo["city_admin"],
        year=loans["year"],
        indicator="guaranteed_loans",
        region=loans["city"],
        value="200000.00",
        loan_categories=["returning_migrant_worker", "veteran"],
    )
    ind = loan_indicator(
        selectors.progress(user=demo["city_admin"], year=loans["year"], region_code="411600")
    )
    assert ind["actual"] == Decimal("150000.00") == ind["all_loans"]
    services.target_set(
        actor=demo["city_admin"],
        year=loans["year"],
        indicator="guaranteed_loans",
        region=loans["city"],
        value="200000.00",
        loan_categories=["veteran"],
    )
    ind = loan_indicator(
        selectors.progress(user=demo["city_admin"], year=loans["year"], region_code="411600")
    )
    assert ind["actual"] == Decimal("50000.00") and ind["all_loans"] == Decimal("150000.00")
    from fanxiang.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as exc:
        services.target_set(
            actor=demo["city_admin"],
            year=loans["year"],
            indicator="guaranteed_loans",
            region=loans["city"],
            value="200000.00",
            loan_categories=["astronaut"],
        )
    assert exc.value.code == "target.categories_invalid"


def test_default_categories_is_returning_migrant_worker():
    assert Target().loan_categories == ["returning_migrant_worker"]
    assert selectors.loan_categories_of(None) == ["returning_migrant_worker"]


def test_progress_api_has_the_indicator_and_the_total(loans, api):
    response = api("city_admin").get(f"/api/v1/targets/progress?year={loans['year']}&region=411600")
    assert response.status_code == 200
    ind = loan_indicator(response.json())
    assert Decimal(ind["actual"]) == Decimal("100000.00")
    assert Decimal(ind["all_loans"]) == Decimal("150000.00")
    assert ind["categories"] == ["returning_migrant_worker"]


def test_progress_page_shows_the_total_beside_the_indicator(loans, web):
    body = web("city_admin").get(f"/targets/progress/?year={loans['year']}&region=411600").content.decode()
    card = re.search(r'data-testid="stat-guaranteed_loans">(.*?)</div>\s*</div>', body, re.S).group(1)
    assert "100,000.00" in card and "150,000.00" not in card
    total = re.search(r'data-testid="all-loans">(.*?)</div>', body, re.S).group(1)
    assert "150,000.00" in total
    assert "计入目标：返乡创业农民工" in body


def test_home_panel_actual_counts_the_named_categories(loans, demo):
    target = Target.objects.get(year=loans["year"], indicator="guaranteed_loans", region=loans["city"])
    out = selectors.target_actuals([target])[target.pk]
    assert out["actual"] == Decimal("100000.00") and out["all_loans"] == Decimal("150000.00")


def test_home_card_shows_all_guaranteed_loans_beside_the_indicator(loans, web):
    body = web("city_admin").get("/").content.decode()
    card = body.split('data-testid="target-card-guaranteed_loans"')[1].split('data-testid="target-card-')[0]
    assert "已完成 100,000.00 元" in card
    beside = re.search(r'data-testid="target-all-loans-411600">(.*?)</div>', card, re.S).group(1)
    assert "全部担保贷款 150,000.00 元" in beside and "计入目标：返乡创业农民工" in beside


def test_target_form_sets_the_categories_of_a_loan_target(loans, web):
    client = web("city_admin")
    form = client.get("/targets/new/").content.decode()
    assert 'name="loan_categories"' in form and 'value="returning_migrant_worker"' in form
    response = client.post(
        "/targets/new/",
        {"year": 2031, "indicator": "guaranteed_loans", "region": loans["city"].pk, "value": "1000.00",
         "loan_categories": ["veteran", "returning_migrant_worker"]},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    target = Target.objects.get(year=2031, indicator="guaranteed_loans", region=loans["city"])
    assert target.loan_categories == ["veteran", "returning_migrant_worker"]
    detail = client.get(f"/targets/{target.pk}/").content.decode()
    assert "计入目标的借款人类别：复员转业退役军人、返乡创业农民工" in detail
    # an indicator that is not counted from loans ignores the (default-ticked) categories
    response = client.post(
        "/targets/new/",
        {"year": 2031, "indicator": "jobs_created", "region": loans["city"].pk, "value": "10",
         "loan_categories": ["returning_migrant_worker"]},
    )  # fmt: skip
    assert response.status_code == 302
    jobs = Target.objects.get(year=2031, indicator="jobs_created", region=loans["city"])
    assert 'data-testid="target-categories"' not in client.get(f"/targets/{jobs.pk}/").content.decode()
