"""Every write of the training app: one atomic function per action, keyword-only, refusing with stable codes.

Class status changes go only through :data:`fanxiang.training.workflows.CLASSES` ``.transition``; the
checks of a step (filing lead time, timetable) run as its effect, inside the step's transaction, so a
refusal changes nothing. Enrolment runs every rule of :func:`enrolment_checks` (each with a code and a
Chinese reason) on the locked class row, so two clerks cannot both take the last seat.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from fanxiang.accounts.models import Organization
from fanxiang.core import calendar, pii
from fanxiang.core.audit import acting_as
from fanxiang.core.errors import Conflict, ErrorCollector, Forbidden, InvalidInput, NotFound
from fanxiang.core.scope import ADD, CHANGE, VIEW, ensure_in_scope, ensure_regions_in_scope, resolve
from fanxiang.core.validators import check_id_number, checked_text
from fanxiang.core.workflow import Context
from fanxiang.credit.models import Recommender, RecommenderKind
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.regions.models import Region, RegionLevel
from fanxiang.training.choices import (
    ClassMode,
    ClassStatus,
    EnrolmentSource,
    EnrolmentStatus,
    ExclusionRule,
    ProgrammeKind,
    VillagePost,
)
from fanxiang.training.models import (
    Base,
    ClassSession,
    Enrolment,
    Parameters,
    Programme,
    ProgrammeRule,
    Provider,
    TrainingClass,
)
from fanxiang.training.workflows import CLASSES

C = ClassStatus
TEXT_MAX = 2000
ENROLLING = (C.APPROVED, C.RUNNING)  # a class takes enrolments once approved, until it finishes
TIMETABLE_OPEN = (C.DRAFT, C.RETURNED)  # the timetable is fixed once filed
LIVE = (C.FILED, C.APPROVED, C.RUNNING)  # classes a person may not attend twice at the same time


_text = functools.partial(checked_text, app="training", max_length=TEXT_MAX)


def _decimal(
    value: Any, field: str, label: str, errors: ErrorCollector, *, minimum: Decimal
) -> Decimal | None:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError):
        errors.add(field, f"training.{field}_invalid", f"{label}应为数字。")
        return None
    if number < minimum or number > Decimal("9999"):
        errors.add(field, f"training.{field}_invalid", f"{label}应在{minimum}至9999之间。")
        return None
    return number


def _date(value: Any, field: str, label: str, errors: ErrorCollector) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or ""))
    except ValueError:
        errors.add(field, f"training.{field}_invalid", f"{label}应为有效日期（年-月-日）。")
        return None


def _time(value: Any, field: str, label: str, errors: ErrorCollector) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value or ""))
    except ValueError:
        errors.add(field, f"training.{field}_invalid", f"{label}应为有效时间（时:分）。")
        return None


def _md(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --------------------------------------------------------------------------- programmes


def programme_create(*, actor: Any, data: dict[str, Any]) -> Programme:
    """A programme (city reference data: only a role granted ``training.programme`` ADD, the city)."""
    if resolve(actor, Programme, ADD).empty:
        raise Forbidden("training.forbidden", "无权新建培训项目（由市级统一设置）。")
    errors = ErrorCollector()
    code = str(data.get("code") or "").strip()
    if not code or len(code) > 40 or not code.replace("_", "").replace("-", "").isalnum():
        errors.add("code", "training.code_invalid", "编码应为1至40位字母、数字、下划线或连字符。")
    elif Programme.objects.filter(code=code).exists():
        errors.add("code", "training.code_taken", "该编码已被使用。")
    kind = data.get("kind")
    if kind not in ProgrammeKind.values:
        errors.add("kind", "training.kind_invalid", "培训类别不正确。")
    values = {}
    for field, label, required, max_length in (
        ("name", "名称", True, 100),
        ("assessment", "考核方式", False, TEXT_MAX),
        ("description", "简介", False, TEXT_MAX),
    ):
        try:
            values[field] = _text(data.get(field), field, label, required=required, max_length=max_length)
        except InvalidInput as exc:
            errors.absorb(exc)
    hours = _decimal(data.get("hours_required"), "hours_required", "规定课时", errors, minimum=Decimal("0.5"))
    errors.raise_if_any()
    with transaction.atomic(), acting_as(actor):
        programme = Programme.objects.create(code=code, kind=kind, hours_required=hours, **values)
        ProgrammeRule.objects.create(
            programme=programme, valid_from=data.get("valid_from") or dt.date(2020, 1, 1)
        )
    return programme


# --------------------------------------------------------------------------- providers and bases


def provider_create(*, actor: Any, data: dict[str, Any]) -> Provider:
    """Recognise an organisation as a training institution (city data), with its validity."""
    if resolve(actor, Provider, ADD).empty:
        raise Forbidden("training.forbidden", "无权认定培训机构（由市级统一认定）。")
    errors = ErrorCollector()
    org = Organization.objects.filter(pk=data.get("organization"), is_active=True).first()
    if org is None:
        errors.add("organization", "training.organization_unknown", "机构不存在。")
    elif Provider.objects.filter(organization=org).exists():
        errors.add("organization", "training.provider_exists", "该机构已认定为培训机构。")
    valid_from = _date(data.get("valid_from"), "valid_from", "认定日期", errors)
    valid_to = _date(data["valid_to"], "valid_to", "有效期至", errors) if data.get("valid_to") else None
    if valid_from and valid_to and valid_to < valid_from:
        errors.add("valid_to", "training.validity_invalid", "有效期至不能早于认定日期。")
    codes = list(data.get("programmes") or [])
    found = list(Programme.objects.filter(code__in=codes))
    if len(found) != len(set(codes)):
        errors.add("programmes", "training.programme_unknown", "培训项目不存在。")
    values = {}
    for field, label, max_length in (("licence", "办学许可/认定文号", 100), ("contact", "联系人", 64)):
        try:
            values[field] = _text(data.get(field), field, label, max_length=max_length)
        except InvalidInput as exc:
            errors.absorb(exc)
    errors.raise_if_any()
    with transaction.atomic(), acting_as(actor):
        provider = Provider.objects.create(
            organization=org, valid_from=valid_from, valid_to=valid_to, **values
        )
        provider.programmes.set(found)
    return provider


BASE_KINDS = (RecommenderKind.INCUBATION_TRAINING_BASE, RecommenderKind.INCUBATION_DEMO_BASE)


def base_create(*, actor: Any, data: dict[str, Any]) -> Base:
    """Use an incubation base the credit app already knows (a recommender) for training: linked, not
    copied — its name, region and validity stay on the recommender."""
    if resolve(actor, Base, ADD).empty:
        raise Forbidden("training.forbidden", "无权设置实训基地（由市级统一设置）。")
    errors = ErrorCollector()
    rec = Recommender.objects.filter(pk=data.get("recommender"), kind__in=BASE_KINDS).first()
    if rec is None:
        errors.add(
            "recommender", "training.recommender_unknown", "创业孵化基地不存在（须先在信用体系中认定）。"
        )
    elif Base.objects.filter(recommender=rec).exists():
        errors.add("recommender", "training.base_exists", "该基地已设为实训基地。")
    try:
        address = _text(data.get("address"), "address", "地址", max_length=200)
    except InvalidInput as exc:
        errors.absorb(exc)
    seats = data.get("seats")
    if seats is not None and (not isinstance(seats, int) or seats < 1):
        errors.add("seats", "training.seats_invalid", "实训工位应为正整数。")
    errors.raise_if_any()
    with transaction.atomic(), acting_as(actor):
        return Base.objects.create(recommender=rec, address=address, seats=seats)


# --------------------------------------------------------------------------- classes


def class_create(*, actor: Any, data: dict[str, Any], today: dt.date | None = None) -> TrainingClass:
    """A class in a county (draft). Capacity defaults to, and may not exceed, the parameter in force on
    the start date; provider and base must be valid on the start date."""
    today = today or timezone.localdate()
    errors = ErrorCollector()
    region = Region.objects.filter(code=str(data.get("region") or "")).first()
    if region is None:
        errors.add("region", "training.region_unknown", "所属县（市、区）不存在。")
    elif region.level != RegionLevel.COUNTY:
        errors.add("region", "training.region_not_county", "培训班应归属县（市、区）。")
    else:
        ensure_regions_in_scope(actor, TrainingClass, ADD, [region.tree_path])
    programme = Programme.objects.filter(pk=data.get("programme"), is_active=True).first()
    if programme is None:
        errors.add("programme", "training.programme_unknown", "培训项目不存在。")
    start = _date(data.get("start_date"), "start_date", "开班日期", errors)
    end = _date(data.get("end_date"), "end_date", "结业日期", errors)
    if start and end and end < start:
        errors.add("end_date", "training.dates_invalid", "结业日期不能早于开班日期。")
    if start and start < today:
        errors.add("start_date", "training.start_in_past", "开班日期不能早于今天。")
    provider = Provider.objects.select_related("organization").filter(pk=data.get("provider")).first()
    if provider is None:
        errors.add("provider", "training.provider_unknown", "培训机构不存在。")
    elif start and not provider.valid_on(start):
        errors.add("provider", "training.provider_invalid", "该培训机构在开班日期不在认定有效期内。")
    base = None
    if data.get("base"):
        base = Base.objects.select_related("recommender").filter(pk=data.get("base")).first()
        if base is None:
            errors.add("base", "training.base_unknown", "实训基地不存在。")
        elif start and not base.valid_on(start):
            errors.add("base", "training.base_invalid", "该实训基地在开班日期不在认定有效期内。")
    mode = data.get("mode") or ClassMode.OFFLINE
    if mode not in ClassMode.values:
        errors.add("mode", "training.mode_invalid", "培训方式不正确。")
    values = {}
    for field, label, required, max_length in (
        ("name", "班级名称", True, 128),
        ("place", "培训地点", mode != ClassMode.ONLINE, 200),
        ("teacher_names", "授课教师", False, 200),
        ("notes", "备注", False, TEXT_MAX),
    ):
        try:
            values[field] = _text(data.get(field), field, label, required=required, max_length=max_length)
        except InvalidInput as exc:
            errors.absorb(exc)
    limit = Parameters.on(start or today).class_capacity
    capacity = limit if data.get("capacity") is None else data["capacity"]
    if not isinstance(capacity, int) or capacity < 1:
        errors.add("capacity", "training.capacity_invalid", "招生人数应为正整数。")
    elif capacity > limit:
        errors.add("capacity", "training.capacity_over_limit", f"每班人数不能超过{limit}人。")
    errors.raise_if_any()
    with transaction.atomic(), acting_as(actor):
        klass = TrainingClass.objects.create(
            region=region,
            programme=programme,
            provider=provider,
            base=base,
            mode=mode,
            start_date=start,
            end_date=end,
            capacity=capacity,
            created_by=actor if getattr(actor, "pk", None) else None,
            **values,
        )
        ensure_in_scope(actor, klass, ADD)
    return klass


def session_add(*, actor: Any, training_class: TrainingClass, data: dict[str, Any]) -> ClassSession:
    """A session of the timetable (only while the class is a draft or returned for correction)."""
    ensure_in_scope(actor, training_class, CHANGE)
    errors = ErrorCollector()
    day = _date(data.get("date"), "date", "日期", errors)
    start = _time(data.get("start_time"), "start_time", "开始时间", errors)
    end = _time(data.get("end_time"), "end_time", "结束时间", errors)
    hours = _decimal(data.get("hours"), "hours", "课时", errors, minimum=Decimal("0.5"))
    mode = data.get("mode") or (
        ClassMode.OFFLINE if training_class.mode != ClassMode.ONLINE else ClassMode.ONLINE
    )
    if mode not in (ClassMode.OFFLINE, ClassMode.ONLINE):
        errors.add("mode", "training.mode_invalid", "课次授课方式应为线下或线上。")
    if day and not (training_class.start_date <= day <= training_class.end_date):
        errors.add("date", "training.session_outside_class", "课次日期应在开班日期与结业日期之间。")
    if start and end:
        if end <= start:
            errors.add("end_time", "training.session_times_invalid", "结束时间应晚于开始时间。")
        elif hours is not None:
            length = Decimal(
                (dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)).seconds
            )
            if hours > length / Decimal(2700):  # a class hour (课时) is at least 45 minutes
                errors.add(
                    "hours",
                    "training.session_hours_too_many",
                    "课时数超过该时段可安排的课时（每课时不少于45分钟）。",
                )
    try:
        topic = _text(data.get("topic"), "topic", "课程内容", max_length=200)
    except InvalidInput as exc:
        errors.absorb(exc)
        topic = ""
    video = data.get("video_seconds")
    if video is not None and (not isinstance(video, int) or video < 1):
        errors.add("video_seconds", "training.video_seconds_invalid", "线上课程时长应为正整数（秒）。")
    errors.raise_if_any()
    with transaction.atomic(), acting_as(actor):
        locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        if locked.status not in TIMETABLE_OPEN:
            raise Conflict("training.timetable_locked", "培训班已备案，课表不能再修改。")
        if locked.sessions.filter(date=day, start_time__lt=end, end_time__gt=start).exists():
            raise InvalidInput.field("start_time", "training.session_overlap", "该时段与本班已有课次重叠。")
        session = ClassSession.objects.create(
            training_class=locked,
            date=day,
            start_time=start,
            end_time=end,
            hours=hours,
            topic=topic,
            mode=mode,
            video_seconds=video,
        )
        ensure_in_scope(actor, session, CHANGE)
    return session


def filing_deadline(start: dt.date, lead: int) -> dt.date:
    """The last day a class starting on ``start`` may be filed: the service wants at least ``lead`` working
    days after the filing day up to and including the start (``calendar.workdays_between``), so the day
    before the ``lead``-th working day counted back from the start (the start itself included)."""
    return calendar.workdays_before(start + dt.timedelta(days=1), lead) - dt.timedelta(days=1)


def _check_filing(ctx: Context) -> None:
    klass = ctx.obj
    lead = Parameters.on(ctx.today).filing_lead_workdays
    hours = sum((s.hours for s in klass.sessions.all()), Decimal("0"))
    if hours == 0:
        raise InvalidInput("training.no_sessions", "请先安排课表（至少一个课次）再备案。")
    if hours < klass.programme.hours_required:
        raise InvalidInput(
            "training.timetable_short",
            f"课表共{hours}课时，少于该项目规定的{klass.programme.hours_required}课时。",
        )
    if calendar.workdays_between(ctx.today, klass.start_date) < lead:
        latest = filing_deadline(klass.start_date, lead)
        raise InvalidInput(
            "training.filing_too_late",
            f"培训班须在开班前至少{lead}个工作日备案（开班日期{_md(klass.start_date)}，最晚应于{_md(latest)}备案）。",
        )
    klass.filed_on = ctx.today
    ctx.data.update({"lead_workdays": lead, "hours": str(hours)})


def _check_start(ctx: Context) -> None:
    if ctx.today < ctx.obj.start_date:
        raise Conflict("training.not_started_yet", f"开班日期为{_md(ctx.obj.start_date)}，尚未到开班时间。")


def _check_finish(ctx: Context) -> None:
    last = ctx.obj.sessions.order_by("-date").values_list("date", flat=True).first() or ctx.obj.end_date
    if ctx.today < last:
        raise Conflict("training.not_ended_yet", f"最后一个课次在{_md(last)}，课程尚未结束。")


def _approve(ctx: Context) -> None:
    ctx.obj.approved_on = ctx.today


EFFECTS = {"file": _check_filing, "approve": _approve, "start": _check_start, "finish": _check_finish}


def class_action(
    *, actor: Any, training_class: TrainingClass, action: str, note: str = "", today: dt.date | None = None
) -> TrainingClass:
    """One step of the class workflow (file, approve, return, start, finish, cancel)."""
    if action not in CLASS_ACTIONS:
        raise NotFound("training.unknown_action", f"未知的操作：{action}。")
    return CLASSES.transition(
        training_class, action, actor, note=note, today=today, effect=EFFECTS.get(action)
    )


CLASS_ACTIONS = ("file", "approve", "return", "start", "finish", "cancel")


def class_file(*, actor: Any, training_class: TrainingClass, note: str = "", today: dt.date | None = None):
    return class_action(actor=actor, training_class=training_class, action="file", note=note, today=today)


def class_approve(*, actor: Any, training_class: TrainingClass, note: str = "", today: dt.date | None = None):
    return class_action(actor=actor, training_class=training_class, action="approve", note=note, today=today)


def class_return(*, actor: Any, training_class: TrainingClass, note: str, today: dt.date | None = None):
    return class_action(actor=actor, training_class=training_class, action="return", note=note, today=today)


def class_start(*, actor: Any, training_class: TrainingClass, note: str = "", today: dt.date | None = None):
    return class_action(actor=actor, training_class=training_class, action="start", note=note, today=today)


def class_finish(*, actor: Any, training_class: TrainingClass, note: str = "", today: dt.date | None = None):
    return class_action(actor=actor, training_class=training_class, action="finish", note=note, today=today)


def class_cancel(*, actor: Any, training_class: TrainingClass, note: str, today: dt.date | None = None):
    return class_action(actor=actor, training_class=training_class, action="cancel", note=note, today=today)


# --------------------------------------------------------------------------- enrolment


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years (周岁) on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class EnrolmentFacts:
    """The entrepreneur ids failing each enrolment rule that depends on other enrolments."""

    enrolled: set[int]  # already enrolled in the class
    completed: set[int]  # completed a class of the same programme kind
    overlapping: set[int]  # enrolled in another live class overlapping it


def enrolment_facts(*, training_class: TrainingClass, people: Iterable[int]) -> EnrolmentFacts:
    """Who of ``people`` (entrepreneur ids) is already enrolled in the class, has completed a class of its
    programme kind, or is enrolled in another live class overlapping it: three queries for any number."""
    klass, people = training_class, list(people)
    mine = Enrolment.objects.filter(entrepreneur__in=people)
    return EnrolmentFacts(
        enrolled=set(
            mine.filter(training_class=klass, status=EnrolmentStatus.ENROLLED).values_list(
                "entrepreneur_id", flat=True
            )
        ),
        completed=set(
            mine.filter(completed=True, training_class__programme__kind=klass.programme.kind).values_list(
                "entrepreneur_id", flat=True
            )
        ),
        overlapping=set(
            mine.filter(
                status=EnrolmentStatus.ENROLLED,
                training_class__status__in=LIVE,
                training_class__start_date__lte=klass.end_date,
                training_class__end_date__gte=klass.start_date,
            )
            .exclude(training_class=klass)
            .values_list("entrepreneur_id", flat=True)
        ),
    )


def enrolment_checks(
    *,
    training_class: TrainingClass,
    person: Entrepreneur,
    rule: ProgrammeRule,
    taken: int,
    facts: EnrolmentFacts | None = None,
) -> list[tuple[str, str, bool]]:
    """Every enrolment rule that fails, as ``(code, Chinese reason, soft)``; ``soft`` ones may be accepted
    with ``confirm=True`` (recorded on the enrolment). ``taken``: active enrolments of the class; ``facts``:
    :func:`enrolment_facts` covering ``person`` (looked up when not given)."""
    failed: list[tuple[str, str, bool]] = []
    klass = training_class
    if facts is None:
        facts = enrolment_facts(training_class=klass, people=[person.pk])
    if klass.status not in ENROLLING:
        failed.append(("training.class_not_open", "该培训班当前不接受报名（须审核通过后、结业前）。", False))
    if person.pk in facts.enrolled:
        failed.append(("training.already_enrolled", "该学员已报名本班。", False))
    age = age_on(person.birth_date, klass.start_date)
    if not rule.age_min <= age <= rule.age_max:
        failed.append(
            (
                "training.age_out_of_range",
                f"开班时学员{age}周岁，不在该项目{rule.age_min}至{rule.age_max}周岁的年龄范围内。",
                False,
            )
        )
    if person.pk in facts.completed:
        failed.append(
            (
                "training.already_completed",
                f"该学员已结业过“{klass.programme.get_kind_display()}”类培训。",
                False,
            )
        )
    if person.pk in facts.overlapping:
        failed.append(("training.overlapping_class", "该学员已报名同一时间段的其他培训班。", False))
    if taken >= klass.capacity:
        failed.append(("training.class_full", f"本班已满员（{klass.capacity}人）。", False))
    flags = [
        label
        for flag, label in (
            (person.is_pensioner, "退休人员"),
            (person.is_full_time_student, "全日制在校学生"),
        )
        if flag
    ]
    if flags:
        soft = rule.pensioner_student_rule == ExclusionRule.SOFT
        reason = f"登记信息显示该学员为{'、'.join(flags)}，" + (
            "请核实后确认报名。" if soft else "不得参加本项目培训。"
        )
        failed.append(("training.pensioner_or_student", reason, soft))
    return failed


def _village_fields(klass: TrainingClass, data: dict[str, Any]) -> tuple[Region | None, str, str]:
    """The village-leader programme needs ``village_name`` and ``post`` (``village``: a region code)."""
    village, village_name, post = None, "", ""
    if klass.programme.kind == ProgrammeKind.VILLAGE_LEADER:
        errors = ErrorCollector()
        try:
            village_name = _text(
                data.get("village_name"), "village_name", "所在村", required=True, max_length=64
            )
        except InvalidInput as exc:
            errors.absorb(exc)
        if data.get("village"):
            village = Region.objects.filter(
                code=str(data["village"]), level__in=(RegionLevel.VILLAGE, RegionLevel.TOWNSHIP)
            ).first()
            if village is None:
                errors.add("village", "training.village_unknown", "所在村（乡镇）代码不存在。")
        post = data.get("post") or ""
        if post not in VillagePost.values:
            errors.add("post", "training.post_required", "致富带头人培训须选择学员的村内职务。")
        errors.raise_if_any()
    return village, village_name, post


@dataclass
class EnrolmentBatch:
    """The enrolments of one class in one transaction (one enrolment, or a whole import file): the class row
    locked once, its programme rule read once and the seats taken counted once (kept up to date as
    enrolments are written); after :meth:`prefetch`, the registry people of a chunk of ID numbers and their
    :class:`EnrolmentFacts`, so :func:`enrolment_checks` runs every rule without queries of its own."""

    actor: Any
    klass: TrainingClass
    rule: ProgrammeRule
    taken: int
    today: dt.date
    people: dict[str, Entrepreneur | None] = dataclasses.field(
        default_factory=dict
    )  # ID-number hash -> person/None
    visible: set[int] = dataclasses.field(default_factory=set)  # prefetched people the actor may view
    known: set[int] = dataclasses.field(default_factory=set)  # prefetched people, covered by ``facts``
    facts: EnrolmentFacts = dataclasses.field(default_factory=lambda: EnrolmentFacts(set(), set(), set()))

    @classmethod
    def open(
        cls, *, actor: Any, training_class: TrainingClass, today: dt.date | None = None
    ) -> EnrolmentBatch:
        """Lock the class row (inside the caller's ``transaction.atomic``) and read what every row shares."""
        klass = (
            TrainingClass.objects.select_for_update()
            .select_related("programme", "region")
            .get(pk=training_class.pk)
        )
        return cls(
            actor=actor,
            klass=klass,
            rule=klass.programme.rule_on(klass.start_date),
            taken=klass.enrolments.filter(status=EnrolmentStatus.ENROLLED).count(),
            today=today or timezone.localdate(),
        )

    def prefetch(self, id_numbers: Iterable[str]) -> None:
        """The registry people of ``id_numbers`` (one query), which of them the actor may view and their
        enrolment facts (four more): the rows of the next chunk then need none of these queries."""
        hashes = {pii.index(n) for n in id_numbers if n}
        # with the region: the enrolment's scope check after the write reads it
        people = Entrepreneur.objects.select_related("region").filter(id_number_hash__in=hashes)
        found = {p.id_number_hash: p for p in people}
        self.people = {h: found.get(h) for h in hashes}
        self.known = {p.pk for p in found.values()}
        self.visible = set(
            Entrepreneur.objects.for_user(self.actor, VIEW)
            .filter(pk__in=self.known)
            .values_list("pk", flat=True)
        )
        self.facts = enrolment_facts(training_class=self.klass, people=self.known)

    def person(self, data: dict[str, Any]) -> tuple[Entrepreneur, bool]:
        """The registry person to enrol: by id, or by ID number (linked when registered, else registered);
        and whether it was registered just now."""
        actor = self.actor
        if data.get("entrepreneur") is not None:
            person = Entrepreneur.objects.for_user(actor, VIEW).filter(pk=data.get("entrepreneur")).first()
            if person is None:
                raise InvalidInput.field(
                    "entrepreneur", "training.entrepreneur_unknown", "学员不存在或无权访问。"
                )
            return person, False
        checked = check_id_number(data.get("id_number"), today=self.today)
        if not checked.valid:
            raise InvalidInput.field("id_number", checked.code, checked.message)
        id_hash = pii.index(checked.value)
        if id_hash in self.people:
            found = self.people[id_hash]
            visible = found is not None and found.pk in self.visible
        else:
            found = Entrepreneur.objects.filter(id_number_hash=id_hash).first()
            visible = (
                found is not None and Entrepreneur.objects.for_user(actor, VIEW).filter(pk=found.pk).exists()
            )
        if found is not None:
            # a person registered in another county is linked only when the caller also knows the name, so an
            # ID number alone never reveals who another county has registered
            if not visible and str(data.get("name") or "").strip() != found.name:
                raise InvalidInput.field(
                    "name", "training.identity_mismatch", "姓名与身份证号码不一致，请核对。"
                )
            return found, False
        self.people.pop(id_hash, None)  # registered now, or rolled back with the row: look it up again
        person = registry.entrepreneur_create(
            actor=actor,
            data={
                "name": data.get("name") or "",
                "id_number": checked.value,
                "mobile": data.get("mobile") or "",
                "region": data.get("region") or self.klass.region.code,
                "category": data.get("category") or "other",
                "priority_groups": [],
            },
        )
        return person, True

    def enrol(
        self, data: dict[str, Any], *, source: str = EnrolmentSource.STAFF, expect_name: str | None = None
    ) -> Enrolment:
        """One enrolment (see :func:`enrolment_create`), inside the caller's ``transaction.atomic``: a refused
        row may have registered its person, so roll back each row on a refusal. ``expect_name``: refuse
        (``training.name_mismatch``) a person registered under another name."""
        klass, actor = self.klass, self.actor
        ensure_regions_in_scope(actor, Enrolment, ADD, [klass.region.tree_path])
        village, village_name, post = _village_fields(klass, data)
        with acting_as(actor):
            person, registered = self.person(data)
            if person.pk in self.known:
                facts: EnrolmentFacts | None = self.facts
            else:  # a person registered just now has no enrolments yet
                facts = EnrolmentFacts(set(), set(), set()) if registered else None
            failed = enrolment_checks(
                training_class=klass, person=person, rule=self.rule, taken=self.taken, facts=facts
            )
            confirm = bool(data.get("confirm"))
            blocking = [f for f in failed if not (f[2] and confirm)]
            if blocking:
                code, message, _soft = blocking[0]
                raise InvalidInput(
                    code,
                    message,
                    details={"failed": [{"code": c, "message": m, "soft": s} for c, m, s in failed]},
                )
            enrolment = Enrolment.objects.create(
                training_class=klass,
                entrepreneur=person,
                village=village,
                village_name=village_name,
                post=post,
                source=source,
                warnings=[{"code": c, "message": m} for c, m, _s in failed],
                enrolled_by=actor if getattr(actor, "pk", None) else None,
            )
            ensure_in_scope(actor, enrolment, ADD)
        if expect_name is not None and person.name != expect_name:
            raise InvalidInput.field(
                "name", "training.name_mismatch", "姓名与登记的姓名不一致，请核对身份证号码和姓名。"
            )
        self.taken += 1
        if person.pk in self.known:
            self.facts.enrolled.add(person.pk)
        return enrolment


def enrolment_create(
    *,
    actor: Any,
    training_class: TrainingClass,
    data: dict[str, Any],
    source: str = EnrolmentSource.STAFF,
    today: dt.date | None = None,
) -> Enrolment:
    """Enrol a registry person (``entrepreneur``) or a trainee by ``id_number`` (+ ``name``, ``mobile``).
    The first failing rule refuses with its code (422; the others in ``details.failed``); soft rules pass
    with ``confirm=True``. The village-leader programme needs ``village_name`` and
    ``post`` (``village``: the region code of the village or its township, optional)."""
    with transaction.atomic():
        batch = EnrolmentBatch.open(actor=actor, training_class=training_class, today=today)
        return batch.enrol(data, source=source)


def enrolment_withdraw(*, actor: Any, enrolment: Enrolment, reason: str) -> Enrolment:
    """A trainee leaves a class before it finishes (reason required); the seat is free again."""
    ensure_in_scope(actor, enrolment, CHANGE)
    reason = _text(reason, "reason", "退出原因", required=True, max_length=200)
    with transaction.atomic(), acting_as(actor):
        locked = Enrolment.objects.select_for_update().select_related("training_class").get(pk=enrolment.pk)
        if locked.status != EnrolmentStatus.ENROLLED or locked.training_class.status not in (
            C.APPROVED,
            C.RUNNING,
        ):
            raise Conflict("training.wrong_state", "当前状态不能退出报名。")
        locked.status = EnrolmentStatus.WITHDRAWN
        locked.withdrawn_reason = reason
        locked.save()
        ensure_in_scope(actor, locked, CHANGE)
    return locked
