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
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanxiang.settings")


ROOT = Path(__file__).resolve().parent.parent
SCHEMA_CACHE = ROOT / "var"


def _migrated_schema() -> None:
    """migrate + createcachetable. The migrated empty database is kept in var/ under a hash of the
    migration files (fanxiang.conftest.migrations_key): a later run with the same migrations starts from a
    copy of it, and migrate then only runs the checks and finds nothing to apply. A changed migration
    builds a new copy (the stale ones are removed); ``make clean`` removes them too."""
    import shutil

    from django.core.management import call_command
    from django.db import connection

    from fanxiang.conftest import migrations_key

    target = Path(connection.settings_dict["NAME"])
    cached = SCHEMA_CACHE / f"fuzz-schema-{migrations_key()}.sqlite3"
    fresh = connection.vendor == "sqlite" and not target.exists()
    if fresh and cached.exists():
        shutil.copyfile(cached, target)
    call_command("migrate", interactive=False, verbosity=0, skip_checks=False)
    call_command("createcachetable", verbosity=0)
    if fresh and not cached.exists():
        SCHEMA_CACHE.mkdir(exist_ok=True)
        for stale in SCHEMA_CACHE.glob("fuzz-schema-*.sqlite3"):
            stale.unlink(missing_ok=True)
        building = cached.with_suffix(f".{os.getpid()}.tmp")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(building)])
        building.replace(cached)


@contextmanager
def _password_hashed_once():
    """The demo users share one password: hashed once (with the real hasher, so the server's logins
    still verify it with PBKDF2) instead of once per user, about two thirds of load_demo's time. Same salt
    for every user: harmless in this throwaway database, not done by load_demo itself."""
    from django.contrib.auth import base_user, hashers

    real = hashers.make_password
    hashed: dict = {}

    def make_password(password, salt=None, hasher="default"):
        if salt is not None or not isinstance(password, str):
            return real(password, salt, hasher)
        key = (password, hasher if isinstance(hasher, str) else id(hasher))
        if key not in hashed:
            hashed[key] = real(password, salt, hasher)
        return hashed[key]

    hashers.make_password = base_user.make_password = make_password
    try:
        yield
    finally:
        hashers.make_password = base_user.make_password = real


def main() -> int:
    import django

    django.setup()
    from django.core.management import call_command

    _migrated_schema()
    with open(os.devnull, "w") as devnull, _password_hashed_once():
        call_command("load_demo", stdout=devnull)
    return 0


if __name__ == "__main__":
    sys.exit(main())
