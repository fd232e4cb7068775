"""The trainee's 我的培训 pages on the portal (phone first, 375 px): the open classes of the person's county
to enrol in, my enrolments with hours and progress, the check-in link of today's sessions and the
certificate download (the attendance pages, linked by URL name).

The pages are the portal's (:func:`fanxiang.portal.views.portal_page`: the signed-in account and its bound
registry person). The portal account holds no staff role, so enrolling goes through
:func:`portal_enrol` here: the person enrols only themself, only in a class of their own county that takes
enrolments, through the very rules of :func:`fanxiang.training.services.enrolment_checks` on the locked
class row; a refusal shows its Chinese reason, its code in ``data-code``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from fanxiang.core.audit import acting_as
from fanxiang.core.errors import DomainError, InvalidInput
from fanxiang.portal.views import Ctx, _need_person, _page, portal_page
from fanxiang.training import selectors_portal, services
from fanxiang.training.attendance import CHECKIN_STATES
from fanxiang.training.choices import EnrolmentSource, EnrolmentStatus, ProgrammeKind, VillagePost
from fanxiang.training.completion import completion_of
from fanxiang.training.models import Enrolment, TrainingClass


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _own_class(ctx: Ctx, pk: int) -> TrainingClass:
    klass = selectors_portal.own_class(ctx.person, pk)
    if klass is None:
        raise Http404
    return klass


def portal_enrol(
    *, actor: Any, person: Any, training_class: TrainingClass, data: dict[str, Any]
) -> Enrolment:
    """The person enrols themself (portal). Same rules, codes and reasons as a clerk's enrolment; a soft
    rule passes with ``confirm``; the village-leader programme needs the village and the post."""
    village_name, post = "", ""
    if training_class.programme.kind == ProgrammeKind.VILLAGE_LEADER:
        village_name = str(data.get("village_name") or "").strip()[:64]
        post = data.get("post") or ""
        if not village_name:
            raise InvalidInput.field("village_name", "training.village_name_required", "请填写所在村。")
        if post not in VillagePost.values:
            raise InvalidInput.field("post", "training.post_required", "致富带头人培训须选择您的村内职务。")
    with transaction.atomic(), acting_as(actor):
        klass = (
            TrainingClass.objects.select_for_update()
            .select_related("programme", "region")
            .get(pk=training_class.pk)
        )
        county = person.region.county if person.region_id else None
        if county is None or klass.region_id != county.pk:
            raise InvalidInput("training.class_not_open", "该培训班当前不接受报名（须审核通过后、结业前）。")
        rule = klass.programme.rule_on(klass.start_date)
        taken = klass.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
        failed = services.enrolment_checks(training_class=klass, person=person, rule=rule, taken=taken)
        confirm = bool(data.get("confirm"))
        blocking = [f for f in failed if not (f[2] and confirm)]
        if blocking:
            code, message, _soft = blocking[0]
            raise InvalidInput(
                code,
                message,
                details={"failed": [{"code": c, "message": m, "soft": s} for c, m, s in failed]},
            )
        return Enrolment.objects.create(
            training_class=klass,
            entrepreneur=person,
            village_name=village_name,
            post=post,
            source=EnrolmentSource.PORTAL,
            warnings=[{"code": c, "message": m} for c, m, _s in failed],
        )


def _my_rows(ctx: Ctx, today: dt.date) -> list[dict]:
    enrolments, certs, marks = selectors_portal.my_training(ctx.person_id, today)
    rows = []
    for e in enrolments:
        klass = e.training_class
        done = completion_of(e)
        needed = done.hours_needed or Decimal("1")
        percent = min(100, int(Decimal(e.hours_attended) * 100 / needed)) if needed else 0
        sessions_today = [s for s in klass.sessions.all() if s.date == today]
        cert = certs.get(e.pk)
        rows.append(
            {
                "e": e,
                "klass": klass,
                "percent": percent,
                "reasons": e.completion_reason or "；".join(done.reasons),
                # today's sessions while the class takes check-ins; one already marked says how instead
                "checkins": [
                    {
                        "s": s,
                        "url": _url("training_attendance:portal_checkin", s.pk),
                        "marked": (e.pk, s.pk) in marks,
                        "present": marks.get((e.pk, s.pk), False),
                    }
                    for s in sessions_today
                    if e.status == EnrolmentStatus.ENROLLED and klass.status in CHECKIN_STATES
                ],
                "certificate": cert,
                "certificate_url": cert and _url("training_attendance:portal_certificate_pdf", cert.pk),
            }
        )
    return rows


@portal_page
def my_training(request, ctx: Ctx):
    if (r := _need_person(request, ctx)) is not None:
        return r
    today = timezone.localdate()
    rows = _my_rows(ctx, today)
    mine = {r["klass"].pk for r in rows if r["e"].status == EnrolmentStatus.ENROLLED}
    classes = [k for k in selectors_portal.open_classes(ctx.person, today) if k.pk not in mine]
    return _page(
        request,
        "training/portal_my_training.html",
        ctx,
        {"title": "我的培训", "rows": rows, "classes": classes, "today": today},
    )


@portal_page
def class_page(request, ctx: Ctx, pk: int):
    if (r := _need_person(request, ctx)) is not None:
        return r
    return _class_page(request, ctx, pk)


def _class_page(request, ctx: Ctx, pk: int, error: DomainError | None = None, status: int = 200):
    klass = _own_class(ctx, pk)
    enrolled = klass.enrolments.filter(
        entrepreneur_id=ctx.person_id, status=EnrolmentStatus.ENROLLED
    ).exists()
    return _page(
        request,
        "training/portal_class.html",
        ctx,
        {
            "title": klass.name,
            "klass": klass,
            "sessions": list(klass.sessions.all()),
            "enrolled": enrolled,
            "may_enrol": not enrolled and klass.status in services.ENROLLING,
            "taken": klass.enrolments.filter(status=EnrolmentStatus.ENROLLED).count(),
            "village": klass.programme.kind == ProgrammeKind.VILLAGE_LEADER,
            "posts": VillagePost.choices,
            "error": error,
            "failed": (error.details or {}).get("failed", []) if error is not None else [],
            "soft": any(f.get("soft") for f in ((error.details or {}).get("failed", []) if error else [])),
        },
        status,
    )


@require_POST
@portal_page
def enrol(request, ctx: Ctx, pk: int):
    if (r := _need_person(request, ctx)) is not None:
        return r
    klass = _own_class(ctx, pk)
    try:
        portal_enrol(
            actor=ctx.actor,
            person=ctx.person,
            training_class=klass,
            data={
                "confirm": request.POST.get("confirm") == "1",
                "village_name": request.POST.get("village_name", ""),
                "post": request.POST.get("post", ""),
            },
        )
    except DomainError as exc:
        return _class_page(request, ctx, pk, error=exc, status=422)
    messages.success(request, f"已报名“{klass.name}”。")
    return redirect("training_portal:my_training")
