"""Test data for the training app: providers, bases, classes in any state, registry people, enrolments."""

from __future__ import annotations

import datetime as dt
import itertools

from fanxiang.accounts.models import Organization, OrganizationKind, User
from fanxiang.credit.models import Recommender, RecommenderKind
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.regions.models import Region
from fanxiang.training import services
from fanxiang.training.models import Base, Enrolment, Programme, Provider, TrainingClass

_seq = itertools.count(1)
MONDAY = dt.date(2020, 9, 14)  # "today" of most tests
START = dt.date(2020, 9, 21)  # five working days later


def officer(code: str = "411625") -> User:
    return User.objects.get(username=f"officer_{code}")


def city_admin() -> User:
    return User.objects.get(username="city_admin")


def county(code: str) -> Region:
    return Region.objects.get(code=code)


def programme(code: str = "syb") -> Programme:
    return Programme.objects.get(code=code)


def provider(**kw) -> Provider:
    n = next(_seq)
    org = Organization.objects.create(
        code=f"TRN-{n}", name=f"周口市职业培训学校{n}", kind=OrganizationKind.OTHER, region=county("411600")
    )
    kw.setdefault("valid_from", dt.date(2019, 1, 1))
    return Provider.objects.create(organization=org, **kw)


def base(code: str = "411625", **kw) -> Base:
    rec = Recommender.objects.create(
        kind=RecommenderKind.INCUBATION_TRAINING_BASE,
        name=f"创业孵化实训基地{next(_seq)}",
        region=county(code),
        valid_from=kw.pop("valid_from", dt.date(2019, 1, 1)),
        valid_to=kw.pop("valid_to", None),
    )
    return Base.objects.create(recommender=rec, **kw)


def class_data(code: str = "411625", **kw) -> dict:
    data = {
        "region": code,
        "programme": programme(kw.pop("programme_code", "gyb")).pk,
        "provider": kw.pop("provider_id", None) or provider().pk,
        "name": f"创业培训班{code}-{next(_seq)}",
        "place": "县人社局培训教室",
        "mode": "offline",
        "start_date": START,
        "end_date": START + dt.timedelta(days=4),
    }
    data.update(kw)
    return data


def make_class(
    code: str = "411625", *, today: dt.date = MONDAY, sessions: int | None = None, **kw
) -> TrainingClass:
    """A draft class with a timetable covering the programme's hours: one 8-hour session a day."""
    data = class_data(code, **kw)
    hours = Programme.objects.get(pk=data["programme"]).hours_required
    count = sessions if sessions is not None else -(-int(hours) // 8)
    if "end_date" not in kw:
        data["end_date"] = data["start_date"] + dt.timedelta(days=max(count - 1, 0))
    klass = services.class_create(actor=officer(code), data=data, today=today)
    for i in range(count):
        services.session_add(
            actor=officer(code),
            training_class=klass,
            data={
                "date": klass.start_date + dt.timedelta(days=i),
                "start_time": "08:00",
                "end_time": "17:00",
                "hours": "8",
            },
        )
    return TrainingClass.objects.get(pk=klass.pk)


STEPS = {"filed": ["file"], "approved": ["file", "approve"], "running": ["file", "approve", "start"]}


def class_in(state: str, code: str = "411625", **kw) -> TrainingClass:
    """A class brought to ``state`` through the services (filed on MONDAY, started on its start date)."""
    klass = make_class(code, **kw)
    for action in STEPS.get(state, []):
        day = klass.start_date if action == "start" else MONDAY
        klass = services.class_action(actor=officer(code), training_class=klass, action=action, today=day)
    if state not in STEPS and state != "draft":
        raise ValueError(state)
    return klass


def person(code: str = "411625", *, birth: str = "19850101", **flags):
    township = Region.objects.filter(parent__code=code).order_by("code").first()
    data = person_data(
        id_number=make_id(area=code, birth=birth), mobile="", region=township.code, name=f"学员{next(_seq)}"
    )
    p = registry.entrepreneur_create(actor=city_admin(), data=data)
    if flags:
        type(p).objects.filter(pk=p.pk).update(**flags)
        p.refresh_from_db()
    return p


def enrol(klass: TrainingClass, who=None, *, code: str | None = None, **data) -> Enrolment:
    code = code or klass.region.code
    who = who or person(code)
    return services.enrolment_create(
        actor=officer(code), training_class=klass, data={"entrepreneur": who.pk, **data}, today=MONDAY
    )
