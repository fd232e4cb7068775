"""Demo data of the one-stop app (``manage.py load_demo``): a service centre in every county, opened in the
first half of 2020, and a year of service requests at the three counties with demo staff (郸城县 by the
window clerk, 鹿邑县 and 川汇区 by their county officers), each driven through the services on its business
day: most completed (some on the spot, some after a supplement pause; a 优惠政策享受 request links the
person's policy grant when the policies demo made one), a few rejected, withdrawn or transferred, the rest
still open and within their time — except **exactly one** overdue request in the whole demo — with 好差评
ratings; every old 差评 was called back and rated again (a closed rectification), last week's 差评 still have
their rectification open.

Like the loans demo it needs the registry's demo people, so it does nothing on a database without them (the
test database), and it runs once (the centres carry the demo mark). The rows each step writes (events,
ratings, audit entries) are dated on the step's business day (:class:`Clock`), like the business dates
(due dates, pauses, completion) of the story.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from fanxiang.accounts.models import Organization, User
from fanxiang.core import calendar
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.onestop import services
from fanxiang.onestop.models import (
    Centre,
    Rating,
    Rectification,
    RectificationEvent,
    ServiceRequestEvent,
    ServiceType,
)
from fanxiang.policies.models import BenefitGrant
from fanxiang.regions.models import Region, RegionLevel

MARK = "（演示）"
SEED = 13
STAFF = {"411625": "service_clerk", "411628": "officer_411628", "411602": "officer_411602"}
REQUESTS_PER_COUNTY = 100
OVERDUE_COUNTY = "411625"  # the one request of the demo that is past its due date today


def _centres() -> dict[str, Centre]:
    kinds = list(ServiceType.objects.filter(is_active=True))
    made = {}
    for i, county in enumerate(
        Region.objects.filter(level=RegionLevel.COUNTY, code__startswith="4116").order_by("code")
    ):
        org = Organization.objects.filter(kind="service_centre", region=county).first()
        centre = Centre.objects.create(
            region=county,
            organization=org,
            name=f"{county.name}返乡创业综合服务中心",
            address=f"{county.name}人民路{10 + i}号",
            hours="周一至周五 8:30-12:00，14:30-17:30（法定节假日除外）",
            phone=f"0394-{8200000 + i * 17:07d}",
            staff_note=f"窗口人员4名，创业指导专家2名{MARK}",
            opened_on=dt.date(2020, 1 + i % 6, 1 + i % 20),
        )
        centre.services.set(kinds)
        made[county.code] = centre
    return made


class Clock:
    """Dates the rows a service call writes (workflow events, ratings, audit entries) on the step's business
    day, as the loans demo does: timelines read like the year they tell."""

    def __init__(self) -> None:
        from auditlog.models import LogEntry

        self.rows = ((ServiceRequestEvent, "at"), (RectificationEvent, "at"), (Rating, "created_at"))
        self.log = LogEntry
        self.minute = 0

    def _marks(self) -> list[int]:
        """The highest primary key of each table (the rows and the audit log), in one query."""
        return max_pks([m for m, _ in self.rows] + [self.log])

    def run(self, day: dt.date, call: Callable[..., Any], /, **kwargs: Any) -> Any:
        marks = self._marks()
        result = call(**kwargs)
        self.minute = (self.minute + 11) % 420
        stamp = timezone.make_aware(
            dt.datetime.combine(day, dt.time(9, 0)) + dt.timedelta(minutes=self.minute)
        )
        latest = self._marks()
        stamped = [*self.rows, (self.log, "timestamp")]
        for (model, field), mark, last in zip(stamped, marks, latest, strict=True):
            if last > mark:  # the call wrote rows there (else the update would touch none)
                stamp_rows(model, field, mark, stamp)
        return result


def max_pks(models: list[type[Model]]) -> list[int]:
    """The highest primary key of each model's table (0 for an empty one), in one query: the demo clocks
    ask before and after every step."""
    q = connection.ops.quote_name
    parts = [f"(SELECT MAX({q(m._meta.pk.column)}) FROM {q(m._meta.db_table)})" for m in models]  # noqa: S608 (model metadata, quoted)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}")
        return [v or 0 for v in cursor.fetchone()]


def stamp_rows(model: type[Model], field: str, after: int, value: dt.datetime) -> None:
    """``UPDATE … SET field = value WHERE pk > after`` (the rows a step wrote), without an ORM round: the
    demo clocks stamp thousands of steps. Like ``QuerySet.update`` it sends no signal."""
    q = connection.ops.quote_name
    column = model._meta.get_field(field)
    sql = (
        f"UPDATE {q(model._meta.db_table)} SET {q(column.column)} = %s WHERE {q(model._meta.pk.column)} > %s"  # noqa: S608 (model metadata, quoted)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [column.get_db_prep_value(value, connection), after])


def _grant_of(person: int) -> Any:
    """The person's policy grant, if the policies demo made one (a 优惠政策享受 request leads to it)."""
    return BenefitGrant.objects.filter(entrepreneur_id=person, revoked_at__isnull=True).order_by("pk").first()


def _rate(rng: random.Random, clock: Clock, actor, req, level: int, today: dt.date) -> None:
    """The applicant's rating on the completion day; a 差评 is then put right: called back within its
    time and rated again (the rectification closes)."""
    clock.run(
        req.completed_on,
        services.rating_create,
        actor=actor,
        service_request=req,
        level=level,
        comment="" if level > 2 else "等候时间较长",
        today=req.completed_on,
    )
    rect = Rectification.objects.filter(request=req).first()
    if rect is None:
        return
    called = min(calendar.add_workdays(req.completed_on, 3), today)
    rect = clock.run(
        called,
        services.rectification_call_back,
        actor=actor,
        rectification=rect,
        note="已电话回访致歉，增设叫号提醒",
        today=called,
    )
    fixed = min(calendar.add_workdays(called, 2), today)
    clock.run(
        fixed,
        services.rectification_rate_fix,
        actor=actor,
        rectification=rect,
        level=rng.choice([3, 4, 4, 5]),
        comment="整改后满意",
        today=fixed,
    )


def _drive(
    rng: random.Random, clock: Clock, actor, centre: Centre, person: int, kind: ServiceType, day, today
):
    """One request from intake to where it stands today. Every step is dated on its business day, none after
    ``today``; a request still open today is one whose time has not run out (the demo's single overdue
    request is made on purpose by the caller)."""
    channel = rng.choice([m for m in kind.modes if m != "online"] or ["window"])
    req = clock.run(
        day,
        services.service_request_create,
        actor=actor,
        service_type=kind.code,
        channel=channel,
        centre=centre.pk,
        entrepreneur=person,
        description=f"{kind.name}：来访咨询办理{MARK}",
        today=day,
    )
    limit = req.time_limit_days or 1
    recent = calendar.add_workdays(day, limit) >= today  # may still be open today without being late
    step = lambda n: min(calendar.add_workdays(day, n), today)  # noqa: E731
    fate = rng.random()
    a = {"actor": actor, "service_request": req}

    def run(on: dt.date, call: Callable[..., Any], **kw: Any) -> Any:
        return clock.run(on, call, **a, **kw, today=on)

    if fate < 0.25:  # 马上办
        req = run(day, services.service_request_accept, complete_now=True, result="当场办结")
    elif fate < 0.33:
        return run(step(1), services.service_request_reject, reason="不属于本中心受理范围，已告知申请人")
    elif fate < 0.37 and actor.has_role("service_clerk"):
        return run(step(1), services.service_request_withdraw, note="申请人现场撤回")
    elif fate >= 0.92 and recent:
        return req  # still waiting at the window, within its time
    else:
        pause = 0
        if rng.random() < 0.25:
            run(
                step(1), services.service_request_request_supplement, missing=["身份证复印件", "经营场所证明"]
            )
            if step(4) >= today:
                return req  # waiting for the applicant: the clock stands still
            run(step(4), services.service_request_resubmit, note="已补齐材料")
            pause = 3
        if step(1 + pause) >= today:
            return req
        run(step(1 + pause), services.service_request_accept)
        if rng.random() < 0.1:
            run(
                step(1 + pause),
                services.service_request_transfer,
                to_unit=Organization.objects.get(code="ZK-CZJ").pk,
                reason="需财政部门审核",
            )
        elif step(2 + pause) < today:
            run(step(2 + pause), services.service_request_start)
        done = step(max(1, limit - rng.choice([0, 0, 1, 2])) + pause)
        if done >= today:
            return req  # due on or after today (the pause moved the due date by as much)
        grant = _grant_of(person) if kind.code == "policy_enjoyment" else None
        req = run(done, services.service_request_complete, result="已按规定办结并告知申请人", outcome=grant)
    if rng.random() >= 0.85:
        return req  # not rated
    level = rng.choices([5, 4, 3, 2, 1], weights=[60, 25, 8, 5, 2])[0]
    _rate(rng, clock, actor, req, level, today)
    return req


@calendar.read_once()  # thousands of due dates, one read of the holidays
def load_onestop_demo(today: dt.date | None = None, seed: int = SEED) -> list[str]:
    if not Entrepreneur.objects.exists() or Centre.objects.filter(staff_note__contains=MARK).exists():
        return []
    today = today or timezone.localdate()
    rng = random.Random(seed)
    clock = Clock()
    centres = _centres()
    kinds = list(ServiceType.objects.filter(is_active=True))
    start = today - dt.timedelta(days=330)
    for code, username in STAFF.items():
        actor = User.objects.filter(username=username).first()
        county = Region.objects.filter(code=code).first()
        if actor is None or county is None or code not in centres:
            continue
        people = list(
            Entrepreneur.objects.filter(region__tree_path__startswith=county.tree_path).values_list(
                "pk", flat=True
            )[:300]
        )
        if not people:
            continue
        for _ in range(REQUESTS_PER_COUNTY):
            day = calendar.add_workdays(start, rng.randrange(0, 225))
            if day >= today:
                continue
            _drive(rng, clock, actor, centres[code], rng.choice(people), rng.choice(kinds), day, today)
        if code == OVERDUE_COUNTY:  # the demo's one overdue request: accepted and never finished
            kind = ServiceType.objects.get(code="startup_guidance")
            taken = calendar.workdays_before(today, (kind.time_limit_on(today) or 10) + 8)
            late = clock.run(
                taken,
                services.service_request_create,
                actor=actor,
                service_type=kind.code,
                channel="window",
                centre=centres[code].pk,
                entrepreneur=people[0],
                description=f"创业指导：项目论证（超期演示）{MARK}",
                today=taken,
            )
            clock.run(taken, services.service_request_accept, actor=actor, service_request=late, today=taken)
            # and an old 差评, put right: called back and rated again (a closed rectification)
            old = calendar.workdays_before(today, 60)
            req = clock.run(
                old,
                services.service_request_create,
                actor=actor,
                service_type="registration",
                channel="window",
                centre=centres[code].pk,
                entrepreneur=people[-1],
                description=f"注册登记：个体工商户设立（整改演示）{MARK}",
                today=old,
            )
            req = clock.run(
                old,
                services.service_request_accept,
                actor=actor,
                service_request=req,
                complete_now=True,
                result="已办结",
                today=old,
            )
            _rate(rng, clock, actor, req, 1, today)
        # and one 差评 of last week whose rectification is still open (due in the coming weeks)
        rated = calendar.workdays_before(today, 5)
        bad = clock.run(
            rated,
            services.service_request_create,
            actor=actor,
            service_type="policy_consultation",
            channel="window",
            centre=centres[code].pk,
            entrepreneur=people[-1],
            description=f"政策咨询：创业担保贷款条件（差评演示）{MARK}",
            today=rated,
        )
        bad = clock.run(
            rated,
            services.service_request_accept,
            actor=actor,
            service_request=bad,
            complete_now=True,
            result="已解答",
            today=rated,
        )
        clock.run(
            rated,
            services.rating_create,
            actor=actor,
            service_request=bad,
            level=2,
            comment="解答不够清楚",
            today=rated,
        )
    return []
