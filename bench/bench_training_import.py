"""The training enrolment import (报名学员批量导入, issue 14) at its limit of 10,000 rows, on SQLite and — when
``DATABASE_URL`` (or ``BENCH_DATABASE_URL``) points at PostgreSQL — on PostgreSQL too.

Per database, in one run:

* the registry import of ``bench_import.py`` (``fanxiang.entrepreneurs.imports``, set-wise) of 10,000
  people of Zhoukou — timed as the baseline at the same size, and the registry people the enrolment file
  links to;
* the enrolment import (``fanxiang.training.imports.enrolment_import`` on ``core.imports``: every row
  through ``services.enrolment_create`` in its own savepoint) of a generated .xlsx (openpyxl, write-only):
  40% registry people (name and ID number as registered), 60% new trainees (valid ID numbers with their
  check character, names, mobiles: registered by the import), and 5 bad rows in every 1,000 — a wrong check
  character, a repeat of an earlier row's ID number, a 65-year-old, no name, a registry person under
  another name — each of which must come back in the report with its row and code, none dropped;
* the same import at 1,000 rows (other people, another class) — the per-row baseline: a per-row time
  that grows with the file means work per row that grows with the class;
* for both sizes the check (``mode="check"``: every row validated and written, then rolled back) and the
  partial commit (``mode="partial"``: the good rows written), as the clerk runs them.

The class capacity limit (``Parameters.class_capacity``, default 30) caps a class made through
``class_create``; the bench's classes are made directly as approved classes with the capacity set to the
file's size (10,000 and 1,000), so every good row finds a seat — the rule itself still runs on every row.

Prints wall time, rows/s, CPU time of this process, SQL queries per row (counted with
``connection.execute_wrapper``; the same figure at 1,000 and 10,000 rows means a fixed number of queries
per row; the most frequent statements are listed), the peak RSS (``resource.getrusage``) after each step,
and the peak traced memory (``tracemalloc``) of reading each upload through ``core.imports.read_table``.
DEBUG off, as in production. On PostgreSQL the script creates a scratch database next to the one in the URL
(``fanxiang_bench_trnimport_<pid>``) and drops it at the end.

Environment: BENCH_TRAINING_ROWS (default 10000, the import's limit), BENCH_TRAINING_BASELINE_ROWS
(default 1000), BENCH_DATABASES (default ``sqlite,postgresql``).

Run: ``.venv/bin/python bench/bench_training_import.py``
(with PostgreSQL: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python
bench/bench_training_import.py``).
"""

import collections
import datetime as dt
import os
import re
import resource
import subprocess
import sys
import time
import tracemalloc

from _setup import run_in_scratch_pg, setup
from bench_import import check_char, make_rows

ROWS = int(os.environ.get("BENCH_TRAINING_ROWS", "10000"))
BASELINE_ROWS = int(os.environ.get("BENCH_TRAINING_BASELINE_ROWS", "1000"))
KNOWN_SHARE = 0.4
BAD_PER_1000 = 5
START = dt.date(2020, 9, 21)
HEADERS = ["姓名", "身份证号码", "手机号", "村", "职务"]
BAD_CODES = {  # planted row kind -> what the report must say
    "check_char": ("id",),
    "duplicate": ("training.import_duplicate",),
    "age": ("training.age_out_of_range",),
    "no_name": ("training.name_required",),
    "other_name": ("training.identity_mismatch", "training.name_mismatch"),
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def xlsx(rows: list[list]) -> bytes:
    from fanxiang.core.tests.workbooks import xlsx_bytes

    return xlsx_bytes(HEADERS, rows, sheet="报名学员", write_only=True)


def bad_rows_in(n: int) -> int:
    return max(len(BAD_CODES), n * BAD_PER_1000 // 1000)


def known_used(n: int) -> int:
    """Registry people an ``n``-row file uses: the linked ones and those planted under another name."""
    return int((n - bad_rows_in(n)) * KNOWN_SHARE) + bad_rows_in(n)


def enrolment_rows(n: int, known: list[list], new: list[list]) -> tuple[list[list], dict[int, str]]:
    """``n`` rows: registry people, new trainees and the planted bad rows; the planted kinds by Excel row."""
    bad_count = bad_rows_in(n)
    good = n - bad_count
    n_known = int(good * KNOWN_SHARE)
    people = [([r[0], r[1], r[2], "", ""], None) for r in known[:n_known]]
    people += [([r[0], r[1], r[2], "", ""], None) for r in new[: good - n_known]]
    people.sort(key=lambda r: r[0][1][-4:])  # registry people and new trainees interleaved
    rows: list[tuple[list, str | None]] = list(people)
    kinds = list(BAD_CODES)
    spare = iter(new[good - n_known :])
    step = n // bad_count
    for k in range(bad_count):
        kind = kinds[k % len(kinds)]
        at = min(k * step + step // 2 + 1, len(rows))  # after at least one good row
        if kind == "check_char":
            body = next(spare)[1][:17]
            row = ["错号", body + "10X98765432".replace(check_char(body), "")[0], "", "", ""]
        elif kind == "duplicate":
            earlier = next(r for r, planted in reversed(rows[:at]) if planted is None)
            row = [earlier[0], earlier[1], "", "", ""]
        elif kind == "age":  # 65 on the first day of the class
            body = f"4116251955{k % 12 + 1:02d}01{k % 1000:03d}"
            row = ["年长", body + check_char(body), "", "", ""]
        elif kind == "no_name":
            row = ["", next(spare)[1], "", "", ""]
        else:  # a registry person's ID number under another name
            row = [f"别名{k}", known[n_known + k][1], "", "", ""]
        rows.insert(at, (row, kind))
    planted = {number: kind for number, (_row, kind) in enumerate(rows, start=2) if kind}
    return [row for row, _kind in rows], planted


class Counter:
    """SQL statements run through Django, by shape (literals, placeholders and savepoint names folded)."""

    def __init__(self) -> None:
        self.total = 0
        self.shapes: collections.Counter[str] = collections.Counter()

    def __call__(self, execute, sql, params, many, context):
        self.total += 1
        shape = re.sub(r"\s+", " ", re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+\b|%s|\?", "?", sql))
        self.shapes[shape[:110]] += 1
        return execute(sql, params, many, context)


def child() -> None:
    setup()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False  # as in production: no per-query log

    from fanxiang.accounts.models import Organization, OrganizationKind, User
    from fanxiang.core import imports as core
    from fanxiang.demo.services import load_demo_users, load_reference_data
    from fanxiang.entrepreneurs import imports as registry_imports
    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.regions.models import Region, RegionLevel
    from fanxiang.training import imports
    from fanxiang.training.models import Enrolment, Programme, Provider, TrainingClass

    if known_used(ROWS) + known_used(BASELINE_ROWS) > ROWS:
        sys.exit("BENCH_TRAINING_ROWS too small for its baseline: the two files need more registry people")
    load_reference_data()
    load_demo_users()
    admin, officer = User.objects.get(username="city_admin"), User.objects.get(username="officer_411625")
    county = Region.objects.get(code="411625")
    townships = list(
        Region.objects.filter(level=RegionLevel.TOWNSHIP, tree_path__contains="/411600/").values_list(
            "code", flat=True
        )
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"database: {connection.vendor}; enrolment rows: {ROWS:,} (baseline {BASELINE_ROWS:,}); "
        f"CPUs: {os.cpu_count()}; load average at start: {load}",
        flush=True,
    )

    # ---- baseline at the same size: the registry import (set-wise), which also registers the known people
    t = time.perf_counter()
    registry_rows = make_rows(ROWS, townships, seed=14)
    content = _registry_xlsx(registry_imports.HEADERS, registry_rows)
    registered = {r[1] for r in registry_rows}
    fresh = [r for r in make_rows(2 * ROWS, townships, seed=1414) if r[1] not in registered]
    print(f"generated the registry file and the trainees in {time.perf_counter() - t:.1f} s (untimed)")
    counter = Counter()
    cpu0, start = os.times(), time.perf_counter()
    with connection.execute_wrapper(counter):
        table = registry_imports.read_table(content, "registry.xlsx")
        report = registry_imports.run_import(
            actor=admin, table=table, dry_run=False, source_name="registry.xlsx"
        )
    reg_wall, reg_cpu = time.perf_counter() - start, _cpu(cpu0)
    assert not report.errors and report.created == ROWS, (report.errors[:3], report.created)
    print(
        f"{'registry import (baseline)':<30} {ROWS:>6,} rows {reg_wall:6.1f} s {ROWS / reg_wall:7,.0f} rows/s  "
        f"CPU {reg_cpu:5.1f} s  {counter.total / ROWS:5.2f} queries/row  peak RSS {peak_rss_mb():,.0f} MB",
        flush=True,
    )

    programme = Programme.objects.get(code="syb")
    org = Organization.objects.create(
        code="BENCH-TRN", name="培训学校", kind=OrganizationKind.OTHER, region=county
    )
    provider = Provider.objects.create(organization=org, valid_from=dt.date(2019, 1, 1))

    def klass(n: int) -> TrainingClass:
        return TrainingClass.objects.create(
            region=county,
            programme=programme,
            provider=provider,
            name=f"基准导入班{n}",
            start_date=START,
            end_date=START + dt.timedelta(days=9),
            capacity=n,  # set for the bench: the default limit of 30 would refuse all but 30 rows
            status="approved",
        )

    results = {}
    known_at, new_at = 0, 0
    for n in (BASELINE_ROWS, ROWS):
        rows, planted = enrolment_rows(n, registry_rows[known_at:], fresh[new_at:])
        known_at += known_used(n)
        new_at += n
        data = xlsx(rows)
        target = klass(n)
        tracemalloc.start()
        core.read_table(data, "学员.xlsx", imports.SPEC)
        read_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(
            f"-- {n:,} rows ({len(planted)} planted bad rows), .xlsx {len(data) / 1e6:.2f} MB; reading it through "
            f"core.imports.read_table: peak traced {read_peak:.1f} MB",
            flush=True,
        )
        people_before = Entrepreneur.objects.count()
        for mode in ("check", "partial"):
            counter = Counter()
            cpu0, start = os.times(), time.perf_counter()
            with connection.execute_wrapper(counter):
                report = imports.enrolment_import(
                    actor=officer, training_class=target, content=data, filename="学员.xlsx", mode=mode
                )
            wall, cpu = time.perf_counter() - start, _cpu(cpu0)
            _check_report(report, n, planted, mode)
            results[(n, mode)] = (wall, cpu, counter.total / n)
            print(
                f"{'enrolment ' + mode:<30} {n:>6,} rows {wall:6.1f} s {n / wall:7,.0f} rows/s  CPU {cpu:5.1f} s  "
                f"{counter.total / n:5.2f} queries/row  peak RSS {peak_rss_mb():,.0f} MB  "
                f"valid {report.valid_rows:,} bad {report.error_rows} created {report.created:,} "
                f"registered {report.registered:,}",
                flush=True,
            )
            if mode == "partial" and n == BASELINE_ROWS:
                print("   most frequent statements (per row):")
                for shape, count in counter.shapes.most_common(12):
                    print(f"   {count / n:5.2f}  {shape}")
        good = n - len(planted)
        written = Enrolment.objects.filter(training_class=target).count()
        new_people = Entrepreneur.objects.count() - people_before
        assert written == good and new_people == report.registered, (written, good, new_people)

    for mode in ("check", "partial"):
        (w1, c1, q1), (w2, c2, q2) = results[(BASELINE_ROWS, mode)], results[(ROWS, mode)]
        print(
            f"{mode:<8} per row, {ROWS:,} vs {BASELINE_ROWS:,} rows: wall ×{(w2 / ROWS) / (w1 / BASELINE_ROWS):.2f}, "
            f"CPU ×{(c2 / ROWS) / (c1 / BASELINE_ROWS):.2f}, queries {q2:.2f} vs {q1:.2f}; {ROWS:,}-row enrolment "
            f"vs the registry import at the same size: wall ×{w2 / reg_wall:.0f}, CPU ×{c2 / reg_cpu:.0f}"
        )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at end: {load} (other work on the machine slows the wall times; CPU times less so)")


def _registry_xlsx(headers: list[str], rows: list[list]) -> bytes:
    from fanxiang.core.tests.workbooks import xlsx_bytes

    return xlsx_bytes(headers, rows, sheet="人员信息", write_only=True)


def _cpu(before) -> float:
    after = os.times()
    return after.user - before.user + after.system - before.system


def _check_report(report, n: int, planted: dict[int, str], mode: str) -> None:
    """Every planted bad row reported with its code, no other row refused, nothing dropped."""
    by_row = {e["row"]: e["code"] for e in report.errors}
    wrong = {
        row: (kind, by_row.get(row))
        for row, kind in planted.items()
        if not str(by_row.get(row, "")).startswith(BAD_CODES[kind])
    }
    extra = sorted(set(by_row) - set(planted))[:5]
    assert not wrong and not extra, (
        f"planted rows misreported {list(wrong.items())[:5]}; others refused {extra}"
    )
    assert report.total_rows == n and report.valid_rows + report.error_rows == n, report
    assert report.committed == (mode == "partial"), report


def main() -> int:
    env = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}
    wanted = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    code = 0
    if "sqlite" in wanted:
        print("== SQLite", flush=True)
        code = subprocess.run([sys.executable, __file__, "--child"], env=env).returncode
    if "postgresql" not in wanted:
        return code
    pg = run_in_scratch_pg(__file__, "fanxiang_bench_trnimport", env=env, banner="== PostgreSQL")
    return code if pg is None else (pg or code)


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        sys.exit(main())
