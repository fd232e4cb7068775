"""The API fuzz run's server (scripts/api_fuzz.sh): the project's WSGI application on Django's own
development-server classes, as ``manage.py runserver`` serves it, but in several processes.

``runserver`` is one process: the interpreter lock holds it to one core while the fuzzer waits on it.
Here the application is loaded once, then PROCESSES workers are forked that share one listening socket
and answer one request at a time each (``Connection: close``, as Django's unthreaded server sends), so the
next request goes to whichever worker is free. Each request opens its own database connection, as under
``runserver`` (SQLite: CONN_MAX_AGE 0).

Usage: python scripts/fuzz_server.py HOST PORT [PROCESSES]   (PROCESSES default 3)
SIGTERM or SIGINT stops the workers and the parent; if a worker dies, the others are stopped and the parent
exits with status 1. Request lines and errors (tracebacks) go to stderr, as with runserver.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from django.contrib.auth.hashers import PBKDF2PasswordHasher

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanxiang.settings")


class FuzzPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 as in production, with 1,000 iterations instead of 1,000,000 for the passwords this server
    hashes: the fuzzer's logins with made-up names (Django hashes even for an unknown user), new users'
    and changed passwords, each about 0.4 s of a core with the real count, which the fuzz checks
    (status, content type, schema) don't look at. Same algorithm name: the demo users' stored hashes
    (real count, scripts/fuzz_setup.py) still verify, at their own iteration count."""

    iterations = 1000


def _cheap_password_hashing() -> None:
    from django.conf import settings
    from django.contrib.auth import hashers

    settings.PASSWORD_HASHERS = [f"{__name__}.FuzzPasswordHasher"]
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()


def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    processes = int(sys.argv[3]) if len(sys.argv) > 3 else 3

    import django

    django.setup()
    _cheap_password_hashing()
    from django.core.management import call_command
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer, get_internal_wsgi_application
    from django.db import connections

    call_command("check")  # the system checks runserver runs before it serves
    httpd = WSGIServer((host, port), WSGIRequestHandler)
    httpd.set_app(get_internal_wsgi_application())
    # One request before the fork: the URL resolvers, the API's routers and the pydantic schemas are built
    # here once and shared by the workers, instead of in each worker on its first request (the OpenAPI
    # document's first rendering costs almost twice the later ones).
    from django.test import Client

    warm_up = Client().get("/api/v1/openapi.json")
    if warm_up.status_code != 200:
        print(f"fuzz server: /api/v1/openapi.json answered {warm_up.status_code}", file=sys.stderr)
        return 1
    connections.close_all()  # no connection may be shared across the fork
    sys.stderr.flush()

    children: list[int] = []

    def stop(signum=None, frame=None, status: int = 0) -> None:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        os._exit(status)

    for _ in range(processes):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                httpd.serve_forever()
            finally:
                os._exit(1)
        children.append(pid)
    httpd.socket.close()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pid, _ = os.wait()  # a worker only returns by dying
    children.remove(pid)
    print(f"fuzz server: worker {pid} exited", file=sys.stderr)
    stop(status=1)
    return 1


if __name__ == "__main__":
    sys.exit(main())
