"""Latency of the loan eligibility check, ``POST /api/v1/loans/eligibility-check`` (target p95 ≤ 20 ms), on
SQLite and — when ``DATABASE_URL`` (or ``BENCH_DATABASE_URL``) points at PostgreSQL — on PostgreSQL too.

Data per database (load time printed separately): 20,000 applicants and 40,000 loan applications (two each,
all review states, settled and repaying loans among them), 1% of applicants on the blacklist, plus the demo
users and reference data. Each run measures, with a bearer token as an API client would:

* the baseline, same run, same client: ``GET /api/v1/me`` — a trivial authenticated GET (token look-up,
  middleware, scope of the user, JSON), the floor any API call pays;
* ``POST /api/v1/loans/eligibility-check`` for an individual with loan history, and for a partnership of
  the applicant and 3 partners (every partner's history and blacklist are checked);
* the engine alone (``eligibility.check``), and the number of SQL queries per request (fixed whatever the
  number of partners: see ``fanxiang/loans/tests/test_eligibility_queries.py``).

Prints p50/p95 (wall clock, and CPU time of this process — on a busy machine the wall clock includes waiting
for a core; with PostgreSQL the CPU figure leaves out the server) and their ratio to the baseline. DEBUG off, as in production. On PostgreSQL the script creates
a throwaway database next to the one in the URL (``fanxiang_bench_elig_<pid>``), ANALYZEs it after loading,
and drops it at the end.

Run: ``.venv/bin/python bench/bench_eligibility.py``
(with PostgreSQL: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_eligibility.py``).
"""

import datetime as dt
import os
import random
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

N_PEOPLE = 20_000
N_APPLICATIONS = 40_000
ROUNDS = 200
WARMUP = 20
TARGET_P95_MS = 20.0
STATUSES = [
    ("draft", 10), ("submitted", 10), ("rejected", 5), ("withdrawn", 5), ("repaying", 20), ("settled", 40),
    ("overdue", 5), ("compensated", 5),
]  # fmt: skip


def populate() -> None:
    from _setup import bench_entrepreneur
    from django.db import connection

    from fanxiang.accounts.models import Organization
    from fanxiang.credit.models import CreditEntry
    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.loans.models import LoanApplication
    from fanxiang.regions.models import Region

    rng = random.Random(20200416)
    townships = list(Region.objects.filter(level="township", code__startswith="411625"))
    Entrepreneur.objects.bulk_create(
        [bench_entrepreneur(i, rng.choice(townships), key="bench-elig") for i in range(N_PEOPLE)],
        batch_size=5000,
    )
    people = list(Entrepreneur.objects.only("id", "region_id").order_by("id"))
    bank = Organization.objects.get(code="DEMO-BANK-PSBC")
    names, weights = zip(*STATUSES, strict=True)
    LoanApplication.objects.bulk_create(
        [
            LoanApplication(
                number=f"DB2020-E-{i:06d}",
                entrepreneur_id=people[i % len(people)].pk,
                region_id=people[i % len(people)].region_id,
                borrower_type="individual",
                borrower_categories=["returning_migrant_worker"],
                amount=Decimal(rng.randrange(10, 200)) * 1000,
                term_months=24,
                bank=bank,
                status=rng.choices(names, weights)[0],
            )
            for i in range(N_APPLICATIONS)
        ],
        batch_size=5000,
    )
    CreditEntry.objects.bulk_create(
        [
            CreditEntry(entrepreneur_id=p.pk, event="blacklisted", date=dt.date(2019, 1, 1), reason="bench")
            for p in people[::100]
        ],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed(fn, rounds: int = ROUNDS) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds (this process's CPU: on a busy machine it leaves out the time spent
    waiting for a core; with PostgreSQL it also leaves out the server's work) per call."""
    for i in range(WARMUP):
        fn(i)
    wall, cpu = [], []
    for i in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(i)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def measure() -> None:
    from _setup import percentiles, setup, token_client

    setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DEBUG = False
    from fanxiang.demo.services import load_demo_data, load_reference_data
    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.loans.applications import eligibility

    load_reference_data()
    load_demo_data()
    t0 = time.perf_counter()
    populate()
    vendor = connection.vendor
    print(
        f"[{vendor}] applicants {N_PEOPLE:,}, applications {N_APPLICATIONS:,}: loaded in "
        f"{time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    rng = random.Random(7)
    people = list(Entrepreneur.objects.order_by("id")[:4000])
    picks = [rng.sample(people, 4) for _ in range(ROUNDS + WARMUP)]
    day = dt.date(2020, 10, 12)
    client, headers = token_client("officer_411625")

    def body(i: int, partners: int) -> dict:
        group = picks[i % len(picks)]
        return {
            "borrower_type": "partnership" if partners else "individual",
            "entrepreneur": group[0].pk,
            "partners": [p.pk for p in group[1 : 1 + partners]],
            "amount": "300000.00" if partners else "100000.00",
            "term_months": 24,
            "apply_date": day.isoformat(),
            "borrower_categories": ["returning_migrant_worker"],
        }

    def baseline(i):
        assert client.get("/api/v1/me", **headers).status_code == 200

    def check(partners):
        def call(i):
            response = client.post(
                "/api/v1/loans/eligibility-check",
                body(i, partners),
                content_type="application/json",
                **headers,
            )
            assert response.status_code == 200, response.content

        return call

    def engine(i):
        group = picks[i % len(picks)]
        eligibility.check(
            borrower_type="individual",
            entrepreneur=group[0],
            amount=Decimal("100000.00"),
            term_months=24,
            apply_date=day,
            borrower_categories=["returning_migrant_worker"],
        )

    def queries(fn) -> int:
        with CaptureQueriesContext(connection) as ctx:
            fn(0)
        return len(ctx)

    base, base_cpu = timed(baseline)
    b50, b95 = percentiles(base)
    c50, _c95 = percentiles(base_cpu)
    print(
        f"[{vendor}] load average before measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
        flush=True,
    )

    def report(label: str, samples: tuple[list[float], list[float]], extra: str = "") -> None:
        wall, cpu = samples
        p50, p95 = percentiles(wall)
        q50, q95 = percentiles(cpu)
        print(
            f"[{vendor}] {label:<52} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
            f"ratio to baseline p50 {p50 / b50:4.1f}×  p95 {p95 / b95:4.1f}×  "
            f"| CPU p50 {q50:5.2f} ms  p95 {q95:5.2f} ms  ratio p50 {q50 / c50:4.1f}×{extra}",
            flush=True,
        )

    report(
        "baseline: GET /api/v1/me (trivial authenticated GET)",
        (base, base_cpu),
        f"  queries {queries(baseline)}",
    )
    report("eligibility.check engine (individual)", timed(engine), f"  queries {queries(engine)}")
    for label, partners in (("individual", 0), ("partnership of 4", 3)):
        samples = timed(check(partners))
        _, p95 = percentiles(samples[0])
        verdict = "met" if p95 <= TARGET_P95_MS else "NOT met"
        report(
            f"POST /api/v1/loans/eligibility-check ({label})",
            samples,
            f"  queries {queries(check(partners))}  target p95 ≤ {TARGET_P95_MS:.0f} ms: {verdict}",
        )


def main() -> int:
    from _setup import run_in_scratch_pg

    env = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}
    rc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child"], env=env).returncode
    pg = run_in_scratch_pg(str(Path(__file__).resolve()), "fanxiang_bench_elig", env=env)  # after SQLite
    return rc if pg is None else (pg or rc)


if __name__ == "__main__":
    if "--child" in sys.argv:
        measure()
    else:
        sys.exit(main())
