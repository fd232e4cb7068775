"""Demo data of the training app (``manage.py load_demo``): two training institutions and, in each county
with demo staff (郸城县, 鹿邑县, 川汇区), a year of classes driven through the services on their business days
(every service call gets ``today=`` / ``now=`` of its day, and the :class:`Clock` dates the workflow events,
audit entries and created rows that call wrote on that day):

* **the past year** (:data:`PAST`): a GYB class some ten months ago, a SYB class five months ago, an IYB
  class two months ago (and, in 郸城县, a 贫困村创业致富带头人 class seven months ago, village and post per
  trainee). Each is filed, approved, filled, started and finished; every session has an attendance row
  per trainee: the teacher's marks (present without a phone, or absent) through the attendance service
  with their reason, and the QR check-ins of the session written set-wise (:func:`_checkins`: a code
  cannot be scanned after the fact) with the same row, audit event and ``hours_attended`` recomputed from
  the rows by the attendance service; the assessment is recorded, completion decided by the completion
  service (a few trainees short of hours, with the reason "已出勤 8 学时，共 20 学时，需 16 学时；出勤不足…",
  one at exactly the share) and the certificates issued in bulk by the certificates service;
* **the subsidy claims** (:data:`CLAIMS`): every GYB claim goes draft → submitted → reviewed → 公示 (an
  objection recorded and handled: upheld in 郸城县, dismissed in 鹿邑县) → approved → paid (policy grants of
  type ``training_subsidy`` through the policies service) → the 6-month follow-up (every third trainee
  registered a business after completing: their line is topped up to the full amount per the split rule)
  → the top-ups paid with their own voucher; SYB claims paid (follow-up not yet due), or approved; in
  鹿邑县 an IYB claim whose 公示 runs today (on the public list), in 川汇区 one submitted, waiting for review;
* **now**: an IYB class running this week (the past sessions' attendance marked), a SYB class approved and
  open for enrolment **with a session today** (so a new user can enrol and check in at once), in 郸城县 a
  贫困村创业致富带头人 class open for enrolment, a GYB class filed and waiting for approval, a 网络创业 class
  still a draft.

The reference data leave the subsidy per trainee at 0 yuan (no source fixes it); for a claim to pay
anything the demo adds, as the city would, a rule version of the claimed programmes with a demo amount
(:data:`DEMO_SUBSIDY`, its basis says it is a demo figure) valid from a year ago, where the rule in force
pays nothing.

Dates are relative to the day the demo loads; sessions fall on working days (the one of today excepted,
so check-in can be tried any day). Needs the registry's demo people; runs once (the classes carry the
demo mark).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models.signals import post_save
from django.utils import timezone

from fanxiang.accounts.models import Organization, OrganizationKind, User
from fanxiang.core import audit, calendar
from fanxiang.core.audit import acting_as
from fanxiang.core.errors import DomainError
from fanxiang.core.validators import uscc_check_character
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.models import Business, Entrepreneur
from fanxiang.onestop.demo import max_pks, stamp_rows
from fanxiang.policies.models import BenefitGrant
from fanxiang.regions.models import Region, RegionLevel
from fanxiang.training import attendance, certificates, claims, completion, services
from fanxiang.training.choices import AttendanceSource, ClassStatus, EnrolmentStatus, VillagePost
from fanxiang.training.models import (
    Attendance,
    Certificate,
    ClassSession,
    Enrolment,
    Objection,
    Parameters,
    Programme,
    ProgrammeRule,
    Provider,
    SubsidyClaim,
    SubsidyClaimEvent,
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
TRAINEES = 10  # per finished class
DEMO_SUBSIDY = {"gyb": "300", "syb": "1200", "iyb": "800", "village_leader": "1500"}
DEMO_BASIS = "演示数据：补贴标准为演示设定，非政策规定（待市级财政部门确认）"


@dataclass(frozen=True)
class Past:
    """A finished class of the past year: its programme, name, start (working days before today), the
    registry slice of its trainees and the counties it runs in."""

    code: str
    name: str
    ago: int
    people: slice
    counties: tuple[str, ...] = COUNTIES


PAST = (
    Past("gyb", "GYB创业意识培训班（一期）", 225, slice(0, 14)),
    Past("village_leader", "贫困村创业致富带头人培训班（一期）", 150, slice(70, 82), ("411625",)),
    Past("syb", "SYB创办企业培训班（一期）", 115, slice(14, 28)),
    Past("iyb", "IYB改善企业培训班（一期）", 45, slice(28, 42)),
)
# (programme code, county) → the stage the claim reaches; "" = not claimed. An objection during the 公示:
# upheld in 郸城县, dismissed in 鹿邑县. "publicised_now": published two working days ago (公示 running).
CLAIMS = {
    ("gyb", "411625"): ("followed_up", "upheld"),
    ("gyb", "411628"): ("followed_up", "dismissed"),
    ("gyb", "411602"): ("followed_up", ""),
    ("syb", "411625"): ("paid", ""),
    ("syb", "411628"): ("paid", ""),
    ("syb", "411602"): ("approved", ""),
    ("iyb", "411628"): ("publicised_now", ""),
    ("iyb", "411602"): ("submitted_now", ""),
}
STAGES = ("draft", "submitted", "reviewed", "publicised", "approved", "paid", "followed_up")


# --------------------------------------------------------------------------- dates


def _workdays_from(day: dt.date, count: int) -> list[dt.date]:
    """``count`` working days from ``day`` on (``day`` itself when it is one)."""
    days, d = [], day
    while len(days) < count:
        if calendar.is_workday(d):
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def _at(day: dt.date, at: dt.time = dt.time(9, 0)) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, at))


class Clock:
    """Dates the rows a service call writes (workflow events, audit entries, created rows) on the step's
    business day, as the loans and one-stop demos do: timelines read like the year they tell."""

    def __init__(self) -> None:
        from auditlog.models import LogEntry

        self.rows = (
            (TrainingClassEvent, "at"),
            (SubsidyClaimEvent, "at"),
            (TrainingClass, "created_at"),
            (Enrolment, "created_at"),
            (SubsidyClaim, "created_at"),
            (Objection, "created_at"),
            (BenefitGrant, "created_at"),
            (Business, "created_at"),
            (LogEntry, "timestamp"),
        )
        self.minute = 0
        self.marks = self._latest()

    def _latest(self) -> list[int]:
        """The highest primary key of each of those tables (one query)."""
        return max_pks([m for m, _ in self.rows])

    @contextmanager
    def on(self, day: dt.date, at: dt.time | None = None) -> Iterator[None]:
        """Every row written inside the block (or since the last block) is dated ``day`` (at ``at``, else
        09:00 plus a few minutes). Blocks do not nest."""
        yield
        latest = self._latest()
        self.minute = (self.minute + 7) % 420
        stamp = _at(day, at) if at else _at(day) + dt.timedelta(minutes=self.minute)
        for (model, field), mark, last in zip(self.rows, self.marks, latest, strict=True):
            if last > mark:
                stamp_rows(model, field, mark, stamp)
        self.marks = latest

    def run(self, day: dt.date, call: Callable[..., Any], /, **kwargs: Any) -> Any:
        with self.on(day):
            return call(**kwargs)


# --------------------------------------------------------------------------- set-up


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


def _demo_subsidy(admin: User, since: dt.date) -> None:
    """A rule version with a demo subsidy for each claimed programme whose rule in force pays nothing."""
    with acting_as(admin):
        for code, amount in DEMO_SUBSIDY.items():
            programme = Programme.objects.filter(code=code).first()
            if programme is None:
                continue
            rule = programme.rule_on(since)
            if rule.subsidy_per_trainee > 0 or programme.rules.filter(valid_from=since).exists():
                continue
            ProgrammeRule.objects.create(
                programme=programme,
                valid_from=since,
                completion_share=rule.completion_share,
                subsidy_share=rule.subsidy_share,
                subsidy_per_trainee=Decimal(amount),
                full_if_started_within_months=rule.full_if_started_within_months,
                share_if_not_started=rule.share_if_not_started,
                age_min=rule.age_min,
                age_max=rule.age_max,
                pensioner_student_rule=rule.pensioner_student_rule,
                basis=DEMO_BASIS,
            )


# --------------------------------------------------------------------------- classes


def _step(clock: Clock, klass: TrainingClass, actor: User, action: str, day: dt.date) -> TrainingClass:
    return clock.run(day, services.class_action, actor=actor, training_class=klass, action=action, today=day)


def _make(
    *,
    clock: Clock,
    county: Region,
    officer: User,
    provider: Provider,
    code: str,
    name: str,
    days: list[dt.date],
    filed: bool,
    today: dt.date,
) -> TrainingClass:
    """A class whose timetable covers the programme's hours over ``days``: created and filed 8 working days
    before the first (more when the filing lead parameter asks for it), a class of the coming weeks two
    working days before ``today`` at the latest, so its approval is not dated after today either."""
    programme = Programme.objects.get(code=code)
    lead = max(8, Parameters.on(days[0]).filing_lead_workdays + 1)
    created = min(calendar.workdays_before(days[0], lead), calendar.workdays_before(today, 2))
    data = {
        "region": county.code,
        "programme": programme.pk,
        "provider": provider.pk,
        "name": f"{county.name}{name}{MARK}",
        "place": f"{county.name}返乡创业综合服务中心培训室",
        "mode": "online" if code == "online_startup" else "offline",
        "start_date": days[0],
        "end_date": days[-1],
        "teacher_names": "李明、王芳",
    }
    with clock.on(created):
        klass = services.class_create(actor=officer, data=data, today=created)
        left = Decimal(programme.hours_required)
        for n, day in enumerate(days, 1):
            hours = min(left, Decimal(HOURS_PER_DAY))
            if hours <= 0:
                break
            end = dt.time(8 + int(hours) + (1 if hours > 4 else 0), 30 if hours % 1 else 0)
            session = {
                "date": day,
                "start_time": "08:00",
                "end_time": end.strftime("%H:%M"),
                "hours": str(hours),
                "topic": f"{programme.name} 第{n}讲",
            }
            services.session_add(actor=officer, training_class=klass, data=session)
            left -= hours
        if filed:
            klass = services.class_action(actor=officer, training_class=klass, action="file", today=created)
    return TrainingClass.objects.get(pk=klass.pk)


def _approve(clock: Clock, klass: TrainingClass, admin: User) -> TrainingClass:
    return _step(clock, klass, admin, "approve", calendar.add_workdays(klass.filed_on, 1))


def _village(person: Entrepreneur) -> str:
    region = person.region
    return region.code if region.level in (RegionLevel.VILLAGE, RegionLevel.TOWNSHIP) else ""


def _enrol(
    clock: Clock, klass: TrainingClass, officer: User, people: list[Entrepreneur], count: int, day: dt.date
) -> list[Enrolment]:
    """Up to ``count`` of ``people`` (those a rule refuses are skipped); village and post for the
    village-leader programme."""
    made: list[Enrolment] = []
    leaders = klass.programme.kind == "village_leader"
    with clock.on(day):
        for person in people:
            if len(made) >= count:
                break
            data: dict[str, Any] = {"entrepreneur": person.pk}
            if leaders:
                n = len(made)
                data.update(
                    village_name=f"{klass.region.name}第{n + 1}村",
                    village=_village(person),
                    post=(VillagePost.SECRETARY, VillagePost.DIRECTOR, VillagePost.LEADER, VillagePost.CADRE)[
                        n % 4
                    ],
                )
            try:
                made.append(
                    services.enrolment_create(actor=officer, training_class=klass, data=data, today=day)
                )
            except DomainError:
                continue
    return made


# --------------------------------------------------------------------------- attendance


ABSENT_REASONS = ("事假，已向班主任请假", "病假，已提交请假条", "家中农忙，未到课")


def _mark_session(session: ClassSession, trainees: list[Enrolment], officer: User) -> None:
    """The session's attendance at the session's time: most trainees check in with the QR code
    (:func:`_checkins`); one is marked present by the teacher (no phone); the short ones (every sixth
    from the sixth) miss the second half of the course, one misses the last session — each absence marked
    by the teacher with its reason (the attendance service's :func:`attendance_mark`)."""
    start, _end = attendance.session_bounds(session)
    count = session.training_class.sessions.count()
    index = session.training_class.sessions.filter(date__lt=session.date).count()
    scanned = []
    for k, e in enumerate(trainees):
        short = k % 6 == 5 and index >= count // 2
        misses_last = k % 6 == 2 and index == count - 1
        if short or misses_last or (k % 6 == 3 and index == 0):
            present = not (short or misses_last)
            attendance.attendance_mark(
                session=session,
                enrolment_id=e.pk,
                present=present,
                reason="未带手机，教师核实身份后补签"
                if present
                else ABSENT_REASONS[(k + index) % len(ABSENT_REASONS)],
                actor=officer,
                now=start + dt.timedelta(minutes=20),
            )
        else:
            at = start + dt.timedelta(seconds=40 * k - 300)
            scanned.append(
                Attendance(
                    session=session, enrolment=e, source=AttendanceSource.QR, hours=session.hours, at=at
                )
            )
    _checkins(scanned)


def _checkins(rows: list[Attendance]) -> None:
    """QR check-ins of a past session, set-wise (a code cannot be scanned after the fact): the rows the
    check-in service writes (source QR, the session's hours, the scan time), their generic change-log
    entries and typed audit events (as :func:`attendance.attendance_checkin` writes them), and the
    enrolments' hours recomputed from their rows by the attendance service in one UPDATE."""
    made = Attendance.objects.bulk_create(rows)
    for att in made:
        # bulk_create sends no post_save: announce each row, so the generic change log records its creation
        post_save.send(
            sender=Attendance, instance=att, created=True, raw=False, using=att._state.db, update_fields=None
        )
        audit.record_event(
            event=attendance.EVENT_MARK,
            obj=att,
            changes={"hours": [None, str(att.hours)], "source": [None, att.source], "reason": [None, ""]},
            data={"mark": "checkin", "session": att.session_id, "enrolment": att.enrolment_id},
        )
    attendance.enrolments_recompute_hours({att.enrolment_id for att in made})


def _attend(
    clock: Clock, klass: TrainingClass, officer: User, trainees: list[Enrolment], before: dt.date
) -> None:
    """Attendance of every session of the class dated before ``before``."""
    sessions = ClassSession.objects.filter(training_class=klass, date__lt=before).select_related(
        "training_class"
    )
    for session in sessions.order_by("date", "start_time"):
        with clock.on(session.date, at=session.start_time):
            _mark_session(session, trainees, officer)


def _finish(clock: Clock, klass: TrainingClass, officer: User, trainees: list[Enrolment]) -> TrainingClass:
    """Finish the class on its last day, record the assessment (one trainee in six fails), decide
    completion and issue the certificates in bulk two working days later."""
    last = klass.end_date
    klass = _step(clock, klass, officer, "finish", last)
    with clock.on(last):
        for k, e in enumerate(Enrolment.objects.filter(pk__in=[t.pk for t in trainees]).order_by("id")):
            completion.assessment_record(enrolment=e, passed=k % 6 != 4, actor=officer)
    day = calendar.add_workdays(last, 2)
    clock.run(day, certificates.certificates_issue, training_class=klass, actor=officer, today=day)
    return TrainingClass.objects.get(pk=klass.pk)


# --------------------------------------------------------------------------- claims


def _credit_code(code17: str) -> str:
    return code17 + uscc_check_character(code17)


def _founded(clock: Clock, claim: SubsidyClaim, officer: User) -> None:
    """Every third trainee on the claim registers a business a month or two after completing (so the
    follow-up tops their line up)."""
    lines = claim.lines.filter(eligible=True).select_related("enrolment__entrepreneur__region").order_by("id")
    for n, line in enumerate(lines):
        if n % 3:
            continue
        person = line.enrolment.entrepreneur
        since = line.enrolment.completed_on or claim.training_class.end_date
        day = calendar.add_workdays(since, 25 + 7 * n)
        data = {
            "kind": "individual_business",
            "name": f"{person.name}{('农产品经营部', '电商服务部', '养殖场')[n % 3]}{MARK}"[:128],
            "industry": "A",
            "credit_code": _credit_code(f"92{claim.training_class.region.code}MA{claim.pk:03d}{n:04d}"),
            "region": person.region.code,
            "registered_on": day,
            "started_on": day,
        }
        try:
            clock.run(day, registry.business_create, actor=officer, data=data, founders=[person.pk])
        except DomainError:
            continue


def _objection(clock: Clock, claim: SubsidyClaim, officer: User, kind: str, day: dt.date) -> None:
    """An objection phoned in during the 公示 about one trainee, handled two working days later."""
    line = claim.lines.filter(eligible=True).order_by("-id").first()
    if line is None:
        return
    upheld = kind == "upheld"
    content = (
        "反映该学员培训期间在外地务工，未实际参加培训。"
        if upheld
        else "反映该学员未全程参加培训，只来了一两天。"
    )
    objection = clock.run(
        day,
        claims.objection_record,
        actor=officer,
        claim=claim,
        data={"content": content, "raised_by": "群众（电话反映）", "contact": "13903941234", "line": line.pk},
        today=day,
    )
    later = calendar.add_workdays(day, 2)
    note = (
        "经核查，该学员培训期间确在外地务工，签到系他人代签，异议成立，取消其补贴资格。"
        if upheld
        else "经核对签到记录、课堂照片和授课教师说明，该学员全程参训，异议不成立。"
    )
    clock.run(
        later,
        claims.objection_handle,
        actor=officer,
        objection=objection,
        upheld=upheld,
        note=note,
        today=later,
    )


def _claim(
    clock: Clock, klass: TrainingClass, officer: User, admin: User, stage: str, objection: str, today: dt.date
) -> SubsidyClaim | None:
    """File the class's claim and take it to ``stage`` on business days after the certificates; a claim
    "…_now" is timed to reach its stage two working days ago."""
    if stage == "publicised_now":
        stage, filed = "publicised", calendar.workdays_before(today, 7)
    elif stage == "submitted_now":
        stage, filed = "submitted", calendar.workdays_before(today, 3)
    else:
        filed = calendar.add_workdays(klass.end_date, 5)
    claim = clock.run(filed, claims.claim_create, actor=officer, training_class=klass, today=filed)
    reach = STAGES.index(stage)
    plan = (("submit", 1, officer), ("review", 3, officer), ("publish", 5, officer))
    for n, (action, offset, actor) in enumerate(plan, 1):
        if reach < n:
            return claim
        day = calendar.add_workdays(filed, offset)
        claim = clock.run(day, claims.claim_action, actor=actor, claim=claim, action=action, today=day)
    if objection:
        _objection(clock, claim, officer, objection, calendar.add_workdays(filed, 6))
    if reach < STAGES.index("approved"):
        return claim
    day = calendar.add_workdays(claim.publicity_end, 2)
    claim = clock.run(day, claims.claim_action, actor=admin, claim=claim, action="approve", today=day)
    if reach < STAGES.index("paid"):
        return claim
    paid = calendar.add_workdays(day, 5)
    due = sum((line.base_amount for line in claim.lines.filter(eligible=True)), Decimal("0"))
    payment = {
        "paid_on": paid.isoformat(),
        "payment_ref": f"周财社拨〔{paid.year}〕{klass.region.code[-2:]}{klass.pk:03d}号",
        "amount": str(due),
    }
    claim = clock.run(paid, claims.claim_pay, actor=officer, claim=claim, data=payment, today=paid)
    if reach < STAGES.index("followed_up") or claim.follow_up_due is None:
        return claim
    _founded(clock, claim, officer)
    day = _workdays_from(claim.follow_up_due, 1)[0]
    if day > today:
        return claim
    claim = clock.run(day, claims.claim_follow_up, actor=officer, claim=claim, today=day)
    paid = calendar.add_workdays(day, 5)
    if claim.amount_top_up_due > 0 and paid <= today:
        payment = {
            "paid_on": paid.isoformat(),
            "payment_ref": f"周财社拨〔{paid.year}〕{klass.region.code[-2:]}{klass.pk:03d}-1号",
            "amount": str(claim.amount_top_up_due),
        }
        claim = clock.run(paid, claims.claim_pay_top_up, actor=officer, claim=claim, data=payment, today=paid)
    return claim


# --------------------------------------------------------------------------- the year


def _past(
    clock: Clock,
    plan: Past,
    county: Region,
    officer: User,
    admin: User,
    provider: Provider,
    people: list,
    today: dt.date,
) -> TrainingClass:
    """A finished class of the past year, with attendance, completion, certificates and its claim."""
    programme = Programme.objects.get(code=plan.code)
    days = _workdays_from(
        calendar.workdays_before(today, plan.ago), -(-int(programme.hours_required) // HOURS_PER_DAY)
    )
    klass = _make(clock=clock, county=county, officer=officer, provider=provider, code=plan.code, name=plan.name,
                  days=days, filed=True, today=today)  # fmt: skip
    klass = _approve(clock, klass, admin)
    trainees = _enrol(
        clock, klass, officer, people[plan.people], TRAINEES, calendar.add_workdays(klass.approved_on, 1)
    )
    klass = _step(clock, klass, officer, "start", days[0])
    _attend(clock, klass, officer, trainees, days[-1] + dt.timedelta(days=1))
    klass = _finish(clock, klass, officer, trainees)
    stage, objection = CLAIMS.get((plan.code, county.code), ("", ""))
    if stage:
        _claim(clock, klass, officer, admin, stage, objection, today)
    return klass


def _now(
    clock: Clock,
    county: Region,
    officer: User,
    admin: User,
    providers: list[Provider],
    people: list,
    today: dt.date,
) -> None:
    """The classes of this week and the coming ones."""
    provider, other = providers
    # running this week: IYB (40 hours, 5 days), started on a working day before today
    days = _workdays_from(calendar.workdays_before(today, 2), 5)
    running = _make(clock=clock, county=county, officer=officer, provider=other, code="iyb",
                    name="IYB改善企业培训班（二期）", days=days, filed=True, today=today)  # fmt: skip
    running = _approve(clock, running, admin)
    trainees = _enrol(
        clock, running, officer, people[42:56], 10, calendar.add_workdays(running.approved_on, 1)
    )
    running = _step(clock, running, officer, "start", days[0])
    _attend(clock, running, officer, trainees, today)
    # approved, open for enrolment, a session today: SYB (80 hours over 10 days from today)
    days = [today, *_workdays_from(today + dt.timedelta(days=1), 9)]
    open_class = _make(clock=clock, county=county, officer=officer, provider=provider, code="syb",
                       name="SYB创办企业培训班（二期）", days=days, filed=True, today=today)  # fmt: skip
    open_class = _approve(clock, open_class, admin)
    _enrol(
        clock,
        open_class,
        officer,
        people[56:70],
        6,
        min(today, calendar.add_workdays(open_class.approved_on, 1)),
    )
    if county.code == "411625":
        days = _workdays_from(calendar.add_workdays(today, 6), 9)
        leaders = _make(clock=clock, county=county, officer=officer, provider=provider, code="village_leader",
                        name="贫困村创业致富带头人培训班（二期）", days=days, filed=True, today=today)  # fmt: skip
        leaders = _approve(clock, leaders, admin)
        _enrol(
            clock,
            leaders,
            officer,
            people[82:92],
            6,
            min(today, calendar.add_workdays(leaders.approved_on, 1)),
        )
    # filed, waiting for approval (two weeks ahead), and a draft (next month)
    days = _workdays_from(calendar.add_workdays(today, 10), 3)
    _make(clock=clock, county=county, officer=officer, provider=provider, code="gyb", name="GYB创业意识培训班（二期）",
          days=days, filed=True, today=today)  # fmt: skip
    days = _workdays_from(calendar.add_workdays(today, 22), 8)
    _make(clock=clock, county=county, officer=officer, provider=provider, code="online_startup", name="网络创业培训班",
          days=days, filed=False, today=today)  # fmt: skip


@calendar.read_once()  # thousands of due dates, one read of the holidays
def load(today: dt.date | None = None) -> list[str]:
    if TrainingClass.objects.filter(name__endswith=MARK).exists() or not Entrepreneur.objects.exists():
        return []
    admin = User.objects.filter(username="city_admin").first()
    if admin is None or not Programme.objects.exists():
        return []
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    clock = Clock()
    providers = _providers()
    _demo_subsidy(admin, calendar.workdays_before(today, max(p.ago for p in PAST) + 15))
    staff: list[tuple[Region, User, list[Entrepreneur]]] = []
    for code in COUNTIES:
        officer = User.objects.filter(username=f"officer_{code}").first()
        county = Region.objects.filter(code=code).first()
        if officer is None or county is None:
            continue
        people = list(
            Entrepreneur.objects.filter(region__tree_path__startswith=county.tree_path, is_pensioner=False)
            .filter(is_full_time_student=False, birth_date__gt=dt.date(today.year - 58, 1, 1))
            .filter(birth_date__lt=dt.date(today.year - 18, 1, 1))
            .select_related("region")
            .order_by("id")[:200]
        )
        rng.shuffle(people)
        staff.append((county, officer, people))
    # the past year in date order (certificate numbers follow the issue dates), then this week
    for plan in PAST:
        for n, (county, officer, people) in enumerate(staff):
            if county.code in plan.counties:
                _past(clock, plan, county, officer, admin, providers[n % 2], people, today)
    for n, (county, officer, people) in enumerate(staff):
        _now(clock, county, officer, admin, providers[n % 2 :] + providers[: n % 2], people, today)
    if not staff:
        return []
    demo = TrainingClass.objects.filter(name__endswith=MARK)
    counts = {
        "classes": demo.count(),
        "enrolments": Enrolment.objects.filter(
            training_class__in=demo, status=EnrolmentStatus.ENROLLED
        ).count(),
        "attendance": Attendance.objects.filter(session__training_class__in=demo).count(),
        "certificates": Certificate.objects.filter(enrolment__training_class__in=demo).count(),
        "claims": SubsidyClaim.objects.filter(training_class__in=demo).count(),
        "finished": demo.filter(status__in=(ClassStatus.FINISHED, ClassStatus.CLAIMED)).count(),
    }
    return [
        "training: {} counties, {classes} classes ({finished} finished), {enrolments} enrolments, "
        "{attendance} attendance marks, {certificates} certificates, {claims} claims".format(
            len(staff), **counts
        )
    ]
