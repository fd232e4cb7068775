"""What a clerk reads on the registry pages is Chinese only: form errors without "（code）" (the code in a
data-code attribute), filters without "---------", "未知" or "(descending)", change logs naming the actor by
name and Chinese role; and a live field check that replaces the stale server error under its field."""

from __future__ import annotations

import re

import pytest

from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.tests.factories import make_id, person_data

pytestmark = pytest.mark.django_db

# "（name.required）", "（id.invalid_checksum）": a code in brackets in the human text
CODE_IN_TEXT = re.compile(r"（[a-z_]+\.[a-z_.]+）")
LEAKS = ("---------", "未知", "(descending)", "created by")


def _text(response) -> str:
    return response.content.decode()


def _form_data(**overrides) -> dict:
    return {k: v for k, v in person_data(**overrides).items() if v is not None}


def _field_errors(body: str, field: str) -> list[tuple[str, str]]:
    """(data-code, text) of each error under a field."""
    block = re.search(rf'data-testid="error-{field}">(.*?)</ul>', body, re.S)
    assert block, f"no error list under {field}"
    return re.findall(r'<li data-code="([^"]*)">(.*?)</li>', block.group(1), re.S)


def test_refused_save_shows_chinese_errors_with_the_code_in_data_code(demo, web):
    response = web("officer_411625").post(
        "/entrepreneurs/new/", _form_data(name="", id_number="411625198501010010", mobile="1")
    )
    body = _text(response)
    assert response.status_code == 422
    assert _field_errors(body, "name") == [("name.required", "请填写姓名。")]
    [(code, message)] = _field_errors(body, "id_number")
    assert code == "id.invalid_checksum" and message.startswith("身份证号码校验位不正确")
    assert [code for code, _ in _field_errors(body, "mobile")] == ["mobile.invalid"]
    # the overall message above the form carries the service's code as well
    assert re.search(
        r'<li data-code="[a-z_]+\.[a-z_.]+">[^<]*[\u4e00-\u9fff]', body.split('data-testid="form-errors"')[1]
    )
    assert not CODE_IN_TEXT.search(body), CODE_IN_TEXT.search(body).group()


def test_djangos_own_field_errors_are_chinese_and_coded(demo, web):
    # a job report with no date: the form's own "required" error (its message set by the form)
    response = web("officer_411625").get("/entrepreneurs/", {"started_from": "2020-13-45"})
    body = _text(response)
    assert response.status_code == 200
    assert 'data-code="invalid"' in body and "输入一个有效的日期" in body
    assert "Enter a valid date" not in body


def test_an_english_browser_still_reads_chinese(demo, web):
    response = web("officer_411625").get(
        "/entrepreneurs/", {"started_from": "x"}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    )
    body = _text(response)
    assert "输入一个有效的日期" in body and "Enter a valid date" not in body


def test_list_filters_read_chinese_only(demo, web):
    client = web("officer_411625")
    for path in ("/entrepreneurs/", "/entrepreneurs/businesses/", "/credit/ledger/", "/credit/recommenders/"):
        response = client.get(path)
        assert response.status_code == 200, path
        form = _text(response).split('data-testid="filters"')[1].split("</form>")[0]
        for leak in LEAKS:
            assert leak not in form, (path, leak)
    body = _text(client.get("/entrepreneurs/"))
    assert "姓名（降序）" in body


def test_yes_no_filters_offer_all_yes_no(demo, web):
    body = _text(web("officer_411625").get("/loans/applications/"))
    form = body.split('data-testid="filters"')[1].split("</form>")[0]
    select = re.search(r'<select name="priority".*?</select>', form, re.S).group()
    assert re.findall(r">([^<]+)</option>", select) == ["全部", "是", "否"]
    for leak in LEAKS:
        assert leak not in form, leak
    assert "申请金额（降序）" in form


def test_credit_ledger_offers_one_all_choice(demo, web):
    body = _text(web("city_admin").get("/credit/ledger/"))
    select = re.search(r'<select name="event".*?</select>', body, re.S).group()
    assert select.count(">全部<") == 1 and "---------" not in select


def test_live_id_check_fragment_keeps_the_code_out_of_the_text(demo, web):
    client = web("officer_411625")
    bad = _text(
        client.post("/entrepreneurs/check-id/", {"id_number": "411625198501010010"}, HTTP_HX_REQUEST="true")
    )
    assert 'data-check="err"' in bad and 'data-code="id.invalid_checksum"' in bad
    assert not CODE_IN_TEXT.search(bad)
    good = _text(client.post("/entrepreneurs/check-id/", {"id_number": make_id()}, HTTP_HX_REQUEST="true"))
    assert 'data-check="ok"' in good


def test_refused_form_wires_the_field_to_its_live_check(demo, web):
    """The pieces the live check's script works on: the server's error list inside the field's .form-row,
    the input posting to the check and targeting the .live-check next to it (fx/app.js, htmx:afterSwap)."""
    body = _text(
        web("officer_411625").post("/entrepreneurs/new/", _form_data(id_number="411625198501010010"))
    )
    row = re.search(
        r'<div class="form-row has-error">(?:(?!<div class="form-row).)*?id="id_id_number".*?</div>',
        body,
        re.S,
    )
    assert row, "the id number's row is marked as failing"
    assert 'hx-target="#id-check"' in row.group() and 'class="errorlist"' in row.group()
    assert re.search(r'<div id="id-check" class="live-check"', body)


def test_timeline_names_the_actor_by_name_and_role(demo, web):
    person = services.entrepreneur_create(actor=demo["officer_411625"], data=person_data())
    body = _text(web("officer_411625").get(f"/entrepreneurs/{person.pk}/"))
    timeline = body.split('data-testid="timeline"')[1].split("</table>")[0]
    officer = demo["officer_411625"]
    assert f"{officer.real_name}（县级人社经办人员）" in timeline or f"{officer.real_name}（" in timeline
    assert officer.role_label and f"（{officer.role_label}）" in timeline
    assert "新增" in timeline
    for leak in ("created by", "officer_411625", "county_officer", ">create<"):
        assert leak not in timeline, leak


def test_audit_page_names_the_actor_by_name_and_role(demo, web):
    services.entrepreneur_create(actor=demo["officer_411625"], data=person_data())
    body = _text(web("city_admin").get("/accounts/audit/"))
    officer = demo["officer_411625"]
    assert f"{officer.real_name}（{officer.role_label}）" in body
    assert f"{officer.real_name}（officer_411625）" not in body
