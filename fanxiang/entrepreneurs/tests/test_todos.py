"""The registry's line of the to-do inbox (core.tasks): a transfer request waits for the holding county, not
for the asking one; the link lists exactly the transfers awaiting the user's decision."""

from __future__ import annotations

import pytest
from django.test import Client

from fanxiang.core import tasks
from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.todos import transfers_awaiting
from fanxiang.loans.tests.factories import make_person
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db


def _item(user) -> dict | None:
    return next((i for i in tasks.tasks_for(user)["items"] if i["kind"] == "registry.transfer_review"), None)


def test_transfer_waits_for_the_holding_county_only(demo):
    holder, asker = demo["officer_411625"], demo["officer_411628"]
    person = make_person(holder, name="转出人")
    transfer = services.transfer_request(
        actor=asker, id_number=person.id_number, to_region=Region.objects.get(code="411628100"), reason="迁居"
    )
    item = _item(holder)
    assert item["count"] == 1 and item["title"] == "待审批的人员转移申请"
    assert item["url"] == "/entrepreneurs/transfers/?status=pending&awaiting=1"
    assert _item(asker) is None  # the asking county sees the request in its list, but it is not its work
    assert list(transfers_awaiting(demo["city_admin"])) == [transfer]
    assert list(transfers_awaiting(demo["officer_411602"])) == []

    def rows(user, url):
        client = Client()
        client.force_login(user)
        return [r["t"].pk for r in client.get(url).context["rows"]]

    assert rows(holder, item["url"]) == [transfer.pk]
    assert rows(asker, "/entrepreneurs/transfers/?status=pending") == [transfer.pk]
    assert rows(asker, item["url"]) == []
    services.transfer_decide(actor=holder, transfer=transfer, approve=False, note="本人未同意")
    assert _item(holder) is None
