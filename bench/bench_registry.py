"""Registry at scale on PostgreSQL: the entrepreneur list API at 100k and 1M people, and target progress at
10k vs 1M.

* Data: ``fanxiang.demo.generator`` (the loader behind ``manage.py generate_demo``) with seed 1, topped up
  10k → 100k → 1M in place (the same seed's first N people), with ~1.1 businesses a person and their
  dated jobs reports. Load time is printed per step.
* List: ``GET /api/v1/entrepreneurs/?page_size=20`` through the whole stack (token auth, scope, filter set,
  count, prefetches, serialisation) for a city admin and a county officer (郸城县), unfiltered, with
  ``q=zs`` (pinyin initials), ``region=411625``, ``category=veteran`` and on page 50. Baseline in the same
  run: the same 20 rows with the same scope and filter as a plain ORM ``SELECT … LIMIT 20`` (no count, no
  prefetch, no serialisation, no HTTP); the ratio is what the API adds.
* Progress: ``GET /api/v1/targets/progress?year=2020&region=411600`` at 10k and 1M (target ratio ≤ 1.5:
  it reads per-region monthly rollups, never the registry).

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
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"SKIPPED: PostgreSQL at {admin} is not reachable ({exc.__class__.__name__}).")
        return False
    return True


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
    report = generate(n=n, seed=1)
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    vacuum = time.perf_counter() - start
    rate = report.created / report.seconds if report.seconds else 0
    print(
        f"load {before:>9,} → {before + report.created:>9,} people: {report.seconds:6.1f} s "
        f"({rate:,.0f} people/s; +{report.businesses:,} businesses, +{report.job_reports:,} jobs reports, "
        f"{report.writer}); VACUUM ANALYZE {vacuum:.1f} s",
        flush=True,
    )


def login(client, username: str) -> dict:
    token = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": "Demo@2020fx"},
        content_type="application/json",
    ).json()["token"]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def bench_progress(client, headers) -> float:
    def call():
        response = client.get("/api/v1/targets/progress", {"year": 2020, "region": "411600"}, **headers)
        assert response.status_code == 200, response.content[:300]
        return response.json()

    p50, p95, body = timed(call, PROGRESS_ROUNDS)
    actual = {i["indicator"]: i["actual"] for i in body["indicators"]}
    print(
        f"  GET /api/v1/targets/progress?year=2020&region=411600  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
        f"(2020 actual: {actual})",
        flush=True,
    )
    return p50


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

            p50, p95, body = timed(api, ROUNDS)
            b50, b95, rows = timed(orm, ROUNDS)
            assert [r["id"] for r in body["items"]] == [r.pk for r in rows]
            print(
                f"  {scale} {username:<15} {label:<17} count {body['count']:>9,}  "
                f"API p50 {p50:7.1f} p95 {p95:7.1f} ms | ORM LIMIT 20 p50 {b50:6.1f} p95 {b95:6.1f} ms | "
                f"ratio p50 {p50 / b50:5.1f}",
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
        progress: dict[int, float] = {}
        for n in sizes:
            load(n)
            scale = f"{n // 1000:,}k" if n < 1_000_000 else f"{n / 1_000_000:g}M"
            if n in (sizes[0], sizes[-1]):
                print(f"target progress at {scale}:")
                progress[n] = bench_progress(client, login(client, "city_admin"))
            if n >= 100_000:
                print(f"entrepreneur list at {scale}:")
                bench_list(client, scale)
        if len(progress) == 2:
            small, large = sizes[0], sizes[-1]
            print(
                f"target progress p50 ratio {large:,} / {small:,} records: "
                f"{progress[large] / progress[small]:.2f} (target ≤ 1.5)"
            )
        connection.close()
    finally:
        recreate_database(url, drop_only=True)
        print(f"bench_registry total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
