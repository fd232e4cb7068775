"""One-stop service requests (工单) at 200,000 rows on PostgreSQL: the clerk's queue and the satisfaction
figures, against a baseline measured in the same run.

The data is generated set-wise (``bulk_create`` in batches, never through the per-row services) and kept
consistent the way the services keep it: every request has its typed events (``submit`` … ``complete``), its
workflow clock (started on the submission day, the service type's time limit, pauses for supplements that
move the due date), the stored due-soon day; completed requests carry most of the ratings (好差评), every
差评 its rectification (open when recent, else called back and rated again) with its events, and the
``SatisfactionMonth`` rollups are the sums of exactly those ratings. Requests span the 15 months up to
today over the city's ten counties (one centre each); open ones are recent, a few old ones are stuck
(overdue).

Prints p50/p95 of
* ``GET /api/v1/onestop/requests/`` as the 郸城县 service clerk (``service_clerk``): first page, no filter and
  with the filters a clerk uses (status, overdue, type + status);
* ``GET /api/v1/onestop/satisfaction?year=`` as the clerk and as the city admin;
first at 2,000 requests, then at 200,000 (same process, same database), with the API floor
(``GET /api/v1/me``) alongside; the ratio is against the same endpoint at 2,000 rows and against the floor.
Also the queries each call makes (a count that grows with rows would be a per-row query) and the peak RSS.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_onestop.py``
(creates a scratch database ``fanxiang_bench_onestop_<pid>`` next to that one and drops it afterwards).
``BENCH_ONESTOP_N`` sets the large size (default 200,000); ``BENCH_EXPLAIN=1`` prints the plans of the queue
page and its count at that size. Building 200k rows takes 12–20 minutes on a shared 2-core machine.
"""

import datetime as dt
import os
import random
import resource
import sys
import time
from collections import defaultdict

from _setup import bench_entrepreneur, percentiles, run_in_scratch_pg, setup, token_client

N_SMALL = 2_000
N_LARGE = int(os.environ.get("BENCH_ONESTOP_N", 200_000))
N_PEOPLE = 20_000
ROUNDS = 60
BATCH = 20_000
SPAN_DAYS = 450  # submissions over the 15 months up to today

LEVELS = [5, 4, 3, 2, 1]
LEVEL_WEIGHTS = [60, 24, 9, 5, 2]


class World:
    """What the generator needs once: centres, service types with their limits, people, users, workdays."""

    def __init__(self) -> None:
        from django.contrib.contenttypes.models import ContentType
        from django.utils import timezone

        from fanxiang.accounts.models import User
        from fanxiang.core import calendar
        from fanxiang.entrepreneurs.models import Entrepreneur
        from fanxiang.onestop.models import Centre, Parameters, Rectification, ServiceRequest, ServiceType
        from fanxiang.regions.models import Region

        self.today = timezone.localdate()
        counties = list(Region.objects.filter(level="county", code__startswith="4116").order_by("code"))
        kinds = list(ServiceType.objects.filter(is_active=True).prefetch_related("time_limits"))
        self.centres = []
        for county in counties:
            c = Centre.objects.create(
                region=county, name=f"{county.name}返乡创业综合服务中心", opened_on=None
            )
            c.services.set(kinds)
            self.centres.append(c)
        self.kinds = [(k, k.time_limit_on(self.today - dt.timedelta(days=SPAN_DAYS)) or 5) for k in kinds]
        townships = {
            c.region_id: list(Region.objects.filter(parent=c.region)) or [c.region] for c in self.centres
        }
        people = []
        for i in range(N_PEOPLE):
            centre = self.centres[i % len(self.centres)]
            people.append(
                bench_entrepreneur(i, random.Random(i).choice(townships[centre.region_id]), key="os")
            )
        Entrepreneur.objects.bulk_create(people, batch_size=5000)
        self.people = defaultdict(list)  # county id -> person ids
        by_township = {
            t.pk: c.region_id for c in self.centres for t in townships[c.region_id]
        }  # county itself too
        for pk, region_id in Entrepreneur.objects.values_list("pk", "region_id"):
            if region_id in by_township:
                self.people[by_township[region_id]].append(pk)
        self.clerk = User.objects.get(username="service_clerk")
        self.request_ct = ContentType.objects.get_for_model(ServiceRequest)
        self.rect_ct = ContentType.objects.get_for_model(Rectification)
        params = Parameters.on(self.today)
        self.rect_days, self.soon_percent = params.rectification_days, params.due_soon_percent
        # every working day of the span (and a margin after today), from one calendar read
        first = self.today - dt.timedelta(days=SPAN_DAYS + 10)
        exceptions = calendar._exceptions(first, self.today + dt.timedelta(days=200))
        self.workdays = [
            d
            for d in (first + dt.timedelta(days=i) for i in range(SPAN_DAYS + 200))
            if calendar.is_workday(d, exceptions)
        ]
        self.index = {d: i for i, d in enumerate(self.workdays)}
        self.last_past = max(i for i, d in enumerate(self.workdays) if d <= self.today)
        self.rollups: dict[tuple, list[int]] = defaultdict(lambda: [0] * 8)

    def add(self, day: dt.date, n: int) -> dt.date:
        """``n`` working days after working day ``day`` (as calendar.add_workdays)."""
        return self.workdays[self.index[day] + n]


def _path(rng: random.Random, w: World, start_i: int, limit: int) -> tuple[str, list[tuple], dict]:
    """The fate of one request submitted on working day ``start_i``: its final status, its steps
    ``(action, from, to, day)`` and clock facts."""
    age = w.last_past - start_i  # working days since submission
    submitted = w.workdays[start_i]
    steps = [("submit", "draft", "submitted", submitted)]
    clock = {"pause": None, "paused_days": 0}
    r = rng.random()
    if age > limit + 5 and r < 0.006:  # stuck long ago: accepted, never finished (overdue)
        steps.append(("accept", "submitted", "accepted", submitted))
        return "accepted", steps, clock
    if age <= limit + 2 and r < 0.55:  # recent and still open
        state = rng.choice(["submitted", "accepted", "in_progress", "supplement_requested", "resubmitted"])
        day = w.workdays[min(start_i + 1, w.last_past)]
        if state == "supplement_requested":
            steps.append(("request_supplement", "submitted", state, day))
            clock["pause"] = (day, None)
        elif state == "resubmitted":
            back = w.workdays[min(start_i + 2, w.last_past)]
            steps += [("request_supplement", "submitted", "supplement_requested", day)]
            steps += [("resubmit", "supplement_requested", "resubmitted", back)]
            clock["pause"] = (day, back)
            clock["paused_days"] = w.index[back] - w.index[day]
        elif state != "submitted":
            steps.append(("accept", "submitted", "accepted", day))
            if state == "in_progress":
                steps.append(("start", "accepted", "in_progress", day))
        return state, steps, clock
    if r < 0.04:
        steps.append(("reject", "submitted", "rejected", w.add(submitted, 1)))
        return "rejected", steps, clock
    if r < 0.07:
        steps.append(("withdraw", "submitted", "withdrawn", w.add(submitted, 1)))
        return "withdrawn", steps, clock
    if r < 0.30:  # 马上办: accepted and completed on the spot
        steps += [
            ("accept", "submitted", "accepted", submitted),
            ("complete", "accepted", "completed", submitted),
        ]
        return "completed", steps, clock
    frm = "submitted"
    if r < 0.45:  # one supplement round of 2 working days
        paused, back = w.add(submitted, 1), w.add(submitted, 3)
        steps += [("request_supplement", frm, "supplement_requested", paused)]
        steps += [("resubmit", "supplement_requested", "resubmitted", back)]
        clock["pause"], clock["paused_days"], frm = (paused, back), 2, "resubmitted"
    accepted = steps[-1][3]
    steps += [("accept", frm, "accepted", accepted), ("start", "accepted", "in_progress", accepted)]
    done = w.add(accepted, max(0, limit - rng.choice([0, 1, 1, 2, 3])))
    steps.append(("complete", "in_progress", "completed", min(done, w.workdays[w.last_past])))
    return "completed", steps, clock


def populate(w: World, n: int, seed: int) -> None:
    """``n`` more requests (in batches), with events, clocks, pauses, ratings, rectifications."""
    from fanxiang.core.models import WorkflowClock, WorkflowPause
    from fanxiang.onestop.models import (
        Rating,
        Rectification,
        RectificationEvent,
        ServiceRequest,
        ServiceRequestEvent,
    )
    from fanxiang.onestop.workflows import due_soon_days

    rng = random.Random(seed)
    tz = dt.timezone(dt.timedelta(hours=8))
    first_i = w.last_past - int(SPAN_DAYS * 5 / 7)

    def at(day: dt.date, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(9, 0), tz) + dt.timedelta(minutes=minute)

    for offset in range(0, n, BATCH):
        reqs, plans = [], []
        for _ in range(min(BATCH, n - offset)):
            centre = rng.choice(w.centres)
            kind, limit = rng.choice(w.kinds)
            start_i = rng.randint(first_i, w.last_past)
            status, steps, clock = _path(rng, w, start_i, limit)
            submitted = w.workdays[start_i]
            due = w.add(submitted, limit + clock["paused_days"])
            if clock["pause"] and clock["pause"][1] is None:  # still paused: the due date moves until today
                due = w.add(submitted, limit + w.last_past - w.index[clock["pause"][0]])
            done = steps[-1][3] if status in ("completed", "rejected", "withdrawn") else None
            reqs.append(
                ServiceRequest(
                    service_type=kind,
                    channel=rng.choice(kind.modes or ["window"]),
                    centre=centre,
                    origin_centre=centre,
                    entrepreneur_id=rng.choice(w.people[centre.region_id]),
                    description=f"{kind.name}：来访咨询办理",
                    status=status,
                    time_limit_days=limit,
                    due_date=due,
                    due_soon_on=w.add(submitted, due_soon_days(limit, w.soon_percent) + clock["paused_days"]),
                    result="已按规定办结并告知申请人" if status == "completed" else "",
                    submitted_on=submitted,
                    completed_on=done if status == "completed" else None,
                    created_by=w.clerk,
                )
            )
            plans.append((status, steps, clock, submitted, due, limit))
        ServiceRequest.objects.bulk_create(reqs, batch_size=5000)
        events, clocks, ratings, rated = [], [], [], []
        for req, (status, steps, clock, submitted, due, limit) in zip(reqs, plans, strict=True):
            for k, (action, frm, to, day) in enumerate(steps):
                events.append(
                    ServiceRequestEvent(
                        request_id=req.pk,
                        action=action,
                        from_status=frm,
                        to_status=to,
                        actor_id=w.clerk.pk,
                        actor_name=w.clerk.real_name,
                        actor_role="service_clerk",
                        at=at(day, k),
                        data={"channel": req.channel} if action == "submit" else {},
                    )
                )
            clocks.append(
                WorkflowClock(
                    content_type=w.request_ct,
                    object_id=req.pk,
                    workflow="onestop_request",
                    state=status,
                    started_on=submitted,
                    limit_days=limit,
                    due_date=due,
                    paused_since=clock["pause"][0] if clock["pause"] and clock["pause"][1] is None else None,
                )
            )
            if status == "completed" and rng.random() < 0.85:
                level = rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
                ratings.append(
                    Rating(
                        request_id=req.pk,
                        level=level,
                        comment="" if level > 2 else "等候时间较长",
                        source=rng.choice(["pad", "portal", "link"]),
                        recorded_by=w.clerk,
                        created_at=at(req.completed_on, 30),
                    )
                )
                rated.append(req)
                row = w.rollups[(req.centre_id, req.service_type_id, req.completed_on.replace(day=1))]
                row[0] += 1
                row[1] += level
                row[2] += level <= 2
                row[3 + 5 - level] += 1
        ServiceRequestEvent.objects.bulk_create(events, batch_size=5000)
        WorkflowClock.objects.bulk_create(clocks, batch_size=5000)
        by_request = {c.object_id: c for c in clocks}
        WorkflowPause.objects.bulk_create(
            [
                WorkflowPause(
                    clock=by_request[req.pk],
                    paused_on=c["pause"][0],
                    resumed_on=c["pause"][1],
                    reason="一次性告知补正",
                )
                for req, (_, _, c, *_rest) in zip(reqs, plans, strict=True)
                if c["pause"]
            ],
            batch_size=5000,
        )
        Rating.objects.bulk_create(ratings, batch_size=5000)
        rects, rect_events, rect_clocks = [], [], []
        for rating, req in zip(ratings, rated, strict=True):
            if rating.level > 2:
                continue
            day = req.completed_on
            due = w.add(day, w.rect_days)
            closed = w.index[day] + w.rect_days < w.last_past
            cb = w.add(day, 3) if closed else None
            rects.append(
                Rectification(
                    request_id=req.pk,
                    rating_id=rating.pk,
                    status="closed" if closed else "open",
                    limit_days=w.rect_days,
                    due_date=due,
                    callback_on=cb,
                    callback_note="已电话回访致歉，增设叫号提醒" if closed else "",
                    second_level=4 if closed else None,
                    closed_on=w.add(day, 5) if closed else None,
                )
            )
        Rectification.objects.bulk_create(rects, batch_size=5000)
        for rect in rects:
            day = rect.due_date  # only for timestamps below
            steps = [("open", "draft", "open", w.workdays[w.index[day] - w.rect_days])]
            if rect.status == "closed":
                steps += [("call_back", "open", "called_back", rect.callback_on)]
                steps += [("rate_fix", "called_back", "closed", rect.closed_on)]
            for k, (action, frm, to, d) in enumerate(steps):
                rect_events.append(
                    RectificationEvent(
                        rectification_id=rect.pk, action=action, from_status=frm, to_status=to, at=at(d, k)
                    )
                )
            rect_clocks.append(
                WorkflowClock(
                    content_type=w.rect_ct,
                    object_id=rect.pk,
                    workflow="onestop_rectification",
                    state=rect.status,
                    started_on=steps[0][3],
                    limit_days=w.rect_days,
                    due_date=rect.due_date,
                )
            )
        RectificationEvent.objects.bulk_create(rect_events, batch_size=5000)
        WorkflowClock.objects.bulk_create(rect_clocks, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        # created_at is auto_now_add: put it on the submission day (the queue is ordered by it)
        cursor.execute(
            "UPDATE onestop_servicerequest SET created_at = (submitted_on + time '09:00') AT TIME ZONE "
            "'Asia/Shanghai' + (id % 480) * interval '1 minute' WHERE created_at::date > submitted_on"
        )


def write_rollups(w: World) -> None:
    """The monthly rollups: exactly the sums of the ratings generated (replaced as a whole)."""
    from fanxiang.onestop.models import SatisfactionMonth

    SatisfactionMonth.objects.all().delete()
    SatisfactionMonth.objects.bulk_create(
        SatisfactionMonth(
            centre_id=c,
            service_type_id=t,
            month=m,
            ratings=v[0],
            level_sum=v[1],
            bad=v[2],
            level_5=v[3],
            level_4=v[4],
            level_3=v[5],
            level_2=v[6],
            level_1=v[7],
        )
        for (c, t, m), v in w.rollups.items()
    )


def check_consistency(w: World) -> str:
    from django.db.models import Count, Sum

    from fanxiang.onestop.models import Rating, Rectification, SatisfactionMonth, ServiceRequest

    ratings = Rating.objects.count()
    rolled = SatisfactionMonth.objects.aggregate(n=Sum("ratings"), bad=Sum("bad"))
    bad = Rating.objects.filter(level__lte=2).count()
    assert rolled["n"] == ratings and rolled["bad"] == bad == Rectification.objects.count(), (rolled, ratings)
    no_events = ServiceRequest.objects.annotate(n=Count("events")).filter(n=0).count()
    assert no_events == 0
    return f"ratings {ratings:,} = rollup sum, 差评 {bad:,} = rectifications"


def timed(fn, rounds: int = ROUNDS) -> list[float]:
    for i in range(5):
        fn(i)
    samples = []
    for i in range(rounds):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn(0)
    return len(ctx.captured_queries)


def measure(w: World) -> dict[str, tuple[list[float], int, int]]:
    """Each case: samples, queries per call, count of rows behind it."""
    clerk, clerk_h = token_client("service_clerk")
    admin, admin_h = token_client("city_admin")
    year = w.today.year
    cases = {
        "GET /api/v1/me (API floor)": (clerk, clerk_h, "/api/v1/me", {}),
        "queue: clerk, first page": (clerk, clerk_h, "/api/v1/onestop/requests/", {}),
        "queue: clerk, status=accepted": (
            clerk,
            clerk_h,
            "/api/v1/onestop/requests/",
            {"status": "accepted"},
        ),
        "queue: clerk, overdue=true": (clerk, clerk_h, "/api/v1/onestop/requests/", {"overdue": "true"}),
        "queue: clerk, type+status=completed": (
            clerk,
            clerk_h,
            "/api/v1/onestop/requests/",
            {"type": "startup_guidance", "status": "completed"},
        ),
        "satisfaction: clerk, year": (clerk, clerk_h, "/api/v1/onestop/satisfaction", {"year": year}),
        "satisfaction: city admin, year": (admin, admin_h, "/api/v1/onestop/satisfaction", {"year": year}),
    }
    out = {}
    for label, (client, headers, url, params) in cases.items():

        def call(i, client=client, headers=headers, url=url, params=params):
            response = client.get(url, params, **headers)
            assert response.status_code == 200, response.content
            return response

        body = call(0).json()
        rows = body.get("count", body.get("totals", {}).get("ratings", 0)) if isinstance(body, dict) else 0
        out[label] = (timed(call), queries(call), rows)
    return out


def _row(label: str, samples: list[float], extra: str = "") -> str:
    p50, p95 = percentiles(samples)
    return f"  {label:<38} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms{extra}"


def child() -> None:
    setup()
    from django.db import connection

    from fanxiang.demo.services import load_demo_users, load_reference_data
    from fanxiang.onestop.models import ServiceRequest

    assert connection.vendor == "postgresql", "this benchmark runs on PostgreSQL"
    load_reference_data()
    load_demo_users()
    w = World()
    t0 = time.perf_counter()
    populate(w, N_SMALL, seed=1)
    write_rollups(w)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"[{ServiceRequest.objects.count():,} requests] {check_consistency(w)}", flush=True)
    small = measure(w)
    t0 = time.perf_counter()
    populate(w, N_LARGE - N_SMALL, seed=2)
    write_rollups(w)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    built = time.perf_counter() - t0
    from fanxiang.core.models import WorkflowClock
    from fanxiang.onestop.models import ServiceRequestEvent

    print(
        f"[{ServiceRequest.objects.count():,} requests, {ServiceRequestEvent.objects.count():,} events, "
        f"{WorkflowClock.objects.count():,} clocks] built set-wise in {built:.0f} s; {check_consistency(w)}",
        flush=True,
    )
    large = measure(w)
    floor50, _ = percentiles(large["GET /api/v1/me (API floor)"][0])
    print(f"p50/p95 at {N_SMALL:,} and {N_LARGE:,} requests (same run); ratios of p50", flush=True)
    for label in large:
        s_samples, s_queries, s_rows = small[label]
        l_samples, l_queries, l_rows = large[label]
        s50, _ = percentiles(s_samples)
        l50, _ = percentiles(l_samples)
        print(_row(f"{label} @{N_SMALL // 1000}k", s_samples, f"  queries {s_queries}  rows {s_rows:,}"))
        print(
            _row(
                f"{label} @{N_LARGE // 1000}k",
                l_samples,
                f"  queries {l_queries}  rows {l_rows:,}  ×{l50 / s50:4.1f} vs {N_SMALL // 1000}k  ×{l50 / floor50:4.1f} vs floor",
            ),
            flush=True,
        )
    if os.environ.get("BENCH_EXPLAIN"):  # the plans behind the queue page (first page and its count)
        from fanxiang.onestop import selectors

        for filters in ({}, {"status": "completed", "service_type": "startup_guidance"}):
            qs = selectors.requests_for_user(w.clerk, **filters)
            print(f"-- plan {filters or 'no filter'}, first page:\n{qs[:20].explain(analyze=True)}")
            print(
                f"-- plan {filters or 'no filter'}, count:\n{qs.order_by().explain(analyze=True)}", flush=True
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the benchmark process: {peak:.0f} MB", flush=True)


def main() -> int:
    code = run_in_scratch_pg(__file__, "fanxiang_bench_onestop")
    return 0 if code is None else code


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        sys.exit(main())
