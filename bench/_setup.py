"""Benchmark bootstrap: a throwaway database (SQLite in a temp dir unless BENCH_DATABASE_URL is set)."""

import datetime as dt
import hashlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup() -> None:
    tmp = tempfile.mkdtemp(prefix="fanxiang-bench-")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["FANXIANG_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanxiang.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return p50, p95


def token_client(username: str):
    """A test client and the bearer-token header of a demo user, as an API client would send it."""
    from django.test import Client

    client = Client()
    response = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": "Demo@2020fx"},
        content_type="application/json",
    )
    return client, {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def bench_entrepreneur(
    i: int,
    region,
    *,
    key: str,
    name: str = "申请人",
    initials: str = "sqr",
    counted_on: dt.date = dt.date(2020, 6, 1),
):
    """The ``i``-th unsaved applicant of a benchmark (``key`` makes the ID-number hash unique to it)."""
    from fanxiang.entrepreneurs.models import Entrepreneur

    return Entrepreneur(
        name=f"{name}{i}",
        name_initials=initials,
        id_number_enc="-",
        id_number_hash=hashlib.sha256(f"{key}-{i}".encode()).hexdigest(),
        id_number_masked="4116**********0000",
        sex="M" if i % 3 else "F",
        birth_date=dt.date(1970 + i % 30, 1 + i % 12, 1 + i % 28),
        birthplace_code="411625",
        region=region,
        category="returning_migrant_worker",
        counted_on=counted_on,
    )


def pg_url() -> str | None:
    """The PostgreSQL URL a benchmark runs against (BENCH_DATABASE_URL in the child, else DATABASE_URL)."""
    for key in ("BENCH_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(key, "")
        if url.startswith(("postgres://", "postgresql://")):
            return url
    return None


def run_in_scratch_pg(script: str, prefix: str, env: dict | None = None, banner: str = "") -> int | None:
    """Run ``script --child`` with BENCH_DATABASE_URL on a scratch database ``<prefix>_<pid>`` created next to
    DATABASE_URL's and dropped afterwards; its exit status, or None (reason printed) when DATABASE_URL is not
    PostgreSQL or the server cannot be reached."""
    import subprocess
    from urllib.parse import urlsplit, urlunsplit

    url = pg_url()
    if url is None:
        print("PostgreSQL skipped: DATABASE_URL does not point at PostgreSQL", flush=True)
        return None
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    try:
        admin = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL skipped: cannot connect ({exc})", flush=True)
        return None
    if banner:
        print(banner, flush=True)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            child_env = {**(os.environ if env is None else env)}
            child_env["BENCH_DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
            return subprocess.run([sys.executable, script, "--child"], env=child_env).returncode
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
