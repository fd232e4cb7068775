"""Completion certificates (结业证书, point (八), item 6): bulk issue per finished class, numbering, the PDF
with its verification QR, revocation, and the public verification.

**Numbers** read ``ZK-<programme>-<year>-<serial>`` (``ZK-SYB-2020-000123``): the city, the programme kind,
the year of issue and a six-digit serial per kind and year. The serial is the highest issued plus one; two
issues racing for the same number meet the unique constraint, and the loser takes the next one (savepoint
and retry), so numbers stay unique without a lock on other classes.

**Verification** is public (``/verify/<code>``, ``GET /api/v1/training/certificates/verify/{code}``): the
unguessable ``verify_code`` (not the number, which is readable and sequential) opens the masked name, the
programme, the class, the dates and the status; an unknown code says only that no certificate has it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import segno
from django.db import IntegrityError, transaction
from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Image, Spacer, Table, TableStyle

from fanxiang.core import audit, pdf
from fanxiang.core.errors import Conflict, InvalidInput
from fanxiang.core.validators import mask_name, validate_text
from fanxiang.training.choices import ClassStatus, ProgrammeKind
from fanxiang.training.completion import enrolments_decide
from fanxiang.training.models import Certificate, Enrolment, TrainingClass

CITY = "ZK"
KIND_CODES = {
    ProgrammeKind.SYB: "SYB",
    ProgrammeKind.IYB: "IYB",
    ProgrammeKind.GYB: "GYB",
    ProgrammeKind.ONLINE_STARTUP: "WLCY",
    ProgrammeKind.VILLAGE_LEADER: "ZFDT",
    ProgrammeKind.PROJECT_HEAD: "SFXM",
    ProgrammeKind.OTHER: "QT",
}
ISSUABLE = (ClassStatus.FINISHED, ClassStatus.CLAIMED)
RETRIES = 5
EVENT_ISSUE = "certificate_issue"
EVENT_REVOKE = "certificate_revoke"


def verify_path(certificate: Certificate) -> str:
    return f"/verify/{certificate.verify_code}"


def number_prefix(kind: str, year: int) -> str:
    return f"{CITY}-{KIND_CODES.get(kind, 'QT')}-{year}-"


def next_number(kind: str, year: int) -> str:
    prefix = number_prefix(kind, year)
    last = (
        Certificate.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{serial:06d}"


@dataclass(frozen=True)
class IssueResult:
    issued: list[Certificate]
    refused: list[dict]


def certificates_issue(
    *, training_class: TrainingClass, actor: Any, today: dt.date | None = None, request: Any = None
) -> IssueResult:
    """Issue a certificate to every completed trainee of a finished class who has none; the others are
    listed with the reason (code and Chinese message)."""
    today = today or timezone.localdate()
    if training_class.status not in ISSUABLE:
        raise InvalidInput("training.class_not_finished", "培训班结业后才能发放结业证书。")
    kind = training_class.programme.kind
    issued: list[Certificate] = []
    refused: list[dict] = []
    with transaction.atomic(), audit.acting_as(actor):
        TrainingClass.objects.select_for_update().filter(pk=training_class.pk).first()
        have = dict(
            Certificate.objects.filter(enrolment__training_class=training_class).values_list(
                "enrolment_id", "number"
            )
        )
        for enrolment, result in enrolments_decide(training_class=training_class, actor=actor, today=today):
            if enrolment.pk in have:
                refused.append(
                    _refusal(enrolment, "training.already_issued", f"已发证（{have[enrolment.pk]}）")
                )
                continue
            if not result.completed:
                refused.append(
                    _refusal(enrolment, "training.not_completed", f"未达到结业条件：{result.reason}")
                )
                continue
            issued.append(_create(enrolment, kind=kind, actor=actor, today=today, request=request))
    return IssueResult(issued, refused)


def _refusal(enrolment: Enrolment, code: str, message: str) -> dict:
    return {"enrolment": enrolment.pk, "code": code, "message": message}


def _create(enrolment: Enrolment, *, kind: str, actor: Any, today: dt.date, request: Any) -> Certificate:
    for attempt in range(RETRIES):
        try:
            with transaction.atomic():
                cert = Certificate.objects.create(
                    enrolment=enrolment,
                    number=next_number(kind, today.year),
                    issued_on=today,
                    issued_by=actor if getattr(actor, "pk", None) else None,
                )
            break
        except IntegrityError:
            if attempt == RETRIES - 1:
                raise Conflict("training.number_taken", "证书编号冲突，请稍后重试。") from None
    audit.record_event(
        event=EVENT_ISSUE, actor=actor, obj=cert, request=request, data={"number": cert.number}
    )
    return cert


def certificate_revoke(
    *, certificate: Certificate, reason: str, actor: Any, now: dt.datetime | None = None, request: Any = None
) -> Certificate:
    """Revoke a certificate (e.g. attendance found faked); the verification page says so from then on."""
    now = now or timezone.now()
    reason = validate_text((reason or "").strip(), field_name="reason", label="撤销原因")
    if not reason:
        raise InvalidInput.field("reason", "training.reason_required", "请填写撤销原因。")
    if len(reason) > 200:
        raise InvalidInput.field("reason", "training.reason_too_long", "撤销原因不能超过200字。")
    with transaction.atomic(), audit.acting_as(actor):
        cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if cert.revoked:
            raise Conflict("training.already_revoked", "该证书已撤销。")
        cert.revoked, cert.revoked_reason, cert.revoked_at = True, reason, now
        cert.save(update_fields=["revoked", "revoked_reason", "revoked_at"])
        audit.record_event(
            event=EVENT_REVOKE, actor=actor, obj=cert, request=request, data={"reason": reason}
        )
    return cert


# --------------------------------------------------------------------------- public verification


def certificate_by_code(code: str) -> Certificate | None:
    if not code or len(code) > 32:
        return None
    return (
        Certificate.objects.select_related("enrolment__entrepreneur", "enrolment__training_class__programme")
        .filter(verify_code=code)
        .first()
    )


def verification(cert: Certificate) -> dict:
    """What the public page and API show of a certificate: never more than the masked name."""
    klass = cert.enrolment.training_class
    return {
        "valid": not cert.revoked,
        "status": "revoked" if cert.revoked else "valid",
        "status_label": "已撤销" if cert.revoked else "有效",
        "number": cert.number,
        "programme": klass.programme.name,
        "class": klass.name,
        "start_date": klass.start_date,
        "end_date": klass.end_date,
        "issued_on": cert.issued_on,
        "revoked_on": timezone.localdate(cert.revoked_at) if cert.revoked_at else None,
        "name_masked": mask_name(cert.enrolment.entrepreneur.name),
    }


# --------------------------------------------------------------------------- the PDF


def qr_png(url: str) -> bytes:
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=6, border=2)
    return buf.getvalue()


def certificate_pdf(cert: Certificate, *, verify_url: str, printed_by: str = "") -> bytes:
    """The certificate on A4: the statement, the particulars, and the QR that opens ``verify_url``."""
    enrolment = cert.enrolment
    person = enrolment.entrepreneur
    klass = enrolment.training_class
    programme = klass.programme
    statement = (
        f"{person.name}（身份证号 {pdf.masked_id_number(person.id_number_masked)}）于 "
        f"{klass.start_date:%Y年%m月%d日}至{klass.end_date:%Y年%m月%d日}参加{programme.name}"
        f"（{klass.name}），完成规定课时并经考核合格，准予结业。特发此证。"
    )
    qr = Image(io.BytesIO(qr_png(verify_url)), width=34 * mm, height=34 * mm)
    side = Table(
        [[qr], [pdf.para("扫码核验证书真伪", "small")], [pdf.para(verify_url, "small")]],
        colWidths=[60 * mm],
    )
    side.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    story = [
        pdf.DocumentTitle("创业培训结业证书", f"证书编号：{cert.number}"),
        Spacer(1, 6 * mm),
        pdf.para(statement, "body"),
        Spacer(1, 6 * mm),
        pdf.form_grid(
            [
                pdf.Field("证书编号", cert.number),
                pdf.Field("发证日期", cert.issued_on),
                pdf.Field("培训项目", programme.name),
                pdf.Field("规定课时", f"{programme.hours_required} 学时"),
                pdf.Field("培训班", klass.name, wide=True),
                pdf.Field("培训机构", str(klass.provider), wide=True),
                pdf.Field("已参加课时", f"{enrolment.hours_attended} 学时"),
                pdf.Field("证书状态", "已撤销" if cert.revoked else "有效"),
            ]
        ),
        Spacer(1, 8 * mm),
        side,
    ]
    if cert.revoked:
        story.insert(
            1, pdf.para(f"本证书已于 {timezone.localdate(cert.revoked_at)} 撤销，不再有效。", "heading")
        )
    return pdf.render(story, title="创业培训结业证书", printed_by=printed_by, subject=cert.number)
