"""The registry tells the loans app when someone's priority groups change (point (十三)): an explicit hook
registered in ``LoansConfig.ready`` — the entrepreneurs app never imports loans — so the stored ``priority``
flag of their applications, which reviewer queues sort on, follows at once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fanxiang.entrepreneurs import services as registry
from fanxiang.loans import applications as services
from fanxiang.loans.models import LoanApplication
from fanxiang.loans.tests.factories import advance, ready_draft

pytestmark = pytest.mark.django_db


def test_loans_registers_its_refresh_hook():
    assert services.applications_refresh_priority in registry._priority_callbacks


def test_entrepreneurs_services_do_not_import_loans_at_module_level():
    tree = ast.parse(Path(registry.__file__).read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = [n.module or "" for n in top if isinstance(n, ast.ImportFrom)]
    names += [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
    assert not [n for n in names if n.startswith("fanxiang.loans")]


def test_priority_change_in_the_registry_resorts_the_queue(demo, api):
    """Given a submitted application of a person in no priority group (queued by deadline), when a county
    officer adds the 'poor household' group to the person in the registry, then the application is flagged
    priority and heads the queue; when the group is removed, it is not any more. An edit that leaves the
    groups as they were does not call the hook."""
    officer = demo["officer_411625"]
    early = advance(ready_draft(officer), demo, "submitted")
    app = advance(ready_draft(officer), demo, "submitted")
    LoanApplication.objects.filter(pk=early.pk).update(step_due="2020-01-01")  # due first
    queue = api("officer_411625")
    assert [i["id"] for i in queue.get("/api/v1/loans/queue").json()["items"]][:2] == [early.pk, app.pk]

    registry.entrepreneur_update(
        actor=officer, entrepreneur=app.entrepreneur, data={"priority_groups": ["poor_household"]}
    )
    app.refresh_from_db()
    assert app.priority is True
    items = queue.get("/api/v1/loans/queue").json()["items"]
    assert items[0]["id"] == app.pk and items[0]["priority_reasons"] == ["贫困家庭/建档立卡"]

    calls = []
    registry.on_priority_change(lambda *, entrepreneur_ids: calls.append(entrepreneur_ids))
    try:
        registry.entrepreneur_update(actor=officer, entrepreneur=app.entrepreneur, data={"notes": "回访"})
        registry.entrepreneur_update(
            actor=officer, entrepreneur=app.entrepreneur, data={"priority_groups": ["poor_household"]}
        )
        assert calls == []
        registry.entrepreneur_update(
            actor=officer, entrepreneur=app.entrepreneur, data={"priority_groups": []}
        )
        assert calls == [[app.entrepreneur_id]]
    finally:
        registry._priority_callbacks.pop()
    app.refresh_from_db()
    assert app.priority is False
