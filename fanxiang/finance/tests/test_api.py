"""API contract of /api/v1/finance: list with filters, create/patch with error codes, detail, matching with
a business in and out of the caller's scope."""

from __future__ import annotations

import pytest

from fanxiang.finance.models import FinancialProduct
from fanxiang.finance.tests.factories import bank, make_business, make_product, product_data

pytestmark = pytest.mark.django_db
URL = "/api/v1/finance/products/"


def test_create_detail_and_list_with_filters(api, demo):
    client = api("city_admin")
    data = product_data(
        name="林权贷", collateral=["forest_rights"], regions_served=["411625"], bank=bank().pk
    )
    response = client.post(URL, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount_max"] == "3000000.00" and body["rate_min"] == "4.350"
    assert body["collateral"] == ["forest_rights"] and body["collateral_labels"] == ["林权"]
    assert body["regions_served"] == [{"code": "411625", "name": "郸城县"}]
    assert body["bank_code"] == "DEMO-BANK-PSBC" and body["status"] == "active"
    make_product(name="设备贷", bank=bank("DEMO-BANK-RCB").pk)

    detail = api("officer_411628").get(f"{URL}{body['id']}")  # every staff role reads the catalogue
    assert detail.status_code == 200 and detail.json()["name"] == "林权贷"
    listed = client.get(URL).json()
    assert listed["count"] == 2
    by_collateral = client.get(URL, {"collateral": "forest_rights"}).json()
    assert [p["name"] for p in by_collateral["items"]] == ["林权贷"]
    by_bank = client.get(URL, {"bank": bank("DEMO-BANK-RCB").pk}).json()
    assert [p["name"] for p in by_bank["items"]] == ["设备贷"]
    bad = client.get(URL, {"collateral": "gold"})
    assert bad.status_code == 422 and bad.json()["code"] == "filter.invalid"
    assert client.get(f"{URL}999999").status_code == 404


def test_create_refusals_carry_field_and_code(api, demo):
    client = api("city_admin")
    response = client.post(URL, product_data(amount_min="5000000"))
    assert response.status_code == 422
    assert response.json()["code"] == "finance.amount_range_invalid"
    assert "amount_max" in response.json()["errors"]
    response = client.post(URL, product_data(collateral=[]))
    assert response.json()["code"] == "finance.collateral_required"
    response = client.post(URL, {**product_data(), "colour": "red"})
    assert response.status_code == 422 and response.json()["code"] == "request.invalid"
    make_product(name="重名")
    response = client.post(URL, product_data(name="重名"))
    assert response.status_code == 409 and response.json()["code"] == "finance.product_name_taken"
    denied = api("officer_411625").post(URL, product_data())
    assert denied.status_code == 403 and denied.json()["code"] == "finance.product_forbidden"
    assert FinancialProduct.objects.count() == 1


def test_patch_and_bank_officer_limits(api, demo):
    own = make_product(name="邮储产品")
    other = make_product(name="农商产品", bank=bank("DEMO-BANK-RCB").pk)
    client = api("bank_officer")
    response = client.patch(f"{URL}{own.pk}", {"status": "withdrawn", "valid_to": "2021-12-31"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn" and response.json()["valid_to"] == "2021-12-31"
    response = client.patch(f"{URL}{other.pk}", {"rate_max": "5.000"})
    assert response.status_code == 403 and response.json()["code"] == "finance.other_bank"
    response = client.patch(f"{URL}{own.pk}", {"term_months_min": 48})
    assert response.status_code == 422 and response.json()["code"] == "finance.term_range_invalid"
    created = client.post(URL, {k: v for k, v in product_data(name="本行新品").items() if k != "bank"})
    assert created.status_code == 201 and created.json()["bank_code"] == "DEMO-BANK-PSBC"


def test_match_endpoint(api, demo):
    business = make_business("411625")
    make_product(name="设备贷", amount_max="3000000", collateral=["equipment"])
    make_product(name="林权贷", collateral=["forest_rights"], regions_served=["411628"])
    client = api("officer_411625")
    response = client.get(
        f"{URL}match",
        {
            "business": business.pk,
            "amount": "5000000",
            "term_months": 24,
            "collateral": ["equipment", "receivables"],
            "on": "2021-06-01",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["need"] == {
        "business": business.pk,
        "amount": "5000000",
        "term_months": 24,
        "collateral": ["equipment", "receivables"],
        "on": "2021-06-01",
    }
    assert body["matches"] == []
    near = {item["product"]["name"]: item["failed"] for item in body["near_misses"]}
    assert near["设备贷"] == [
        {
            "code": "finance.match_amount_over_max",
            "condition": "amount",
            "message": "需求金额 500 万元，超过该产品上限 300 万元",
        }
    ]
    assert "林权贷" not in near and body["others"] == 1  # amount, collateral and region: three misses
    fits = client.get(
        f"{URL}match", {"business": business.pk, "amount": "3000000", "collateral": "equipment"}
    )
    assert [m["product"]["name"] for m in fits.json()["matches"]] == ["设备贷"]
    assert fits.json()["matches"][0]["rank"] == 1


def test_match_refuses_a_business_out_of_scope_and_bad_input(api, demo):
    business = make_business("411625")
    response = api("officer_411628").get(f"{URL}match", {"business": business.pk, "amount": "100000"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = api("bank_officer").get(f"{URL}match", {"business": business.pk})
    assert response.status_code == 404  # banks do not read the registry
    response = api("officer_411625").get(f"{URL}match", {"collateral": "gold"})
    assert response.status_code == 422 and response.json()["code"] == "finance.collateral_invalid"
    response = api("officer_411625").get(f"{URL}match", {"term_months": 0})
    assert response.json()["code"] == "finance.match_term_invalid"
