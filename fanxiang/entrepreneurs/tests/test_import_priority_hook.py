"""An import that changes existing people's priority groups tells the registered apps once for the batch
(``services.priority_changed``), inside the import's transaction, naming exactly the people whose groups
changed; an import that changes no groups (or only creates people, or writes nothing) does not."""

from __future__ import annotations

import pytest

from fanxiang.entrepreneurs import imports, services
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.entrepreneurs.tests.test_import_export import person_row, run, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch):
    """Every ``priority_changed`` call made, with whether it ran inside a transaction."""
    from django.db import connection

    seen: list[tuple[list[int], bool]] = []

    def spy(*, entrepreneur_ids):
        seen.append((sorted(entrepreneur_ids), connection.in_atomic_block))

    monkeypatch.setattr(imports, "priority_changed", spy)
    return seen


def test_one_call_for_the_people_whose_groups_changed(demo, calls):
    officer = demo["officer_411625"]
    rows = [person_row(姓名=f"人{i}") for i in range(3)]
    assert run(officer, xlsx(rows)).created == 3
    assert calls == []  # new people only: nobody's groups changed
    rows[0]["重点群体"] = "贫困家庭/建档立卡"
    rows[2]["重点群体"] = "epidemic_contributor"
    rows[1]["手机号码"] = "13700137000"  # updated, but not its groups
    report = run(officer, xlsx(rows))
    assert (report.created, report.updated, report.unchanged) == (0, 3, 0)
    ids = sorted(Entrepreneur.objects.filter(name__in=["人0", "人2"]).values_list("pk", flat=True))
    assert calls == [(ids, True)]
    assert set(Entrepreneur.objects.get(name="人0").priority_groups.values_list("code", flat=True)) == {
        "poor_household"
    }
    # the same file again changes nothing: no call
    assert run(officer, xlsx(rows)).unchanged == 3
    assert len(calls) == 1


def test_removing_a_group_counts_and_dry_run_or_refused_file_never_calls(demo, calls):
    officer = demo["officer_411625"]
    rows = [person_row(姓名="李四", 重点群体="贫困家庭/建档立卡")]
    run(officer, xlsx(rows))
    rows[0]["重点群体"] = ""
    assert run(officer, xlsx(rows), dry_run=True).updated == 1
    assert calls == []
    bad = person_row(姓名="坏行", 身份证号码="123")
    report = run(officer, xlsx([*rows, bad]))  # all-or-nothing: a bad row and nothing is written
    assert not report.committed and calls == []
    report = run(officer, xlsx(rows))
    assert report.updated == 1
    li = Entrepreneur.objects.get(name="李四")
    assert calls == [([li.pk], True)] and not li.priority_groups.exists()


def test_the_real_hook_reaches_registered_callbacks(demo, monkeypatch):
    """Not the spy: the callbacks registered with ``on_priority_change`` are what the import reaches."""
    got: list[list[int]] = []
    monkeypatch.setattr(
        services, "_priority_callbacks", [lambda *, entrepreneur_ids: got.append(entrepreneur_ids)]
    )
    officer = demo["officer_411625"]
    rows = [person_row(姓名="王五")]
    run(officer, xlsx(rows))
    rows[0]["重点群体"] = "epidemic_contributor"
    run(officer, xlsx(rows))
    assert got == [[Entrepreneur.objects.get(name="王五").pk]]
