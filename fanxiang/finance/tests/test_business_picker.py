"""The matching page picks its business by name or credit code: the search endpoint answers only the
businesses within the user's scope (another county's are neither listed nor counted), needs a login, and the
page keeps its ``?business=<id>`` parameter."""

from __future__ import annotations

import pytest
from django.test import Client

from fanxiang.entrepreneurs.models import Business
from fanxiang.finance.tests.factories import make_business, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_counties(demo):
    ours = make_business("411625")
    theirs = make_business("411628")
    Business.objects.filter(pk=ours.pk).update(name="返乡同名农场（郸城）", credit_code="92411625MA0000001X")
    Business.objects.filter(pk=theirs.pk).update(
        name="返乡同名农场（鹿邑）", credit_code="92411628MA0000002X"
    )
    return Business.objects.get(pk=ours.pk), Business.objects.get(pk=theirs.pk)


def test_search_lists_only_businesses_in_scope(web, two_counties):
    ours, theirs = two_counties
    client = web("officer_411625")
    html = client.get("/finance/match/businesses/", {"business_q": "返乡同名农场"}).content.decode()
    assert f'value="{ours.pk}"' in html and "返乡同名农场（郸城）" in html
    assert f'value="{theirs.pk}"' not in html and "鹿邑" not in html
    assert "找到 1 个" in html  # the count is of what one may see
    # by credit code (prefix, any case)
    html = client.get("/finance/match/businesses/", {"business_q": "92411625ma"}).content.decode()
    assert f'value="{ours.pk}"' in html
    html = client.get("/finance/match/businesses/", {"business_q": "92411628MA0000002X"}).content.decode()
    assert f'value="{theirs.pk}"' not in html and "未找到" in html
    # the other county's officer sees theirs, not ours
    html = (
        web("officer_411628").get("/finance/match/businesses/", {"business_q": "返乡同名"}).content.decode()
    )
    assert f'value="{theirs.pk}"' in html and f'value="{ours.pk}"' not in html
    # a city-wide reader finds both
    html = web("city_admin").get("/finance/match/businesses/", {"business_q": "返乡同名"}).content.decode()
    assert f'value="{theirs.pk}"' in html and f'value="{ours.pk}"' in html


def test_search_needs_a_login_and_registry_access(web, two_counties):
    response = Client().get("/finance/match/businesses/", {"business_q": "返乡同名农场"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "返乡同名" not in response.content.decode()
    assert web("bank_officer").get("/finance/match/businesses/", {"business_q": "返乡"}).status_code == 403


def test_blank_search_offers_nothing(web, two_counties):
    html = web("officer_411625").get("/finance/match/businesses/", {"business_q": "  "}).content.decode()
    assert "<option" in html and 'value="' in html and "返乡同名" not in html


def test_match_page_has_a_search_box_and_no_raw_id_field(web, two_counties):
    ours, theirs = two_counties
    make_product(name="设备贷", amount_max="3000000")
    client = web("officer_411625")
    html = client.get("/finance/match/").content.decode()
    assert "经营主体ID" not in html
    assert 'data-testid="business-search"' in html and 'hx-get="/finance/match/businesses/"' in html
    assert '<select name="business"' in html
    # the chosen business (by id, as before) is shown selected in the picker and matched
    html = client.get("/finance/match/", {"business": ours.pk, "amount": "100000"}).content.decode()
    assert f'<option value="{ours.pk}" selected>' in html
    assert 'data-testid="business"' in html and "返乡同名农场（郸城）" in html
    # another county's business by id: not found, as before
    assert client.get("/finance/match/", {"business": theirs.pk}).status_code == 404
    # without script the typed search is sent with the form and its finds are offered
    html = client.get("/finance/match/", {"business_q": "返乡同名农场"}).content.decode()
    assert f'value="{ours.pk}"' in html and f'value="{theirs.pk}"' not in html
