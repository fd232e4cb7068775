"""Training check-in throughput on PostgreSQL (issue 14): ten classes of 30 trainees check in to their session
within one 30 s code window, 300 check-ins from 30 concurrent threads (one connection each), through the
service the API calls (``fanxiang.training.attendance.attendance_checkin``: enrolment, window, code, the
attendance row, its two audit rows, the hours recomputed). Every check-in must succeed; a second round of
the same 300 must all be refused ``training.already_checked_in``.

Prints p50/p95 latency of a check-in, wall time and check-ins per second, against a floor measured in the
same run with the same threads (one ``SELECT 1`` round trip per call). The threads open their connections
before anything is timed.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_training_checkin.py``
(creates a scratch database ``fanxiang_bench_checkin_<pid>`` next to that one and drops it afterwards).
"""

import datetime as dt
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from _setup import bench_entrepreneur, percentiles, run_in_scratch_pg, setup

CLASSES = 10
PER_CLASS = 30
THREADS = 30


def _world():
    from django.utils import timezone

    from fanxiang.accounts.models import Organization, OrganizationKind, User
    from fanxiang.demo.services import load_reference_data
    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.regions.models import Region
    from fanxiang.training.models import ClassSession, Enrolment, Programme, Provider, TrainingClass

    load_reference_data()
    county = Region.objects.get(code="411625")
    township = Region.objects.filter(parent=county).order_by("code").first()
    people = Entrepreneur.objects.bulk_create(
        [bench_entrepreneur(i, township, key="checkin") for i in range(CLASSES * PER_CLASS)]
    )
    programme = Programme.objects.create(code="bench-syb", kind="SYB", name="创办你的企业", hours_required=70)
    org = Organization.objects.create(
        code="BENCH-TRN", name="培训学校", kind=OrganizationKind.OTHER, region=county
    )
    provider = Provider.objects.create(organization=org, valid_from=dt.date(2019, 1, 1))
    day = dt.date(2020, 9, 21)
    sessions, jobs = [], []
    for c in range(CLASSES):
        klass = TrainingClass.objects.create(
            region=county,
            programme=programme,
            provider=provider,
            name=f"基准班{c}",
            start_date=day,
            end_date=day,
            capacity=PER_CLASS,
            status="running",
        )
        session = ClassSession.objects.create(
            training_class=klass, date=day, start_time=dt.time(8), end_time=dt.time(17), hours=Decimal("8")
        )
        sessions.append(session)
        enrolments = Enrolment.objects.bulk_create(
            [
                Enrolment(training_class=klass, entrepreneur=p)
                for p in people[c * PER_CLASS : (c + 1) * PER_CLASS]
            ]
        )
        jobs.extend((session, e) for e in enrolments)
    actor = User.objects.create(username="bench-trainee")
    noon = timezone.make_aware(dt.datetime(2020, 9, 21, 12, 0, 0))
    return jobs, actor, noon


def _written(jobs) -> dict[str, int]:
    """What the first round left: attendance rows, their audit rows, enrolments whose hours were recomputed."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from fanxiang.training.models import Attendance, Enrolment

    session_ids = {s.pk for s, _ in jobs}
    rows = Attendance.objects.filter(session_id__in=session_ids)
    ids = [str(pk) for pk in rows.values_list("pk", flat=True)]
    audit = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Attendance), object_pk__in=ids
    ).count()
    hours = Enrolment.objects.filter(pk__in=[e.pk for _, e in jobs], hours_attended=jobs[0][0].hours).count()
    return {"attendance": len(ids), "audit": audit, "hours": hours}


def _timed(fn):
    def run(arg):
        start = time.perf_counter()
        try:
            outcome = fn(arg)
        except Exception as exc:  # refusals are counted, not raised
            outcome = getattr(exc, "code", repr(exc))
        finally:
            elapsed = time.perf_counter() - start
        return elapsed, outcome

    return run


def _warm(pool: ThreadPoolExecutor) -> None:
    """Every worker thread opens its connection before anything is timed (30 connects would be 10% of the
    samples, i.e. the p95): each of THREADS tasks connects, then waits until all have, so each runs on its
    own thread."""
    from django.db import connection

    barrier = threading.Barrier(THREADS)

    def connect(_):
        connection.ensure_connection()
        barrier.wait(timeout=60)

    list(pool.map(connect, range(THREADS)))


def _round(pool: ThreadPoolExecutor, fn, args):
    started = time.perf_counter()
    results = list(pool.map(_timed(fn), args))
    wall = time.perf_counter() - started
    return [r[0] for r in results], [r[1] for r in results], wall


def child() -> None:
    setup()
    from django.db import connection

    from fanxiang.training import attendance as att

    jobs, actor, noon = _world()
    seconds = att.window_seconds(jobs[0][0])
    window_start = dt.datetime.fromtimestamp(att.window_of(jobs[0][0], noon, seconds) * seconds, tz=dt.UTC)
    now = window_start + dt.timedelta(seconds=5)  # every check-in inside one code window
    codes = {s.pk: att.current_code(s, now=now).code for s, _ in jobs}

    def checkin(job):
        session, enrolment = job
        return att.attendance_checkin(
            session=session, code=codes[session.pk], actor=actor, person_id=enrolment.entrepreneur_id, now=now
        ).pk

    def floor(_):
        from django.db import connection as conn

        with conn.cursor() as cur:
            cur.execute("SELECT 1")
        return 1

    pool = ThreadPoolExecutor(max_workers=THREADS)
    _warm(pool)
    f_samples, _, f_wall = _round(pool, floor, range(len(jobs)))
    samples, outcomes, wall = _round(pool, checkin, jobs)
    ok = sum(isinstance(o, int) for o in outcomes)
    written = _written(jobs)
    again_samples, again, _ = _round(pool, checkin, jobs)
    pool.shutdown()
    refused = sum(o == "training.already_checked_in" for o in again)
    f50, f95 = percentiles(f_samples)
    p50, p95 = percentiles(samples)
    a50, a95 = percentiles(again_samples)
    print(f"{connection.vendor}: {len(jobs)} check-ins, {CLASSES} classes of {PER_CLASS}, {THREADS} threads")
    print(f"floor SELECT 1         p50 {f50 * 1000:6.1f} ms  p95 {f95 * 1000:6.1f} ms  wall {f_wall:5.2f} s")
    print(
        f"check-in               p50 {p50 * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms  wall {wall:5.2f} s"
        f"  {len(jobs) / wall:6.0f}/s  succeeded {ok}/{len(jobs)}  ×{p95 / f95:5.1f} floor p95"
    )
    print(
        f"  written: {written['attendance']} attendance rows, {written['audit']} audit rows, "
        f"{written['hours']} enrolments at {jobs[0][0].hours} h; the round took {wall:.2f} s of the "
        f"{seconds} s code window"
    )
    print(
        f"second check-in (409)  p50 {a50 * 1000:6.1f} ms  p95 {a95 * 1000:6.1f} ms  refused {refused}/{len(jobs)}"
    )
    failures = sorted({o for o in outcomes if not isinstance(o, int)})
    expected = {"attendance": len(jobs), "audit": 2 * len(jobs), "hours": len(jobs)}
    if ok != len(jobs) or refused != len(jobs) or written != expected or wall >= seconds:
        print(
            f"FAILED: {failures or sorted(set(again) - {'training.already_checked_in'})}; written {written}",
            flush=True,
        )
        sys.exit(1)


def main() -> int:
    code = run_in_scratch_pg(__file__, "fanxiang_bench_checkin")
    return 0 if code is None else code


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        sys.exit(main())
