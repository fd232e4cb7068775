"""Attendance and certificates under ``/api/v1/training`` (point (八), items 5 and 6).

* ``GET /sessions/{id}/checkin-code`` (the class's teacher, or staff of its county) → ``{"code", "expires_at"}``
* ``POST /sessions/{id}/checkin`` ``{"enrolment"?, "code"}`` — the trainee, with a **portal** token or portal
  session; 422 ``training.checkin_code_expired`` / ``training.checkin_code_invalid``, 403 ``training.not_enrolled``,
  409 ``training.already_checked_in``
* ``POST /sessions/{id}/watch`` ``{"enrolment"?, "watched_seconds"}`` — the trainee's player (online sessions)
* ``GET /sessions/{id}/roll`` and ``POST /sessions/{id}/marks`` ``{"enrolment", "present", "reason"}`` (teacher/staff)
* ``POST /classes/{id}/assessments`` ``{"results": [{"enrolment", "passed"}]}`` → ``{"recorded", "completed"}``
* ``POST /classes/{id}/certificates`` → ``{"issued", "refused": [{"enrolment", "code", "message"}]}``
* ``POST /certificates/{id}/revoke`` ``{"reason"}``
* ``GET /certificates/verify/{code}`` without login → ``{"valid", "status", "programme", "class", "issued_on",
  "name_masked"}``; an unknown code is 404 ``training.certificate_not_found``
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema

from fanxiang.core.api import ErrorOut, InputSchema
from fanxiang.core.errors import NotFound
from fanxiang.core.scope import CHANGE, get_for_user
from fanxiang.portal.api_common import actor_of, person_id
from fanxiang.portal.auth import portal_auth
from fanxiang.training import attendance as att
from fanxiang.training import certificates as certs
from fanxiang.training import completion
from fanxiang.training.models import Certificate, ClassSession, TrainingClass

router = Router(tags=["创业培训·签到与证书"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
NOT_FOUND_CERT = "未找到该证书，请核对二维码或核验码。"


def _portal_session(session_id: int):
    """The session for a trainee: any session; enrolment is checked by the service (403 if not enrolled)."""
    found = ClassSession.objects.select_related("training_class").filter(pk=session_id).first()
    if found is None:
        raise NotFound("not_found", att.NOT_FOUND)
    return found


# --------------------------------------------------------------------------- the code and check-in


class CodeOut(Schema):
    code: str
    expires_at: dt.datetime
    seconds_left: int
    checkin_url: str


@router.get(
    "/sessions/{int:session_id}/checkin-code", response={200: CodeOut, **ERRORS}, summary="当前签到码（教师）"
)
def checkin_code(request, session_id: int):
    session = att.session_for_staff(request.auth, session_id)
    current = att.current_code(session)
    return {
        "code": current.code,
        "expires_at": current.expires_at,
        "seconds_left": current.seconds_left,
        "checkin_url": request.build_absolute_uri(att.checkin_url(session, current.code)),
    }


class CheckinIn(InputSchema):
    code: str
    enrolment: int | None = None


class MarkOut(Schema):
    id: int
    enrolment: int
    session: int
    source: str
    hours: Decimal
    watched_seconds: int | None
    reason: str
    at: dt.datetime
    hours_attended: Decimal


def _mark_out(a) -> dict:
    a.enrolment.refresh_from_db(fields=["hours_attended"])
    return {
        "id": a.pk,
        "enrolment": a.enrolment_id,
        "session": a.session_id,
        "source": a.source,
        "hours": a.hours,
        "watched_seconds": a.watched_seconds,
        "reason": a.reason,
        "at": a.at,
        "hours_attended": a.enrolment.hours_attended,
    }


@router.post(
    "/sessions/{int:session_id}/checkin",
    response={200: MarkOut, **ERRORS},
    auth=portal_auth,
    summary="学员扫码签到（门户令牌）",
)
def checkin(request, session_id: int, payload: CheckinIn):
    session = _portal_session(session_id)
    a = att.attendance_checkin(
        session=session,
        code=payload.code,
        actor=actor_of(request),
        person_id=person_id(request),
        enrolment_id=payload.enrolment,
        request=request,
    )
    return _mark_out(a)


class WatchIn(InputSchema):
    watched_seconds: int
    enrolment: int | None = None


@router.post(
    "/sessions/{int:session_id}/watch",
    response={200: MarkOut, **ERRORS},
    auth=portal_auth,
    summary="线上课程学习时长（门户令牌）",
)
def watch(request, session_id: int, payload: WatchIn):
    session = _portal_session(session_id)
    a = att.attendance_watch(
        session=session,
        watched_seconds=payload.watched_seconds,
        actor=actor_of(request),
        person_id=person_id(request),
        enrolment_id=payload.enrolment,
        request=request,
    )
    return _mark_out(a)


# --------------------------------------------------------------------------- the roll and marks


class RollRowOut(Schema):
    enrolment: int
    name: str
    present: bool
    marked: bool
    source: str
    at: dt.datetime | None
    hours: Decimal
    reason: str
    watched_seconds: int | None


class RollOut(Schema):
    session: int
    enrolled: int
    present: int
    items: list[RollRowOut]


@router.get(
    "/sessions/{int:session_id}/roll", response={200: RollOut, **ERRORS}, summary="课次签到名单（教师）"
)
def roll(request, session_id: int):
    session = att.session_for_staff(request.auth, session_id)
    rows = att.roll_of(session)
    return {
        "session": session.pk,
        "enrolled": len(rows),
        "present": sum(r.present for r in rows),
        "items": [
            {
                "enrolment": r.enrolment_id,
                "name": r.name,
                "present": r.present,
                "marked": r.marked,
                "source": r.source,
                "at": r.at,
                "hours": r.hours,
                "reason": r.reason,
                "watched_seconds": r.watched_seconds,
            }
            for r in rows
        ],
    }


class MarkIn(InputSchema):
    enrolment: int
    present: bool
    reason: str = ""


@router.post(
    "/sessions/{int:session_id}/marks", response={200: MarkOut, **ERRORS}, summary="教师补签/登记缺勤"
)
def mark(request, session_id: int, payload: MarkIn):
    session = att.session_for_staff(request.auth, session_id)
    a = att.attendance_mark(
        session=session,
        enrolment_id=payload.enrolment,
        present=payload.present,
        reason=payload.reason,
        actor=request.auth,
        request=request,
    )
    return _mark_out(a)


# --------------------------------------------------------------------------- assessment results


class AssessmentResultIn(InputSchema):
    enrolment: int
    passed: bool


class AssessmentsIn(InputSchema):
    results: list[AssessmentResultIn]


class AssessmentsOut(Schema):
    recorded: int
    completed: int


@router.post(
    "/classes/{int:class_id}/assessments",
    response={200: AssessmentsOut, **ERRORS},
    summary="登记考核结果并判定结业",
)
def assessments(request, class_id: int, payload: AssessmentsIn):
    klass = completion.class_for_assessments(request.auth, class_id)
    result = completion.assessments_record(
        actor=request.auth,
        training_class=klass,
        results=[r.model_dump() for r in payload.results],
        request=request,
    )
    return {"recorded": result.recorded, "completed": result.completed}


# --------------------------------------------------------------------------- certificates


class RefusedOut(Schema):
    enrolment: int
    code: str
    message: str


class IssuedOut(Schema):
    issued: int
    numbers: list[str]
    refused: list[RefusedOut]


@router.post(
    "/classes/{int:class_id}/certificates", response={200: IssuedOut, **ERRORS}, summary="批量发放结业证书"
)
def issue(request, class_id: int):
    klass = get_for_user(TrainingClass, request.auth, CHANGE, pk=class_id)
    result = certs.certificates_issue(training_class=klass, actor=request.auth, request=request)
    return {
        "issued": len(result.issued),
        "numbers": [c.number for c in result.issued],
        "refused": result.refused,
    }


class CertificateRevokeIn(InputSchema):
    reason: str


class CertificateOut(Schema):
    id: int
    number: str
    revoked: bool
    revoked_reason: str
    verify_url: str


@router.post(
    "/certificates/{int:certificate_id}/revoke", response={200: CertificateOut, **ERRORS}, summary="撤销证书"
)
def revoke(request, certificate_id: int, payload: CertificateRevokeIn):
    cert = get_for_user(Certificate, request.auth, CHANGE, pk=certificate_id)
    cert = certs.certificate_revoke(
        certificate=cert, reason=payload.reason, actor=request.auth, request=request
    )
    return {
        "id": cert.pk,
        "number": cert.number,
        "revoked": cert.revoked,
        "revoked_reason": cert.revoked_reason,
        "verify_url": request.build_absolute_uri(certs.verify_path(cert)),
    }


class VerifyOut(Schema):
    valid: bool
    status: str
    number: str
    programme: str
    class_: str = Field(alias="class")
    issued_on: dt.date
    revoked_on: dt.date | None
    name_masked: str


@router.get(
    "/certificates/verify/{code}",
    response={200: VerifyOut, 404: ErrorOut},
    auth=None,
    by_alias=True,
    summary="证书真伪核验（公开，无需登录）",
)
def verify(request, code: str):
    cert = certs.certificate_by_code(code)
    if cert is None:
        raise NotFound("training.certificate_not_found", NOT_FOUND_CERT)
    v = certs.verification(cert)
    return {
        "valid": v["valid"],
        "status": v["status"],
        "number": v["number"],
        "programme": v["programme"],
        "class": v["class"],
        "issued_on": v["issued_on"],
        "revoked_on": v["revoked_on"],
        "name_masked": v["name_masked"],
    }
