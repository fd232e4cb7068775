"""Concurrency on PostgreSQL: a reversal (冲正) and a new repayment of the same loan at once. Both lock the
loan row, so they run one after the other: either the repayment comes first (and the reversal, no longer of
the latest repayment, is refused) or the reversal does (and the repayment then pays the re-opened period).
Either way the periods hold exactly what the live repayments paid. Skipped on SQLite.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/pytest fanxiang/loans/tests/test_concurrency_reversal.py``
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from fanxiang.loans import repayment as svc
from fanxiang.loans.models import Repayment, ScheduleItem
from fanxiang.loans.tests.repayment_factories import d, loan, person
from fanxiang.loans.tests.test_concurrency import pg, race  # noqa: F401  (fixture)

ROUNDS = 3


def test_reversal_and_repayment_at_once_stay_consistent(pg):  # noqa: F811
    bank = pg["bank_officer"]
    outcomes = set()
    for n in range(ROUNDS):
        a_loan = loan(person(pg["officer_411625"], name=f"并发{n}"))
        first = svc.repayment_record(actor=bank, loan=a_loan, date=d("2021-04-15"), amount="391.67")

        def reverse(first=first):
            return svc.repayment_reverse(
                actor=bank, repayment=first, reason="并发冲正", today=dt.date(2021, 4, 20)
            )

        def pay(a_loan=a_loan):
            return svc.repayment_record(
                actor=bank, loan=a_loan, date=d("2021-04-20"), amount="391.67", today=dt.date(2021, 4, 20)
            )

        actions = [reverse, pay]
        results = race(lambda i, actions=actions: actions[i](), n=2)
        assert not [r for r in results if r[0] == "error"], results
        refused = sorted(value for kind, value in results if kind == "refused")
        assert refused in ([], ["repayment.reversal_not_latest"]), results
        outcomes.add(tuple(refused))
        live = Repayment.objects.filter(loan=a_loan, reversed_at__isnull=True)
        paid = ScheduleItem.objects.filter(loan=a_loan).aggregate(
            i=Sum("interest_paid"), p=Sum("principal_paid")
        )
        assert paid["i"] + paid["p"] == (live.aggregate(s=Sum("amount"))["s"] or Decimal("0.00"))
        first.refresh_from_db()
        assert (first.reversed_at is None) == bool(refused)
    assert outcomes  # which order won is up to the scheduler; both are consistent
