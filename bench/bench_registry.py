"""Registry at scale on PostgreSQL: the entrepreneur list API at 100k and 1M people, and target progress at
10k vs 1M.

* Data: ``fanxiang.demo.generator`` (the loader behind ``manage.py generate_demo``) with seed 1, topped up
  10k → 100k → 1M in place (the same seed's first N people), with ~1.1 businesses a person and their
  dated jobs reports, through PostgreSQL COPY with indexes and foreign keys rebuilt after each load
  (``--defer-indexes``). Load time is printed per step.
* List: ``GET /api/v1/entrepreneurs/?page_size=20`` through the whole stack (token auth, scope, filter set,
  count, prefetches, serialisation) for a city admin and a county officer (郸城县), unfiltered, with
  ``q=zs`` (pinyin initials), ``region=411625``, ``category=veteran`` and on page 50. Baseline in the same
  run: the same 20 rows with the same scope and filter as a plain ORM ``SELECT … LIMIT 20`` (no count, no
  prefetch, no serialisation, no HTTP); the ratio is what the API adds. Totals of 10,000 rows or more
  are cached for 60 s (fanxiang.core.counting), so the API figures of big lists are warm-cache figures;
  the last column is the uncached ``COUNT(*)`` of the same scope and filter, measured directly.
* Progress: ``GET /api/v1/targets/progress?year=2020&region=411600`` at 10k and 1M (target ratio ≤ 1.5:
  it reads per-region monthly rollups, never the registry). The 10k state is kept as a copy of the
  database (``CREATE DATABASE … TEMPLATE``) and the two are measured in alternating rounds at the end,
  so both see the same machine load.

Needs PostgreSQL: BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/fanxiang_bench (created
and dropped here). Sizes can be overridden with BENCH_REGISTRY_SIZES=10000,100000,1000000. Prints figures;
asserts nothing about time."""

from __future__ import annotations

import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fanxiang_bench"
ROUNDS = 30
PROGRESS_ROUNDS = 60
CASES = [
    ("page 1", {}),
    ("q=zs", {"q": "zs"}),
    ("region=411625", {"region": "411625"}),
    ("category=veteran", {"category": "veteran"}),
    ("page 50", {"page": 50}),
]
USERS = ["city_admin", "officer_411625"]


def _admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def recreate_database(url: str, drop_only: bool = False) -> bool:
    import psycopg

    admin, name = _admin_url(url)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            for db in (name, f"{name}_small"):
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            if not drop_only:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"SKIPPED: PostgreSQL at {admin} is not reachable ({exc.__class__.__name__}).")
        return False
    return True


def snapshot_database(url: str) -> str:
    """Copy the bench database as it is now (``…_small``) for the progress comparison at the end."""
    import psycopg
    from django.db import connections

    connections.close_all()
    admin, name = _admin_url(url)
    copy = f"{name}_small"
    with psycopg.connect(admin, autocommit=True) as conn:
        for attempt in range(20):  # an autovacuum worker may still be on the source database
            try:
                conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 19:
                    raise
                time.sleep(0.5)
    return copy


def use_database(name: str) -> None:
    from django.db import connections

    connections["default"].close()
    connections["default"].settings_dict["NAME"] = name


def timed(fn, rounds: int, warmup: int = 3) -> tuple[float, float, object]:
    from _setup import percentiles

    result = None
    for _ in range(warmup):
        result = fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    p50, p95 = percentiles(samples)
    return p50, p95, result


def load(n: int) -> None:
    from django.db import connection

    from fanxiang.demo.generator import generate
    from fanxiang.entrepreneurs.models import Entrepreneur

    before = Entrepreneur.objects.count()
    report = generate(n=n, seed=1, defer_indexes=True)
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    vacuum = time.perf_counter() - start
    rate = report.created / report.seconds if report.seconds else 0
    print(
        f"load {before:>9,} → {before + report.created:>9,} people: {report.seconds:6.1f} s "
        f"({rate:,.0f} people/s; +{report.businesses:,} businesses, +{report.job_reports:,} jobs reports; "
        f"{report.writer}, of which index/FK rebuild {report.rebuild_seconds:.1f} s); "
        f"VACUUM ANALYZE {vacuum:.1f} s",
        flush=True,
    )


def scale_of(n: int) -> str:
    return f"{n // 1000:,}k" if n < 1_000_000 else f"{n / 1_000_000:g}M"


def login(client, username: str) -> dict:
    token = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": "Demo@2020fx"},
        content_type="application/json",
    ).json()["token"]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def bench_progress(client, databases: dict[str, str]) -> None:
    """Alternate blocks of calls between the databases (label → name) so both see the same machine load."""
    from _setup import percentiles

    samples: dict[str, list[float]] = {label: [] for label in databases}
    bodies: dict[str, dict] = {}
    headers: dict[str, dict] = {}
    for label, name in databases.items():
        use_database(name)
        headers[label] = login(client, "city_admin")
    for block in range(PROGRESS_ROUNDS // 10 + 1):
        for label, name in databases.items():
            use_database(name)
            for i in range(10):
                start = time.perf_counter()
                response = client.get(
                    "/api/v1/targets/progress", {"year": 2020, "region": "411600"}, **headers[label]
                )
                elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, response.content[:300]
                if block or i >= 3:  # the first calls warm up
                    samples[label].append(elapsed)
                bodies[label] = response.json()
    p50s = {}
    for label in databases:
        p50, p95 = percentiles(samples[label])
        p50s[label] = p50
        actual = {i["indicator"]: i["actual"] for i in bodies[label]["indicators"]}
        print(
            f"  {label:>4} records: GET /api/v1/targets/progress?year=2020&region=411600  "
            f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  (2020 actual: {actual})",
            flush=True,
        )
    small, large = list(databases)
    print(
        f"target progress p50 ratio {large} / {small} records: {p50s[large] / p50s[small]:.2f} (target ≤ 1.5)"
    )


def bench_list(client, scale: str) -> None:
    from fanxiang.accounts.models import User
    from fanxiang.entrepreneurs.filtersets import EntrepreneurFilter
    from fanxiang.entrepreneurs.models import Entrepreneur

    for username in USERS:
        headers = login(client, username)
        user = User.objects.get(username=username)
        for label, params in CASES:
            page = params.get("page", 1)
            query = {"page_size": 20, **params}

            def api(query=query, headers=headers):
                response = client.get("/api/v1/entrepreneurs/", query, **headers)
                assert response.status_code == 200, response.content[:300]
                return response.json()

            filters = {k: v for k, v in params.items() if k != "page"}

            def orm(filters=filters, page=page, user=user):
                qs = EntrepreneurFilter(filters, queryset=Entrepreneur.objects.for_user(user)).qs
                offset = (page - 1) * 20
                return list(qs.order_by("-created_at", "-id")[offset : offset + 20])

            def count(filters=filters, user=user):
                return EntrepreneurFilter(filters, queryset=Entrepreneur.objects.for_user(user)).qs.count()

            p50, p95, body = timed(api, ROUNDS)
            b50, b95, rows = timed(orm, ROUNDS)
            c50, _c95, total = timed(count, 5, warmup=1)
            assert [r["id"] for r in body["items"]] == [r.pk for r in rows] and total == body["count"]
            print(
                f"  {scale} {username:<15} {label:<17} count {body['count']:>9,}  "
                f"API p50 {p50:6.1f} p95 {p95:6.1f} ms | ORM LIMIT 20 p50 {b50:5.1f} p95 {b95:5.1f} ms | "
                f"ratio p50 {p50 / b50:4.1f} | uncached COUNT(*) p50 {c50:6.1f} ms",
                flush=True,
            )


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        print("SKIPPED: bench_registry needs PostgreSQL (BENCH_DATABASE_URL).")
        return
    if not recreate_database(url):
        return
    os.environ["BENCH_DATABASE_URL"] = url
    sizes = [int(s) for s in os.environ.get("BENCH_REGISTRY_SIZES", "10000,100000,1000000").split(",")]
    started = time.perf_counter()
    try:
        from _setup import setup

        setup()
        from django.db import connection
        from django.test import Client

        from fanxiang.demo.services import load_demo_data, load_reference_data

        load_reference_data()
        load_demo_data()
        client = Client()
        main_db = connection.settings_dict["NAME"]
        small_db = ""
        for n in sizes:
            load(n)
            if n == sizes[0]:
                small_db = snapshot_database(url)
            if n >= 100_000:
                print(f"entrepreneur list at {scale_of(n)}:")
                bench_list(client, scale_of(n))
        print("target progress (rollups), alternating between the two databases:")
        bench_progress(client, {scale_of(sizes[0]): small_db, scale_of(sizes[-1]): main_db})
        connection.close()
    finally:
        recreate_database(url, drop_only=True)
        print(f"bench_registry total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
