"""Demo data of the one-stop app (``manage.py load_demo``): a service centre in every county, opened in the
first half of 2020, and a year of service requests at the three counties with demo staff (郸城县 by the
window clerk, 鹿邑县 and 川汇区 by their county officers), each driven through the services on its business
day: most completed (some on the spot, some after a supplement pause), a few rejected, withdrawn or
transferred, the rest still open — at least one overdue — with 好差评 ratings, 差评 opening rectifications,
some called back and rated again.

Like the loans demo it needs the registry's demo people, so it does nothing on a database without them (the
test database), and it runs once (the centres carry the demo mark). Event times are the load time; the
business days (due dates, pauses, completion) are those of the story.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from fanxiang.accounts.models import Organization, User
from fanxiang.core import calendar
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.onestop import services
from fanxiang.onestop.models import Centre, ServiceType
from fanxiang.regions.models import Region, RegionLevel

MARK = "（演示）"
SEED = 13
STAFF = {"411625": "service_clerk", "411628": "officer_411628", "411602": "officer_411602"}
REQUESTS_PER_COUNTY = 100


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


def _drive(rng: random.Random, actor, centre: Centre, person: int, kind: ServiceType, day: dt.date, today):
    channel = rng.choice([m for m in kind.modes if m != "online"] or ["window"])
    req = services.service_request_create(
        actor=actor,
        service_type=kind.code,
        channel=channel,
        centre=centre.pk,
        entrepreneur=person,
        description=f"{kind.name}：来访咨询办理{MARK}",
        today=day,
    )
    limit = req.time_limit_days or 1
    step = lambda n: min(calendar.add_workdays(day, n), today)  # noqa: E731
    fate = rng.random()
    a = {"actor": actor, "service_request": req}
    if fate < 0.25:  # 马上办
        req = services.service_request_accept(**a, complete_now=True, result="当场办结", today=day)
    elif fate < 0.33:
        return services.service_request_reject(
            **a, reason="不属于本中心受理范围，已告知申请人", today=step(1)
        )
    elif fate < 0.37 and actor.has_role("service_clerk"):
        return services.service_request_withdraw(**a, note="申请人现场撤回", today=step(1))
    elif fate < 0.92:
        if rng.random() < 0.25:
            services.service_request_request_supplement(
                **a, missing=["身份证复印件", "经营场所证明"], today=step(1)
            )
            if step(4) >= today:
                return req
            services.service_request_resubmit(**a, note="已补齐材料", today=step(4))
        if step(1) >= today:
            return req
        services.service_request_accept(**a, today=step(1))
        if rng.random() < 0.1:
            services.service_request_transfer(
                **a,
                to_unit=Organization.objects.get(code="ZK-CZJ").pk,
                reason="需财政部门审核",
                today=step(1),
            )
        elif step(2) < today:
            services.service_request_start(**a, today=step(2))
        done = step(max(1, limit - rng.choice([0, 0, 1, 2])))
        if done >= today:
            return req
        req = services.service_request_complete(**a, result="已按规定办结并告知申请人", today=done)
    else:
        return req  # still waiting at the window
    level = rng.choices([5, 4, 3, 2, 1], weights=[60, 25, 8, 5, 2])[0]
    if rng.random() < 0.85:
        services.rating_create(
            actor=actor,
            service_request=req,
            level=level,
            comment="" if level > 2 else "等候时间较长",
            today=req.completed_on,
        )
        rect = getattr(req, "rectification", None) if level <= 2 else None
        if rect is not None and rng.random() < 0.6:
            rect = services.rectification_call_back(
                actor=actor,
                rectification=rect,
                note="已电话回访致歉，增设叫号提醒",
                today=min(calendar.add_workdays(req.completed_on, 3), today),
            )
            services.rectification_rate_fix(actor=actor, rectification=rect, level=4, today=today)
    return req


def load_onestop_demo(today: dt.date | None = None, seed: int = SEED) -> list[str]:
    if not Entrepreneur.objects.exists() or Centre.objects.filter(staff_note__contains=MARK).exists():
        return []
    today = today or timezone.localdate()
    rng = random.Random(seed)
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
            _drive(rng, actor, centres[code], rng.choice(people), rng.choice(kinds), day, today)
        # one that is plainly overdue: accepted long ago and never finished
        late = services.service_request_create(
            actor=actor,
            service_type="startup_guidance",
            channel="window",
            centre=centres[code].pk,
            entrepreneur=people[0],
            description=f"创业指导：项目论证（超期演示）{MARK}",
            today=today - dt.timedelta(days=40),
        )
        services.service_request_accept(actor=actor, service_request=late, today=late.submitted_on)
        # and one 差评 with its rectification still open
        bad = services.service_request_create(
            actor=actor,
            service_type="policy_consultation",
            channel="window",
            centre=centres[code].pk,
            entrepreneur=people[-1],
            description=f"政策咨询：创业担保贷款条件（差评演示）{MARK}",
            today=today - dt.timedelta(days=7),
        )
        bad = services.service_request_accept(
            actor=actor, service_request=bad, complete_now=True, result="已解答", today=bad.submitted_on
        )
        services.rating_create(
            actor=actor, service_request=bad, level=2, comment="解答不够清楚", today=bad.submitted_on
        )
    return []
