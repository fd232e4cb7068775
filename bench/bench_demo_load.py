"""The demo year of ``make demo`` / ``make run``, loaded the way the Makefile loads it, with the seconds of
each demo loader and a content hash of everything it wrote.

Steps (one process, a throwaway SQLite database unless BENCH_DATABASE_URL is set): ``migrate``, then
``load_demo`` (reference data, demo users; the registry is still empty, so the loans, one-stop and training
demos do nothing), ``generate_demo --entrepreneurs 2000 --seed 2020`` (the registry generator), and
``load_demo`` again (now every demo loader runs). Prints, per registered demo loader, the wall-clock and CPU
seconds of the second pass (and of the first where it is not nil), the generator's, the total of the three
commands, and the load average before and after.

The content hash covers every model table, rows in primary-key order with every column (ids included: the
same calls in the same order make the same ids), except what is not the demo's content: values of "now"
(datetimes inside the run's own time window, e.g. ``created_at`` of a row the demo does not date), password
hashes and the session table; random bytes come from a seeded generator and the hash seed is fixed (the
process re-runs itself with ``PYTHONHASHSEED=0``); JSON values are compared with sorted keys, "now" inside
them (the change log's ``updated_at``) as "NOW". Two runs on the same day give the same hash; a change that
alters what the demo writes (or the order it writes it in) changes it. ``--hashes FILE`` writes the per-table
hashes (JSON) so two runs can be compared table by table (``--compare FILE``).

Run: ``.venv/bin/python bench/bench_demo_load.py [--entrepreneurs 2000] [--hashes out.json] [--compare base.json]``
(``--profile out.prof`` profiles the second ``load_demo``).
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import sys
import time


def _deterministic_urandom(seed: int = 2020) -> None:
    """Random bytes from a seeded generator in this process (the encryption nonces of personal data, the
    QR and certificate tokens, file names, password salts): the same calls in the same order write the same
    bytes, so two runs can be compared row by row. A benchmark process only."""
    import random

    rng = random.Random(seed)
    os.urandom = rng.randbytes
    random._urandom = rng.randbytes


def setup() -> None:
    """A throwaway database (as ``_setup.setup``, but with the project's own password hasher: the demo
    users' passwords are hashed as ``make run`` hashes them)."""
    import tempfile

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tmp = tempfile.mkdtemp(prefix="fanxiang-bench-demo-")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["FANXIANG_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanxiang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _timed_loaders(record: dict) -> None:
    """Wrap each registered demo loader so its seconds are recorded (pass, name) → (wall, cpu)."""
    from fanxiang.core import registry

    original = registry.Loader.run

    def run(self):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return original(self)
        finally:
            key = self.name
            passes = record.setdefault(key, [])
            passes.append((time.perf_counter() - wall, time.process_time() - cpu))

    registry.Loader.run = run


def _normalise(value, window: tuple[dt.datetime, dt.datetime]):
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        if window[0] <= aware <= window[1]:
            return "NOW"
        return aware.astimezone(dt.UTC).isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):  # JSON columns: key order is not content
        return json.dumps(_json_now(value, window), sort_keys=True, default=str, ensure_ascii=False)
    if isinstance(value, memoryview):
        return bytes(value).hex()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


DATETIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00|Z)?$")


def _json_now(value, window: tuple[dt.datetime, dt.datetime]):
    """Datetimes written as text inside JSON (the change log's ``updated_at`` of a row) that fall inside the
    run's window read "NOW"."""
    if isinstance(value, dict):
        return {k: _json_now(v, window) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_now(v, window) for v in value]
    if isinstance(value, str) and DATETIME_TEXT.match(value):
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        if window[0] <= aware <= window[1]:
            return "NOW"
    return value


SKIP_TABLES = {"django_session"}
SKIP_COLUMNS = {("accounts_user", "password"), ("accounts_user", "last_login")}


def content_hashes(window: tuple[dt.datetime, dt.datetime]) -> dict[str, str]:
    from django.apps import apps

    out = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in SKIP_TABLES or model._meta.proxy or not model._meta.managed:
            continue
        columns = [f.attname for f in model._meta.concrete_fields if (table, f.column) not in SKIP_COLUMNS]
        digest = hashlib.sha256()
        by_column = [hashlib.sha256() for _ in columns]
        rows = 0
        for row in model._base_manager.order_by("pk").values_list(*columns).iterator(chunk_size=5000):
            values = [_normalise(v, window) for v in row]
            digest.update(repr(values).encode())
            for d, v in zip(by_column, values, strict=True):
                d.update(repr(v).encode())
            rows += 1
        out[table] = f"{rows}:{digest.hexdigest()[:16]}"
        for column, d in zip(columns, by_column, strict=True):
            out[f"{table}.{column}"] = d.hexdigest()[:16]
    return out


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":  # set iteration order (JSON key order in the change log)
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    parser = argparse.ArgumentParser()
    parser.add_argument("--entrepreneurs", type=int, default=2000)
    parser.add_argument("--hashes", help="write the per-table hashes here (JSON)")
    parser.add_argument("--compare", help="per-table hashes of an earlier run (JSON) to compare against")
    parser.add_argument("--profile", help="cProfile the second load_demo into this file")
    args = parser.parse_args()

    _deterministic_urandom()
    print(f"load average before: {_loadavg()}", flush=True)
    started = time.perf_counter()
    setup()
    print(f"migrate: {time.perf_counter() - started:.1f} s", flush=True)
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    record: dict = {}
    _timed_loaders(record)
    window_start = timezone.now()
    steps = []

    def step(label, *command, profile=None):
        wall, cpu = time.perf_counter(), time.process_time()
        if profile:
            import cProfile

            prof = cProfile.Profile()
            prof.runcall(call_command, *command, stdout=StringIO())
            prof.dump_stats(profile)
        else:
            call_command(*command, stdout=StringIO())
        steps.append((label, time.perf_counter() - wall, time.process_time() - cpu))

    step("load_demo (1st)", "load_demo")
    first = {name: passes[-1] for name, passes in record.items()}
    record.clear()
    step(
        "generate_demo",
        "generate_demo",
        "--entrepreneurs",
        str(args.entrepreneurs),
        "--seed",
        "2020",
        "--if-empty",
    )
    step("load_demo (2nd)", "load_demo", profile=args.profile)
    window = (window_start, timezone.now())

    print(f"{'demo loader (2nd load_demo)':<28} {'wall s':>8} {'cpu s':>8}   (1st pass wall)")
    for name, passes in record.items():
        wall, cpu = passes[-1]
        before = first.get(name, (0.0, 0.0))[0]
        print(f"  {name:<26} {wall:8.2f} {cpu:8.2f}   ({before:.2f})")
    total = 0.0
    for label, wall, cpu in steps:
        total += wall
        print(f"{label:<28} {wall:8.2f} {cpu:8.2f}")
    print(f"{'total (3 commands)':<28} {total:8.2f}")
    print(f"load average after: {_loadavg()}", flush=True)

    hashes = content_hashes(window)
    tables = {k: v for k, v in hashes.items() if "." not in k}
    overall = hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()[:16]
    rows = sum(int(v.split(":")[0]) for v in tables.values())
    print(f"content hash: {overall} ({len(tables)} tables, {rows:,} rows)")
    if args.hashes:
        with open(args.hashes, "w") as fh:
            json.dump(hashes, fh, indent=1, sort_keys=True)
    if args.compare:
        with open(args.compare) as fh:
            base = json.load(fh)
        differ = sorted(t for t in set(base) | set(hashes) if base.get(t) != hashes.get(t))
        print(
            f"compared with {args.compare}: {'identical' if not differ else f'{len(differ)} tables or columns differ'}"
        )
        for table in differ:
            print(f"  {table}: {base.get(table)} → {hashes.get(table)}")
        if differ:
            sys.exit(1)


if __name__ == "__main__":
    main()
