"""The workflow table and the services behind it: deadlines in working days across the 2020 holidays,
reviewer queues (priority first, then deadline; overdue flagged), scoping by bank and guarantee institution,
extension, system steps, and the applicant acting for themselves (portal design)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from fanxiang.accounts.models import Organization, RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.core.calendar import add_workdays
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.loans import applications as services
from fanxiang.loans.applications import selectors, workflow
from fanxiang.loans.choices import AppStatus
from fanxiang.loans.models import LoanApplication, LoanPolicy
from fanxiang.loans.tests.factories import (
    STAGES,
    advance,
    attach_required,
    draft_data,
    make_person,
    org,
    ready_draft,
)
from fanxiang.regions.models import Region, RegionMonthStat

pytestmark = pytest.mark.django_db
D = dt.date


# --------------------------------------------------------------------------- the table


def test_the_table_is_consistent():
    states = set(AppStatus.values)
    for step in workflow.STEPS:
        assert step.sources <= states, step
        assert step.target in states | {workflow.STAY, workflow.ALL_APPROVED}, step
        assert step.roles, step
    # one step per (action, mode, state): the table is deterministic
    seen = set()
    for step in workflow.STEPS:
        modes = [workflow.SEQUENTIAL, workflow.MERGED] if step.mode == workflow.ANY else [step.mode]
        for mode in modes:
            for source in step.sources:
                key = (step.action, mode, source)
                assert key not in seen, key
                seen.add(key)
    assert set(workflow.WAITING) <= states
    # the sequential happy path is connected
    chain = STAGES
    actions = ["submit", "hr_approve", "guarantee_approve", "bank_approve", "sign_contract", "disburse"]
    for (src, dst), action in zip(itertools.pairwise(chain), actions, strict=True):
        step = next(s for s in workflow.steps_for(action) if s.mode != workflow.MERGED and src in s.sources)
        assert step.target == dst


def test_deadlines_count_working_days_across_the_2020_holidays(demo):
    officer, users = demo["officer_411625"], demo
    # the calendar itself: National Day 10-01..10-08 off, Saturday 10-10 worked
    assert add_workdays(D(2020, 9, 30), 1) == D(2020, 10, 9)
    assert add_workdays(D(2020, 10, 9), 1) == D(2020, 10, 10)
    app = ready_draft(officer)
    app = services.application_submit(actor=officer, application=app, today=D(2020, 9, 30))
    # 10-09 (1), 10-10 Sat (2), 10-12..10-16 (3..7)
    assert app.step_due == D(2020, 10, 16) and app.applied_on == D(2020, 9, 30)
    assert app.eligibility["policy"].startswith("2020")
    app = services.application_hr_approve(actor=officer, application=app, today=D(2020, 10, 16))
    assert app.step_due == D(2020, 10, 21)  # guarantee: 3 working days
    app = services.application_guarantee_approve(
        actor=users["guarantee_officer"], application=app, today=D(2020, 10, 21)
    )
    assert app.step_due == D(2020, 10, 28)  # bank: 5 working days
    app = services.application_bank_approve(
        actor=users["bank_officer"], application=app, annual_rate="4.35", today=D(2020, 10, 23)
    )  # cap in 2020: LPR 3.85% + 50 BP
    assert app.status == "bank_approved" and app.step_due == D(2020, 10, 28)  # the bank's clock runs on
    app = services.application_sign_contract(
        actor=users["bank_officer"], application=app, today=D(2020, 10, 26), contract_no="JK2020-001"
    )
    app = services.application_disburse(
        actor=users["bank_officer"],
        application=app,
        amount="100000",
        date=D(2020, 10, 27),
        today=D(2020, 10, 27),
        loan_note_no="JJ2020-001",
    )
    # the schedule is built at the disbursement: the loan is repaying at once
    assert app.step_due is None and app.status == "repaying"
    stat = RegionMonthStat.objects.get(region=app.region, indicator="guaranteed_loans", year=2020, month=10)
    assert stat.value == Decimal("100000.00")


def test_the_deadline_follows_the_policy_in_force(demo):
    officer = demo["officer_411625"]
    LoanPolicy.objects.filter(name__startswith="2020").update(hr_review_days=10)
    app = services.application_submit(actor=officer, application=ready_draft(officer), today=D(2020, 9, 30))
    assert app.step_due == D(2020, 10, 21)


def test_merged_review_deadline_is_the_longest_step(demo):
    officer = demo["officer_411625"]
    LoanPolicy.objects.filter(name__startswith="2020").update(merged_review=True, bank_review_days=9)
    app = services.application_submit(actor=officer, application=ready_draft(officer), today=D(2020, 9, 30))
    assert app.merged_review and app.step_due == add_workdays(D(2020, 9, 30), 9)


def test_rate_cap_uses_the_lpr_and_policy_of_the_approval_date(demo):
    officer = demo["officer_411625"]
    app = advance(ready_draft(officer), demo, "guarantee_approved")
    with pytest.raises(InvalidInput) as exc:
        services.application_bank_approve(
            actor=demo["bank_officer"], application=app, annual_rate="4.36", today=D(2020, 10, 23)
        )
    assert exc.value.code == "loan.rate_over_cap" and exc.value.details["lpr"] == "3.8500"
    with pytest.raises(InvalidInput) as exc:  # 2020-03-01: LPR 4.05% → cap 4.55%
        services.application_bank_approve(
            actor=demo["bank_officer"], application=app, annual_rate="4.56", today=D(2020, 3, 1)
        )
    assert exc.value.details["cap"] == "4.5500"


# --------------------------------------------------------------------------- queues


def test_queue_puts_priority_first_then_deadline_and_flags_overdue(demo, api):
    officer = demo["officer_411625"]

    def submit_on(day, **kw):
        priority = kw.pop("priority", None)
        person = make_person(officer, priority=priority)
        app = services.application_create(actor=officer, data=draft_data(person, **kw))
        attach_required(officer, app)
        return services.application_submit(actor=officer, application=app, today=day)

    plain_early = submit_on(D(2020, 9, 1))
    epidemic = submit_on(D(2020, 9, 20), epidemic_affected=True)
    hubei = submit_on(D(2020, 9, 10), priority=["formerly_in_hubei"])
    plain_late = submit_on(D(2020, 9, 25))
    fresh = services.application_submit(actor=officer, application=ready_draft(officer))  # due in the future
    response = api("officer_411625").get("/api/v1/loans/queue")
    items = response.json()["items"]
    assert [i["id"] for i in items] == [hubei.pk, epidemic.pk, plain_early.pk, plain_late.pk, fresh.pk]
    by_id = {i["id"]: i for i in items}
    assert by_id[hubei.pk]["priority_reasons"] == ["原在湖北务工"]
    assert by_id[epidemic.pk]["priority_reasons"] == ["受疫情影响"]
    assert by_id[plain_early.pk]["priority"] is False and by_id[plain_early.pk]["priority_reasons"] == []
    assert by_id[plain_early.pk]["overdue"] is True and by_id[plain_early.pk]["due"] == "2020-09-10"
    assert by_id[fresh.pk]["overdue"] is False
    # the same flag in the list filter
    listing = api("officer_411625").get("/api/v1/loans/applications/", {"overdue": "true"}).json()
    assert fresh.pk not in {i["id"] for i in listing["items"]} and listing["count"] == 4
    # other roles' queues do not hold it yet; another county's officer never sees it
    assert api("guarantee_officer").get("/api/v1/loans/queue").json()["count"] == 0
    assert api("officer_411628").get("/api/v1/loans/queue").json()["count"] == 0
    # a clerk's queue holds what waits for the applicant (drafts and returns)
    services.application_return(actor=officer, application=plain_late, missing_items=["补充营业执照"])
    clerk_ids = {i["id"] for i in api("service_clerk").get("/api/v1/loans/queue").json()["items"]}
    assert plain_late.pk in clerk_ids


def _officer(username: str, role: str, org_code: str, region: str = "411600") -> User:
    user = User.objects.create(username=username, organization=Organization.objects.get(code=org_code))
    RoleAssignment.objects.create(user=user, role=role, region=Region.objects.get(code=region))
    return user


def test_banks_and_guarantee_institutions_reach_only_what_is_routed_to_them(demo):
    officer = demo["officer_411625"]
    psbc = advance(ready_draft(officer), demo, "guarantee_approved")
    rcb = advance(ready_draft(officer, bank=org("DEMO-BANK-RCB").pk), demo, "guarantee_approved")
    rcb_officer = _officer("rcb", Role.BANK_OFFICER, "DEMO-BANK-RCB")
    assert {a.pk for a in selectors.review_queue(demo["bank_officer"])} == {psbc.pk}
    assert {a.pk for a in selectors.review_queue(rcb_officer)} == {rcb.pk}
    with pytest.raises(NotFound):
        services.application_bank_approve(actor=rcb_officer, application=psbc, annual_rate="3.5")
    other = Organization.objects.create(
        code="G2", name="另一担保公司", kind="guarantee", region=officer.assignments()[0].region
    )
    g2 = _officer("g2", Role.GUARANTEE_OFFICER, "G2")
    assert not LoanApplication.objects.for_user(g2).exists()
    assert other.pk and not selectors.review_queue(g2).exists()
    # a bank officer assigned only to another county does not reach this county's loans of their bank
    county_bank = _officer("psbc_411628", Role.BANK_OFFICER, "DEMO-BANK-PSBC", region="411628")
    assert not selectors.review_queue(county_bank).exists()


# --------------------------------------------------------------------------- later steps


def test_extension_where_the_policy_allows(demo):
    bank = demo["bank_officer"]
    app = advance(ready_draft(demo["officer_411625"]), demo, "disbursed")
    with pytest.raises(Forbidden) as exc:
        services.application_extend(
            actor=demo["officer_411625"], application=app, months=6, reason="受疫情影响"
        )
    assert exc.value.code == "loan.wrong_role"
    with pytest.raises(InvalidInput) as exc:
        services.application_extend(actor=bank, application=app, months=13, reason="受疫情影响")
    assert exc.value.code == "loan.extension_too_long"
    with pytest.raises(InvalidInput) as exc:
        services.application_extend(actor=bank, application=app, months=6, reason="")
    assert exc.value.code == "loan.extension_reason_required"
    LoanPolicy.objects.filter(effective_to__isnull=True).update(extension_max_months=0)
    with pytest.raises(InvalidInput) as exc:
        services.application_extend(actor=bank, application=app, months=6, reason="受疫情影响")
    assert exc.value.code == "loan.extension_not_allowed"
    LoanPolicy.objects.filter(effective_to__isnull=True).update(extension_max_months=12)
    app = services.application_extend(actor=bank, application=app, months=6, reason="受疫情影响暂时经营困难")
    assert app.status == "extended" and app.extension_months == 6
    with pytest.raises(Conflict):
        services.application_extend(actor=bank, application=app, months=6, reason="再次展期")


def test_system_steps_after_disbursement(demo):
    app = advance(ready_draft(demo["officer_411625"]), demo, "disbursed")
    assert app.status == "repaying"  # the schedule built at disbursement started repayment (the system)
    assert app.events.last().action == "start_repaying" and app.events.last().actor_id is None
    app = services.application_transition(actor=None, application=app, action="mark_overdue")
    assert app.status == "overdue"
    event = app.events.last()
    assert (event.actor_name, event.actor_role, event.actor_id) == ("系统", "system", None)
    with pytest.raises(Forbidden):
        services.application_transition(actor=demo["bank_officer"], application=app, action="compensate")
    app = services.application_transition(
        actor=demo["guarantee_officer"], application=app, action="compensate"
    )
    assert app.status == "compensated"


def test_disbursement_dates_and_tranches(demo):
    bank = demo["bank_officer"]
    app = advance(ready_draft(demo["officer_411625"]), demo, "contracted")
    today = timezone.localdate()
    for bad in (today + dt.timedelta(days=1), app.contract_date - dt.timedelta(days=1)):
        with pytest.raises(InvalidInput) as exc:
            services.application_disburse(actor=bank, application=app, amount="10", date=bad)
        assert exc.value.code == "loan.disbursement_date_invalid"
    with pytest.raises(InvalidInput) as exc:
        services.application_disburse(actor=bank, application=app, amount="0", date=today)
    assert exc.value.code == "loan.amount_invalid"
    app = services.application_disburse(
        actor=bank, application=app, amount="99999.99", date=today, loan_note_no="JJ-1"
    )
    app = services.application_disburse(
        actor=bank, application=app, amount="0.01", date=today, loan_note_no="JJ-2"
    )
    assert app.disbursed_total == app.approved_amount == Decimal("100000.00")
    with pytest.raises(Conflict) as exc:
        services.application_disburse(
            actor=bank, application=app, amount="0.01", date=today, loan_note_no="JJ-3"
        )
    assert exc.value.code == "loan.over_disbursement" and exc.value.details["remaining"] == "0.00"


# --------------------------------------------------------------------------- the applicant on the portal


class PortalApplicant:
    """Stands in for a portal user linked to a registry record (the portal issue adds the real one)."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    pk = None
    organization_id = None
    username = "portal"
    real_name = ""

    def __init__(self, entrepreneur_id: int):
        self.entrepreneur_id = entrepreneur_id

    def assignments(self):
        return []

    def roles(self):
        return set()


def test_an_applicant_can_act_for_themselves_only(demo):
    person = make_person(demo["officer_411625"])
    someone_else = make_person(demo["officer_411625"])
    me = PortalApplicant(person.pk)
    with pytest.raises(InvalidInput) as exc:
        services.application_create(actor=me, data=draft_data(someone_else))
    assert exc.value.code == "loan.entrepreneur_not_found"
    app = services.application_create(actor=me, data=draft_data(person))
    attach_required(me, app)
    app = services.application_submit(actor=me, application=app)
    assert app.status == "submitted" and app.events.get(action="submit").actor_role == "entrepreneur"
    with pytest.raises(Forbidden):
        services.application_hr_approve(actor=me, application=app)
    with pytest.raises(NotFound):
        services.application_withdraw(actor=PortalApplicant(someone_else.pk), application=app)
    app = services.application_withdraw(actor=me, application=app, note="不需要了")
    assert app.status == "withdrawn"


def test_stored_priority_follows_the_registry(demo):
    """Queues sort on the stored flag; every step refreshes it, and the registry can refresh in bulk."""
    from fanxiang.entrepreneurs.models import PriorityGroup

    officer = demo["officer_411625"]
    app = ready_draft(officer)
    assert app.priority is False
    app.entrepreneur.priority_groups.add(PriorityGroup.objects.get(code="poor_household"))
    app = services.application_submit(actor=officer, application=app)
    assert app.priority is True and selectors.priority_reasons(app) == ["贫困家庭/建档立卡"]
    app.entrepreneur.priority_groups.clear()
    assert services.applications_refresh_priority(entrepreneur_ids=[app.entrepreneur_id]) == 1
    app.refresh_from_db()
    assert app.priority is False
    # editing epidemic_affected on a draft refreshes it too
    draft = ready_draft(officer)
    draft = services.application_update(actor=officer, application=draft, data={"epidemic_affected": True})
    assert draft.priority is True
