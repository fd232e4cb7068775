"""The training classes' kinds of the to-do inbox (fanxiang.training.todos_classes): classes to file, to
approve, to finish, and today's sessions' roll — each counted only for holders of the step and inside their
scope, each linking to a page that lists exactly the records counted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from fanxiang.accounts.models import Organization, RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.core import calendar
from fanxiang.core.errors import InvalidInput
from fanxiang.core.tasks import tasks_for
from fanxiang.regions.models import Region
from fanxiang.training import services
from fanxiang.training.choices import ClassStatus
from fanxiang.training.models import ClassSession, Parameters, Provider, TrainingClass
from fanxiang.training.tests import factories as f
from fanxiang.training.tests import factories_attendance as fa
from fanxiang.training.todos_classes import filing_deadline

pytestmark = pytest.mark.django_db

C = ClassStatus
MON = dt.date(2020, 9, 14)  # a Monday; 2020-09-27 (a Sunday) is a working day (国庆节调休)


def demo_provider() -> Provider:
    org = Organization.objects.get(code="DEMO-TRN-01")
    return Provider.objects.get_or_create(organization=org, defaults={"valid_from": dt.date(2019, 1, 1)})[0]


def other_provider_user(provider: Provider, code: str = "411625") -> User:
    """Staff of another training institution, holding the institution role over the county."""
    user = User.objects.create(username=f"trn_staff_{provider.pk}", organization=provider.organization)
    RoleAssignment.objects.create(
        user=user, role=Role.TRAINING_PROVIDER, region=Region.objects.get(code=code)
    )
    return User.objects.get(pk=user.pk)


def klass(name: str, status: str, *, code: str = "411625", provider: Provider | None = None, **dates):
    today = timezone.localdate()
    start = dates.get("start", today + dt.timedelta(days=60))
    return TrainingClass.objects.create(
        region=Region.objects.get(code=code),
        programme=fa.programme(),
        provider=provider or demo_provider(),
        name=name,
        start_date=start,
        end_date=dates.get("end", start + dt.timedelta(days=9)),
        capacity=30,
        status=status,
    )


def inbox(user: User, on: dt.date | None = None) -> dict[str, dict]:
    return {i["kind"]: i for i in tasks_for(user, on=on)["items"]}


def listed(user: User, url: str, names: list[str]) -> set[str]:
    """Which of ``names`` the page at ``url`` shows to ``user``."""
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return {n for n in names if re.search(rf">{re.escape(n)}<", html)}


@pytest.fixture
def world(demo):
    other = fa.provider()
    return {**demo, "other_provider": other_provider_user(other), "other": other}


# --------------------------------------------------------------------------- file (备案)


def test_classes_to_file_are_counted_in_scope_for_runners_only(world):
    theirs = world["other"]
    klass("甲草稿班", C.DRAFT)
    klass("甲退回班", C.RETURNED)
    klass("乙草稿班", C.DRAFT, provider=theirs)
    klass("鹿邑草稿班", C.DRAFT, code="411628")
    klass("甲已备案班", C.FILED)
    klass("甲招生班", C.APPROVED)
    names = ["甲草稿班", "甲退回班", "乙草稿班", "鹿邑草稿班", "甲已备案班", "甲招生班"]
    expected = {
        "officer_411625": {"甲草稿班", "甲退回班", "乙草稿班"},
        "officer_411628": {"鹿邑草稿班"},
        "provider_411625": {"甲草稿班", "甲退回班"},
        "other_provider": {"乙草稿班"},
    }
    for username, mine in expected.items():
        item = inbox(world[username])["training.class_file"]
        assert item["title"] == "待备案的培训班"
        assert item["count"] == len(mine), username
        assert item["url"] == "/training/classes/?task=file"
        assert listed(world[username], item["url"], names) == mine, username
    # the city reviews but does not file; the window clerk neither
    assert "training.class_file" not in inbox(world["city_admin"])
    assert "training.class_file" not in inbox(world["service_clerk"])
    assert listed(world["city_admin"], "/training/classes/?task=file", names) == set()


def test_the_filing_deadline_is_the_services_last_day():
    lead = Parameters.on(MON).filing_lead_workdays
    officer = f.officer("411625")
    # a Monday, a Saturday, and the Monday after the working Sunday 2020-09-27
    for start in (dt.date(2020, 9, 21), dt.date(2020, 9, 26), dt.date(2020, 9, 28)):
        last = filing_deadline(start, lead)
        assert (
            calendar.workdays_between(last, start)
            >= lead
            > calendar.workdays_between(last + dt.timedelta(days=1), start)
        )
        in_time = f.make_class(today=MON, start_date=start)
        assert services.class_file(actor=officer, training_class=in_time, today=last).status == C.FILED
        late = f.make_class(today=MON, start_date=start)
        with pytest.raises(InvalidInput) as refused:
            services.class_file(actor=officer, training_class=late, today=last + dt.timedelta(days=1))
        assert refused.value.code == "training.filing_too_late"
        # the refusal names that same last day (it named a day the service refuses for a Saturday start)
        assert f"最晚应于{last.year}年{last.month}月{last.day}日备案" in refused.value.message
    # the 3rd working day counted back from the start (itself included), less a day
    assert filing_deadline(dt.date(2020, 9, 21), 3) == dt.date(2020, 9, 16)  # Mon, Fri, Thu 17: Wed 16
    assert filing_deadline(dt.date(2020, 9, 28), 3) == dt.date(2020, 9, 24)  # Mon, Sun 27 (works), Fri 25
    assert filing_deadline(dt.date(2020, 9, 26), 3) == dt.date(2020, 9, 22)  # Sat: Fri, Thu, Wed 23


def test_classes_to_file_overdue_and_due_soon_by_the_filing_lead(demo):
    assert Parameters.on(MON).filing_lead_workdays == 3
    klass("已来不及备案班", C.DRAFT, start=dt.date(2020, 9, 15))  # last day Thu 09-10: overdue
    klass("开班已过班", C.RETURNED, start=dt.date(2020, 9, 1))  # overdue
    klass("今日须备案班", C.DRAFT, start=dt.date(2020, 9, 17))  # last day Mon 09-14: due soon
    klass("明日须备案班", C.DRAFT, start=dt.date(2020, 9, 18))  # last day Tue 09-15: due soon
    klass("尚早班", C.DRAFT, start=dt.date(2020, 9, 21))  # last day Wed 09-16
    item = inbox(demo["provider_411625"], on=MON)["training.class_file"]
    assert (item["count"], item["overdue"], item["due_soon"]) == (5, 2, 2)
    later = inbox(demo["provider_411625"], on=dt.date(2020, 9, 16))["training.class_file"]
    assert (later["count"], later["overdue"], later["due_soon"]) == (5, 4, 1)


# --------------------------------------------------------------------------- approve (审批)


def test_filed_classes_wait_for_the_county_and_the_city_only(world):
    klass("郸城备案班", C.FILED)
    klass("郸城他校备案班", C.FILED, provider=world["other"])
    klass("鹿邑备案班", C.FILED, code="411628")
    klass("郸城草稿班", C.DRAFT)
    names = ["郸城备案班", "郸城他校备案班", "鹿邑备案班", "郸城草稿班"]
    expected = {
        "officer_411625": {"郸城备案班", "郸城他校备案班"},
        "officer_411628": {"鹿邑备案班"},
        "city_admin": {"郸城备案班", "郸城他校备案班", "鹿邑备案班"},
    }
    for username, mine in expected.items():
        item = inbox(world[username])["training.class_approve"]
        assert item["title"] == "待审批的培训班备案"
        assert (item["count"], item["overdue"], item["due_soon"]) == (len(mine), 0, 0), username
        assert item["url"] == "/training/classes/?task=approve"
        assert listed(world[username], item["url"], names) == mine, username
    # the institution files its classes but never approves them
    for username in ("provider_411625", "other_provider", "teacher_411625"):
        assert "training.class_approve" not in inbox(world[username])
        assert listed(world[username], "/training/classes/?task=approve", names) == set()


# --------------------------------------------------------------------------- finish (结业)


def test_running_classes_past_their_end_wait_to_be_finished(world):
    today = timezone.localdate()
    ago = today - dt.timedelta(days=20)
    klass("已结束开班中班", C.RUNNING, start=ago, end=today - dt.timedelta(days=1))
    klass("今日结束班", C.RUNNING, start=ago, end=today)
    klass("他校已结束班", C.RUNNING, start=ago, end=today - dt.timedelta(days=3), provider=world["other"])
    klass("鹿邑已结束班", C.RUNNING, start=ago, end=today - dt.timedelta(days=1), code="411628")
    klass("已结业班", C.FINISHED, start=ago, end=today - dt.timedelta(days=5))
    names = ["已结束开班中班", "今日结束班", "他校已结束班", "鹿邑已结束班", "已结业班"]
    expected = {
        "officer_411625": {"已结束开班中班", "他校已结束班"},
        "officer_411628": {"鹿邑已结束班"},
        "provider_411625": {"已结束开班中班"},
        "other_provider": {"他校已结束班"},
    }
    for username, mine in expected.items():
        item = inbox(world[username])["training.class_finish"]
        assert item["title"] == "待结业的培训班"
        assert item["count"] == len(mine), username
        assert item["url"] == "/training/classes/?task=finish"
        assert listed(world[username], item["url"], names) == mine, username
    assert "training.class_finish" not in inbox(world["city_admin"])


# --------------------------------------------------------------------------- today's roll (课堂签到)


def _session(k: TrainingClass, day: dt.date) -> ClassSession:
    return fa.session(k, day=day, start_time=dt.time(8, 0), end_time=dt.time(11, 0), hours="3")


def test_todays_roll_for_the_teacher_the_institution_and_the_county(world):
    today = timezone.localdate()
    start = today - dt.timedelta(days=2)
    taught = klass("教师任课班", C.RUNNING, start=start)
    untaught = klass("本校他班", C.APPROVED, start=start)
    theirs = klass("他校开班中", C.RUNNING, start=start, provider=world["other"])
    draft = klass("草稿有课班", C.DRAFT, start=start)
    elsewhere = klass("鹿邑开班中", C.RUNNING, start=start, code="411628")
    s_taught, s_untaught, s_theirs = (
        _session(taught, today),
        _session(untaught, today),
        _session(theirs, today),
    )
    _session(draft, today)
    _session(elsewhere, today)
    _session(taught, today + dt.timedelta(days=1))
    teacher = world["teacher_411625"]
    fa.bind_teacher(teacher, taught)
    teacher = User.objects.get(pk=teacher.pk)

    def roll(user):
        return inbox(user).get("training.session_roll")

    # the teacher: today's session of the class taught, not the institution's other class
    mine = roll(teacher)
    assert mine["title"] == "今日课堂签到" and mine["count"] == 1
    assert mine["url"] == f"/training/sessions/{s_taught.pk}/roll/"
    client = Client()
    client.force_login(teacher)
    assert client.get(mine["url"]).status_code == 200
    # another institution's one class: its roll page directly
    assert roll(world["other_provider"])["url"] == f"/training/sessions/{s_theirs.pk}/roll/"
    # the institution's staff and the county: the calendar of today's sessions, exactly those counted
    wanted = {
        "provider_411625": {s_taught, s_untaught},
        "officer_411625": {s_taught, s_untaught, s_theirs},
    }
    for username, sessions in wanted.items():
        item = roll(world[username])
        assert item["count"] == len(sessions), username
        assert item["url"] == "/training/classes/calendar/?task=session_roll"
        client = Client()
        client.force_login(world[username])
        html = client.get(item["url"]).content.decode()
        linked = {int(pk) for pk in re.findall(r'href="/training/sessions/(\d+)/roll/"', html)}
        assert linked == {s.pk for s in sessions}, username
        assert f"今日待签到 {len(sessions)} 个课次" in html
    # a teacher's calendar lists only the class taught
    html = Client()
    html.force_login(teacher)
    page = html.get("/training/classes/calendar/?task=session_roll").content.decode()
    assert re.findall(r'href="/training/sessions/(\d+)/roll/"', page) == [str(s_taught.pk)]
    # nothing today for another county's officer here (鹿邑's one class: its own), none for the city
    assert roll(world["officer_411628"])["count"] == 1
    assert roll(world["city_admin"]) is None
    # a teacher who left the institution no longer takes the roll
    User.objects.filter(pk=teacher.pk).update(organization=world["other"].organization)
    assert roll(User.objects.get(pk=teacher.pk)) is None


# --------------------------------------------------------------------------- the home panel and the API


def test_home_panel_and_me_tasks_show_the_class_rows(world, api):
    klass("面板草稿班", C.DRAFT)
    klass("面板备案班", C.FILED)
    provider = world["provider_411625"]
    client = Client()
    client.force_login(provider)
    html = client.get("/").content.decode()
    items = tasks_for(provider)["items"]
    assert [i["kind"] for i in items] == ["training.class_file"]
    assert 'href="/training/classes/?task=file"' in html and "待备案的培训班" in html
    assert "今日无待办" not in html
    officer = api("officer_411625").get("/api/v1/me/tasks").json()
    kinds = {i["kind"]: i["count"] for i in officer["items"]}
    assert kinds["training.class_file"] == 1 and kinds["training.class_approve"] == 1
