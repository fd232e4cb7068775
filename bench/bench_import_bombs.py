"""Bomb workbooks against the shared bounded reader (``fanxiang.core.imports``).

Prints, for each bomb (a far cell at XFD1048576, one at ZZ100000, a lying ``<dimension>``, one
64 MiB cell, a huge shared-strings entry) the file size, the answer (refusal code), the wall time
and the peak traced memory (``tracemalloc``) of reading it through the registry import's
``read_table`` — beside a normal 1,000-row workbook read in the same run as the baseline.

Environment: BENCH_BOMB_NORMAL_ROWS (default 1000).
"""

import io
import os
import time
import tracemalloc

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanxiang.settings")
django.setup()

from openpyxl import Workbook  # noqa: E402

from fanxiang.core.errors import InvalidInput  # noqa: E402
from fanxiang.core.tests.test_imports_bounded import BOMBS  # noqa: E402
from fanxiang.entrepreneurs import imports  # noqa: E402

NORMAL_ROWS = int(os.environ.get("BENCH_BOMB_NORMAL_ROWS", "1000"))


def normal() -> bytes:
    wb = Workbook()
    wb.active.append(list(imports.HEADERS))
    for i in range(NORMAL_ROWS):
        wb.active.append([f"人{i}"] + ["x"] * (len(imports.HEADERS) - 1))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(label: str, content: bytes) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        table = imports.read_table(content, "x.xlsx")
        answer = f"read {table.total_rows:,} rows"
    except InvalidInput as exc:
        answer = exc.code
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"{label:<22} {len(content):>9,} B  {answer:<26} {elapsed * 1000:8.1f} ms  peak {peak / 1e6:7.1f} MB"
    )


def main() -> None:
    run(f"normal {NORMAL_ROWS:,} rows", normal())
    for name, (make, _code) in BOMBS.items():
        run(name, make())


if __name__ == "__main__":
    main()
