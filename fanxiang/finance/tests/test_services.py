"""Product services: validation codes per field, uniqueness per bank, and who may write which bank's
products (city admin: all; bank officer: only their own bank)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from fanxiang.accounts.models import Organization
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.finance import services
from fanxiang.finance.models import FinancialProduct
from fanxiang.finance.tests.factories import bank, make_product, product_data

pytestmark = pytest.mark.django_db


def test_create_saves_every_field_and_logs_the_change(demo):
    product = make_product(
        demo["city_admin"],
        name="设备贷",
        collateral=["receivables", "equipment", "equipment"],
        target_entity_kinds=["enterprise"],
        target_categories=["veteran"],
        regions_served=["411625", "411628"],
        valid_to="2022-12-31",
    )
    product.refresh_from_db()
    assert (product.amount_min, product.amount_max) == (Decimal("50000.00"), Decimal("3000000.00"))
    assert (product.rate_min, product.rate_max) == (Decimal("4.350"), Decimal("6.000"))
    assert product.collateral == ["equipment", "receivables"]  # choice order, duplicates dropped
    assert sorted(r.code for r in product.regions_served.all()) == ["411625", "411628"]
    assert product.valid_to == dt.date(2022, 12, 31)
    assert product.created_by == demo["city_admin"]
    entries = list(LogEntry.objects.get_for_object(product).order_by("pk"))
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]  # + regions served
    assert "regions_served" in entries[1].changes
    assert {e.actor for e in entries} == {demo["city_admin"]}


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"amount_min": "3000000.01"}, "amount_max", "finance.amount_range_invalid"),
        ({"amount_min": "0", "amount_max": "0"}, "amount_max", "finance.amount_range_invalid"),
        ({"amount_min": "-1"}, "amount_min", "finance.amount_invalid"),
        ({"amount_max": "abc"}, "amount_max", "finance.amount_invalid"),
        ({"amount_max": "100.001"}, "amount_max", "finance.amount_invalid"),
        ({"term_months_min": 37}, "term_months_max", "finance.term_range_invalid"),
        ({"term_months_max": 0}, "term_months_max", "finance.term_invalid"),
        ({"term_months_max": 12.5}, "term_months_max", "finance.term_invalid"),
        ({"rate_min": "6.001"}, "rate_max", "finance.rate_range_invalid"),
        ({"rate_max": "36.5"}, "rate_max", "finance.rate_out_of_range"),
        ({"rate_min": "-0.1"}, "rate_min", "finance.rate_out_of_range"),
        ({"collateral": []}, "collateral", "finance.collateral_required"),
        ({"collateral": ["gold"]}, "collateral", "finance.collateral_invalid"),
        ({"target_entity_kinds": ["company"]}, "target_entity_kinds", "finance.entity_kind_invalid"),
        ({"target_categories": ["farmer"]}, "target_categories", "finance.category_invalid"),
        ({"regions_served": ["419999"]}, "regions_served", "finance.region_invalid"),
        ({"valid_to": "2019-12-31"}, "valid_to", "finance.validity_invalid"),
        ({"valid_from": "2020-13-01"}, "valid_from", "finance.date_invalid"),
        ({"status": "paused"}, "status", "finance.status_invalid"),
        ({"name": "  "}, "name", "finance.required"),
        ({"colour": "red"}, "colour", "finance.unknown_field"),
    ],
)
def test_invalid_input_is_refused_with_field_and_code(demo, overrides, field, code):
    with pytest.raises(InvalidInput) as exc:
        services.product_create(actor=demo["city_admin"], data=product_data(**overrides))
    assert exc.value.code == code
    assert field in exc.value.errors
    assert not FinancialProduct.objects.exists()


def test_non_bank_organization_is_refused(demo):
    finance_bureau = Organization.objects.get(code="ZK-CZJ")
    with pytest.raises(InvalidInput) as exc:
        services.product_create(actor=demo["city_admin"], data=product_data(bank=finance_bureau.pk))
    assert exc.value.code == "finance.bank_invalid"


def test_every_error_of_one_input_is_reported_at_once(demo):
    data = product_data(amount_min="9000000", term_months_min=48, rate_min="7", collateral=[])
    with pytest.raises(InvalidInput) as exc:
        services.product_create(actor=demo["city_admin"], data=data)
    codes = {item["code"] for item in exc.value.details["items"]}
    assert codes == {
        "finance.amount_range_invalid",
        "finance.term_range_invalid",
        "finance.rate_range_invalid",
        "finance.collateral_required",
    }


def test_update_checks_ranges_against_current_values(demo):
    product = make_product(demo["city_admin"])
    with pytest.raises(InvalidInput) as exc:
        services.product_update(actor=demo["city_admin"], product=product, data={"amount_min": "3000000.01"})
    assert exc.value.code == "finance.amount_range_invalid"
    with pytest.raises(InvalidInput) as exc:
        services.product_update(actor=demo["city_admin"], product=product, data={"collateral": []})
    assert exc.value.code == "finance.collateral_required"
    updated = services.product_update(
        actor=demo["city_admin"], product=product, data={"amount_min": "3000000.00", "status": "withdrawn"}
    )
    assert updated.amount_min == updated.amount_max == Decimal("3000000.00")
    assert updated.status == "withdrawn"


def test_product_names_are_unique_per_bank(demo):
    make_product(demo["city_admin"], name="创业贷")
    with pytest.raises(Conflict) as exc:
        make_product(demo["city_admin"], name="创业贷")
    assert exc.value.code == "finance.product_name_taken"
    other = make_product(demo["city_admin"], name="创业贷", bank=bank("DEMO-BANK-RCB").pk)
    assert other.bank.code == "DEMO-BANK-RCB"


def test_bank_officer_maintains_only_their_own_banks_products(demo):
    officer = demo["bank_officer"]  # 邮储（演示）
    own = services.product_create(actor=officer, data=product_data(bank=None, name="本行产品"))
    assert own.bank.code == "DEMO-BANK-PSBC"  # their bank by default
    services.product_update(actor=officer, product=own, data={"rate_max": "5.500"})

    with pytest.raises(Forbidden) as exc:
        services.product_create(actor=officer, data=product_data(bank=bank("DEMO-BANK-RCB").pk))
    assert exc.value.code == "finance.other_bank"
    theirs = make_product(demo["city_admin"], bank=bank("DEMO-BANK-RCB").pk, name="他行产品")
    with pytest.raises(Forbidden) as exc:
        services.product_update(actor=officer, product=theirs, data={"rate_max": "5.000"})
    assert exc.value.code == "finance.other_bank"
    with pytest.raises(Forbidden) as exc:  # nor hand their own product to another bank
        services.product_update(actor=officer, product=own, data={"bank": bank("DEMO-BANK-RCB").pk})
    assert exc.value.code == "finance.other_bank"
    theirs.refresh_from_db()
    own.refresh_from_db()
    assert theirs.rate_max == Decimal("6.000")
    assert own.bank.code == "DEMO-BANK-PSBC"


@pytest.mark.parametrize("username", ["officer_411625", "leader", "guarantee_officer", "service_clerk"])
def test_other_roles_cannot_write_products(demo, username):
    with pytest.raises(Forbidden) as exc:
        services.product_create(actor=demo[username], data=product_data())
    assert exc.value.code == "finance.product_forbidden"
    product = make_product(demo["city_admin"])
    with pytest.raises(Forbidden):
        services.product_update(actor=demo[username], product=product, data={"name": "改名"})
    assert FinancialProduct.objects.count() == 1


def test_reads_are_for_every_staff_role_writes_by_bank(demo):
    psbc = make_product(demo["city_admin"])
    rcb = make_product(demo["city_admin"], bank=bank("DEMO-BANK-RCB").pk)
    for username in ("officer_411625", "leader", "bank_officer", "expert", "unit_liaison"):
        assert set(FinancialProduct.objects.for_user(demo[username])) == {psbc, rcb}
    assert list(FinancialProduct.objects.for_user(demo["bank_officer"], "change")) == [psbc]
    assert set(FinancialProduct.objects.for_user(demo["city_admin"], "change")) == {psbc, rcb}
    assert not FinancialProduct.objects.for_user(demo["officer_411625"], "change").exists()


def test_demo_products_are_marked_as_demo_and_load_idempotently(demo):
    from fanxiang.finance.demo import DEMO_PRODUCTS, load_finance_demo

    assert load_finance_demo() == len(DEMO_PRODUCTS)
    assert load_finance_demo() == len(DEMO_PRODUCTS)
    products = list(FinancialProduct.objects.all())
    assert len(products) == len(DEMO_PRODUCTS)
    assert all("演示" in p.name and p.description.startswith("演示数据") for p in products)
    assert {p.bank.code for p in products} == {"DEMO-BANK-PSBC", "DEMO-BANK-RCB"}
    forest = FinancialProduct.objects.get(name="林权抵押贷（演示）")
    assert sorted(r.code for r in forest.regions_served.all()) == ["411622", "411624", "411625", "411628"]
