"""The county → township cascade: the options endpoint answers only the chosen county's townships (public
reference data, no login), and a form built with ``RegionCascade`` refuses a township of another county."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.test import Client

from fanxiang.regions.cascade import NOT_IN_COUNTY, RegionCascade
from fanxiang.regions.models import Region, RegionLevel

pytestmark = pytest.mark.django_db

PLACE = RegionCascade(township_label="经营地（乡镇/街道）")
PLACE_OR_COUNTY = RegionCascade(allow_county=True)


class PlaceForm(forms.Form):
    county, region = PLACE.fields()

    def __init__(self, *args, counties=None, **kwargs):
        super().__init__(*args, **kwargs)
        PLACE.bind(self, counties=counties)

    def clean(self):
        data = super().clean()
        self.place = PLACE.clean(self, data)
        return data


class LoosePlaceForm(forms.Form):
    county, region = PLACE_OR_COUNTY.fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PLACE_OR_COUNTY.bind(self)

    def clean(self):
        data = super().clean()
        PLACE_OR_COUNTY.clean(self, data)
        return data


def townships(county: str) -> list[Region]:
    return list(Region.objects.filter(parent__code=county, level=RegionLevel.TOWNSHIP, is_active=True))


def option_values(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', html)


def test_endpoint_returns_only_that_countys_townships(demo):
    ours, theirs = townships("411625"), townships("411628")
    assert ours and theirs
    response = Client().get("/regions/townships/", {"county": "411625"})  # no login: public reference data
    assert response.status_code == 200
    values = option_values(response.content.decode())
    assert values[0] == ""
    assert set(values[1:]) == {t.code for t in ours}
    assert not {t.code for t in theirs} & set(values)
    # the parameter named by "from" (the county select's name), and "not sure" when allowed
    html = Client().get(
        "/regions/townships/", {"from": "p-county", "p-county": "411628", "allow_county": "1"}
    )
    values = option_values(html.content.decode())
    assert values[1] == "411628" and set(values[2:]) == {t.code for t in theirs}


def test_endpoint_with_no_or_an_unknown_county_offers_only_the_prompt(demo):
    for params in ({}, {"county": "999999"}, {"county": townships("411625")[0].code}):
        html = Client().get("/regions/townships/", params).content.decode()
        assert option_values(html) == [""], params
        assert "请先选择县（市、区）" in html


def test_form_accepts_a_township_of_the_county_and_refuses_another_countys():
    ours, theirs = townships("411625")[0], townships("411628")[0]
    good = PlaceForm({"county": "411625", "region": ours.code})
    assert good.is_valid(), good.errors
    assert good.cleaned_data["region"] == ours.code and good.place == ours
    bad = PlaceForm({"county": "411625", "region": theirs.code})
    assert not bad.is_valid()
    assert [e.code for e in bad.errors.as_data()["region"]] == [NOT_IN_COUNTY]
    assert "不属于郸城县" in bad.errors["region"][0]
    # the county itself only where "not sure" is allowed
    assert not PlaceForm({"county": "411625", "region": "411625"}).is_valid()
    assert LoosePlaceForm({"county": "411625", "region": "411625"}).is_valid()
    # an unknown code, or a county outside the offered ones
    assert not PlaceForm({"county": "411625", "region": "411625999999"}).is_valid()
    narrowed = Region.objects.filter(code="411628")
    refused = PlaceForm({"county": "411625", "region": ours.code}, counties=narrowed)
    assert not refused.is_valid() and "county" in refused.errors


def test_form_renders_the_county_select_wired_to_the_endpoint_and_its_townships():
    ours = townships("411625")
    form = PlaceForm(initial={"region": ours[0].code})
    html = form.as_div()
    assert 'hx-get="/regions/townships/?from=county"' in html and 'hx-target="#id_region"' in html
    assert '<option value="411625" selected>' in html
    region_select = html.split('name="region"', 1)[1]
    assert set(option_values(region_select)[1:]) == {t.code for t in ours}
    assert f'<option value="{ours[0].code}" selected>' in region_select
    # bound to another county: that county's townships
    bound = PlaceForm({"county": "411628", "region": ""}).as_div().split('name="region"', 1)[1]
    assert set(option_values(bound)[1:]) == {t.code for t in townships("411628")}
