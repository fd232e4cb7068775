"""The workflow machine on its own: a declared workflow with a clock over a real model (a portal
self-registration), steps that pause and resume the clock, refusals by role, state, region and required
reason, the typed event and audit record of each step, and subscribers run only after commit."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from fanxiang.accounts.roles import ROLE_LABELS, Role
from fanxiang.core import calendar
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.core.models import WorkflowClock, WorkflowPause
from fanxiang.core.workflow import SYSTEM, Workflow, step, waiting
from fanxiang.portal.models import Registration, RegistrationEvent
from fanxiang.portal.tests.scope_cases import make_registration

pytestmark = pytest.mark.django_db
D = dt.date
COUNTY = Role.COUNTY_OFFICER.value

MACHINE = Workflow(
    name="test_registration_clock",
    code="testwf",
    model=Registration,
    noun="登记",
    steps=(
        step("ask", ["pending"], "supplement", [COUNTY], "要求补正", requires=("note",), pause=True),
        step("resubmit", ["supplement"], "pending", [COUNTY, SYSTEM], "补正后重新提交", resume=True),
        step("confirm", ["pending"], "confirmed", [COUNTY], "确认"),
        step("restart", ["confirmed"], "pending", [SYSTEM], "重新受理"),
    ),
    waiting={"pending": waiting([COUNTY], 5), "supplement": waiting([], None, keep=True)},
    event_model=RegistrationEvent,
    event_fk="registration",
    role_labels=ROLE_LABELS,
    status_labels={"pending": "待审核", "supplement": "待补正", "confirmed": "已确认"},
    clock=True,
)


def _clock(reg):
    ct = ContentType.objects.get_for_model(Registration)
    return WorkflowClock.objects.get(content_type=ct, object_id=reg.pk)


def test_a_pause_stops_the_clock_and_the_due_date_moves_by_it(demo):
    officer = demo["officer_411625"]
    reg = make_registration("411625")
    monday = D(2031, 3, 3)
    # the clock starts when the object enters a state with a limit (here: back to pending)
    Registration.objects.filter(pk=reg.pk).update(status="confirmed")
    MACHINE.transition(reg, "restart", None, today=monday)
    clock = _clock(reg)
    assert (clock.state, clock.started_on, clock.limit_days) == ("pending", monday, 5)
    assert clock.due_date == calendar.add_workdays(monday, 5) == D(2031, 3, 10)
    # asked for a supplement on Tuesday; the applicant answers on Thursday
    MACHINE.transition(reg, "ask", officer, note="缺少营业执照", today=D(2031, 3, 4))
    clock.refresh_from_db()
    assert clock.is_paused and clock.paused_since == D(2031, 3, 4)
    assert MACHINE.allowed_actions(Registration.objects.get(pk=reg.pk), officer) == ["resubmit"]
    MACHINE.transition(reg, "resubmit", None, today=D(2031, 3, 6))
    clock.refresh_from_db()
    pause = WorkflowPause.objects.get(clock=clock)
    assert (pause.paused_on, pause.resumed_on) == (D(2031, 3, 4), D(2031, 3, 6))
    assert not clock.is_paused and clock.started_on == monday
    # Wednesday and Thursday given back: due two working days later than without the pause
    assert clock.due_date == D(2031, 3, 12)
    assert MACHINE.working_days_left(reg, D(2031, 3, 10)) == 2
    assert MACHINE.working_days_left(reg, D(2031, 3, 13)) == -1


def test_each_step_writes_its_typed_event_and_audit_record(demo):
    officer = demo["officer_411625"]
    reg = make_registration("411625")
    MACHINE.transition(reg, "ask", officer, note="缺少营业执照", today=D(2031, 3, 4))
    event = RegistrationEvent.objects.filter(registration=reg, action="ask").get()
    assert (event.from_status, event.to_status, event.actor, event.actor_role, event.note) == (
        "pending",
        "supplement",
        officer,
        COUNTY,
        "缺少营业执照",
    )
    entry = LogEntry.objects.get_for_object(reg).filter(additional_data__transition="ask").first()
    assert entry is not None and entry.actor == officer


def test_refusals_name_the_rule_and_write_nothing(demo):
    officer, other = demo["officer_411625"], demo["officer_411602"]
    reg = make_registration("411625")
    with pytest.raises(InvalidInput) as exc:
        MACHINE.transition(reg, "ask", officer, note="  ")
    assert exc.value.code == "testwf.reason_required" and "note" in exc.value.errors
    with pytest.raises(Conflict) as exc:
        MACHINE.transition(reg, "resubmit", officer)
    assert exc.value.code == "testwf.wrong_state" and "待审核" in exc.value.message
    with pytest.raises(Forbidden) as exc:
        MACHINE.transition(reg, "restart", officer)
    assert exc.value.code == "testwf.wrong_role"
    with pytest.raises(NotFound) as exc:  # another county: as if it did not exist
        MACHINE.transition(reg, "confirm", other)
    assert exc.value.code == "not_found"
    with pytest.raises(NotFound) as exc:
        MACHINE.transition(reg, "fly", officer)
    assert exc.value.code == "testwf.unknown_action"
    reg.refresh_from_db()
    assert reg.status == "pending" and not RegistrationEvent.objects.filter(registration=reg).exists()


def test_subscribers_run_after_commit_only(demo, django_capture_on_commit_callbacks):
    seen: list[int] = []
    MACHINE.subscribe(seen.append)
    try:
        reg = make_registration("411625")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            MACHINE.transition(reg, "confirm", demo["officer_411625"])
        assert seen == [] and callbacks
        for callback in callbacks:
            callback()
        event = RegistrationEvent.objects.get(registration=reg, action="confirm")
        assert seen == [event.pk]
    finally:
        MACHINE._subscribers.remove(seen.append)


def test_the_platform_workflows_run_on_the_machine_and_nobody_keeps_a_table_of_their_own():
    import importlib
    import pathlib
    import re

    from fanxiang.core.workflow import REGISTRY

    for module in (
        "fanxiang.loans.applications.workflow",
        "fanxiang.loans.subsidy.workflow",
        "fanxiang.portal.workflows",
        "fanxiang.entrepreneurs.workflows",
    ):
        importlib.import_module(module)
    expected = {
        "loan_application",
        "subsidy_batch",
        "portal_registration",
        "portal_edit_request",
        "registry_transfer",
    }
    assert expected <= set(REGISTRY)
    assert all(isinstance(REGISTRY[n], Workflow) for n in expected)
    root = pathlib.Path(__file__).resolve().parents[2]
    own_tables = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.match(r"^[A-Z_]*TRANSITIONS\s*[:=]", line)
    ]
    assert own_tables == []
