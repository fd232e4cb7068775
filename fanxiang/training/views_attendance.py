"""Pages of attendance and certificates (point (八), items 5 and 6).

* Staff (the class's teacher, or staff of its county): a session's roll page with the rotating QR (an HTMX
  partial that re-draws itself when its code expires, at least every 10 s) and the live roll (every 5 s),
  the teacher's marks; a class's certificates (bulk issue, PDF, revoke).
* Portal (the trainee): the check-in page the QR opens (``/portal/training/checkin/<session>/?code=…``),
  and the trainee's own certificate PDF.
* Public: ``/verify/<code>`` — the certificate's masked particulars, or a Chinese not-found page.
"""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from fanxiang.core import audit
from fanxiang.core.errors import DomainError
from fanxiang.core.pdf import pdf_response
from fanxiang.core.scope import CHANGE, VIEW, can, get_for_user
from fanxiang.core.views import refuse_http
from fanxiang.portal.views import Ctx, portal_page
from fanxiang.training import attendance as att
from fanxiang.training import certificates as certs
from fanxiang.training import completion
from fanxiang.training.completion import completion_of
from fanxiang.training.models import Certificate, ClassSession, Enrolment, TrainingClass
from fanxiang.training.selectors import may

ROLL_REFRESH_SECONDS = 5


def _session(request, pk: int, action: str = VIEW) -> ClassSession:
    try:
        return att.session_for_staff(request.user, pk, action)
    except DomainError as exc:
        raise Http404(exc.message) from None


def _refused(request, exc: DomainError) -> None:
    refuse_http(exc)
    messages.error(request, f"{exc.message}（{exc.code}）")


def _qr_context(request, session: ClassSession) -> dict:
    current = att.current_code(session)
    url = request.build_absolute_uri(att.checkin_url(session, current.code))
    svg = segno.make(url, error="m").svg_inline(scale=6, dark="#111", title="扫码签到")
    return {
        "session": session,
        "code": current,
        "url": url,
        "svg": mark_safe(svg),  # segno output: no user text in it
        "window_seconds": att.window_seconds(session),
        "refresh_in": min(att.QR_REFRESH_SECONDS, current.seconds_left),
        "running": att.is_running(session, timezone.now()),
    }


def _roll_context(session: ClassSession) -> dict:
    rows = att.roll_of(session)
    return {
        "session": session,
        "rows": rows,
        "present": sum(r.present for r in rows),
        "refresh_seconds": ROLL_REFRESH_SECONDS,
    }


# --------------------------------------------------------------------------- staff: the roll


@login_required
@require_GET
def session_roll(request, pk: int):
    session = _session(request, pk)
    context = {
        "title": f"{session.training_class.name} · 签到",
        "may_mark": att.may_mark(request.user, session),
        **_qr_context(request, session),
        **_roll_context(session),
    }
    return render(request, "training/attendance_roll.html", context)


@login_required
@require_GET
def session_qr(request, pk: int):
    session = _session(request, pk)
    response = render(request, "training/attendance_qr.html", _qr_context(request, session))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def session_roll_live(request, pk: int):
    session = _session(request, pk)
    response = render(request, "training/attendance_roll_live.html", _roll_context(session))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def session_mark(request, pk: int):
    session = _session(request, pk)
    try:
        enrolment_id = int(request.POST.get("enrolment", ""))
    except ValueError:
        messages.error(request, "请选择学员。（training.not_enrolled）")
        return redirect("training_attendance:session_roll", pk=session.pk)
    try:
        a = att.attendance_mark(
            session=session,
            enrolment_id=enrolment_id,
            present=request.POST.get("present") == "1",
            reason=request.POST.get("reason", ""),
            actor=request.user,
            request=request,
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "已登记出勤。" if a.hours > 0 else "已登记缺勤。")
    return redirect("training_attendance:session_roll", pk=session.pk)


# --------------------------------------------------------------------------- staff: certificates


def _class(request, pk: int, action: str = VIEW) -> TrainingClass:
    try:
        return get_for_user(TrainingClass, request.user, action, pk=pk)
    except DomainError as exc:
        raise Http404(exc.message) from None


@login_required
def class_certificates(request, pk: int):
    klass = _class(request, pk, CHANGE if request.method == "POST" else VIEW)
    if request.method == "POST":
        try:
            result = certs.certificates_issue(training_class=klass, actor=request.user, request=request)
        except DomainError as exc:
            _refused(request, exc)
        else:
            messages.success(
                request, f"已发放结业证书 {len(result.issued)} 本，未发放 {len(result.refused)} 人。"
            )
        return redirect("training_attendance:class_certificates", pk=klass.pk)
    enrolments = (
        Enrolment.objects.for_user(request.user, VIEW)
        .filter(training_class=klass)
        .select_related("entrepreneur", "certificate", "training_class__programme")
        .prefetch_related("training_class__programme__rules")
        .order_by("id")
    )
    rows = [
        {"enrolment": e, "completion": completion_of(e), "cert": getattr(e, "certificate", None)}
        for e in enrolments
    ]
    context = {
        "title": f"{klass.name} · 结业证书",
        "klass": klass,
        "rows": rows,
        "may_issue": may(request.user, Certificate, "add", klass) and klass.status in certs.ISSUABLE,
        "may_revoke": can(request.user, Certificate, CHANGE, klass.region.tree_path),
    }
    return render(request, "training/certificate_list.html", context)


def _certificate_response(request, cert: Certificate, actor) -> object:
    url = request.build_absolute_uri(certs.verify_path(cert))
    printed_by = getattr(actor, "display_name", "") or getattr(actor, "username", "")
    data = certs.certificate_pdf(cert, verify_url=url, printed_by=printed_by)
    audit.record_event(
        event=audit.EVENT_EXPORT,
        actor=actor,
        obj=cert,
        request=request,
        data={"format": "pdf", "document": "创业培训结业证书", "reveal": False},
    )
    return pdf_response(data, f"结业证书-{cert.number}.pdf")


@login_required
@require_GET
def certificate_pdf(request, pk: int):
    try:
        cert = get_for_user(Certificate, request.user, VIEW, pk=pk)
    except DomainError as exc:
        raise Http404(exc.message) from None
    return _certificate_response(request, cert, request.user)


@login_required
@require_POST
def certificate_revoke(request, pk: int):
    try:
        cert = get_for_user(Certificate, request.user, CHANGE, pk=pk)
    except DomainError as exc:
        raise Http404(exc.message) from None
    try:
        certs.certificate_revoke(
            certificate=cert, reason=request.POST.get("reason", ""), actor=request.user, request=request
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"证书 {cert.number} 已撤销。")
    return redirect("training_attendance:class_certificates", pk=cert.enrolment.training_class_id)


# --------------------------------------------------------------------------- portal: check-in


@portal_page
def portal_checkin(request, ctx: Ctx, session_id: int):
    session = ClassSession.objects.select_related("training_class").filter(pk=session_id).first()
    if session is None:
        raise Http404("课次不存在。")
    if ctx.person is None:
        messages.error(request, "请先完成实名绑定，再扫码签到。（portal.not_bound）")
        return redirect("/portal/bind/")
    code = (request.POST.get("code") if request.method == "POST" else request.GET.get("code")) or ""
    data = {
        "session": session,
        "klass": session.training_class,
        "code": code[:12],
        "done": None,
        "error": None,
    }
    if request.method == "POST":
        try:
            data["done"] = att.attendance_checkin(
                session=session, code=code, actor=ctx.actor, person_id=ctx.person.pk, request=request
            )
        except DomainError as exc:
            data["error"] = exc
    status = data["error"].status if data["error"] is not None else 200
    context = {"ctx": ctx, "base": ctx.base, "title": "课堂签到", **data}
    return render(request, "training/attendance_checkin.html", context, status=status)


@portal_page
def portal_certificate_pdf(request, ctx: Ctx, pk: int):
    cert = (
        Certificate.objects.select_related("enrolment__entrepreneur", "enrolment__training_class__programme")
        .filter(pk=pk, enrolment__entrepreneur_id=ctx.person_id or -1)
        .first()
    )
    if cert is None:
        raise Http404("证书不存在。")
    return _certificate_response(request, cert, ctx.actor)


# --------------------------------------------------------------------------- public: verification


@require_GET
def verify(request, code: str):
    cert = certs.certificate_by_code(code)
    context = {"ctx": None, "base": "/portal/", "hide_login": True, "title": "结业证书核验"}
    if cert is None:
        return render(request, "training/verify.html", {**context, "found": None}, status=404)
    return render(request, "training/verify.html", {**context, "found": certs.verification(cert)})


# --------------------------------------------------------------------------- staff: assessment results


@login_required
@require_POST
def class_assessments(request, pk: int):
    """The 考核结果 form of the class page: per trainee ``passed_<enrolment>`` = ``1`` / ``0`` / empty
    (未考核, nothing recorded); all rows saved at once, then completion re-decided."""
    try:
        klass = completion.class_for_assessments(request.user, pk)
    except DomainError as exc:
        raise Http404(exc.message) from None
    results = []
    for key, value in request.POST.items():
        if key.startswith("passed_") and key[7:].isdigit() and value in ("1", "0"):
            results.append({"enrolment": int(key[7:]), "passed": value == "1"})
    results.sort(key=lambda r: r["enrolment"])
    try:
        done = completion.assessments_record(
            actor=request.user, training_class=klass, results=results, request=request
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"已登记{done.recorded}名学员的考核结果，其中{done.completed}人结业。")
    return redirect("training:class_detail", pk=klass.pk)
