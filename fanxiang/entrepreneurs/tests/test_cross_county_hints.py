"""Cross-county hints (issue 10, defect 7): an ID number another county holds is refused without naming
that county or its record, through the API and through the import report."""

from __future__ import annotations

import json

import pytest

from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.entrepreneurs.tests.test_import_export import person_row, post_import, xlsx

pytestmark = pytest.mark.django_db

GENERIC = "该身份证号码已在其他县区登记，可申请转移"
LEAKS = ("鹿邑", "411628", "鹿邑人")


@pytest.fixture
def held(demo) -> str:
    """An ID number registered by 鹿邑县 (411628)."""
    id_number = make_id(area="411628")
    services.entrepreneur_create(
        actor=demo["officer_411628"], data=person_data(id_number=id_number, region="411628101", name="鹿邑人")
    )
    return id_number


def test_create_with_an_id_another_county_holds_names_neither_county_nor_record(api, held):
    response = api("officer_411625").post("/api/v1/entrepreneurs/", person_data(id_number=held))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "entrepreneur.duplicate_id_number"
    assert body["message"] == GENERIC
    assert "holding_region" not in (body.get("details") or {})
    text = json.dumps(body, ensure_ascii=False)
    for leak in LEAKS:
        assert leak not in text, leak


def test_create_with_an_id_inside_own_scope_keeps_the_helpful_message(api):
    client = api("officer_411625")
    data = person_data(name="王五")
    assert client.post("/api/v1/entrepreneurs/", data).status_code == 201
    body = client.post("/api/v1/entrepreneurs/", data).json()
    assert body["code"] == "entrepreneur.duplicate_id_number"
    assert "王五" in body["message"] and body["details"]["existing_id"]


def test_import_dry_run_report_names_neither_county_nor_record(api, held):
    response = post_import(api, "officer_411625", xlsx([person_row(身份证号码=held)]), dry_run="true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(e["row"], e["column"], e["code"], e["message"]) for e in body["errors"]] == [
        (2, "身份证号码", "entrepreneur.duplicate_id_number", GENERIC)
    ]
    text = json.dumps(body, ensure_ascii=False)
    for leak in LEAKS:
        assert leak not in text, leak
