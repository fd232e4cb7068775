"""Run every benchmark in bench/ in its own process and print its figures.

``bench_eligibility.py`` measures on SQLite and, when DATABASE_URL (or BENCH_DATABASE_URL) points at
PostgreSQL, on PostgreSQL too (in a throwaway database it creates and drops); ``bench_onestop.py`` (200,000 service requests)
runs on PostgreSQL only, in its own throwaway database, and says "skipped" without one; so does
``bench_training_checkin.py`` (300 concurrent check-ins); ``bench_training_import.py`` (the 10,000-row
enrolment import) measures on SQLite and, like the eligibility bench, on PostgreSQL when it is given."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in sorted(HERE.glob("bench_*.py")):
    print(f"== {script.name}", flush=True)
    subprocess.run([sys.executable, str(script)], cwd=HERE, check=True)
