"""The API fuzz run's database (scripts/api_fuzz.sh): migrations on the fresh database, the cache table and
the demo data, in one process instead of three ``manage.py`` calls (about a second of interpreter and
Django start-up each, and the system checks each time).

migrate runs the system checks (with the database ones) as ``manage.py migrate`` does; the two commands
after it skip them (``call_command``'s default; the fuzz server runs them again before it serves).

Usage: python scripts/fuzz_setup.py   (DATABASE_URL and FANXIANG_VAR_DIR from the environment)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanxiang.settings")


def main() -> int:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0, skip_checks=False)
    call_command("createcachetable")
    with open(os.devnull, "w") as devnull:
        call_command("load_demo", stdout=devnull)
    return 0


if __name__ == "__main__":
    sys.exit(main())
