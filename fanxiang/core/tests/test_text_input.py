"""Text that no field may hold (issue 10, defect 3): control characters, NUL, lone surrogates, bidi marks and,
in names, zero-width characters are refused with ``text.invalid_character`` and the field, at every entry
point (API body, the registry's shared validation used by forms, services and the import), on both
databases, and nothing is written."""

from __future__ import annotations

import json

import pytest

from fanxiang.core.validators import TEXT_INVALID_CHARACTER
from fanxiang.entrepreneurs import imports
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.entrepreneurs.tests.factories import person_data
from fanxiang.entrepreneurs.tests.test_import_export import person_row, run, xlsx

pytestmark = pytest.mark.django_db


def _refused(response, field: str) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == TEXT_INVALID_CHARACTER, body
    assert field in body["errors"], body
    assert "text.invalid_character" not in "".join(body["errors"][field])  # the person reads Chinese only


@pytest.mark.parametrize(
    "name",
    ["张\u0007\u001b三", "张\x00三", "张\u200b三", "张\u202e三", "张\ufeff三", "张\n三"],
    ids=["bel-esc", "nul", "zero-width", "bidi-override", "bom", "newline"],
)
def test_create_refuses_invisible_characters_in_a_name(api, name):
    client = api("officer_411625")
    before = Entrepreneur.objects.count()
    _refused(client.post("/api/v1/entrepreneurs/", person_data(name=name)), "name")
    assert Entrepreneur.objects.count() == before


@pytest.mark.parametrize("notes", ["备注\x00", "备注\u0007", "\u202e备注"])
def test_create_refuses_controls_in_notes(api, notes):
    client = api("officer_411625")
    before = Entrepreneur.objects.count()
    _refused(client.post("/api/v1/entrepreneurs/", person_data(notes=notes)), "notes")
    assert Entrepreneur.objects.count() == before


def test_newline_and_tab_are_fine_in_notes(api):
    client = api("officer_411625")
    response = client.post("/api/v1/entrepreneurs/", person_data(notes="第一行\r\n第二行\t附注"))
    assert response.status_code == 201, response.content
    assert Entrepreneur.objects.get(pk=response.json()["id"]).notes == "第一行\r\n第二行\t附注"


def test_patch_refuses_controls_and_changes_nothing(api):
    client = api("officer_411625")
    pk = client.post("/api/v1/entrepreneurs/", person_data()).json()["id"]
    _refused(client.patch(f"/api/v1/entrepreneurs/{pk}", {"name": "李\u0007四"}), "name")
    _refused(client.patch(f"/api/v1/entrepreneurs/{pk}", {"skills": "电工\x00"}), "skills")
    person = Entrepreneur.objects.get(pk=pk)
    assert "\u0007" not in person.name and "\x00" not in person.skills


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\u0000"])
def test_raw_json_escapes_that_cannot_be_stored_are_422_not_500(api, escape):
    client = api("officer_411625")
    body = json.dumps(person_data())[:-1] + f', "notes": "x{escape}y"}}'
    response = client.client.post(
        "/api/v1/entrepreneurs/", body, content_type="application/json", **client._headers()
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == TEXT_INVALID_CHARACTER
    assert "notes" in response.json()["errors"]
    assert Entrepreneur.objects.filter(notes__startswith="x").count() == 0


def test_import_reports_the_row_and_column(demo):
    content = xlsx([person_row(), person_row(姓名="王\u202e五")])
    report = run(demo["officer_411625"], content, dry_run=True)
    bad = [e for e in report.errors if e["code"] == TEXT_INVALID_CHARACTER]
    assert [e["row"] for e in bad] == [3]
    assert bad[0]["column"] == "姓名"
    assert imports  # the import goes through the registry's shared validation


def test_web_form_shows_the_chinese_reason(web):
    client = web("officer_411625")
    data = {k: v for k, v in person_data(name="赵\u0007六").items() if not isinstance(v, list)}
    response = client.post("/entrepreneurs/new/", data)
    text = response.content.decode()
    assert Entrepreneur.objects.filter(name="赵\u0007六").count() == 0
    assert "含有不可见或控制字符" in text


def test_data_migration_cleans_existing_rows(api):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("fanxiang.entrepreneurs.migrations.0004_clean_invisible_characters")
    client = api("officer_411625")
    pk = client.post("/api/v1/entrepreneurs/", person_data(notes="旧\r\n备注")).json()["id"]
    # rows written before the check existed (SQLite stored even NUL)
    Entrepreneur.objects.filter(pk=pk).update(
        name="张\u0007\u001b三", skills="电\u200b工", notes="旧\u0007\r\n备注"
    )
    migration.clean_rows(apps, None)
    person = Entrepreneur.objects.get(pk=pk)
    assert (person.name, person.skills, person.notes) == ("张三", "电工", "旧\r\n备注")
