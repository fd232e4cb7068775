"""Attendance that can't be faked (point (八), item 5): the rotating check-in code, the trainee's check-in,
the teacher's marks, online watched time, and the hours attended per enrolment.

**The code.** A session's code is the HMAC-SHA256 of its secret ``checkin_seed`` and the number of the
current time window (``Parameters.checkin_window_seconds``, default 30 s, read for the session's date),
reduced to :data:`CODE_DIGITS` digits. Nothing per window is stored. A code is accepted **only in its own
window**: the previous window is *not* accepted, because the issue requires that a code 1 s past its
window be refused, and the teacher's screen re-draws the QR at the very second the window changes (the QR
partial asks to be refreshed at ``min(10 s, seconds left)``), so a trainee never scans a stale code; one who
scans in the last second of a window simply scans again. A code of one of the last :data:`LOOKBACK_WINDOWS`
windows is refused as ``training.checkin_code_expired``, anything else as ``training.checkin_code_invalid``.

**Guessing.** A trainee gets :data:`MAX_FAILURES` wrong or expired codes per session in
:data:`FAILURE_PERIOD` (counted in the cache); beyond that 429 ``training.checkin_rate_limited``, so the
million codes of a window cannot be tried from home.

**When.** Check-in is open while the session runs, from :data:`OPEN_EARLY` before its start to its end
(Asia/Shanghai, the project's time zone), in a class that is approved or running.

**Marks.** One :class:`~fanxiang.training.models.Attendance` row per session and enrolment. A present
mark counts the session's hours (online: in proportion to the watched seconds, capped at the session's
length); an *absent* mark by the teacher is a row with ``hours = 0`` and its reason (the row stays, so the
trainee cannot check in afterwards and the roll shows why). Every mark writes an audit event in the same
transaction; the enrolment's ``hours_attended`` is recomputed from its rows in one UPDATE.

Every service takes ``now=`` (tests freeze time through it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, TooManyRequests
from fanxiang.core.scope import CHANGE, VIEW, can, get_for_user
from fanxiang.core.validators import validate_text
from fanxiang.training.choices import AttendanceSource, ClassMode, ClassStatus, EnrolmentStatus
from fanxiang.training.models import Attendance, ClassSession, Enrolment, Parameters
from fanxiang.training.teachers import teaches

CODE_DIGITS = 6
LOOKBACK_WINDOWS = 120  # how far back a code is recognised as "expired" rather than "invalid"
OPEN_EARLY = dt.timedelta(minutes=15)  # check-in opens this long before the session starts
MAX_FAILURES = 10  # wrong or expired codes per trainee and session within FAILURE_PERIOD
FAILURE_PERIOD = 600  # seconds
QR_REFRESH_SECONDS = 10  # the teacher's QR partial re-draws at least this often
CHECKIN_STATES = (ClassStatus.APPROVED, ClassStatus.RUNNING)
REASON_MAX = 200
TENTH = Decimal("0.1")

NOT_FOUND = "课次不存在或无权访问。"


# --------------------------------------------------------------------------- the code


def window_seconds(session: ClassSession) -> int:
    return int(Parameters.on(session.date).checkin_window_seconds)


def window_of(session: ClassSession, now: dt.datetime, seconds: int | None = None) -> int:
    return int(now.timestamp()) // (seconds or window_seconds(session))


def code_for(session: ClassSession, window: int) -> str:
    digest = hmac.new(session.checkin_seed.encode(), f"{session.pk}:{window}".encode(), hashlib.sha256)
    return str(int.from_bytes(digest.digest()[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


@dataclass(frozen=True)
class CurrentCode:
    code: str
    window: int
    expires_at: dt.datetime
    seconds_left: int


def current_code(session: ClassSession, *, now: dt.datetime | None = None) -> CurrentCode:
    """The code of the current window and when it expires."""
    now = now or timezone.now()
    seconds = window_seconds(session)
    window = window_of(session, now, seconds)
    expires_at = dt.datetime.fromtimestamp((window + 1) * seconds, tz=dt.UTC)
    left = max(1, int((expires_at - now).total_seconds() + 0.999))
    return CurrentCode(code_for(session, window), window, expires_at, left)


def check_code(session: ClassSession, code: str, *, now: dt.datetime) -> None:
    """Accept the current window's code only; an older one is ``expired``, anything else ``invalid``."""
    code = (code or "").strip()
    seconds = window_seconds(session)
    window = window_of(session, now, seconds)
    if len(code) == CODE_DIGITS and code.isdigit():
        if hmac.compare_digest(code, code_for(session, window)):
            return
        for back in range(1, LOOKBACK_WINDOWS + 1):
            if hmac.compare_digest(code, code_for(session, window - back)):
                raise InvalidInput.field(
                    "code", "training.checkin_code_expired", "签到码已过期，请扫描屏幕上最新的二维码。"
                )
    raise InvalidInput.field("code", "training.checkin_code_invalid", "签到码不正确，请扫描屏幕上的二维码。")


def checkin_url(session: ClassSession, code: str) -> str:
    """The portal page the QR opens (a path; callers make it absolute)."""
    return f"/portal/training/checkin/{session.pk}/?code={code}"


# --------------------------------------------------------------------------- when and who


def session_bounds(session: ClassSession) -> tuple[dt.datetime, dt.datetime]:
    """The session's start and end as aware times (Asia/Shanghai)."""
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(session.date, session.start_time), tz)
    end = timezone.make_aware(dt.datetime.combine(session.date, session.end_time), tz)
    return start, end


def is_running(session: ClassSession, now: dt.datetime) -> bool:
    start, end = session_bounds(session)
    return start - OPEN_EARLY <= now <= end


def _ensure_open(session: ClassSession, now: dt.datetime) -> None:
    if session.training_class.status not in CHECKIN_STATES:
        raise InvalidInput("training.class_not_running", "该培训班当前不在开班状态，不能签到。")
    start, end = session_bounds(session)
    if now < start - OPEN_EARLY:
        local = timezone.localtime(start - OPEN_EARLY)
        raise InvalidInput(
            "training.session_not_running", f"本课次尚未开始签到（{local:%m月%d日 %H:%M} 起可签到）。"
        )
    if now > end:
        raise InvalidInput("training.session_not_running", "本课次已结束，不能再签到。")


def is_teacher(user: Any, session: ClassSession) -> bool:
    return teaches(user, session.training_class)


def session_for_staff(user: Any, session_id: int, action: str = VIEW) -> ClassSession:
    """The session for its class's teacher, or for staff who may ``action`` the class's attendance; else
    404 (the same answer whether or not the session exists)."""
    session = (
        ClassSession.objects.select_related("training_class__programme", "training_class__region")
        .filter(pk=session_id)
        .first()
    )
    if session is not None and is_teacher(user, session):
        return session
    return get_for_user(ClassSession, user, action, pk=session_id)


def may_mark(user: Any, session: ClassSession) -> bool:
    klass = session.training_class
    return is_teacher(user, session) or can(
        user, Attendance, CHANGE, klass.region.tree_path, organization_id=klass.provider.organization_id
    )


def _enrolment_of(session: ClassSession, *, enrolment_id: int | None, person_id: int | None) -> Enrolment:
    found = Enrolment.objects.filter(
        training_class_id=session.training_class_id, status=EnrolmentStatus.ENROLLED
    )
    if enrolment_id is not None:
        found = found.filter(pk=enrolment_id)
    if person_id is not None:
        found = found.filter(entrepreneur_id=person_id)
    enrolment = found.select_related("entrepreneur").first() if (enrolment_id or person_id) else None
    if enrolment is None:
        raise Forbidden("training.not_enrolled", "您未报名该培训班，不能签到。")
    return enrolment


# --------------------------------------------------------------------------- hours


def _tenths(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_DOWN)


def session_length_seconds(session: ClassSession) -> int:
    if session.video_seconds:
        return int(session.video_seconds)
    start, end = session_bounds(session)
    return max(1, int((end - start).total_seconds()))


def hours_for_watched(session: ClassSession, watched: int) -> Decimal:
    length = session_length_seconds(session)
    return _tenths(Decimal(session.hours) * Decimal(min(watched, length)) / Decimal(length))


def enrolments_recompute_hours(enrolment_ids: Iterable[int]) -> int:
    """``hours_attended`` of these enrolments from their attendance rows, in one UPDATE."""
    ids = list(enrolment_ids)
    if not ids:
        return 0
    total = (
        Attendance.objects.filter(enrolment=OuterRef("pk"))
        .order_by()
        .values("enrolment")
        .annotate(s=Sum("hours"))
        .values("s")
    )
    return Enrolment.objects.filter(pk__in=ids).update(
        hours_attended=Coalesce(
            Subquery(total, output_field=DecimalField(max_digits=6, decimal_places=1)),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=6, decimal_places=1),
        )
    )


# --------------------------------------------------------------------------- audit


EVENT_MARK = "attendance_mark"  # the typed event of every mark (the generic change log is written too)


def _audit(att: Attendance, *, actor: Any, mark: str, before: dict | None, request: Any = None) -> None:
    after = {"hours": str(att.hours), "source": att.source, "reason": att.reason}
    if att.watched_seconds is not None:
        after["watched_seconds"] = att.watched_seconds
    changes = {k: [(before or {}).get(k), v] for k, v in after.items() if (before or {}).get(k) != v}
    audit.record_event(
        event=EVENT_MARK,
        actor=actor,
        obj=att,
        request=request,
        changes=changes,
        data={"mark": mark, "session": att.session_id, "enrolment": att.enrolment_id},
    )


def _snapshot(att: Attendance) -> dict:
    snap = {"hours": str(att.hours), "source": att.source, "reason": att.reason}
    if att.watched_seconds is not None:
        snap["watched_seconds"] = att.watched_seconds
    return snap


# --------------------------------------------------------------------------- services


def _check_code_limited(session: ClassSession, enrolment: Enrolment, code: str, now: dt.datetime) -> None:
    key = f"fx:training-checkin-fail:{session.pk}:{enrolment.pk}:{int(now.timestamp()) // FAILURE_PERIOD}"
    if (cache.get(key) or 0) >= MAX_FAILURES:
        raise TooManyRequests("training.checkin_rate_limited", "签到码错误次数过多，请稍后再试或请老师补签。")
    try:
        check_code(session, code, now=now)
    except DomainError:
        cache.add(key, 0, timeout=FAILURE_PERIOD + 5)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=FAILURE_PERIOD + 5)
        raise


def attendance_checkin(
    *,
    session: ClassSession,
    code: str,
    actor: Any,
    person_id: int,
    enrolment_id: int | None = None,
    now: dt.datetime | None = None,
    request: Any = None,
) -> Attendance:
    """The trainee (the registry person ``person_id``, on the portal) checks in with the code on the screen."""
    now = now or timezone.now()
    enrolment = _enrolment_of(session, enrolment_id=enrolment_id, person_id=person_id)
    _ensure_open(session, now)
    _check_code_limited(session, enrolment, code, now)
    if Attendance.objects.filter(session=session, enrolment=enrolment).exists():
        raise Conflict("training.already_checked_in", "您已签到本课次，无需重复签到。")
    try:
        with transaction.atomic(), audit.acting_as(actor):
            att = Attendance.objects.create(
                session=session,
                enrolment=enrolment,
                source=AttendanceSource.QR,
                hours=session.hours,
                marked_by=actor if getattr(actor, "pk", None) else None,
                at=now,
            )
            _audit(att, actor=actor, mark="checkin", before=None, request=request)
            enrolments_recompute_hours([enrolment.pk])
    except IntegrityError:  # the same trainee twice at once: the unique constraint decides
        raise Conflict("training.already_checked_in", "您已签到本课次，无需重复签到。") from None
    return att


def attendance_mark(
    *,
    session: ClassSession,
    enrolment_id: int,
    present: bool,
    reason: str,
    actor: Any,
    now: dt.datetime | None = None,
    request: Any = None,
) -> Attendance:
    """The teacher (or a clerk of the class's county) marks a trainee present or absent; a reason is required."""
    now = now or timezone.now()
    if not may_mark(actor, session):
        raise NotFound("not_found", NOT_FOUND)
    reason = validate_text((reason or "").strip(), field_name="reason", label="原因")
    if not reason:
        raise InvalidInput.field("reason", "training.reason_required", "请填写补签或缺勤的原因。")
    if len(reason) > REASON_MAX:
        raise InvalidInput.field("reason", "training.reason_too_long", f"原因不能超过{REASON_MAX}字。")
    if session.date > timezone.localdate(now):
        raise InvalidInput("training.session_not_running", "课次尚未开始，不能提前登记出勤。")
    enrolment = Enrolment.objects.filter(
        pk=enrolment_id, training_class_id=session.training_class_id, status=EnrolmentStatus.ENROLLED
    ).first()
    if enrolment is None:
        raise InvalidInput.field("enrolment", "training.not_enrolled", "该学员未报名本培训班。")
    hours = Decimal(session.hours) if present else Decimal("0")
    with transaction.atomic(), audit.acting_as(actor):
        att = Attendance.objects.select_for_update().filter(session=session, enrolment=enrolment).first()
        before = _snapshot(att) if att else None
        if att is None:
            att = Attendance(session=session, enrolment=enrolment, at=now)
        att.source, att.reason, att.hours, att.marked_by = AttendanceSource.TEACHER, reason, hours, actor
        if present:
            att.watched_seconds = None
        att.save()
        _audit(att, actor=actor, mark="present" if present else "absent", before=before, request=request)
        enrolments_recompute_hours([enrolment.pk])
    return att


def attendance_watch(
    *,
    session: ClassSession,
    watched_seconds: int,
    actor: Any,
    person_id: int,
    enrolment_id: int | None = None,
    now: dt.datetime | None = None,
    request: Any = None,
) -> Attendance:
    """An online session: the trainee's player reports the seconds watched so far (kept as the highest report,
    capped at the session's length); hours count in proportion."""
    now = now or timezone.now()
    if session.mode == ClassMode.OFFLINE:
        raise InvalidInput("training.not_online", "本课次为线下课程，请扫码签到。")
    if isinstance(watched_seconds, bool) or not isinstance(watched_seconds, int) or watched_seconds < 0:
        raise InvalidInput.field(
            "watched_seconds", "training.watched_invalid", "学习时长须为非负整数（秒）。"
        )
    enrolment = _enrolment_of(session, enrolment_id=enrolment_id, person_id=person_id)
    if session.training_class.status not in CHECKIN_STATES:
        raise InvalidInput("training.class_not_running", "该培训班当前不在开班状态。")
    if timezone.localtime(now).date() < session.date:
        raise InvalidInput("training.session_not_running", "本课次尚未开放。")
    watched = min(watched_seconds, session_length_seconds(session))
    with transaction.atomic(), audit.acting_as(actor):
        att = Attendance.objects.select_for_update().filter(session=session, enrolment=enrolment).first()
        if att is not None and att.source == AttendanceSource.TEACHER:
            return att  # the teacher's mark stands
        before = _snapshot(att) if att else None
        if att is None:
            att = Attendance(session=session, enrolment=enrolment, source=AttendanceSource.ONLINE, at=now)
        if att.watched_seconds is not None and att.watched_seconds >= watched:
            return att
        att.watched_seconds = watched
        att.hours = hours_for_watched(session, watched)
        att.marked_by = actor if getattr(actor, "pk", None) else None
        att.save()
        _audit(att, actor=actor, mark="watch", before=before, request=request)
        enrolments_recompute_hours([enrolment.pk])
    return att


# --------------------------------------------------------------------------- the roll


@dataclass(frozen=True)
class RollRow:
    enrolment_id: int
    name: str
    present: bool
    marked: bool
    source: str
    source_label: str
    at: dt.datetime | None
    hours: Decimal
    reason: str
    watched_seconds: int | None


def roll_of(session: ClassSession) -> list[RollRow]:
    """Every enrolled trainee of the session's class and their mark (two queries)."""
    marks = {a.enrolment_id: a for a in Attendance.objects.filter(session=session)}
    rows = []
    enrolments = (
        Enrolment.objects.filter(training_class_id=session.training_class_id, status=EnrolmentStatus.ENROLLED)
        .select_related("entrepreneur")
        .order_by("id")
    )
    for e in enrolments:
        a = marks.get(e.pk)
        rows.append(
            RollRow(
                enrolment_id=e.pk,
                name=e.entrepreneur.name,
                present=bool(a and a.hours > 0),
                marked=a is not None,
                source=a.source if a else "",
                source_label=a.get_source_display() if a else "",
                at=a.at if a else None,
                hours=a.hours if a else Decimal("0"),
                reason=a.reason if a else "",
                watched_seconds=a.watched_seconds if a else None,
            )
        )
    return rows
