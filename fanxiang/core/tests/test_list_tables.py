"""The shared list machinery (core.views.ScopedListView, paginate, core/_pagination.html, core/_breadcrumbs.html):
共 N 条, the page-size choice capped at 100 and kept across pages and filters, the 操作 column with 编辑 only
where the user may edit, export of the ticked rows all-or-nothing, breadcrumbs below the home page."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from fanxiang.core.views import MAX_PAGE_SIZE, SELECTION_INVALID
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def body_rows(html: str) -> int:
    tbody = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return tbody.count("<tr")


def count_line(html: str) -> int:
    match = re.search(r'data-testid="count">共 (\d+) 条<', html)
    assert match, "no 共 N 条 line"
    return int(match.group(1))


def test_list_shows_total_and_page_size_choice(demo, web):
    client = web("city_admin")
    html = text(client.get("/regions/"))
    total = Region.objects.for_user(demo["city_admin"]).count()
    assert total > MAX_PAGE_SIZE  # the city's regions fill more than the largest page
    assert count_line(html) == total
    assert body_rows(html) == 50  # the regions list's own default
    sizes = html.split('data-testid="page-size"')[1].split("</span>")[0]
    assert "page_size=20" in sizes and "page_size=100" in sizes and "<b>50</b>" in sizes


def test_page_size_50_gives_50_rows_and_1000_is_capped_at_100(demo, web):
    client = web("city_admin")
    assert body_rows(text(client.get("/regions/", {"page_size": 20}))) == 20
    assert body_rows(text(client.get("/regions/", {"page_size": 50}))) == 50
    capped = text(client.get("/regions/", {"page_size": 1000}))
    assert body_rows(capped) == MAX_PAGE_SIZE
    assert body_rows(text(client.get("/regions/", {"page_size": "abc"}))) == 50  # nonsense: the default


def test_pager_links_keep_page_size_and_filters(demo, web):
    client = web("city_admin")
    html = text(client.get("/regions/", {"page_size": 20, "level": "town"}))
    pager = html.split('data-testid="pager"')[1].split("</div>")[0]
    next_link = re.search(r'href="([^"]*page=2[^"]*)"', pager).group(1)
    assert "page_size=20" in next_link and "level=town" in next_link
    # the page-size links drop the page number but keep the filter
    size_link = re.search(r'href="([^"]*page_size=50[^"]*)"', pager).group(1)
    assert "level=town" in size_link and "page=" not in size_link.replace("page_size", "")
    # the filter form carries the chosen size on to the next search
    assert 'name="page_size" value="20"' in html


def test_function_views_page_through_the_same_pager(demo, web):
    client = web("city_admin")
    html = text(client.get("/accounts/users/", {"page_size": 2}))
    assert body_rows(html) == 2
    assert 'data-testid="pager"' in html and "page_size=2" in html
    assert html.count('data-testid="row-actions"') == 2  # 操作: the user page (roles, lock, password there)


def test_breadcrumbs_on_a_second_level_page_and_none_on_home(demo, web):
    client = web("officer_411625")
    home = text(client.get("/"))
    assert 'data-testid="breadcrumbs"' not in home
    page = text(client.get("/entrepreneurs/businesses/"))
    trail = page.split('data-testid="breadcrumbs"')[1].split("</nav>")[0]
    assert '<a href="/">首页</a>' in trail and 'aria-current="page">经营主体<' in trail


def test_breadcrumbs_link_the_section_page_from_a_detail_page(demo, web):
    client = web("city_admin")
    region = Region.objects.get(code="411625")
    page = text(client.get(f"/regions/{region.pk}/"))
    trail = page.split('data-testid="breadcrumbs"')[1].split("</nav>")[0]
    labels = re.findall(r">([^<>]+)</(?:a|span)>", trail)
    assert labels[0] == "首页" and labels[-1] == str(region)
    assert 'href="/regions/"' in trail  # the list the page lies under, linked


def test_breadcrumbs_absent_for_anonymous_pages(db, client):
    assert 'data-testid="breadcrumbs"' not in text(client.get("/accounts/login/"))


def test_export_selected_rows_gives_exactly_those_rows(demo, web):
    client = web("city_admin")
    picked = list(Region.objects.filter(code__in=["411625", "411628"]).order_by("code"))
    response = client.post("/regions/export/", {"ids": [r.pk for r in picked], "action": "export"})
    assert response.status_code == 200, text(response)
    sheet = load_workbook(io.BytesIO(response.content)).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == ["411625", "411628"]


def test_export_selected_refuses_an_unknown_id_with_the_code(demo, web):
    client = web("city_admin")
    region = Region.objects.get(code="411625")
    response = client.post("/regions/export/", {"ids": [region.pk, 987654321], "action": "export"})
    assert response.status_code == 422
    html = text(response)
    assert f'data-code="{SELECTION_INVALID}"' in html and "不在您的权限范围内" in html
    assert "987654321" not in html
    bad = client.post("/regions/export/", {"ids": ["x"], "action": "export"})
    assert bad.status_code == 422 and f'data-code="{SELECTION_INVALID}"' in text(bad)
    empty = client.post("/regions/export/", {"action": "export"})
    assert empty.status_code == 422 and 'data-code="batch.selection_empty"' in text(empty)


def test_list_offers_selection_where_it_can_export(demo, web):
    html = text(web("city_admin").get("/regions/"))
    assert 'data-testid="batch-form"' in html and 'action="/regions/export/"' in html
    assert html.count('name="ids"') == 50 and "data-select-all" in html
