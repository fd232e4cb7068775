"""Given/when/then tests of the training services: classes and their workflow, sessions, enrolment rules."""

from __future__ import annotations

import datetime as dt

import pytest

from fanxiang.core.errors import DomainError
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.entrepreneurs.tests.factories import make_id
from fanxiang.training import services
from fanxiang.training.models import Enrolment, ProgrammeRule, TrainingClass, TrainingClassEvent
from fanxiang.training.tests.factories import (
    MONDAY,
    START,
    class_data,
    class_in,
    enrol,
    make_class,
    officer,
    person,
    provider,
)

pytestmark = pytest.mark.django_db


def refused(fn, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    return caught.value


# --------------------------------------------------------------------------- classes


def test_class_capacity_defaults_to_the_parameter_and_may_not_exceed_it():
    klass = make_class()
    assert (klass.capacity, klass.status, klass.region.code) == (30, "draft", "411625")
    err = refused(services.class_create, actor=officer(), data=class_data(capacity=31), today=MONDAY)
    assert err.code == "training.capacity_over_limit"
    assert services.class_create(actor=officer(), data=class_data(capacity=30), today=MONDAY).capacity == 30


def test_class_in_another_county_is_refused_and_nothing_written():
    before = TrainingClass.objects.count()
    err = refused(services.class_create, actor=officer("411625"), data=class_data("411628"), today=MONDAY)
    assert err.code == "scope.region_forbidden"
    assert TrainingClass.objects.count() == before


def test_provider_outside_its_validity_is_refused():
    expired = provider(valid_to=START - dt.timedelta(days=1))
    err = refused(
        services.class_create, actor=officer(), data=class_data(provider_id=expired.pk), today=MONDAY
    )
    assert err.code == "training.provider_invalid"


def test_session_outside_the_class_dates_and_overlapping_sessions_are_refused():
    klass = make_class()  # GYB: 20 hours, three 8-hour days from START
    err = refused(
        services.session_add,
        actor=officer(),
        training_class=klass,
        data={"date": START - dt.timedelta(days=1), "start_time": "08:00", "end_time": "12:00", "hours": "4"},
    )
    assert err.code == "training.session_outside_class"
    err = refused(
        services.session_add,
        actor=officer(),
        training_class=klass,
        data={"date": START, "start_time": "16:00", "end_time": "18:00", "hours": "2"},
    )
    assert err.code == "training.session_overlap"
    err = refused(
        services.session_add,
        actor=officer(),
        training_class=klass,
        data={"date": START, "start_time": "19:00", "end_time": "20:00", "hours": "2"},
    )
    assert err.code == "training.session_hours_too_many"
    assert klass.sessions.count() == 3


# --------------------------------------------------------------------------- workflow


def _filed_on(start: dt.date, today: dt.date) -> TrainingClass:
    klass = make_class(today=dt.date(2020, 9, 1), start_date=start)
    return services.class_file(actor=officer(), training_class=klass, today=today)


def test_filing_lead_time_counts_working_days():
    thursday = dt.date(2020, 9, 17)
    assert _filed_on(thursday, MONDAY).status == "filed"  # Tue, Wed, Thu: 3 working days
    klass = make_class(today=dt.date(2020, 9, 1), start_date=thursday)
    err = refused(services.class_file, actor=officer(), training_class=klass, today=dt.date(2020, 9, 15))
    assert err.code == "training.filing_too_late"
    assert "9月14日" in err.message  # the last day it could have been filed


def test_filing_lead_time_across_the_national_day_holiday():
    # start Fri 2020-10-09; 1–8 October are holidays: from Tue 29 Sept only 30 Sept and 9 Oct are working days
    start = dt.date(2020, 10, 9)
    klass = make_class(today=dt.date(2020, 9, 1), start_date=start)
    err = refused(services.class_file, actor=officer(), training_class=klass, today=dt.date(2020, 9, 29))
    assert err.code == "training.filing_too_late"
    klass.refresh_from_db()
    assert klass.status == "draft" and klass.filed_on is None
    assert not TrainingClassEvent.objects.filter(training_class=klass).exists()
    filed = services.class_file(actor=officer(), training_class=klass, today=dt.date(2020, 9, 28))
    assert (filed.status, filed.filed_on) == ("filed", dt.date(2020, 9, 28))
    event = TrainingClassEvent.objects.get(training_class=klass)
    assert (event.action, event.from_status, event.to_status, event.actor_role) == (
        "file",
        "draft",
        "filed",
        "county_officer",
    )


def test_filing_needs_a_timetable_covering_the_programme_hours():
    klass = make_class(sessions=0)
    assert refused(services.class_file, actor=officer(), training_class=klass, today=MONDAY).code == (
        "training.no_sessions"
    )
    klass = make_class(sessions=2)  # 16 of the 20 hours of GYB
    err = refused(services.class_file, actor=officer(), training_class=klass, today=MONDAY)
    assert err.code == "training.timetable_short"
    assert "16.0课时" in err.message and "20.0课时" in err.message


def test_workflow_runs_through_to_finished():
    klass = class_in("running")
    klass = services.class_finish(actor=officer(), training_class=klass, today=klass.end_date)
    assert klass.status == "finished"
    assert list(klass.events.values_list("action", flat=True)) == ["file", "approve", "start", "finish"]


@pytest.mark.parametrize(
    ("who", "action", "state", "code"),
    [
        ("service_clerk", "file", "draft", "training.wrong_role"),  # sees the class, may not file it
        ("officer_411628", "file", "draft", "not_found"),  # another county: as if it did not exist
        ("officer_411625", "approve", "draft", "training.wrong_state"),
        ("officer_411625", "start", "draft", "training.wrong_state"),
        ("officer_411625", "finish", "approved", "training.wrong_state"),
        ("officer_411625", "return", "filed", "training.reason_required"),
        ("officer_411625", "cancel", "approved", "training.reason_required"),
        ("officer_411625", "start", "approved", "training.not_started_yet"),  # on MONDAY, before START
    ],
)
def test_refused_steps_change_nothing(demo, who, action, state, code):
    klass = class_in(state)
    events = klass.events.count()
    err = refused(services.class_action, actor=demo[who], training_class=klass, action=action, today=MONDAY)
    assert err.code == code
    klass.refresh_from_db()
    assert klass.status == state
    assert klass.events.count() == events


def test_returned_class_is_corrected_and_filed_again(demo):
    klass = class_in("filed")
    klass = services.class_return(
        actor=demo["city_admin"], training_class=klass, note="课表不完整", today=MONDAY
    )
    assert klass.status == "returned"
    services.session_add(
        actor=officer(),
        training_class=klass,
        data={"date": START, "start_time": "19:00", "end_time": "21:00", "hours": "2"},
    )
    assert services.class_file(actor=officer(), training_class=klass, today=MONDAY).status == "filed"
    # once filed, the timetable is fixed
    err = refused(
        services.session_add,
        actor=officer(),
        training_class=klass,
        data={"date": START, "start_time": "21:00", "end_time": "22:00", "hours": "1"},
    )
    assert err.code == "training.timetable_locked"


# --------------------------------------------------------------------------- enrolment


def _refused_enrolment(klass, who, **data) -> DomainError:
    before = Enrolment.objects.count()
    err = refused(enrol, klass, who, **data)
    assert Enrolment.objects.count() == before
    return err


@pytest.mark.parametrize(
    ("birth", "ok"),
    [
        ("19590922", True),  # 60 on the start date (2020-09-21)
        ("19590921", False),  # 61 on the start date
        ("20040921", True),  # 16 that day
        ("20040922", False),  # 15: turns 16 the day after
    ],
)
def test_age_window_at_its_boundaries(birth, ok):
    klass = class_in("approved")
    who = person(birth=birth)
    if ok:
        assert enrol(klass, who).status == "enrolled"
    else:
        err = _refused_enrolment(klass, who)
        assert err.code == "training.age_out_of_range"
        assert "16至60周岁" in err.message


def test_already_completed_the_same_kind_is_refused_another_kind_is_not():
    who = person()
    done = enrol(class_in("approved"), who)
    Enrolment.objects.filter(pk=done.pk).update(completed=True)
    later = class_in("approved", start_date=START + dt.timedelta(days=14))
    assert _refused_enrolment(later, who).code == "training.already_completed"
    other_kind = class_in("approved", programme_code="iyb", start_date=START + dt.timedelta(days=14))
    assert enrol(other_kind, who).status == "enrolled"


def test_overlapping_class_is_refused_the_next_day_is_not():
    who = person()
    first = class_in("approved")  # START .. START+2
    enrol(first, who)
    overlapping = class_in("approved", start_date=first.end_date)
    assert _refused_enrolment(overlapping, who).code == "training.overlapping_class"
    next_day = class_in("approved", programme_code="iyb", start_date=first.end_date + dt.timedelta(days=1))
    assert enrol(next_day, who).status == "enrolled"


def test_class_full_at_capacity():
    klass = class_in("approved", capacity=2)
    enrol(klass)
    enrol(klass)  # the last seat
    assert _refused_enrolment(klass, person()).code == "training.class_full"
    # a withdrawal frees the seat
    services.enrolment_withdraw(actor=officer(), enrolment=klass.enrolments.first(), reason="外出务工")
    assert enrol(klass).status == "enrolled"


def test_pensioner_hard_rule_refuses():
    klass = class_in("approved")
    err = _refused_enrolment(klass, person(is_pensioner=True))
    assert err.code == "training.pensioner_or_student"
    assert "退休人员" in err.message


def test_student_soft_rule_needs_confirmation_and_is_recorded():
    klass = class_in("approved")
    ProgrammeRule.objects.filter(programme=klass.programme).update(pensioner_student_rule="soft")
    who = person(is_full_time_student=True)
    err = _refused_enrolment(klass, who)
    assert err.code == "training.pensioner_or_student"
    assert err.details["failed"] == [
        {"code": "training.pensioner_or_student", "message": err.message, "soft": True}
    ]
    enrolment = enrol(klass, who, confirm=True)
    assert [w["code"] for w in enrolment.warnings] == ["training.pensioner_or_student"]


def test_enrolment_needs_an_open_class_and_no_second_enrolment():
    draft = class_in("draft")
    assert _refused_enrolment(draft, person()).code == "training.class_not_open"
    klass = class_in("approved")
    who = person()
    enrol(klass, who)
    assert _refused_enrolment(klass, who).code == "training.already_enrolled"


def test_village_leader_needs_village_and_post():
    klass = class_in("approved", programme_code="village_leader")
    err = _refused_enrolment(klass, person())
    assert err.code == "training.village_name_required"
    assert set(err.errors) == {"village_name", "post"}
    enrolment = enrol(klass, person(), village_name="王楼村", post="secretary", village="411625101")
    assert (enrolment.village_name, enrolment.post, enrolment.village.code) == (
        "王楼村",
        "secretary",
        "411625101",
    )


def test_new_trainee_by_id_number_is_registered_or_linked():
    klass = class_in("approved")
    id_number = make_id(area="411625", birth="19900101")
    enrolment = services.enrolment_create(
        actor=officer(), training_class=klass, data={"id_number": id_number, "name": "新学员"}, today=MONDAY
    )
    assert enrolment.entrepreneur.name == "新学员"
    assert enrolment.entrepreneur.region.code == "411625"
    # the same ID number again links the registered person (and is refused as already enrolled)
    err = refused(
        services.enrolment_create,
        actor=officer(),
        training_class=klass,
        data={"id_number": id_number, "name": "新学员"},
        today=MONDAY,
    )
    assert err.code == "training.already_enrolled"


def test_refused_new_trainee_is_not_registered():
    klass = class_in("approved")
    id_number = make_id(area="411625", birth="19500101")  # 70: outside the age window
    before = Entrepreneur.objects.count()
    err = refused(
        services.enrolment_create,
        actor=officer(),
        training_class=klass,
        data={"id_number": id_number, "name": "超龄学员"},
        today=MONDAY,
    )
    assert err.code == "training.age_out_of_range"
    assert Entrepreneur.objects.count() == before


def test_person_of_another_county_is_linked_by_id_number_only_with_the_right_name():
    klass = class_in("approved")
    other = person("411628")
    data = {"id_number": other.id_number, "name": "别人"}
    err = refused(services.enrolment_create, actor=officer(), training_class=klass, data=data, today=MONDAY)
    assert err.code == "training.identity_mismatch"
    assert other.name not in err.message
    data["name"] = other.name
    enrolment = services.enrolment_create(actor=officer(), training_class=klass, data=data, today=MONDAY)
    assert enrolment.entrepreneur_id == other.pk
