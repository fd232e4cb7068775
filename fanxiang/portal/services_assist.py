"""The service clerk's assisted sessions (全程帮办): a clerk acts for a registry person at the service centre,
with the person's consent — a code sent to their phone and read back, or a signed consent form uploaded."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from fanxiang.core import audit, pii
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.core.scope import VIEW
from fanxiang.core.validators import check_id_number
from fanxiang.entrepreneurs.choices import RecordStatus
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.portal import otp
from fanxiang.portal.models import AssistSession, AssistStatus, ConsentMethod, OtpPurpose, PortalAccount

ASSIST_HOURS = 4


def _consent_mobile(person: Entrepreneur) -> str:
    account = PortalAccount.objects.filter(entrepreneur=person).first()
    if account is not None:
        return account.mobile
    return person.mobile if person.mobile_enc else ""


def _require_clerk(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.has_role("service_clerk")):
        raise Forbidden("portal.assist_forbidden", "只有服务中心窗口人员可以开展全程帮办。")


@audit.audited
@transaction.atomic
def assist_start(
    *, actor: Any, id_number: str, purpose: str = "", now: dt.datetime | None = None
) -> AssistSession:
    """Open an assisted session for a registry person in the clerk's scope. The person then consents (code
    to their phone, or a signed form)."""
    now = now or timezone.now()
    _require_clerk(actor)
    result = check_id_number(id_number or "")
    if not result.valid:
        raise InvalidInput.field("id_number", result.code, result.message)
    person = (
        Entrepreneur.objects.for_user(actor, VIEW)
        .filter(id_number_hash=pii.index(result.value), status=RecordStatus.ACTIVE)
        .first()
    )
    if person is None:
        raise NotFound(
            "portal.assist_person_not_found",
            "本服务中心辖区的登记库中没有该身份证号码的在册人员：请先办理返乡创业人员登记。",
            errors={"id_number": ["辖区内未找到该人员。"]},
        )
    session = AssistSession.objects.create(
        clerk=actor,
        organization=getattr(actor, "organization", None),
        entrepreneur=person,
        purpose=(purpose or "").strip()[:100],
        expires_at=now + dt.timedelta(hours=ASSIST_HOURS),
    )
    return session


def _own_session(actor: Any, session: AssistSession) -> AssistSession:
    found = (
        AssistSession.objects.select_for_update(of=("self",))
        .select_related("entrepreneur", "clerk")
        .filter(pk=session.pk, clerk=actor)
        .first()
    )
    if found is None:
        raise NotFound("not_found", "帮办记录不存在或无权访问。")
    return found


def assist_send_consent_code(
    *, actor: Any, session: AssistSession, now: dt.datetime | None = None
) -> otp.Sent:
    """Text a consent code to the person's phone (bound account's mobile, else the registry's)."""
    _require_clerk(actor)
    with transaction.atomic():
        s = _own_session(actor, session)
        if s.status != AssistStatus.AWAITING_CONSENT:
            raise Conflict("portal.assist_not_awaiting", "该帮办已授权或已结束。")
        mobile = _consent_mobile(s.entrepreneur)
    if not mobile:
        raise InvalidInput(
            "portal.assist_no_mobile", "该人员没有登记手机号码，请使用书面授权书（本人签字）并上传扫描件。"
        )
    org = getattr(actor, "organization", None)
    sent = otp.request_code(
        mobile=mobile,
        purpose=OtpPurpose.CONSENT,
        now=now,
        extra=f"{org}工作人员" if org else "服务中心工作人员",
    )
    AssistSession.objects.filter(pk=session.pk).update(consent_mobile_masked=sent.mobile_masked)
    return sent


def _activate(s: AssistSession, actor: Any, method: str, now: dt.datetime) -> AssistSession:
    s.status = AssistStatus.ACTIVE
    s.consent_method = method
    s.consent_at = now
    s.save()
    audit.record_event(
        event=audit.EVENT_SECURITY,
        actor=actor,
        obj=s,
        data={"assist": "consent", "method": method, "entrepreneur": s.entrepreneur_id},
    )
    return s


@audit.audited
def assist_confirm_code(
    *, actor: Any, session: AssistSession, code: str, now: dt.datetime | None = None
) -> AssistSession:
    now = now or timezone.now()
    _require_clerk(actor)
    with transaction.atomic():
        s = _own_session(actor, session)
        if s.status != AssistStatus.AWAITING_CONSENT:
            raise Conflict("portal.assist_not_awaiting", "该帮办已授权或已结束。")
        mobile = _consent_mobile(s.entrepreneur)
    if not mobile:
        raise InvalidInput("portal.assist_no_mobile", "该人员没有登记手机号码，请使用书面授权书。")
    otp.verify_code(mobile=mobile, code=code, purpose=OtpPurpose.CONSENT, now=now)
    with transaction.atomic():
        s = _own_session(actor, session)
        return _activate(s, actor, ConsentMethod.OTP, now)


CONSENT_TYPES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


@audit.audited
@transaction.atomic
def assist_confirm_signed_form(
    *, actor: Any, session: AssistSession, upload: Any, now: dt.datetime | None = None
) -> AssistSession:
    """Consent by a signed authorisation form (for a person without a phone): the scan is kept."""
    from pathlib import PurePath

    now = now or timezone.now()
    _require_clerk(actor)
    s = _own_session(actor, session)
    if s.status != AssistStatus.AWAITING_CONSENT:
        raise Conflict("portal.assist_not_awaiting", "该帮办已授权或已结束。")
    if upload is None:
        raise InvalidInput.field("file", "portal.consent_file_required", "请上传本人签字的授权书扫描件。")
    name = PurePath(getattr(upload, "name", "") or "").name
    signatures = CONSENT_TYPES.get(PurePath(name).suffix.lower())
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    size = getattr(upload, "size", 0) or 0
    if not signatures or size == 0 or not any(head.startswith(sig) for sig in signatures):
        raise InvalidInput.field("file", "portal.consent_file_invalid", "授权书只能是 PDF、JPG 或 PNG 文件。")
    if size > 10 * 1024 * 1024:
        raise InvalidInput.field("file", "portal.consent_file_invalid", "授权书文件不能超过10MB。")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    s.consent_file.save(name, upload, save=False)
    s.consent_file_sha256 = digest.hexdigest()
    try:
        return _activate(s, actor, ConsentMethod.SIGNED_FORM, now)
    except BaseException:
        s.consent_file.delete(save=False)
        raise


@audit.audited
@transaction.atomic
def assist_end(*, actor: Any, session: AssistSession, now: dt.datetime | None = None) -> AssistSession:
    now = now or timezone.now()
    s = _own_session(actor, session)
    if s.status == AssistStatus.ENDED:
        return s
    s.status = AssistStatus.ENDED
    s.ended_at = now
    s.save()
    return s
