"""The generic region-scope suite: for every registered region-owned model, an officer of 411625 sees
none of 411628's records through list, detail, API list, API detail, export and form dropdowns, and
cannot write into 411628 — while seeing their own (so each check can fail)."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from openpyxl import load_workbook

from fanxiang.core.scope import scoped_models
from fanxiang.core.testing import ScopeCase


def all_cases() -> list[ScopeCase]:
    cases: list[ScopeCase] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("fanxiang."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.scope_cases")
        except ModuleNotFoundError:
            continue
        cases.extend(module.CASES)
    return cases


CASES = all_cases()
IDS = [c.model._meta.label_lower for c in CASES]


def test_every_scoped_model_has_a_scope_case():
    covered = {c.model for c in CASES}
    missing = [m._meta.label for m in scoped_models() if m not in covered]
    assert not missing, f"region-scoped models without a ScopeCase: {missing}"
    assert len(scoped_models()) >= 3


@pytest.fixture
def records(demo):
    def _make(case: ScopeCase):
        return case.make(case.own_region), case.make(case.other_region)

    return _make


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_list_page(case, records, web):
    if not case.list_url:
        pytest.skip("no list page")
    own, other = records(case)
    body = web(case.viewer).get(case.list_url, {"page_size": 500}).content.decode()
    assert case.marker(own) in body
    assert case.marker(other) not in body


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_detail_page(case, records, web):
    if not case.detail_url:
        pytest.skip("no detail page")
    own, other = records(case)
    client = web(case.viewer)
    assert client.get(case.detail_url(own)).status_code == 200
    assert client.get(case.detail_url(other)).status_code == 404


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_api_list(case, records, api):
    if not case.api_list:
        pytest.skip("no API list")
    own, other = records(case)
    response = api(case.viewer).get(case.api_list, {"page_size": 200})
    assert response.status_code == 200
    text = response.content.decode()
    assert case.marker(own) in text
    assert case.marker(other) not in text


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_api_detail(case, records, api):
    if not case.api_detail:
        pytest.skip("no API detail")
    own, other = records(case)
    client = api(case.viewer)
    assert client.get(case.api_detail(own)).status_code == 200
    response = client.get(case.api_detail(other))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_export(case, records, web):
    if not case.export_url:
        pytest.skip("no export")
    own, other = records(case)
    response = web(case.viewer).get(case.export_url)
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    cells = " ".join(str(v) for row in wb.active.iter_rows(values_only=True) for v in row if v is not None)
    assert case.marker(own) in cells
    assert case.marker(other) not in cells


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_form_dropdowns(case, records, web):
    if not case.dropdowns:
        pytest.skip("no dropdown offers this model")
    own, other = records(case)
    client = web(case.viewer)
    for url, name in case.dropdowns:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert f'name="{name}"' in body
        assert f'value="{case.option_value(own)}"' in body
        assert f'value="{case.option_value(other)}"' not in body


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cannot_write_into_other_region(case, records, api, web):
    if not case.write:
        pytest.skip("no write path for this model")
    records(case)
    before = case.model.objects.count()
    case.write(api(case.viewer), web(case.viewer), case.other_region)
    assert case.model.objects.count() == before
