"""Demo data of the training app's pages (``manage.py load_demo``): two training institutions and, in each
county with demo staff (郸城县, 鹿邑县, 川汇区), classes in every state with their timetables and trainees
from the demo registry, all driven through the services on their business days:

* a GYB class finished last month (trainees with their hours; most completed),
* an IYB class running this week,
* a SYB class approved and open for enrolment **with a session today** (so a new user can enrol and check
  in at once), and, in 郸城县, a 贫困村创业致富带头人 class open for enrolment,
* a GYB class filed and waiting for approval, a 网络创业 class still a draft.

Dates are relative to the day the demo loads; sessions fall on working days (the one of today excepted,
so check-in can be tried any day). Needs the registry's demo people; runs once (the classes carry the
demo mark). Attendance rows and certificates are the attendance pages' own data and not made here.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from fanxiang.accounts.models import Organization, OrganizationKind, User
from fanxiang.core import calendar
from fanxiang.core.errors import DomainError
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.regions.models import Region
from fanxiang.training import services
from fanxiang.training.choices import EnrolmentStatus, VillagePost
from fanxiang.training.models import (
    Enrolment,
    Programme,
    Provider,
    TrainingClass,
    TrainingClassEvent,
)

MARK = "（演示）"
SEED = 14
COUNTIES = ("411625", "411628", "411602")
PROVIDERS = (
    ("DEMO-TRN-01", "周口市就业训练中心"),
    ("DEMO-TRN-02", "周口市创业培训学校"),
)
HOURS_PER_DAY = 8


def _workdays_from(day: dt.date, count: int) -> list[dt.date]:
    """``count`` working days from ``day`` on (``day`` itself when it is one)."""
    days, d = [], day
    while len(days) < count:
        if calendar.is_workday(d):
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _providers() -> list[Provider]:
    city = Region.objects.filter(code="411600").first()
    made = []
    for code, name in PROVIDERS:
        org, _ = Organization.objects.get_or_create(
            code=code, defaults={"name": name, "kind": OrganizationKind.OTHER, "region": city}
        )
        provider, _ = Provider.objects.get_or_create(
            organization=org,
            defaults={"valid_from": dt.date(2019, 1, 1), "licence": f"周人社培〔2019〕{len(made) + 3}号"},
        )
        provider.programmes.set(Programme.objects.all())
        made.append(provider)
    return made


def _step(klass: TrainingClass, actor: User, action: str, day: dt.date, note: str = "") -> TrainingClass:
    klass = services.class_action(actor=actor, training_class=klass, action=action, note=note, today=day)
    last = TrainingClassEvent.objects.filter(training_class=klass).order_by("-id").first()
    if last is not None:
        TrainingClassEvent.objects.filter(pk=last.pk).update(at=_at(day, 10))
    return klass


def _make(
    *,
    county: Region,
    officer: User,
    provider: Provider,
    code: str,
    name: str,
    days: list[dt.date],
    filed: bool,
) -> TrainingClass:
    """A class whose timetable covers the programme's hours over ``days`` (created before the first day)."""
    programme = Programme.objects.get(code=code)
    created = calendar.workdays_before(days[0], 8)
    klass = services.class_create(
        actor=officer,
        data={
            "region": county.code,
            "programme": programme.pk,
            "provider": provider.pk,
            "name": f"{county.name}{name}{MARK}",
            "place": f"{county.name}返乡创业综合服务中心培训室",
            "mode": "online" if code == "online_startup" else "offline",
            "start_date": days[0],
            "end_date": days[-1],
            "teacher_names": "李明、王芳",
        },
        today=created,
    )
    TrainingClass.objects.filter(pk=klass.pk).update(created_at=_at(created))
    left = Decimal(programme.hours_required)
    for day in days:
        hours = min(left, Decimal(HOURS_PER_DAY))
        if hours <= 0:
            break
        end = dt.time(8 + int(hours) + (1 if hours > 4 else 0), 30 if hours % 1 else 0)
        services.session_add(
            actor=officer,
            training_class=klass,
            data={
                "date": day,
                "start_time": "08:00",
                "end_time": end.strftime("%H:%M"),
                "hours": str(hours),
                "topic": f"{programme.name} 第{days.index(day) + 1}讲",
            },
        )
        left -= hours
    if filed:
        klass = _step(klass, officer, "file", created)
    return TrainingClass.objects.get(pk=klass.pk)


def _enrol(klass: TrainingClass, officer: User, people: list[Entrepreneur], count: int, **extra: Any) -> list:
    made = []
    for person in people:
        if len(made) >= count:
            break
        try:
            made.append(
                services.enrolment_create(
                    actor=officer, training_class=klass, data={"entrepreneur": person.pk, **extra}
                )
            )
        except DomainError:
            continue
    return made


def load() -> list[str]:
    if TrainingClass.objects.filter(name__endswith=MARK).exists() or not Entrepreneur.objects.exists():
        return []
    admin = User.objects.filter(username="city_admin").first()
    if admin is None or not Programme.objects.exists():
        return []
    rng = random.Random(SEED)
    today = timezone.localdate()
    providers = _providers()
    made: list[str] = []
    for n, code in enumerate(COUNTIES):
        officer = User.objects.filter(username=f"officer_{code}").first()
        county = Region.objects.filter(code=code).first()
        if officer is None or county is None:
            continue
        provider = providers[n % len(providers)]
        people = list(
            Entrepreneur.objects.filter(region__tree_path__startswith=county.tree_path, is_pensioner=False)
            .filter(is_full_time_student=False, birth_date__gt=dt.date(today.year - 58, 1, 1))
            .order_by("id")[:200]
        )
        rng.shuffle(people)
        # finished last month: GYB (20 hours, 3 days)
        start = calendar.workdays_before(today, 30)
        days = _workdays_from(start, 3)
        finished = _make(county=county, officer=officer, provider=provider, code="gyb", name="GYB创业意识培训班",
                         days=days, filed=True)  # fmt: skip
        finished = _step(finished, admin, "approve", calendar.add_workdays(finished.filed_on, 1))
        trainees = _enrol(finished, officer, people[:20], 12)
        finished = _step(finished, officer, "start", days[0])
        for i, e in enumerate(trainees):
            hours = Decimal("20") if i % 4 else Decimal("14")
            Enrolment.objects.filter(pk=e.pk).update(
                hours_attended=hours,
                assessment_passed=i % 4 != 0,
                completed=i % 4 != 0,
                completed_on=days[-1] if i % 4 else None,
                completion_reason=(f"已出勤 {hours} 学时，共 20 学时，需 16 学时" + ("；考核已通过" if i % 4
                                   else "；出勤不足，还差 2 学时；考核未通过")),
            )  # fmt: skip
        _step(finished, officer, "finish", days[-1])
        # running this week: IYB (40 hours, 5 days), started on a working day before today
        start = calendar.workdays_before(today, 2)
        days = _workdays_from(start, 5)
        running = _make(county=county, officer=officer, provider=providers[(n + 1) % 2], code="iyb",
                        name="IYB改善企业培训班", days=days, filed=True)  # fmt: skip
        running = _step(running, admin, "approve", calendar.add_workdays(running.filed_on, 1))
        trainees = _enrol(running, officer, people[20:40], 10)
        running = _step(running, officer, "start", days[0])
        for i, e in enumerate(trainees):
            done = sum(1 for d in days if d < today)
            Enrolment.objects.filter(pk=e.pk).update(
                hours_attended=Decimal(HOURS_PER_DAY * max(done - i % 2, 0))
            )
        # approved, open for enrolment, a session today: SYB (80 hours over 10 days from today)
        days = [today, *_workdays_from(today + dt.timedelta(days=1), 9)]
        open_class = _make(county=county, officer=officer, provider=provider, code="syb", name="SYB创办企业培训班",
                           days=days, filed=True)  # fmt: skip
        open_class = _step(open_class, admin, "approve", calendar.add_workdays(open_class.filed_on, 1))
        _enrol(open_class, officer, people[40:60], 6)
        if code == "411625":
            days = _workdays_from(calendar.add_workdays(today, 6), 9)
            leaders = _make(county=county, officer=officer, provider=provider, code="village_leader",
                            name="贫困村创业致富带头人培训班", days=days, filed=True)  # fmt: skip
            leaders = _step(leaders, admin, "approve", calendar.add_workdays(leaders.filed_on, 1))
            for i, person in enumerate(people[60:66]):
                _enrol(leaders, officer, [person], 1, village_name=f"{county.name}第{i + 1}村",
                       post=(VillagePost.SECRETARY, VillagePost.DIRECTOR, VillagePost.LEADER)[i % 3])  # fmt: skip
        # filed, waiting for approval (two weeks ahead), and a draft (next month)
        days = _workdays_from(calendar.add_workdays(today, 10), 3)
        _make(county=county, officer=officer, provider=provider, code="gyb", name="GYB创业意识培训班（二期）",
              days=days, filed=True)  # fmt: skip
        days = _workdays_from(calendar.add_workdays(today, 22), 8)
        _make(county=county, officer=officer, provider=provider, code="online_startup", name="网络创业培训班",
              days=days, filed=False)  # fmt: skip
        made.append(county.name)
    enrolled = Enrolment.objects.filter(status=EnrolmentStatus.ENROLLED, training_class__name__endswith=MARK)
    return [f"training: {len(made)} counties, {enrolled.count()} enrolments"] if made else []
