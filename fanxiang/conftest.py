"""Shared test fixtures: reference data, demo users, API clients with a bearer token."""

from __future__ import annotations

import json
import os

import pytest
from django.conf import settings as dj_settings
from django.test import Client

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_PASSWORD = "Demo@2020fx"


def _load_fixture_data() -> None:
    """Reference data, then the demo organizations and users: once per test database."""
    from fanxiang.demo.services import load_demo_data, load_reference_data

    load_reference_data()
    load_demo_data()


def _fixture_data_present() -> bool:
    """One query: the last demo user exists only once reference and demo data are both loaded."""
    from fanxiang.accounts.models import User
    from fanxiang.demo.services import DEMO_USERS

    return User.objects.filter(username=DEMO_USERS[-1][0]).exists()


# The fixture data as first loaded in this test database (one per xdist worker), restored after each flush
# instead of running the loaders again (regions, policies, users with their audit rows: about 1.5 s a time,
# the flush itself a tenth of that). SQLite: the rows, in memory; PostgreSQL: copies of the tables in a
# schema of their own, outside the search path (introspection and flush see only the real tables).
_SNAPSHOT: dict = {}
_PG_SNAPSHOT_SCHEMA = "fanxiang_test_snapshot"


def _take_snapshot() -> None:
    from django.db import connection

    tables = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP SCHEMA IF EXISTS {_PG_SNAPSHOT_SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {_PG_SNAPSHOT_SCHEMA}")
            for table in tables:
                cursor.execute(f"CREATE TABLE {_PG_SNAPSHOT_SCHEMA}.{qn(table)} AS TABLE {qn(table)}")
            _SNAPSHOT.update(tables=tables, rows=None)
        else:
            rows = {}
            for table in tables:
                cursor.execute(f"SELECT * FROM {qn(table)}")  # noqa: S608 (table names from the models)
                rows[table] = ([c[0] for c in cursor.description], cursor.fetchall())
            _SNAPSHOT.update(tables=tables, rows=rows)


def _restore_snapshot() -> None:
    """Every table back to its snapshot, ids included: the rows the flush's post_migrate signal recreated
    (content types, permissions) are replaced by the originals, and the sequences are set past the ids
    (only needed after a sequence-resetting flush). In-process caches of that data are cleared."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from fanxiang.loans.applications.eligibility import clear_policy_cache

    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table in _SNAPSHOT["tables"]:
            cursor.execute(f"DELETE FROM {qn(table)}")  # noqa: S608
        if _SNAPSHOT["rows"] is None:
            for table in _SNAPSHOT["tables"]:
                cursor.execute(f"INSERT INTO {qn(table)} TABLE {_PG_SNAPSHOT_SCHEMA}.{qn(table)}")
        else:
            for table, (columns, rows) in _SNAPSHOT["rows"].items():
                if rows:
                    cols = ", ".join(qn(c) for c in columns)
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", rows)  # noqa: S608
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
            cursor.execute(sql)
    ContentType.objects.clear_cache()
    clear_policy_cache()


def _reload_fixture_data() -> None:
    if _SNAPSHOT:
        _restore_snapshot()
    else:
        _load_fixture_data()


def _is_transactional(item: pytest.Item) -> bool:
    if {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())):
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


# PostgreSQL: the migrations run once into a template database, shared by the xdist workers and by later
# runs; each worker's test database is a copy of it (CREATE DATABASE … TEMPLATE, about a second instead of
# a minute of migrations per worker). The template's name carries a hash of every installed app's
# migration files (and of the database cache tables createcachetable adds), so a changed, added or removed
# migration builds a new template and the stale ones are dropped. Building, dropping and copying happen
# under one PostgreSQL advisory lock: parallel runs (each with test databases named after its PID) and the
# workers of one run wait for each other instead of colliding. --create-db rebuilds the template;
# FANXIANG_TEST_DB_TEMPLATE=0 migrates every test database as before.
_PG_TEMPLATE_LOCK = 0x66786462  # pg_advisory_lock key, "fxdb"


def migrations_key() -> str:
    """A hash of every installed app's migration files and of the database cache tables: the schema a
    fresh migrated database has (also keys the fuzz run's cached schema, scripts/fuzz_setup.py)."""
    import hashlib
    import importlib.util
    from pathlib import Path

    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256()
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        module, _ = MigrationLoader.migrations_module(config.label)
        try:
            spec = importlib.util.find_spec(module) if module else None
        except ModuleNotFoundError:
            spec = None
        digest.update(f"\0app {config.label} {module}".encode())
        for folder in map(Path, (spec.submodule_search_locations or []) if spec else []):
            for path in sorted(folder.rglob("*.py")):
                digest.update(f"\0{path.relative_to(folder)}\0".encode() + path.read_bytes())
    caches = sorted(
        c.get("LOCATION", "") for c in dj_settings.CACHES.values() if "DatabaseCache" in c["BACKEND"]
    )
    digest.update(repr(caches).encode())
    return digest.hexdigest()[:16]


def _create_test_db_from_template(creation, original, rebuild: bool):
    """Replaces ``creation.create_test_db`` for one PostgreSQL alias (same signature and result)."""

    def create_test_db(verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        connection = creation.connection
        test_name = creation._get_test_db_name()
        prefix = f"test_{connection.settings_dict['NAME']}_template_"[:46]
        template = prefix + migrations_key()
        qn = connection.ops.quote_name
        with creation._nodb_cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_PG_TEMPLATE_LOCK])
            try:
                cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "%"])
                existing = {row[0] for row in cursor.fetchall()}
                for stale in sorted(d for d in existing if d != template or rebuild):
                    try:
                        cursor.execute(f"DROP DATABASE {qn(stale)}")
                    except Exception as exc:  # in use by a run of another checkout: kept
                        creation.log(f"Stale test template {stale} kept: {exc}")
                    else:
                        existing.discard(stale)
                if template not in existing:
                    building = f"{template}_b{os.getpid()}"
                    test_settings = connection.settings_dict["TEST"]
                    saved = test_settings.get("NAME")
                    test_settings["NAME"] = building
                    try:
                        original(verbosity, autoclobber=True, serialize=False, keepdb=False)
                    finally:
                        test_settings["NAME"] = saved
                    connection.close()
                    connection.close_pool()
                    cursor.execute(f"ALTER DATABASE {qn(building)} RENAME TO {qn(template)}")
                if verbosity >= 1:
                    creation.log(f"Creating test database {test_name} from template {template}...")
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [test_name])
                found = cursor.fetchone() is not None
                if found and not keepdb:
                    cursor.execute(f"DROP DATABASE {qn(test_name)}")
                    found = False
                if not found:
                    cursor.execute(f"CREATE DATABASE {qn(test_name)} TEMPLATE {qn(template)}")
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_PG_TEMPLATE_LOCK])
        connection.close()
        dj_settings.DATABASES[connection.alias]["NAME"] = test_name
        connection.settings_dict["NAME"] = test_name
        if serialize:
            connection._test_serialized_contents = creation.serialize_db_to_string()
        connection.ensure_connection()
        return test_name

    return create_test_db


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, django_db_use_migrations, django_db_createdb
):
    """On PostgreSQL the test connections commit without waiting for the WAL flush
    (``synchronous_commit=off``, a per-session setting: the server's configuration is untouched). Only
    durability after a server crash differs, which no test database needs; the schema building, the
    flushes of the transactional tests and their data reloads are commits. With migrations (not
    --nomigrations), the test database is a copy of the migrated template (above)."""
    from django.db import connections

    db = dj_settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        options = db.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()
        creation = connections["default"].creation
        migrate = django_db_use_migrations and db.get("TEST", {}).get("MIGRATE", True) is not False
        if migrate and os.environ.get("FANXIANG_TEST_DB_TEMPLATE", "1") != "0":
            creation.create_test_db = _create_test_db_from_template(
                creation, creation.create_test_db, rebuild=django_db_createdb
            )


class _InFlight:
    """The live server's application, counting the requests it is answering: a browser test's page may
    leave requests behind it (an HTMX poll, a navigation cut short) that the server still answers after the
    test's last line, on the test database's one in-memory SQLite connection. The teardown waits for them
    before it flushes and restores the tables, so no late request reads or writes between the two."""

    def __init__(self, app) -> None:
        import threading

        self.app = app
        self.active = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.active += 1
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _Closing(result, self._done)

    def _done(self) -> None:
        with self.changed:
            self.active -= 1
            self.changed.notify_all()

    def wait_idle(self, timeout: float = 15.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.active == 0, timeout)


class _Closing:
    """A response iterable that reports once when the server has closed it (sent or cut off)."""

    def __init__(self, result, done) -> None:
        self.result, self.done = result, done

    def __iter__(self):
        return iter(self.result)

    def close(self) -> None:
        try:
            if hasattr(self.result, "close"):
                self.result.close()
        finally:
            done, self.done = self.done, None
            if done is not None:
                done()


_LIVE: list[_InFlight] = []


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started only once the test database exists: started before (a browser
    test being a worker's first database test), it would not share the in-memory SQLite connection, and
    each of its request threads would open one of its own. Its requests are counted (``_InFlight``)."""
    httpd = live_server.thread.httpd
    tracker = _InFlight(httpd.get_app())
    httpd.set_app(tracker)
    _LIVE.append(tracker)
    return live_server


@pytest.fixture(scope="session", autouse=True)
def _static_files_found_on_request():
    """WhiteNoise otherwise walks every static file (the admin's included) each time a middleware chain
    is built, that is for every new test ``Client``: about a tenth of the suite's time. Found on request
    instead, the same files are served with the same headers; no test fetches a static file."""
    dj_settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Each test database (one per xdist worker) gets reference and demo data once; every
    non-transactional test runs in a transaction rolled back at its end, which restores them."""
    dj_settings.PASSWORD_HASHERS = FAST_HASHERS
    with django_db_blocker.unblock():
        _load_fixture_data()
        _take_snapshot()


def pytest_collection_modifyitems(config, items):
    """Files with browser tests first, then the others by their number of tests, largest first; the
    tests of a file stay together and in their order. With ``--dist loadfile --no-loadscope-reorder``
    (make pytest) the xdist workers take the files in this order: the long browser files (tens of
    seconds each, a handful of tests) start at once instead of last, where xdist's own order by test
    count put them, and one of them no longer runs alone on one worker at the end while the other idles."""
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)

    def cost(entry: tuple[int, list[pytest.Item]]) -> tuple[bool, int, int]:
        position, tests = entry
        return (not any(t.get_closest_marker("browser") for t in tests), -len(tests), position)

    items[:] = [t for _, tests in sorted(enumerate(files.values()), key=cost) for t in tests]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test flushes the database in its teardown: reload the data right after,
    committed, so the tests that follow find it (a reload inside their rolled-back transaction
    would be repeated by every one of them). The cache (lockout and throttle counters, counts
    keyed by user) is not flushed with the tables, so it is cleared too."""
    if _LIVE and "live_server" in getattr(item, "fixturenames", ()):
        _LIVE[0].wait_idle()
    result = yield
    if nextitem is not None and _is_transactional(item):
        from django.core.cache import cache
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            cache.clear()
            if not _fixture_data_present():
                _reload_fixture_data()
    return result


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Safety net: reference and demo data are there before any database test (one query)."""
    dj_settings.PASSWORD_HASHERS = FAST_HASHERS
    if not (
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    ) and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue(
        "transactional_db"
        if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
        else "db"
    )
    if not _fixture_data_present():
        _load_fixture_data()


@pytest.fixture
def demo(db):
    """The demo organizations and users of `make run` (password Demo@2020fx), by username.

    They are loaded once per test database (``django_db_setup``); the test's rollback undoes
    whatever it changes on them (password, lockout, deactivation)."""
    from fanxiang.accounts.models import User

    return {u.username: u for u in User.objects.all()}


class ApiClient:
    """A Django test client that speaks JSON and carries a bearer token."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.token = token

    def _headers(self, extra: dict | None = None) -> dict:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, params: dict | None = None, **extra):
        return self.client.get(path, params or {}, **self._headers(extra))

    def post(self, path: str, data: dict | None = None, **extra):
        return self.client.post(
            path, json.dumps(data or {}), content_type="application/json", **self._headers(extra)
        )

    def patch(self, path: str, data: dict | None = None, **extra):
        return self.client.patch(
            path, json.dumps(data or {}), content_type="application/json", **self._headers(extra)
        )

    def delete(self, path: str, **extra):
        return self.client.delete(path, **self._headers(extra))


def api_login(username: str, password: str = DEMO_PASSWORD) -> ApiClient:
    response = ApiClient().post("/api/v1/auth/token", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return ApiClient(response.json()["token"])


@pytest.fixture
def api(demo):
    """``api("officer_411625")`` → an ApiClient logged in as that demo user."""
    cache: dict[str, ApiClient] = {}

    def _get(username: str) -> ApiClient:
        if username not in cache:
            cache[username] = api_login(username)
        return cache[username]

    return _get


@pytest.fixture
def web(demo):
    """``web("city_admin")`` → a Django test client with a logged-in session."""

    def _get(username: str) -> Client:
        client = Client()
        client.force_login(demo[username])
        return client

    return _get


@pytest.fixture
def sms(settings):
    """Text messages go to a local outbox (``LocmemBackend.outbox``), emptied before and after the test."""
    from fanxiang.notifications.sms import LocmemBackend

    settings.FANXIANG_SMS_BACKEND = "fanxiang.notifications.sms.LocmemBackend"
    LocmemBackend.reset()
    yield LocmemBackend.outbox
    LocmemBackend.reset()
