"""Test data for attendance and certificates, made directly through the models (no class workflow)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from fanxiang.accounts.models import Organization, OrganizationKind, RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.regions.models import Region
from fanxiang.training.choices import ClassStatus, ProgrammeKind
from fanxiang.training.models import ClassSession, Enrolment, Programme, Provider, TrainingClass

_seq = itertools.count(1)
DAY = dt.date(2020, 9, 21)
TZ = timezone.get_default_timezone()


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    """An aware time in Beijing time."""
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hh, mm, ss), TZ)


def county(code: str) -> Region:
    return Region.objects.get(code=code)


def officer(code: str = "411625") -> User:
    user, _ = User.objects.get_or_create(
        username=f"att_officer_{code}", defaults={"real_name": f"经办{code}"}
    )
    RoleAssignment.objects.get_or_create(user=user, role=Role.COUNTY_OFFICER, region=county(code))
    return User.objects.get(pk=user.pk)


def teacher(klass: TrainingClass | None = None) -> User:
    """A teacher; with ``klass``, made one of the class's institution (see :func:`bind_teacher`)."""
    user = User.objects.create(username=f"att_teacher_{next(_seq)}", real_name="授课教师")
    if klass is not None:
        bind_teacher(user, klass)
    return User.objects.get(pk=user.pk)


def bind_teacher(user: User, klass: TrainingClass) -> None:
    """What makes a user count as the class's teacher: a user of its institution holding the institution
    role over its county, on the class's teachers."""
    User.objects.filter(pk=user.pk).update(organization=klass.provider.organization)
    RoleAssignment.objects.get_or_create(user=user, role=Role.TRAINING_PROVIDER, region=klass.region)
    klass.teachers.add(user)


def programme(hours: str = "70", kind: str = ProgrammeKind.SYB) -> Programme:
    n = next(_seq)
    return Programme.objects.create(
        code=f"att-{n}", kind=kind, name=f"创办你的企业{n}", hours_required=Decimal(hours)
    )


def provider() -> Provider:
    n = next(_seq)
    org = Organization.objects.create(
        code=f"ATT-{n}", name=f"周口市职业培训学校{n}", kind=OrganizationKind.OTHER, region=county("411600")
    )
    return Provider.objects.create(organization=org, valid_from=dt.date(2019, 1, 1))


def make_class(
    code: str = "411625",
    *,
    status: str = ClassStatus.RUNNING,
    hours: str = "70",
    kind: str = ProgrammeKind.SYB,
    day: dt.date = DAY,
    teachers: tuple = (),
) -> TrainingClass:
    klass = TrainingClass.objects.create(
        region=county(code),
        programme=programme(hours, kind),
        provider=provider(),
        name=f"创业培训班{next(_seq)}",
        start_date=day,
        end_date=day + dt.timedelta(days=9),
        capacity=30,
        status=status,
    )
    klass.teachers.set(teachers)
    for t in teachers:
        bind_teacher(t, klass)
    return klass


def session(klass: TrainingClass, *, day: dt.date = DAY, hours: str = "8", **kw) -> ClassSession:
    kw.setdefault("start_time", dt.time(8, 0))
    kw.setdefault("end_time", dt.time(17, 0))
    return ClassSession.objects.create(training_class=klass, date=day, hours=Decimal(hours), **kw)


def person(code: str = "411625"):
    admin = User.objects.get(username="city_admin")
    township = Region.objects.filter(parent__code=code).order_by("code").first()
    data = person_data(
        id_number=make_id(area=code), mobile="", region=township.code, name=f"王学员{next(_seq)}"
    )
    return registry.entrepreneur_create(actor=admin, data=data)


def enrol(klass: TrainingClass, who=None, **kw) -> Enrolment:
    return Enrolment.objects.create(training_class=klass, entrepreneur=who or person(klass.region.code), **kw)


def portal_user(entrepreneur) -> User:
    """The portal user of a registry person, as services see it (see portal.services.portal_actor)."""
    user = User.objects.create(username=f"att-portal-{next(_seq)}")
    user.entrepreneur_id = entrepreneur.pk
    return user
