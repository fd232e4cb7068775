"""The staff pages of the training app: the class list and calendar, the class form, the timetable, the class
page with its workflow buttons, roster and enrolment form, and the person-page section. Every page for each
role that works on classes; another county's class is 404; refusals read in Chinese with the code in
``data-code`` only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from fanxiang.entrepreneurs.tests.factories import make_id
from fanxiang.training.models import ClassSession, Enrolment, TrainingClass
from fanxiang.training.tests.factories import (
    MONDAY,
    START,
    class_data,
    class_in,
    enrol,
    make_class,
    officer,
    person,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """The pages' "today" is the factories' Monday (2020-09-14)."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: MONDAY)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def page(response) -> str:
    return response.content.decode()


def codes(html: str) -> set[str]:
    return set(re.findall(r'data-code="([a-z_.]+)"', html))


def test_list_per_role_with_count_and_scope(demo):
    mine = class_in("approved", "411625")
    theirs = class_in("approved", "411628")
    for username in ("officer_411625", "service_clerk", "city_admin"):
        html = page(client_for(demo[username]).get("/training/classes/"))
        assert "共 " in html and mine.name in html, username
        assert (f'href="/training/classes/{theirs.pk}/"' in html) == (username == "city_admin"), username
    filtered = page(client_for(demo["city_admin"]).get("/training/classes/?region=411628&status=approved"))
    assert f'href="/training/classes/{theirs.pk}/"' in filtered and "共 1 条" in filtered
    assert f'href="/training/classes/{mine.pk}/"' not in filtered
    month = page(client_for(demo["city_admin"]).get("/training/classes/?month=2020-10"))
    assert f'href="/training/classes/{mine.pk}/"' not in month and "暂无记录" in month


def test_calendar_shows_the_sessions_of_the_month(demo):
    klass = make_class("411625")
    html = page(client_for(officer()).get("/training/classes/calendar/?month=2020-09"))
    assert f'data-date="{START.isoformat()}"' in html and klass.name in html
    other = page(client_for(officer("411628")).get("/training/classes/calendar/?month=2020-09"))
    assert klass.name not in other


def test_another_countys_class_is_404_everywhere(demo):
    klass = class_in("approved", "411628")
    c = client_for(officer("411625"))
    for url in ("", "edit/", "import/", "import/template/"):
        assert c.get(f"/training/classes/{klass.pk}/{url}").status_code == 404, url
    for url in ("actions/cancel/", "sessions/", "enrol/"):
        assert c.post(f"/training/classes/{klass.pk}/{url}", {"note": "x"}).status_code == 404, url
    assert TrainingClass.objects.get(pk=klass.pk).status == "approved"


def test_create_a_class_and_a_refusal_on_the_form(demo):
    c = client_for(officer())
    assert c.get("/training/classes/new/").status_code == 200
    data = {k: v for k, v in class_data().items() if v is not None}
    data["end_date"] = START + dt.timedelta(days=2)
    r = c.post("/training/classes/new/", {**data, "capacity": "31"})
    assert r.status_code == 422
    html = page(r)
    assert "每班人数不能超过30人" in html and "training.capacity_over_limit" in codes(html)
    assert "training.capacity_over_limit" not in re.sub(r'data-code="[^"]*"', "", html)  # code not in text
    r = c.post("/training/classes/new/", {**data, "capacity": "25"})
    assert r.status_code == 302
    klass = TrainingClass.objects.get(name=data["name"])
    assert (klass.status, klass.capacity, r["Location"]) == ("draft", 25, f"/training/classes/{klass.pk}/")


def test_edit_while_draft_only(demo):
    klass = make_class()
    c = client_for(officer())
    data = {k: v for k, v in class_data().items() if v is not None}
    data.update(name="改名后的培训班", start_date=klass.start_date, end_date=klass.end_date, capacity=20)
    r = c.post(f"/training/classes/{klass.pk}/edit/", data)
    assert r.status_code == 302, page(r)
    klass.refresh_from_db()
    assert (klass.name, klass.capacity) == ("改名后的培训班", 20)
    filed = class_in("filed")
    assert c.get(f"/training/classes/{filed.pk}/edit/").status_code == 404


def test_timetable_add_and_remove(demo):
    klass = make_class(sessions=0)
    c = client_for(officer())
    url = f"/training/classes/{klass.pk}/sessions/"
    r = c.post(url, {"date": START, "start_time": "09:00", "end_time": "10:00", "hours": "4"})
    assert r.status_code == 422 and "training.session_hours_too_many" in codes(page(r))
    r = c.post(
        url, {"date": START, "start_time": "08:00", "end_time": "12:00", "hours": "4", "topic": "市场"}
    )
    assert r.status_code == 302
    session = ClassSession.objects.get(training_class=klass)
    html = page(c.get(f"/training/classes/{klass.pk}/"))
    assert "市场" in html and 'data-testid="session-delete"' in html
    assert c.post(f"/training/classes/{klass.pk}/sessions/{session.pk}/delete/").status_code == 302
    assert not ClassSession.objects.filter(pk=session.pk).exists()


def test_workflow_buttons_and_refusals(demo):
    klass = make_class()
    c = client_for(officer())
    html = page(c.get(f"/training/classes/{klass.pk}/"))
    assert 'data-testid="action-file"' in html and 'data-testid="action-approve"' not in html
    r = c.post(f"/training/classes/{klass.pk}/actions/file/", follow=True)
    assert TrainingClass.objects.get(pk=klass.pk).status == "filed"
    assert "已备案" in page(r)
    # return needs a reason: refused in Chinese, the code in data-code only
    r = c.post(f"/training/classes/{klass.pk}/actions/return/", {"note": ""}, follow=True)
    html = page(r)
    assert TrainingClass.objects.get(pk=klass.pk).status == "filed"
    assert any(code.startswith("training.") for code in codes(html))
    r = c.post(f"/training/classes/{klass.pk}/actions/return/", {"note": "课表不全"}, follow=True)
    assert TrainingClass.objects.get(pk=klass.pk).status == "returned"
    assert "课表不全" in page(r)


def test_roster_shows_hours_and_the_completion_reason(demo):
    klass = class_in("approved")
    e = enrol(klass)
    Enrolment.objects.filter(pk=e.pk).update(hours_attended=12)
    html = page(client_for(officer()).get(f"/training/classes/{klass.pk}/"))
    assert e.entrepreneur.name in html and "12.0" in html and "需 16 学时" in html


def test_enrol_a_registry_person_and_the_refusals(demo):
    klass = class_in("approved", capacity=1)
    c = client_for(officer())
    url = f"/training/classes/{klass.pk}/enrol/"
    first = person()
    picker = page(c.get(f"/training/classes/people/?q={first.id_number_masked[-4:]}"))
    assert f'value="{first.pk}"' in picker
    assert c.post(url, {"entrepreneur": first.pk}).status_code == 302
    assert Enrolment.objects.filter(training_class=klass, entrepreneur=first, source="staff").exists()
    r = c.post(url, {"entrepreneur": person().pk})
    html = page(r)
    assert r.status_code == 422 and "本班已满员（1人）" in html and "training.class_full" in codes(html)


def test_enrol_a_new_trainee_by_id_number(demo):
    klass = class_in("approved")
    c = client_for(demo["service_clerk"])
    url = f"/training/classes/{klass.pk}/enrol/"
    r = c.post(url, {"id_number": "411625198501010000", "name": "新学员"})
    html = page(r)
    assert r.status_code == 422 and "身份证" in html
    assert any(code.startswith("id") for code in codes(html)), codes(html)
    old = make_id(area="411625", birth="19500101")
    r = c.post(url, {"id_number": old, "name": "年长者", "mobile": ""})
    html = page(r)
    assert r.status_code == 422 and "training.age_out_of_range" in codes(html) and "周岁" in html
    assert not Enrolment.objects.filter(training_class=klass).exists()
    new = make_id(area="411625", birth="19900202")
    r = c.post(url, {"id_number": new, "name": "王新", "mobile": "13812345678"})
    assert r.status_code == 302, page(r)
    assert Enrolment.objects.get(training_class=klass).entrepreneur.name == "王新"


def test_person_page_lists_the_trainings(demo):
    klass = class_in("approved")
    e = enrol(klass)
    html = page(client_for(officer()).get(f"/entrepreneurs/{e.entrepreneur_id}/"))
    assert 'data-testid="person-trainings"' in html and klass.name in html and "培训记录" in html
