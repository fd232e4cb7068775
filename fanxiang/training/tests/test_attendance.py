"""Attendance: the rotating code in its window, check-in rules, teacher marks, online time, hours summed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from fanxiang.core.errors import DomainError
from fanxiang.training import attendance as att
from fanxiang.training.choices import ClassMode, ClassStatus
from fanxiang.training.models import Attendance, Parameters
from fanxiang.training.tests import factories_attendance as f

pytestmark = pytest.mark.django_db

NOON = f.at(f.DAY, 12, 0, 0)


def _window_start(session, now):
    seconds = att.window_seconds(session)
    return dt.datetime.fromtimestamp(att.window_of(session, now) * seconds, tz=dt.UTC)


@pytest.fixture
def setup():
    klass = f.make_class()
    s = f.session(klass)
    e = f.enrol(klass)
    return klass, s, e


def _checkin(s, e, code, now, **kw):
    return att.attendance_checkin(
        session=s, code=code, actor=f.portal_user(e.entrepreneur), person_id=e.entrepreneur_id, now=now, **kw
    )


def _code(exc) -> str:
    return exc.value.code


def test_code_valid_through_its_window_and_refused_one_second_after(setup):
    _, s, e = setup
    start = _window_start(s, NOON)
    code = att.current_code(s, now=start).code
    last_second = start + dt.timedelta(seconds=29)
    assert att.current_code(s, now=last_second).code == code
    att.check_code(s, code, now=last_second)  # still its window
    with pytest.raises(DomainError) as exc:
        att.check_code(s, code, now=start + dt.timedelta(seconds=30))
    assert _code(exc) == "training.checkin_code_expired"
    with pytest.raises(DomainError) as exc:
        _checkin(s, e, code, start + dt.timedelta(seconds=31))
    assert _code(exc) == "training.checkin_code_expired"
    assert not Attendance.objects.filter(enrolment=e).exists()


def test_code_changes_each_window_and_expires_at_its_end(setup):
    _, s, _ = setup
    start = _window_start(s, NOON)
    first = att.current_code(s, now=start)
    second = att.current_code(s, now=start + dt.timedelta(seconds=30))
    assert first.expires_at == start + dt.timedelta(seconds=30)
    assert len(first.code) == 6 and first.code.isdigit()
    assert first.window + 1 == second.window
    codes = {att.code_for(s, w) for w in range(first.window, first.window + 20)}
    assert len(codes) > 15  # they rotate


def test_window_length_is_the_parameter(setup):
    _, s, _ = setup
    Parameters.objects.create(valid_from=dt.date(2020, 9, 1), checkin_window_seconds=60)
    start = _window_start(s, NOON)
    assert (start.timestamp() % 60) == 0
    code = att.current_code(s, now=start).code
    att.check_code(s, code, now=start + dt.timedelta(seconds=59))
    with pytest.raises(DomainError):
        att.check_code(s, code, now=start + dt.timedelta(seconds=60))


def test_wrong_code_is_invalid(setup):
    _, s, e = setup
    good = att.current_code(s, now=NOON).code
    wrong = str((int(good) + 1) % 10**6).zfill(6)
    for bad in (wrong, "abc", "", "1234567"):
        with pytest.raises(DomainError) as exc:
            _checkin(s, e, bad, NOON)
        assert _code(exc) == "training.checkin_code_invalid"


def test_another_sessions_code_is_invalid(setup):
    klass, s, e = setup
    other = f.session(klass)
    code = att.current_code(other, now=NOON).code
    if code != att.current_code(s, now=NOON).code:
        with pytest.raises(DomainError) as exc:
            _checkin(s, e, code, NOON)
        assert _code(exc) == "training.checkin_code_invalid"


def test_checkin_records_hours_audits_and_refuses_a_second_time(setup):
    _, s, e = setup
    a = _checkin(s, e, att.current_code(s, now=NOON).code, NOON)
    assert a.source == "qr" and a.hours == Decimal("8") and a.at == NOON
    e.refresh_from_db()
    assert e.hours_attended == Decimal("8")
    assert LogEntry.objects.filter(
        object_pk=str(a.pk), additional_data__event=att.EVENT_MARK, additional_data__mark="checkin"
    ).exists()
    later = NOON + dt.timedelta(minutes=5)
    with pytest.raises(DomainError) as exc:
        _checkin(s, e, att.current_code(s, now=later).code, later)
    assert _code(exc) == "training.already_checked_in"
    assert Attendance.objects.filter(enrolment=e).count() == 1


def test_not_enrolled_is_refused(setup):
    _, s, _ = setup
    stranger = f.person()
    with pytest.raises(DomainError) as exc:
        att.attendance_checkin(
            session=s,
            code=att.current_code(s, now=NOON).code,
            actor=f.portal_user(stranger),
            person_id=stranger.pk,
            now=NOON,
        )
    assert _code(exc) == "training.not_enrolled"
    # enrolled in another class: still not this one
    other = f.enrol(f.make_class(), who=stranger)
    with pytest.raises(DomainError) as exc:
        _checkin(s, other, att.current_code(s, now=NOON).code, NOON)
    assert _code(exc) == "training.not_enrolled"


def test_checkin_only_while_the_session_runs(setup):
    _, s, e = setup
    too_early = f.at(f.DAY, 7, 44, 59)
    after = f.at(f.DAY, 17, 0, 1)
    for now in (too_early, after, f.at(f.DAY + dt.timedelta(days=1), 12)):
        with pytest.raises(DomainError) as exc:
            _checkin(s, e, att.current_code(s, now=now).code, now)
        assert _code(exc) == "training.session_not_running"
    opens = f.at(f.DAY, 7, 45)
    _checkin(s, e, att.current_code(s, now=opens).code, opens)


def test_checkin_refused_when_class_not_running():
    klass = f.make_class(status=ClassStatus.FINISHED)
    s = f.session(klass)
    e = f.enrol(klass)
    with pytest.raises(DomainError) as exc:
        _checkin(s, e, att.current_code(s, now=NOON).code, NOON)
    assert _code(exc) == "training.class_not_running"


def test_teacher_mark_needs_a_reason_and_is_audited(setup):
    klass, s, e = setup
    t = f.teacher(klass)
    for blank in ("", "   ", None):
        with pytest.raises(DomainError) as exc:
            att.attendance_mark(session=s, enrolment_id=e.pk, present=True, reason=blank, actor=t, now=NOON)
        assert _code(exc) == "training.reason_required"
    assert not Attendance.objects.exists()
    a = att.attendance_mark(
        session=s, enrolment_id=e.pk, present=True, reason="手机没电，现场核对身份证", actor=t, now=NOON
    )
    assert a.source == "teacher" and a.hours == Decimal("8") and a.marked_by == t
    a = att.attendance_mark(
        session=s, enrolment_id=e.pk, present=False, reason="代签，本人未到", actor=t, now=NOON
    )
    assert a.hours == Decimal("0")
    e.refresh_from_db()
    assert e.hours_attended == Decimal("0")
    marks = LogEntry.objects.filter(object_pk=str(a.pk), additional_data__event=att.EVENT_MARK)
    assert sorted(m.additional_data["mark"] for m in marks) == ["absent", "present"]
    assert all(m.actor_id == t.pk for m in marks)
    # absent stands: no check-in afterwards
    with pytest.raises(DomainError) as exc:
        _checkin(s, e, att.current_code(s, now=NOON).code, NOON)
    assert _code(exc) == "training.already_checked_in"


def test_only_teacher_or_county_staff_may_mark(setup):
    _, s, e = setup
    outsider = f.officer("411602")
    with pytest.raises(DomainError) as exc:
        att.attendance_mark(
            session=s, enrolment_id=e.pk, present=True, reason="补签", actor=outsider, now=NOON
        )
    assert exc.value.status == 404
    att.attendance_mark(
        session=s, enrolment_id=e.pk, present=True, reason="补签", actor=f.officer(), now=NOON
    )


def test_hours_summed_over_sessions(setup):
    klass, s, e = setup
    s2 = f.session(klass, day=f.DAY + dt.timedelta(days=1), hours="6.5")
    f.session(klass, day=f.DAY + dt.timedelta(days=2))  # missed
    _checkin(s, e, att.current_code(s, now=NOON).code, NOON)
    noon2 = NOON + dt.timedelta(days=1)
    _checkin(s2, e, att.current_code(s2, now=noon2).code, noon2)
    other = f.enrol(klass)
    att.attendance_mark(
        session=s, enrolment_id=other.pk, present=True, reason="补签", actor=f.officer(), now=NOON
    )
    e.refresh_from_db()
    other.refresh_from_db()
    assert e.hours_attended == Decimal("14.5")
    assert other.hours_attended == Decimal("8")
    assert att.enrolments_recompute_hours([e.pk, other.pk]) == 2


def test_online_watched_seconds_capped_and_proportional():
    klass = f.make_class()
    s = f.session(klass, hours="2", mode=ClassMode.ONLINE, video_seconds=3600)
    e = f.enrol(klass)
    kw = {"session": s, "actor": f.portal_user(e.entrepreneur), "person_id": e.entrepreneur_id, "now": NOON}
    a = att.attendance_watch(watched_seconds=1800, **kw)
    assert a.watched_seconds == 1800 and a.hours == Decimal("1.0")
    a = att.attendance_watch(watched_seconds=900, **kw)  # never goes down
    assert a.watched_seconds == 1800
    a = att.attendance_watch(watched_seconds=99999, **kw)
    assert a.watched_seconds == 3600 and a.hours == Decimal("2.0")
    e.refresh_from_db()
    assert e.hours_attended == Decimal("2.0")
    with pytest.raises(DomainError) as exc:
        att.attendance_watch(watched_seconds=-1, **kw)
    assert _code(exc) == "training.watched_invalid"


def test_roll_lists_every_trainee_with_the_mark(setup):
    klass, s, e = setup
    other = f.enrol(klass)
    _checkin(s, e, att.current_code(s, now=NOON).code, NOON)
    rows = {r.enrolment_id: r for r in att.roll_of(s)}
    assert rows[e.pk].present and rows[e.pk].source == "qr"
    assert not rows[other.pk].present and not rows[other.pk].marked


# --------------------------------------------------------------------------- API and pages (real clock)


@pytest.fixture
def live():
    """A running class with a session spanning the whole of today, a teacher and one trainee with a portal token."""
    from django.utils import timezone

    from fanxiang.conftest import ApiClient
    from fanxiang.portal.auth import issue_token
    from fanxiang.portal.tests.factories import bound_account

    t = f.teacher()
    klass = f.make_class(teachers=(t,))
    s = f.session(klass, day=timezone.localdate(), start_time=dt.time(0, 0), end_time=dt.time(23, 59, 59))
    e = f.enrol(klass)
    account = bound_account(e.entrepreneur, "13900139001")
    token, _ = issue_token(account)
    return {"teacher": t, "klass": klass, "session": s, "enrolment": e, "trainee": ApiClient(token)}


def _staff(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def test_api_teacher_code_then_trainee_checkin(live):
    s, e = live["session"], live["enrolment"]
    body = _staff(live["teacher"]).get(f"/api/v1/training/sessions/{s.pk}/checkin-code").json()
    assert (
        len(body["code"]) == 6
        and body["expires_at"]
        and f"/portal/training/checkin/{s.pk}/" in body["checkin_url"]
    )
    code = att.current_code(s).code
    wrong = str((int(code) + 1) % 10**6).zfill(6)
    bad = live["trainee"].post(
        f"/api/v1/training/sessions/{s.pk}/checkin", {"enrolment": e.pk, "code": wrong}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "training.checkin_code_invalid"
    ok = live["trainee"].post(f"/api/v1/training/sessions/{s.pk}/checkin", {"enrolment": e.pk, "code": code})
    if ok.status_code == 422:  # the window turned between the two calls
        ok = live["trainee"].post(
            f"/api/v1/training/sessions/{s.pk}/checkin", {"code": att.current_code(s).code}
        )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["hours_attended"] == "8.0"
    again = live["trainee"].post(
        f"/api/v1/training/sessions/{s.pk}/checkin", {"code": att.current_code(s).code}
    )
    assert again.status_code == 409 and again.json()["code"] == "training.already_checked_in"
    roll = _staff(live["teacher"]).get(f"/api/v1/training/sessions/{s.pk}/roll").json()
    assert roll["present"] == 1 and roll["items"][0]["source"] == "qr"


def test_api_checkin_needs_a_portal_login_and_enrolment(live):
    from fanxiang.conftest import ApiClient
    from fanxiang.portal.auth import issue_token
    from fanxiang.portal.tests.factories import bound_account

    s = live["session"]
    code = att.current_code(s).code
    anon = ApiClient().post(f"/api/v1/training/sessions/{s.pk}/checkin", {"code": code})
    assert anon.status_code == 401
    stranger = ApiClient(issue_token(bound_account(f.person(), "13900139002"))[0])
    r = stranger.post(f"/api/v1/training/sessions/{s.pk}/checkin", {"code": code})
    assert r.status_code == 403 and r.json()["code"] == "training.not_enrolled"


def test_api_marks_need_reason_and_other_county_sees_nothing(live):
    s, e = live["session"], live["enrolment"]
    url = f"/api/v1/training/sessions/{s.pk}/marks"
    c = _staff(live["teacher"])
    r = c.post(url, {"enrolment": e.pk, "present": True, "reason": ""}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "training.reason_required"
    r = c.post(
        url, {"enrolment": e.pk, "present": True, "reason": "现场核对"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["source"] == "teacher"
    other = _staff(f.officer("411602"))
    assert other.get(f"/api/v1/training/sessions/{s.pk}/roll").status_code == 404
    assert other.get(f"/api/v1/training/sessions/{s.pk}/checkin-code").status_code == 404
    assert other.get("/api/v1/training/sessions/999999/roll").status_code == 404


def test_roll_page_with_qr_and_live_partials(live):
    s = live["session"]
    c = _staff(live["teacher"])
    page = c.get(f"/training/sessions/{s.pk}/roll/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and 'data-testid="checkin-code"' in html and "hx-trigger" in html
    qr = c.get(f"/training/sessions/{s.pk}/qr/").content.decode()
    assert 'hx-trigger="load delay:' in qr and "<svg" in qr
    live_roll = c.get(f"/training/sessions/{s.pk}/roll/live/").content.decode()
    assert live["enrolment"].entrepreneur.name in live_roll and "every 5s" in live_roll
    assert _staff(f.officer("411602")).get(f"/training/sessions/{s.pk}/roll/").status_code == 404
    r = c.post(
        f"/training/sessions/{s.pk}/marks/", {"enrolment": live["enrolment"].pk, "present": "1", "reason": ""}
    )
    assert r.status_code == 302 and not Attendance.objects.exists()


def test_portal_checkin_page(live):
    from fanxiang.portal.tests.factories import portal_session

    s = live["session"]
    browser = portal_session(live["trainee"])
    page = browser.get(f"/portal/training/checkin/{s.pk}/?code=123456")
    assert page.status_code == 200 and 'value="123456"' in page.content.decode()
    done = browser.post(f"/portal/training/checkin/{s.pk}/", {"code": att.current_code(s).code})
    if done.status_code == 422:  # the window turned
        done = browser.post(f"/portal/training/checkin/{s.pk}/", {"code": att.current_code(s).code})
    assert done.status_code == 200 and 'data-testid="checkin-done"' in done.content.decode()
    again = browser.post(f"/portal/training/checkin/{s.pk}/", {"code": att.current_code(s).code})
    assert again.status_code == 409 and 'data-code="training.already_checked_in"' in again.content.decode()


def test_guessing_codes_is_limited(setup):
    from django.core.cache import cache

    cache.clear()
    _, s, e = setup
    good = att.current_code(s, now=NOON).code
    wrong = str((int(good) + 1) % 10**6).zfill(6)
    for _ in range(att.MAX_FAILURES):
        with pytest.raises(DomainError) as exc:
            _checkin(s, e, wrong, NOON)
        assert _code(exc) == "training.checkin_code_invalid"
    with pytest.raises(DomainError) as exc:
        _checkin(s, e, good, NOON)  # even the right code, once over the limit
    assert _code(exc) == "training.checkin_rate_limited" and exc.value.status == 429
    assert not Attendance.objects.exists()
    cache.clear()


def test_a_class_of_30_checks_in_within_one_window(setup):
    klass, s, first = setup
    trainees = [first, *(f.enrol(klass) for _ in range(29))]
    start = _window_start(s, NOON)
    code = att.current_code(s, now=start).code
    for i, e in enumerate(trainees):
        _checkin(s, e, code, start + dt.timedelta(seconds=i % 30))
    assert Attendance.objects.filter(session=s, hours=Decimal("8")).count() == 30
    assert sum(r.present for r in att.roll_of(s)) == 30


def test_roll_and_checkin_query_budgets(setup, django_assert_max_num_queries):
    klass, s, e = setup
    for _ in range(10):
        f.enrol(klass)
    code = att.current_code(s, now=NOON).code
    user = f.portal_user(e.entrepreneur)
    with django_assert_max_num_queries(12):
        att.attendance_checkin(session=s, code=code, actor=user, person_id=e.entrepreneur_id, now=NOON)
    with django_assert_max_num_queries(2):
        assert len(att.roll_of(s)) == 11
