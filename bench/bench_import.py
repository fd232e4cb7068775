"""Excel import of 100,000 returnee entrepreneurs (target: ≤ 30 s on the 2-core reference machine).

Generates a valid .xlsx of realistic rows (valid ID numbers with Zhoukou birthplace codes, ages 18–60,
townships of Zhoukou, mobiles, categories, dates, priority groups), then times through our importer
(``fanxiang.entrepreneurs.imports``, on the framework ``fanxiang.core.imports``) as the city admin:

* reading the file (python-calamine),
* the dry run (read + validate every row + look up existing ID numbers; writes nothing),
* the commit (read + validate + bulk write with rollups, duplicate flags, change log — one transaction),
* the same file again (every row unchanged: created 0).

Baseline: the same rows through the per-row service ``services.entrepreneur_create`` (what a naive
import would do), timed on BENCH_BASELINE_ROWS rows and extrapolated to the full file.

Peak memory: the process's peak RSS (``resource.getrusage``) over reading + dry run + commit (it also
counts the generated rows and file the benchmark keeps in memory).

Wall time depends on what else the machine runs: each line also prints the process CPU time, and the
load average is printed at start and end. DEBUG is off, as in production.

Environment: BENCH_IMPORT_ROWS (default 100000), BENCH_BASELINE_ROWS (default 2000),
BENCH_DATABASE_URL (default: SQLite in a temp dir).
"""

import datetime as dt
import os
import random
import resource
import time

from _setup import setup

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
BASELINE_ROWS = int(os.environ.get("BENCH_BASELINE_ROWS", "2000"))
TARGET_SECONDS = 30.0

SURNAMES = "王李张刘陈杨赵郭黄周吴孙徐马朱胡高何郑宋韩冯曹程许董袁付于田任杜魏吕丁贾崔苏常孟谢梁罗"
GIVEN = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁浩凯建国峰亮旭东文志红海林永春学新俊庆龙松芳娜敏静丽艳娟霞燕玲秀英慧梅"
# Zhoukou county codes current and historic (ID numbers keep the code of first issue)
BIRTHPLACES = ["411602", "411621", "411622", "411623", "411624", "411625", "411626", "411627", "411628", "411681",
               "412701", "412721", "412722", "412723", "412724", "412725", "412726", "412727", "412728"]  # fmt: skip
CATEGORIES = ["返乡农民工"] * 17 + ["高校毕业生", "退役军人", "其他"]
EDUCATION = ["初中", "初中", "高中/中专/技校", "高中/中专/技校", "大专", "本科", "小学及以下"]
PROVINCES = [("广东省", "深圳市"), ("浙江省", "杭州市"), ("江苏省", "苏州市"), ("上海市", "上海市"),
             ("北京市", "北京市"), ("湖北省", "武汉市"), ("福建省", "泉州市")]  # fmt: skip


def check_char(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights, strict=True)) % 11]


def make_rows(n: int, townships: list[str], seed: int = 2020) -> list[list]:
    rng = random.Random(seed)
    used: set[str] = set()
    rows = []
    while len(rows) < n:
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(365 * 42))
        area = rng.choice(BIRTHPLACES)
        if area.startswith("4127") and birth.year > 1999:
            area = "411625"
        body = f"{area}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        if body in used:
            continue
        used.add(body)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        region = rng.choice(townships)
        returned = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(365 * 5 + 300))
        started = min(returned + dt.timedelta(days=rng.randrange(20, 300)), dt.date(2020, 12, 31))
        province, city = rng.choice(PROVINCES) if rng.random() < 0.85 else ("", "")
        groups = "贫困家庭/建档立卡" if rng.random() < 0.08 else ""
        rows.append(
            [
                name,
                body + check_char(body),
                f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if rng.random() < 0.95 else "",
                region,
                region if rng.random() < 0.7 else "",
                rng.choice(CATEGORIES),
                returned,
                started,
                province,
                city,
                rng.randrange(12, 240) if province else None,
                rng.choice(EDUCATION),
                rng.choice(("", "", "电工", "厨师、驾驶", "电子商务")),
                groups,
                "",
            ]
        )
    return rows


def write_xlsx(headers: list[str], rows: list[list]) -> bytes:
    from fanxiang.core.tests.workbooks import xlsx_bytes

    return xlsx_bytes(headers, rows, sheet="人员信息", write_only=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    setup()
    from django.conf import settings
    from django.db import connection, transaction

    settings.DEBUG = False  # as in production: no per-query log

    from fanxiang.accounts.models import User
    from fanxiang.demo.services import load_demo_data, load_reference_data
    from fanxiang.entrepreneurs import imports, services
    from fanxiang.entrepreneurs.models import DuplicateCandidate, Entrepreneur
    from fanxiang.regions.models import Region, RegionLevel, RegionMonthStat

    load_reference_data()
    load_demo_data()
    admin = User.objects.get(username="city_admin")
    townships = list(
        Region.objects.filter(level=RegionLevel.TOWNSHIP, tree_path__contains="/411600/").values_list(
            "code", flat=True
        )
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"database: {connection.vendor}; rows: {ROWS:,}; townships: {len(townships)}; "
        f"CPUs: {os.cpu_count()}; load average at start: {load}",
        flush=True,
    )

    t = time.perf_counter()
    rows = make_rows(ROWS + BASELINE_ROWS, townships)
    content = write_xlsx(imports.HEADERS, rows[:ROWS])
    print(
        f"generated {ROWS:,}-row .xlsx ({len(content) / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s (untimed)"
    )
    rss_before = peak_rss_mb()

    def timed(label: str, dry_run: bool):
        cpu0, start = os.times(), time.perf_counter()
        table = imports.read_table(content, "bench.xlsx")
        read = time.perf_counter() - start
        report = imports.run_import(actor=admin, table=table, dry_run=dry_run, source_name="bench.xlsx")
        total, cpu1 = time.perf_counter() - start, os.times()
        cpu = cpu1.user - cpu0.user + cpu1.system - cpu0.system
        assert not report.errors, report.errors[:5]
        print(
            f"{label:<28} {total:6.1f} s  {ROWS / total:8,.0f} rows/s  (read {read:.1f} s; CPU {cpu:.1f} s)  "
            f"created {report.created:,}  updated {report.updated:,}  unchanged {report.unchanged:,}",
            flush=True,
        )
        return total, report

    read_start = time.perf_counter()
    imports.read_table(content, "bench.xlsx")
    print(f"{'read only (calamine)':<28} {time.perf_counter() - read_start:6.1f} s")
    dry, _ = timed("dry run (validate, no write)", dry_run=True)
    commit, _report = timed("commit (all-or-nothing)", dry_run=False)
    assert Entrepreneur.objects.count() == ROWS
    print(
        f"  written: {Entrepreneur.objects.count():,} people, "
        f"{RegionMonthStat.objects.count():,} rollup cells, {DuplicateCandidate.objects.count():,} duplicate flags"
    )
    _again, report2 = timed("same file again", dry_run=False)
    assert report2.created == 0 and report2.unchanged == ROWS
    print(f"peak RSS: {peak_rss_mb():,.0f} MB (process; {rss_before:,.0f} MB before the first import)")

    # Baseline: the per-row service on rows the registry does not hold yet, rolled back afterwards.
    keys = ["name", "id_number", "mobile", "region", "hukou_region", "category", "return_date", "started_on",
            "worked_province", "worked_city", "worked_months", "education", "skills", "priority_groups", "notes"]  # fmt: skip
    labels = {"返乡农民工": "returning_migrant_worker", "高校毕业生": "college_graduate", "退役军人": "veteran",
              "其他": "other"}  # fmt: skip
    edu = {
        "小学及以下": "primary",
        "初中": "junior",
        "高中/中专/技校": "senior",
        "大专": "college",
        "本科": "bachelor",
    }
    sample = []
    for row in rows[ROWS:]:
        data = dict(zip(keys, row, strict=True))
        data["category"] = labels[data["category"]]
        data["education"] = edu[data["education"]]
        data["priority_groups"] = ["poor_household"] if data["priority_groups"] else []
        for k in ("return_date", "started_on"):
            data[k] = data[k].isoformat()
        sample.append(data)
    start = time.perf_counter()
    with transaction.atomic():
        for data in sample:
            services.entrepreneur_create(actor=admin, data=data)
        transaction.set_rollback(True)
    base = time.perf_counter() - start
    base_rate = len(sample) / base
    print(
        f"{'baseline: per-row service':<28} {base:6.1f} s for {len(sample):,} rows  {base_rate:8,.0f} rows/s  "
        f"→ {ROWS:,} rows ≈ {ROWS / base_rate:,.0f} s (extrapolated from {len(sample):,} rows)"
    )
    print(f"ratio commit vs per-row service: {ROWS / commit / base_rate:.1f}× faster")
    verdict = "met" if commit <= TARGET_SECONDS else "MISSED"
    print(
        f"target {ROWS:,} rows ≤ {TARGET_SECONDS:.0f} s: commit {commit:.1f} s, dry run {dry:.1f} s → {verdict}"
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at end: {load} (other work on the machine slows the wall times; CPU times do not)")


if __name__ == "__main__":
    main()
