"""Reviewer queues and the eligibility check with 50k loan applications (bulk-created across the city's
counties, two banks, all review states; 10% of applicants in a priority group, 10% hit by the epidemic).

Prints p50/p95 of
* ``GET /api/v1/loans/queue`` for a county officer (submitted, their county) and a bank officer (their
  bank's guarantee_approved / bank_approved / contracted, city-wide), against a baseline measured in the same
  run: a plain indexed SELECT of the same page of rows (same filter, ordered by deadline, no API, no
  priority ranking, no scope resolution);
* the eligibility engine (``eligibility.check``) and ``POST /api/v1/loans/eligibility-check`` for applicants
  with loan history (target p95 ≤ 20 ms), against a plain SELECT of the applicant's loans, with the API's
  fixed per-request cost (``GET /api/v1/me``) alongside.

Run: ``.venv/bin/python bench/bench_loans_queue.py`` (SQLite in a temp dir; BENCH_DATABASE_URL for PostgreSQL).
"""

import datetime as dt
import random
import time
from decimal import Decimal

from _setup import bench_entrepreneur, percentiles, setup, token_client

N_APPLICATIONS = 50_000
N_PEOPLE = 25_000
ROUNDS = 60

STATUSES = [
    ("draft", 10), ("submitted", 20), ("hr_approved", 10), ("guarantee_approved", 10), ("bank_approved", 5),
    ("contracted", 5), ("disbursed", 15), ("settled", 10), ("returned", 5), ("rejected", 5), ("withdrawn", 5),
]  # fmt: skip


def populate() -> None:
    from fanxiang.accounts.models import Organization
    from fanxiang.entrepreneurs.models import Entrepreneur, PriorityGroup
    from fanxiang.loans.models import LoanApplication
    from fanxiang.regions.models import Region

    rng = random.Random(20200416)
    townships = list(Region.objects.filter(level="township"))
    groups = list(PriorityGroup.objects.all())
    people = []
    for i in range(N_PEOPLE):
        people.append(bench_entrepreneur(i, rng.choice(townships), key="bench"))
    Entrepreneur.objects.bulk_create(people, batch_size=5000)
    people = list(Entrepreneur.objects.only("id", "region_id"))
    through = Entrepreneur.priority_groups.through
    in_group = {p.pk for p in people[::10]}
    through.objects.bulk_create(
        [through(entrepreneur_id=pk, prioritygroup_id=rng.choice(groups).pk) for pk in sorted(in_group)],
        batch_size=5000,
    )
    banks = list(Organization.objects.filter(code__in=["DEMO-BANK-PSBC", "DEMO-BANK-RCB"]))
    guarantor = Organization.objects.get(code="DEMO-GUAR")
    weights = [w for _, w in STATUSES]
    names = [s for s, _ in STATUSES]
    start = dt.date(2020, 5, 1)
    apps = []
    for i in range(N_APPLICATIONS):
        person = people[i % len(people)]
        status = rng.choices(names, weights)[0]
        applied = start + dt.timedelta(days=rng.randrange(0, 240)) if status != "draft" else None
        epidemic = rng.random() < 0.1
        apps.append(
            LoanApplication(
                number=f"DB2020-B-{i:06d}",
                entrepreneur_id=person.pk,
                region_id=person.region_id,
                borrower_type="individual",
                borrower_categories=["returning_migrant_worker"],
                amount=Decimal(rng.randrange(10, 200)) * 1000,
                term_months=24,
                bank=banks[i % 2],
                guarantee_org=guarantor,
                counter_guarantee="natural_person",
                status=status,
                applied_on=applied,
                step_due=applied + dt.timedelta(days=9) if applied else None,
                epidemic_affected=epidemic,
                priority=epidemic or person.pk in in_group,  # what the services keep current
            )
        )
    LoanApplication.objects.bulk_create(apps, batch_size=5000)
    from django.db import connection

    if connection.vendor == "postgresql":  # planner statistics, as autovacuum keeps them in production
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed(fn, rounds: int = ROUNDS) -> list[float]:
    for _ in range(5):
        fn(0)
    samples = []
    for i in range(rounds):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples: list[float], baseline: list[float] | None = None, extra: str = "") -> None:
    p50, p95 = percentiles(samples)
    line = f"{label:<58} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms"
    if baseline is not None:
        b50, _ = percentiles(baseline)
        line += f"  ratio p50 {p50 / b50:5.1f}×"
    print(line + extra, flush=True)


def main() -> None:
    setup()
    from django.db.models import Q

    from fanxiang.accounts.models import User
    from fanxiang.demo.services import load_demo_data, load_reference_data
    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.loans.applications import eligibility
    from fanxiang.loans.models import LoanApplication
    from fanxiang.regions.models import Region

    load_reference_data()
    load_demo_data()
    t0 = time.perf_counter()
    populate()
    print(
        f"applications: {LoanApplication.objects.count():,}  applicants: {Entrepreneur.objects.count():,}  "
        f"(bulk-created in {time.perf_counter() - t0:.1f} s)",
        flush=True,
    )

    county = Region.objects.get(code="411625")
    bank = User.objects.get(username="bank_officer")
    cases = {
        "officer_411625": Q(status="submitted", region__tree_path__startswith=county.tree_path),
        "bank_officer": Q(
            status__in=["guarantee_approved", "bank_approved", "contracted"], bank_id=bank.organization_id
        ),
    }
    for username, same_rows in cases.items():
        client, headers = token_client(username)

        def baseline_page(i, same_rows=same_rows):
            qs = LoanApplication.objects.filter(same_rows)
            qs.count()
            list(qs.order_by("step_due", "id")[(i % 5) * 20 : (i % 5) * 20 + 20])

        def queue_page(i, client=client, headers=headers):
            response = client.get("/api/v1/loans/queue", {"page": 1 + i % 5, "page_size": 20}, **headers)
            assert response.status_code == 200, response.content

        base = timed(baseline_page)
        api = timed(queue_page)
        count = client.get("/api/v1/loans/queue", {"page_size": 1}, **headers).json()["count"]
        report(f"baseline SELECT (same rows, page of 20) [{username}]", base)
        report(f"GET /api/v1/loans/queue as {username}", api, base, f"  rows waiting {count:,}")

    # eligibility: applicants with loan history (two applications each)
    rng = random.Random(7)
    sample = [p for p in Entrepreneur.objects.order_by("id")[:2000]]
    people = [sample[rng.randrange(len(sample))] for _ in range(ROUNDS + 5)]
    today = dt.date(2020, 10, 12)

    def baseline_history(i):
        list(
            LoanApplication.objects.filter(entrepreneur=people[i % len(people)]).values_list(
                "status", flat=True
            )
        )

    def engine(i):
        eligibility.check(
            borrower_type="individual",
            entrepreneur=people[i % len(people)],
            amount=Decimal("100000.00"),
            term_months=24,
            apply_date=today,
            borrower_categories=["returning_migrant_worker"],
        )

    client, headers = token_client("city_admin")

    def endpoint(i):
        body = {
            "borrower_type": "individual",
            "entrepreneur": people[i % len(people)].pk,
            "amount": "100000.00",
            "term_months": 24,
            "apply_date": today.isoformat(),
            "borrower_categories": ["returning_migrant_worker"],
        }
        response = client.post(
            "/api/v1/loans/eligibility-check", body, content_type="application/json", **headers
        )
        assert response.status_code == 200, response.content

    def api_floor(i):
        assert client.get("/api/v1/me", **headers).status_code == 200

    base = timed(baseline_history)
    report("baseline SELECT (one applicant's loans)", base)
    report("API floor: GET /api/v1/me (token auth, middleware, JSON)", timed(api_floor), base)
    report("eligibility.check (engine)", timed(engine), base)
    samples = timed(endpoint)
    _, p95 = percentiles(samples)
    report(
        "POST /api/v1/loans/eligibility-check",
        samples,
        base,
        f"  target p95 ≤ 20 ms: {'met' if p95 <= 20 else 'NOT met'}",
    )


if __name__ == "__main__":
    main()
