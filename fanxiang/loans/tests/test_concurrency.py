"""Concurrency on PostgreSQL: many threads (own connections, released at thread end) race for the same step
or over-disburse at once; the application row lock lets exactly one win, and the money paid out never
exceeds the approved amount. Skipped on SQLite, which serialises writers anyway.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/pytest fanxiang/loans/tests/test_concurrency.py``
"""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.db.models import Sum

from fanxiang.core.errors import DomainError
from fanxiang.loans import applications as services
from fanxiang.loans.models import Disbursement, LoanApplication, LoanEvent
from fanxiang.loans.tests.factories import advance, draft_data, make_person, ready_draft
from fanxiang.regions.models import RegionMonthStat

THREADS = 8


@pytest.fixture
def pg(transactional_db, demo):
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrency tests need PostgreSQL (set DATABASE_URL=postgres://…); SQLite serialises writers"
        )
    for user in demo.values():
        user.assignments()  # warm the per-user cache before the threads share the objects
    return demo


def race(fn, n: int = THREADS) -> list[tuple[str, object]]:
    """Run ``fn(i)`` in ``n`` threads released together; collect ("ok", result) or ("refused", code)."""
    barrier = threading.Barrier(n)
    results: list[tuple[str, object]] = []
    guard = threading.Lock()

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcome: tuple[str, object] = ("ok", fn(i))
        except DomainError as exc:
            outcome = ("refused", exc.code)
        except Exception as exc:  # surfaced by the assertions
            outcome = ("error", repr(exc))
        finally:
            connection.close()
        with guard:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == n, "a thread did not finish"
    return results


def test_same_transition_exactly_one_wins(pg):
    app = advance(ready_draft(pg["officer_411625"]), pg, "submitted")
    results = race(lambda i: services.application_hr_approve(actor=pg["officer_411625"], application=app.pk))
    outcomes = Counter(kind if kind == "ok" else value for kind, value in results)
    assert outcomes == {"ok": 1, "loan.wrong_state": THREADS - 1}, results
    app.refresh_from_db()
    assert app.status == "hr_approved"
    assert LoanEvent.objects.filter(application=app, action="hr_approve").count() == 1
    audits = LogEntry.objects.filter(object_pk=str(app.pk), additional_data__transition="hr_approve")
    assert audits.count() == 1


def test_competing_steps_exactly_one_wins(pg):
    officer = pg["officer_411625"]
    app = advance(ready_draft(officer), pg, "submitted")
    steps = [
        lambda: services.application_hr_approve(actor=officer, application=app.pk),
        lambda: services.application_reject(actor=officer, application=app.pk, reasons=["并发驳回"]),
        lambda: services.application_return(actor=officer, application=app.pk, missing_items=["并发补正"]),
    ]  # mutually exclusive from ``submitted``: once one has run, the others no longer apply
    results = race(lambda i: steps[i % len(steps)]())
    assert [kind for kind, _ in results].count("ok") == 1, results
    # the losers see the state the winner left: wrong state, or a step that now belongs to another role
    assert {value for kind, value in results if kind != "ok"} <= {"loan.wrong_state", "loan.wrong_role"}, (
        results
    )
    app.refresh_from_db()
    transitions = LoanEvent.objects.filter(application=app).exclude(action__in=["create", "upload", "submit"])
    assert transitions.count() == 1 and transitions.get().to_status == app.status


def _contracted(pg) -> LoanApplication:
    return advance(ready_draft(pg["officer_411625"]), pg, "contracted")  # approved 100,000.00


def test_over_disbursing_at_once_exactly_one_wins(pg):
    app = _contracted(pg)
    results = race(
        lambda i: services.application_disburse(
            actor=pg["bank_officer"],
            application=app.pk,
            amount="60000.00",
            date=app.contract_date,
            loan_note_no=f"JJ-RACE-{i}",
        )
    )
    outcomes = Counter(kind if kind == "ok" else value for kind, value in results)
    assert outcomes == {"ok": 1, "loan.over_disbursement": THREADS - 1}, results
    app.refresh_from_db()
    paid = Disbursement.objects.filter(application=app).aggregate(s=Sum("amount"))["s"]
    assert paid == app.disbursed_total == Decimal("60000.00") <= app.approved_amount
    stat = RegionMonthStat.objects.get(
        region=app.region,
        indicator="guaranteed_loans",
        year=app.contract_date.year,
        month=app.contract_date.month,
    )
    assert stat.value == Decimal("60000.00")


def test_tranches_at_once_never_exceed_the_approved_amount(pg):
    app = _contracted(pg)
    results = race(
        lambda i: services.application_disburse(
            actor=pg["bank_officer"],
            application=app.pk,
            amount="30000.00",
            date=app.contract_date,
            loan_note_no=f"JJ-RACE-{i}",
        )
    )
    outcomes = Counter(kind if kind == "ok" else value for kind, value in results)
    assert outcomes == {"ok": 3, "loan.over_disbursement": THREADS - 3}, results
    app.refresh_from_db()
    tranches = list(Disbursement.objects.filter(application=app).order_by("seq"))
    assert [t.seq for t in tranches] == [1, 2, 3]
    assert sum(t.amount for t in tranches) == app.disbursed_total == Decimal("90000.00")
    assert app.disbursed_total <= app.approved_amount


def test_application_numbers_are_race_safe(pg):
    officer = pg["officer_411625"]
    people = [make_person(officer) for _ in range(THREADS)]
    results = race(lambda i: services.application_create(actor=officer, data=draft_data(people[i])).number)
    assert all(kind == "ok" for kind, _ in results), results
    numbers = sorted(str(value) for _, value in results)
    assert len(set(numbers)) == THREADS
    seqs = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert seqs == list(range(seqs[0], seqs[0] + THREADS))
