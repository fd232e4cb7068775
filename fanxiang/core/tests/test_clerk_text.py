"""Codes stay in the API and in data-code attributes; a person reads Chinese only: form errors (core.forms,
core.views.apply_domain_error), empty choices (core.forms.FormRenderer, core.filters), the API's pydantic and
ninja refusals (core.api_messages)."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template import Context, Template

from fanxiang.core import filters
from fanxiang.core.api_messages import GENERIC, pydantic_message
from fanxiang.core.errors import InvalidInput
from fanxiang.core.forms import coded_errors, split_code
from fanxiang.core.views import apply_domain_error

CJK = re.compile(r"[\u4e00-\u9fff]")


class _PersonForm(forms.Form):
    name = forms.CharField(label="姓名")
    kind = forms.ChoiceField(label="类别", choices=[("", "---------"), ("a", "甲")], required=False)


def _render_field(form, name: str) -> str:
    return Template('{% include "core/_field.html" with field=f %}').render(
        Context({"f": form[name], "form": form})
    )


def test_domain_error_goes_on_the_form_as_coded_validation_errors():
    form = _PersonForm({"name": "x"})
    assert form.is_valid()
    exc = InvalidInput(
        "name.required", "请检查标出的字段。", errors={"name": ["请填写姓名。"], "other": ["另一项有误。"]}
    )
    apply_domain_error(form, exc)
    assert [(e.message, e.code) for e in form.errors.as_data()["name"]] == [("请填写姓名。", "name.required")]
    assert [e.code for e in form.errors.as_data()["__all__"]] == ["name.required", "name.required"]
    html = _render_field(form, "name")
    assert '<li data-code="name.required">请填写姓名。</li>' in html
    assert "（name.required）" not in html


def test_domain_error_items_keep_their_own_codes():
    form = _PersonForm({"name": "x"})
    form.is_valid()
    items = [
        {"field": "name", "code": "name.too_long", "message": "姓名过长。"},
        {"field": "nowhere", "code": "x.bad", "message": "有误。"},
    ]
    apply_domain_error(form, InvalidInput("request.invalid", "有误", details={"items": items}))
    assert [(e.message, e.code) for e in coded_errors(form["name"].errors)] == [
        ("姓名过长。", "name.too_long")
    ]
    overall = coded_errors(form.non_field_errors())
    assert ("有误。", "x.bad") in [(e.message, e.code) for e in overall]
    assert all(CJK.search(e.message) and "（" not in e.message for e in overall)


def test_djangos_own_errors_are_chinese_and_keep_their_code():
    form = _PersonForm({})
    assert not form.is_valid()
    html = _render_field(form, "name")
    assert '<li data-code="required">这个字段是必填项。</li>' in html


def test_an_older_message_with_a_trailing_code_is_split():
    assert split_code("请填写报告日期。（report_date.required）") == (
        "请填写报告日期。",
        "report_date.required",
    )
    assert split_code("金额（元）") == ("金额（元）", "")
    [e] = coded_errors(["请选择材料类别。（loan.document_kind_invalid）"])
    assert (e.message, e.code, str(e)) == (
        "请选择材料类别。",
        "loan.document_kind_invalid",
        "请选择材料类别。",
    )


def test_form_selects_offer_qing_xuan_ze_instead_of_dashes():
    class F(forms.Form):
        region = forms.ModelChoiceField(queryset=None, required=False)

    from django.contrib.contenttypes.models import ContentType

    form = F()
    form.fields["region"].queryset = ContentType.objects.none()
    html = str(form["region"]) + str(_PersonForm()["kind"])
    assert "---------" not in html
    assert html.count(">请选择</option>") == 2


def test_filter_pieces_read_chinese():
    class F(filters.FilterSet):
        flag = filters.BooleanFilter(label="标记", method="noop")
        ordering = filters.OrderingFilter(fields=(("name", "name"),), field_labels={"name": "姓名"})

        def noop(self, qs, name, value):
            return qs

    from django.contrib.contenttypes.models import ContentType

    html = str(F(queryset=ContentType.objects.none()).form)
    assert re.findall(r'<option value="[^"]*"[^>]*>([^<]*)</option>', html) == [
        "全部",
        "是",
        "否",
        "默认排序",
        "姓名",
        "姓名（降序）",
    ]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"type": "missing", "msg": "Field required"}, "此项必填。"),
        ({"type": "int_parsing", "msg": "Input should be a valid integer"}, "应为整数。"),
        ({"type": "string_too_long", "msg": "…", "ctx": {"max_length": 20}}, "最多 20 个字符。"),
        ({"type": "greater_than_equal", "msg": "…", "ctx": {"ge": 0}}, "不能小于 0。"),
        (
            {"type": "enum", "msg": "…", "ctx": {"expected": "'a', 'b' or 'c'"}},
            "不在可选范围内，可选值：a、b、c。",
        ),
        ({"type": "value_error", "msg": "Value error, 日期不能晚于今天。"}, "日期不能晚于今天。"),
        ({"type": "value_error", "msg": "Value error, bad"}, GENERIC),
        ({"type": "money.float_not_allowed", "msg": "金额应以字符串形式填写。"}, "金额应以字符串形式填写。"),
        ({"type": "something_new", "msg": "Input should be nice"}, GENERIC),
    ],
)
def test_pydantic_messages_are_chinese(error, expected):
    assert pydantic_message(error) == expected


@pytest.mark.django_db
def test_api_bad_body_answers_in_chinese_with_the_same_shape(api):
    client = api("city_admin")
    response = client.client.post(
        "/api/v1/targets/", "{not json", content_type="application/json", **client._headers()
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"code", "message", "errors"} and body["code"] == "http.400"
    assert CJK.search(body["message"]) and "Cannot parse" not in body["message"]


@pytest.mark.django_db
def test_api_schema_errors_answer_in_chinese_with_codes(api):
    response = api("city_admin").post("/api/v1/targets/", {"year": "twenty", "value": "1"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "request.invalid"
    items = {item["field"]: item for item in body["details"]["items"]}
    assert items["year"]["code"] == "int_parsing" and items["year"]["message"] == "应为整数。"
    assert items["region"]["code"] == "missing" and items["region"]["message"] == "此项必填。"
    for messages in body["errors"].values():
        assert all(CJK.search(m) and "Input should" not in m and "Field required" not in m for m in messages)


@pytest.mark.django_db
def test_flash_messages_keep_the_code_out_of_the_text(web):
    response = web("officer_411625").get("/loans/queue/", {"status": "bogus"}, follow=True)
    body = response.content.decode()
    messages = re.search(r'<ul class="messages">.*?</ul>', body, re.S).group()
    assert 'data-code="filter.invalid"' in messages and "已显示全部待办" in messages
    assert "（filter.invalid）" not in body
