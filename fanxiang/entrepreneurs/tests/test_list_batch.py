"""The entrepreneur list as a work table: 共 N 条 and page size, the 操作 column (编辑 only where the detail page
offers it), export of the ticked people (exactly those, refused whole when one is out of scope), batch
transfer requests through the transfer service (one per person, all or nothing with a reason per row)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from fanxiang.accounts.models import RoleAssignment
from fanxiang.accounts.roles import Role
from fanxiang.core.views import SELECTION_INVALID
from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.models import Entrepreneur, TransferRequest
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.entrepreneurs.views_batch import BATCH_REFUSED
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db


def person(demo, user="officer_411625", **overrides) -> Entrepreneur:
    return services.entrepreneur_create(actor=demo[user], data=person_data(**overrides))


def text(response) -> str:
    return response.content.decode()


def row_of(html: str, pk: int) -> str:
    marker = f'name="ids" value="{pk}"'  # the row's checkbox (a filter's option may carry the same value)
    assert marker in html, f"row {pk} not on the page"
    return html.split(marker, 1)[1].split("</tr>", 1)[0]


def test_list_shows_count_and_actions_with_edit_only_where_allowed(demo, web):
    mine = person(demo, name="张三")
    closed = person(demo, name="李四")
    services.entrepreneur_close(actor=demo["officer_411625"], entrepreneur=closed, reason="迁出本市")
    html = text(web("officer_411625").get("/entrepreneurs/", {"status": ""}))
    assert re.search(r'data-testid="count">共 2 条<', html)
    assert '<th class="row-actions">操作</th>' in html
    row = row_of(html, mine.pk)
    assert (
        f'href="/entrepreneurs/{mine.pk}/">查看<' in row
        and f'href="/entrepreneurs/{mine.pk}/edit/">编辑<' in row
    )
    closed_row = row_of(html, closed.pk)
    assert f"/entrepreneurs/{closed.pk}/edit/" not in closed_row and "查看" in closed_row
    # the leader reads the registry but edits nothing
    leader = text(web("leader").get("/entrepreneurs/"))
    assert f'href="/entrepreneurs/{mine.pk}/">查看<' in leader
    assert f"/entrepreneurs/{mine.pk}/edit/" not in leader


def test_export_selected_returns_exactly_the_ticked_people(demo, web):
    a, b, c = (person(demo, name=n) for n in ("甲一", "乙二", "丙三"))
    response = web("officer_411625").post("/entrepreneurs/batch/", {"action": "export", "ids": [a.pk, c.pk]})
    assert response.status_code == 200, text(response)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert names == {"甲一", "丙三"}
    assert b.id_number not in str([list(r) for r in sheet.iter_rows(values_only=True)])


def test_export_selected_refuses_a_person_outside_the_scope_with_the_code(demo, web):
    mine = person(demo, name="张三")
    theirs = person(demo, user="officer_411628", name="王五", region="411628101", id_number=make_id("411628"))
    response = web("officer_411625").post(
        "/entrepreneurs/batch/", {"action": "export", "ids": [mine.pk, theirs.pk]}
    )
    assert response.status_code == 422
    html = text(response)
    assert f'data-code="{SELECTION_INVALID}"' in html
    assert "王五" not in html and "鹿邑" not in html  # never says whose it is
    assert not response["Content-Type"].startswith("application/vnd")


def test_batch_actions_offered_on_the_list(demo, web):
    person(demo)
    html = text(web("officer_411625").get("/entrepreneurs/"))
    assert 'action="/entrepreneurs/batch/"' in html
    assert 'data-testid="batch-export"' in html and 'data-testid="batch-transfer"' in html
    # the leader reads and exports but registers no one: export only, no transfer request
    leader = text(web("leader").get("/entrepreneurs/"))
    assert 'data-testid="batch-export"' in leader and 'data-testid="batch-transfer"' not in leader
    assert 'data-testid="batch-transfer-fields"' not in leader
    # the service clerk registers people but may not export: transfer only
    clerk = text(web("service_clerk").get("/entrepreneurs/"))
    assert 'data-testid="batch-export"' not in clerk and 'data-testid="batch-transfer"' in clerk


@pytest.fixture
def asker(demo, web):
    """A county officer of 鹿邑 who also reads the whole city as a leader: she sees 郸城's people on the
    list and may ask for them to be moved to 鹿邑 (the transfer service's own case)."""
    RoleAssignment.objects.create(
        user=demo["officer_411628"], role=Role.LEADER, region=Region.objects.get(code="411600")
    )
    return web("officer_411628")


def test_batch_transfer_creates_one_request_per_person(demo, asker):
    a, b = person(demo, name="甲一"), person(demo, name="乙二")
    to_region = Region.objects.get(code="411628101")
    response = asker.post(
        "/entrepreneurs/batch/",
        {
            "action": "transfer",
            "ids": [a.pk, b.pk],
            "transfer-to_region": to_region.code,
            "transfer-reason": "已迁居鹿邑",
        },
    )
    assert response.status_code == 302, text(response)
    requests = TransferRequest.objects.order_by("entrepreneur__name")
    assert sorted(t.entrepreneur_id for t in requests) == sorted([a.pk, b.pk])
    assert {t.to_region_id for t in requests} == {to_region.pk}
    assert {t.requested_by_id for t in requests} == {demo["officer_411628"].pk}


def test_batch_transfer_refuses_all_when_one_row_fails(demo, asker):
    a, b = person(demo, name="甲一"), person(demo, name="乙二")
    # b already has a pending request: the whole batch is refused, a too
    services.transfer_request(
        actor=demo["officer_411628"],
        id_number=b.id_number,
        to_region=Region.objects.get(code="411628101"),
        reason="先行申请",
    )
    before = TransferRequest.objects.count()
    response = asker.post(
        "/entrepreneurs/batch/",
        {
            "action": "transfer",
            "ids": [a.pk, b.pk],
            "transfer-to_region": "411628101",
            "transfer-reason": "已迁居",
        },
    )
    assert response.status_code == 422
    html = text(response)
    assert f'data-code="{BATCH_REFUSED}"' in html
    rows = html.split('data-testid="batch-row-errors"')[1]
    assert 'data-code="transfer.pending_exists"' in rows and "乙二" in rows and "甲一" not in rows
    assert TransferRequest.objects.count() == before
    assert not TransferRequest.objects.filter(entrepreneur=a).exists()


def test_batch_transfer_of_own_people_is_refused_per_row(demo, web):
    a = person(demo, name="甲一")
    response = web("officer_411625").post(
        "/entrepreneurs/batch/",
        {"action": "transfer", "ids": [a.pk], "transfer-to_region": "411625101", "transfer-reason": "调整"},
    )
    assert response.status_code == 422
    assert 'data-code="transfer.already_in_scope"' in text(response)
    assert not TransferRequest.objects.exists()


def test_batch_transfer_needs_a_target_region(demo, asker):
    a = person(demo, name="甲一")
    response = asker.post(
        "/entrepreneurs/batch/", {"action": "transfer", "ids": [a.pk], "transfer-reason": "x"}
    )
    assert response.status_code == 422 and 'data-code="transfer.to_region_required"' in text(response)
    assert not TransferRequest.objects.exists()
