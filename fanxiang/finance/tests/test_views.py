"""Finance pages render for staff and refuse where they must: catalogue, detail, form, export, matching."""

from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from django.test import Client
from openpyxl import load_workbook

from fanxiang.finance.models import FinancialProduct
from fanxiang.finance.tests.factories import bank, make_business, make_product

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "bank": bank().pk,
        "name": "页面新增产品",
        "amount_min": "50000",
        "amount_max": "2000000",
        "term_months_min": "12",
        "term_months_max": "36",
        "rate_min": "4.35",
        "rate_max": "6",
        "collateral": ["equipment", "forest_rights"],
        "regions_served": [],
        "valid_from": "2021-01-01",
        "valid_to": "",
        "status": "active",
        "contact": "各网点",
        "description": "",
    }
    data.update(overrides)
    return data


def test_catalogue_list_detail_and_filters(web, demo):
    forest = make_product(name="林权贷", collateral=["forest_rights"])
    make_product(name="设备贷", bank=bank("DEMO-BANK-RCB").pk)
    client = web("officer_411625")
    body = client.get("/finance/products/").content.decode()
    assert "林权贷" in body and "设备贷" in body and "300 万元" in body
    assert "/finance/products/new/" not in body  # county officers read only
    filtered = client.get("/finance/products/", {"collateral": "forest_rights"}).content.decode()
    assert "林权贷" in filtered and "设备贷" not in filtered
    detail = client.get(f"/finance/products/{forest.pk}/")
    assert detail.status_code == 200 and "林权" in detail.content.decode()
    assert f"/finance/products/{forest.pk}/edit/" not in detail.content.decode()
    assert "/finance/products/new/" in web("bank_officer").get("/finance/products/").content.decode()
    assert Client().get("/finance/products/").status_code == 302  # login first


def test_catalogue_marks_expired_products_and_filters_current_ones(web, demo):
    make_product(name="2020专项", valid_to="2020-12-31")
    make_product(name="长期产品")
    client = web("officer_411625")
    body = client.get("/finance/products/").content.decode()
    assert "已过期" in body
    current = client.get("/finance/products/", {"current": "true"}).content.decode()
    assert "长期产品" in current and "2020专项" not in current


def test_create_through_the_form_and_errors_with_codes(web, demo):
    client = web("city_admin")
    assert client.get("/finance/products/new/").status_code == 200
    bad = client.post("/finance/products/new/", form_data(amount_min="3000000"))
    assert bad.status_code == 422
    assert "finance.amount_range_invalid" in bad.content.decode()
    bad = client.post("/finance/products/new/", form_data(collateral=[]))
    assert "finance.collateral_required" in bad.content.decode()
    assert not FinancialProduct.objects.exists()
    response = client.post("/finance/products/new/", form_data(regions_served=[]))
    assert response.status_code == 302, response.content.decode()
    product = FinancialProduct.objects.get()
    assert response["Location"] == f"/finance/products/{product.pk}/"
    assert product.collateral == ["equipment", "forest_rights"]


def test_edit_page_refuses_other_banks_and_other_roles(web, demo):
    own = make_product(name="邮储产品")
    other = make_product(name="农商产品", bank=bank("DEMO-BANK-RCB").pk)
    officer = web("bank_officer")
    page = officer.get(f"/finance/products/{own.pk}/edit/")
    assert page.status_code == 200 and "邮储产品" in page.content.decode()
    assert officer.get(f"/finance/products/{other.pk}/edit/").status_code == 403
    response = officer.post(f"/finance/products/{other.pk}/edit/", form_data(bank=other.bank_id, name="改名"))
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.name == "农商产品"
    response = officer.post(f"/finance/products/{own.pk}/edit/", form_data(name="邮储产品二期"))
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.name == "邮储产品二期"
    county = web("officer_411625")
    assert county.get("/finance/products/new/").status_code == 403
    assert county.get(f"/finance/products/{own.pk}/edit/").status_code == 403
    assert web("city_admin").get("/finance/products/999999/edit/").status_code == 404


def test_export_is_logged(web, demo):
    make_product(name="导出产品")
    response = web("leader").get("/finance/products/export/")
    assert response.status_code == 200
    cells = [
        c
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert "导出产品" in cells
    assert LogEntry.objects.filter(additional_data__event="export").exists()


def test_match_page(web, demo):
    business = make_business("411625")
    make_product(name="设备贷", amount_max="3000000")
    make_product(name="鹿邑林权贷", collateral=["forest_rights"], regions_served=["411628"])
    client = web("officer_411625")
    assert client.get("/finance/match/").status_code == 200
    page = client.get(
        "/finance/match/",
        {"business": business.pk, "amount": "5000000", "term_months": "24", "collateral": ["forest_rights"]},
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert business.name in body and "返乡农民工" in body
    assert "需求金额 500 万元，超过该产品上限 300 万元" in body
    assert "该产品不在郸城县开办（服务区域：鹿邑县）" in body
    matched = client.get(
        "/finance/match/", {"amount": "100000", "term_months": "24", "collateral": "equipment"}
    )
    assert 'data-testid="matches"' in matched.content.decode() and "设备贷" in matched.content.decode()
    assert web("officer_411628").get("/finance/match/", {"business": business.pk}).status_code == 404
    bad = client.get("/finance/match/", {"term_months": "0"})
    assert bad.status_code == 422
    bank = web("bank_officer").get("/finance/match/").content.decode()  # banks do not read the registry
    assert 'name="amount"' in bank and 'name="business"' not in bank
