"""Staff pages of the training app (point (八), item 8): the class list per county (filters, 共 N 条, pager),
the month calendar of sessions, the class form, the timetable, the class page (status, workflow buttons,
sessions, roster with hours and the completion reason, the enrolment form with its person picker) and the
enrolment import (check, then import on confirmation; the bad-rows workbook; the template).

Reads start from ``for_user``; a class outside the user's scope is 404. Every write goes through a service;
a refusal shows its Chinese message, its code only in ``data-code``.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from fanxiang.core.audit import acting_as
from fanxiang.core.errors import Conflict, DomainError, ErrorCollector, InvalidInput
from fanxiang.core.excel import xlsx_response
from fanxiang.core.scope import ADD, CHANGE, VIEW, can, ensure_in_scope, resolve
from fanxiang.core.views import Column, ScopedListView, ServiceFormView, apply_domain_error, refuse_http
from fanxiang.entrepreneurs.models import Entrepreneur, RecordStatus
from fanxiang.regions.models import Region
from fanxiang.training import imports as enrol_import
from fanxiang.training import selectors, services, teachers, todos_classes
from fanxiang.training.choices import ClassStatus, ProgrammeKind
from fanxiang.training.completion import ASSESSMENT_STATES, completion_of, may_record_assessments
from fanxiang.training.forms import (
    ClassFilter,
    ClassForm,
    EnrolForm,
    ImportForm,
    ReasonForm,
    SessionForm,
    next_month,
    parse_month,
)
from fanxiang.training.models import ClassSession, Enrolment, Parameters, SubsidyClaim, TrainingClass
from fanxiang.training.workflows import CLASSES

C = ClassStatus
ID_TAIL = re.compile(r"^\d{3}[\dXx]$")
WEEKDAYS = "一二三四五六日"
REPORT_TTL = 3600

# --------------------------------------------------------------------------- helpers


def _class(request, pk: int, action: str = VIEW) -> TrainingClass:
    """The class inside the user's scope, or 404 (never whether another county's exists)."""
    try:
        klass = selectors.class_detail(request.user, pk)
    except DomainError:
        raise Http404 from None
    if action != VIEW and not can(request.user, TrainingClass, action, klass.region.tree_path):
        raise Http404
    return klass


def _refused(request, exc: DomainError) -> None:
    refuse_http(exc)
    messages.error(request, f"{exc.message}（{exc.code}）")


def attendance_url(name: str, *args: Any) -> str | None:
    """A page of the attendance helper's URLconf by name, or None while it is not there."""
    from django.urls import NoReverseMatch

    try:
        return reverse(f"training_attendance:{name}", args=args)
    except NoReverseMatch:
        return None


def person_options(
    user: Any, q: str = "", selected: int | None = None, limit: int = 30
) -> list[Entrepreneur]:
    """Active registry people inside the user's scope matching ``q`` (the registry's search: name, pinyin
    initials, ID number, mobile; or the last 4 characters of the ID number), and the one already chosen."""
    from fanxiang.entrepreneurs.filtersets import EntrepreneurFilter

    base = (
        Entrepreneur.objects.for_user(user, VIEW).filter(status=RecordStatus.ACTIVE).select_related("region")
    )
    q = (q or "").strip()[:40]
    if not q:
        found = base.none()
    elif ID_TAIL.match(q):
        found = base.filter(id_number_masked__endswith=q.upper())
    else:
        found = EntrepreneurFilter({"q": q}, queryset=base).qs
    people = list(found.order_by("name", "id")[:limit])
    if selected and selected not in {p.pk for p in people}:
        people = list(base.filter(pk=selected)) + people
    return people


# --------------------------------------------------------------------------- services the pages need


@transaction.atomic
def session_remove(*, actor: Any, session: ClassSession) -> None:
    """Remove a session while the timetable is open (draft or returned); refused once it has marks."""
    ensure_in_scope(actor, session, CHANGE)
    with acting_as(actor):
        klass = TrainingClass.objects.select_for_update().get(pk=session.training_class_id)
        if klass.status not in services.TIMETABLE_OPEN:
            raise Conflict("training.timetable_locked", "培训班已备案，课表不能再修改。")
        if session.attendance.exists():
            raise Conflict("training.session_has_attendance", "该课次已有签到记录，不能删除。")
        session.delete()


def class_update(
    *, actor: Any, training_class: TrainingClass, data: dict[str, Any], today: dt.date | None = None
):
    """Edit a class while it is a draft or returned for correction; the same checks as creating it, plus:
    the sessions stay inside the dates and the capacity not below the trainees enrolled."""
    today = today or timezone.localdate()
    ensure_in_scope(actor, training_class, CHANGE)
    errors = ErrorCollector()
    start, end = data["start_date"], data["end_date"]
    if end < start:
        errors.add("end_date", "training.dates_invalid", "结业日期不能早于开班日期。")
    if start < today:
        errors.add("start_date", "training.start_in_past", "开班日期不能早于今天。")
    provider, base = data["provider"], data.get("base")
    if not provider.valid_on(start):
        errors.add("provider", "training.provider_invalid", "该培训机构在开班日期不在认定有效期内。")
    if base is not None and not base.valid_on(start):
        errors.add("base", "training.base_invalid", "该实训基地在开班日期不在认定有效期内。")
    if data["mode"] != "online" and not (data.get("place") or "").strip():
        errors.add("place", "training.place_required", "请填写培训地点。")
    limit = Parameters.on(start).class_capacity
    capacity = limit if data.get("capacity") is None else data["capacity"]
    if capacity < 1:
        errors.add("capacity", "training.capacity_invalid", "招生人数应为正整数。")
    elif capacity > limit:
        errors.add("capacity", "training.capacity_over_limit", f"每班人数不能超过{limit}人。")
    errors.raise_if_any()
    with transaction.atomic(), acting_as(actor):
        klass = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        if klass.status not in services.TIMETABLE_OPEN:
            raise Conflict("training.wrong_state", "培训班已备案，不能再修改（退回后可修改）。")
        if klass.sessions.exclude(date__range=(start, end)).exists():
            raise InvalidInput.field(
                "start_date",
                "training.session_outside_class",
                "已有课次不在新的开班、结业日期之间，请先调整课表。",
            )
        for field in ("programme", "provider", "base", "name", "place", "mode", "start_date", "end_date"):
            setattr(klass, field, data.get(field))
        klass.capacity = capacity
        klass.teacher_names = data.get("teacher_names") or ""
        klass.notes = data.get("notes") or ""
        klass.save()
        ensure_in_scope(actor, klass, CHANGE)
    return klass


# --------------------------------------------------------------------------- list and calendar


def _enrolled(obj: TrainingClass) -> str:
    return f"{getattr(obj, 'enrolled', 0)}/{obj.capacity}"


class ClassListView(ScopedListView):
    model = TrainingClass
    title = "培训班"
    template_name = "training/class_list.html"
    filterset_class = ClassFilter
    detail_url_name = "training:class_detail"
    create_url_name = "training:class_create"
    edit_url_name = "training:class_edit"
    columns = [
        Column("班级名称", "name", link=True),
        Column("培训项目", "programme.name"),
        Column("县（市、区）", "region.name"),
        Column("培训机构", "provider.organization.name"),
        Column("方式", "mode"),
        Column("开班日期", "start_date"),
        Column("结业日期", "end_date"),
        Column("报名/名额", _enrolled),
        Column("状态", "status"),
    ]

    def scoped_queryset(self, action=None):
        return selectors.classes_for_user(self.request.user)

    def editable_pks(self, objects) -> set:
        pks = super().editable_pks(objects)
        return {o.pk for o in objects if o.pk in pks and o.status in services.TIMETABLE_OPEN}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["calendar_url"] = reverse("training:class_calendar") + (
            f"?region={self.request.GET.get('region')}" if self.request.GET.get("region") else ""
        )
        return ctx


@login_required
@require_GET
def class_calendar(request):
    """The month's sessions, day by day, of the classes in the user's scope (``?month=2026-12&region=``).
    ``?task=session_roll`` (the to-do inbox's 今日课堂签到): only today's sessions whose roll the user takes,
    each linking to its roll page."""
    if resolve(request.user, TrainingClass, VIEW).empty:
        raise PermissionDenied
    today = timezone.localdate()
    roll = request.GET.get("task") == todos_classes.ROLL
    first = (None if roll else parse_month(request.GET.get("month"))) or today.replace(day=1)
    last = next_month(first) - dt.timedelta(days=1)
    if roll:
        sessions = todos_classes.roll_sessions(request.user, today)
    else:
        sessions = (
            ClassSession.objects.for_user(request.user, VIEW)
            .filter(date__range=(first, last))
            .exclude(training_class__status=C.CANCELLED)
        )
    sessions = sessions.select_related("training_class__programme", "training_class__region").order_by(
        "date", "start_time", "id"
    )
    region = request.GET.get("region") or ""
    found = Region.objects.filter(code=region).first() if region else None
    if region:
        sessions = (
            sessions.filter(training_class__region__tree_path__startswith=found.tree_path)
            if found
            else sessions.none()
        )
    by_day: dict[dt.date, list] = {}
    for s in sessions[:2000]:
        by_day.setdefault(s.date, []).append(s)
    weeks = []
    for week in pycal.Calendar().monthdatescalendar(first.year, first.month):
        weeks.append(
            [
                {
                    "day": d,
                    "in_month": d.month == first.month,
                    "today": d == today,
                    "sessions": by_day.get(d, []),
                }
                for d in week
            ]
        )
    prev_month = (first - dt.timedelta(days=1)).replace(day=1)
    from fanxiang.training.forms import county_choices

    return render(
        request,
        "training/class_calendar.html",
        {
            "title": "今日课堂签到" if roll else f"培训日历 · {first.year}年{first.month}月",
            "roll": roll,
            "weeks": weeks,
            "weekdays": WEEKDAYS,
            "month": first,
            "prev": prev_month.strftime("%Y-%m"),
            "next": next_month(first).strftime("%Y-%m"),
            "region": region,
            "regions": county_choices(request.user),
            "count": sum(len(v) for v in by_day.values()),
        },
    )


# --------------------------------------------------------------------------- class form


class ClassCreateView(ServiceFormView):
    form_class = ClassForm
    title = "新建培训班"
    model = TrainingClass
    action = ADD
    template_name = "training/class_form.html"

    def perform(self, form):
        return services.class_create(actor=self.request.user, data=form.service_data())

    def success_message(self, result) -> str:
        return "培训班已创建（草稿），请安排课表后备案。"

    def success_url(self, result) -> str:
        return reverse("training:class_detail", args=[result.pk])


class ClassEditView(ServiceFormView):
    form_class = ClassForm
    title = "修改培训班"
    model = TrainingClass
    action = CHANGE
    template_name = "training/class_form.html"

    def get_object(self):
        klass = _class(self.request, self.kwargs["pk"], CHANGE)
        if klass.status not in services.TIMETABLE_OPEN:
            raise Http404
        return klass

    def get_form(self, data=None, files=None):
        k = self.object
        initial = {
            "region": k.region.code,
            "programme": k.programme_id,
            "name": k.name,
            "provider": k.provider_id,
            "base": k.base_id,
            "place": k.place,
            "mode": k.mode,
            "start_date": k.start_date,
            "end_date": k.end_date,
            "capacity": k.capacity,
            "teacher_names": k.teacher_names,
            "notes": k.notes,
        }
        form = ClassForm(data, files, user=self.request.user, initial=initial)
        form.fields["region"].disabled = True
        form.fields["region"].choices = [(k.region.code, k.region.name)]
        return form

    def perform(self, form):
        return class_update(actor=self.request.user, training_class=self.object, data=form.cleaned_data)

    def success_url(self, result) -> str:
        return reverse("training:class_detail", args=[result.pk])


# --------------------------------------------------------------------------- class page


def _roster(klass: TrainingClass, user: Any) -> list[dict]:
    rows = []
    certs = {}
    enrolments = list(selectors.enrolments_of_class(user, klass).select_related("entrepreneur__region"))
    from fanxiang.training.models import Certificate

    for cert in Certificate.objects.filter(enrolment__in=[e.pk for e in enrolments]):
        certs[cert.enrolment_id] = cert
    for e in enrolments:
        e.training_class = klass
        reason = e.completion_reason or "；".join(completion_of(e).reasons)
        rows.append({"e": e, "reason": reason, "certificate": certs.get(e.pk)})
    return rows


def _detail_context(request, klass: TrainingClass, *, enrol_form=None, session_form=None, enrol_error=None):
    user = request.user
    allowed = CLASSES.allowed_steps(klass, user)
    sessions = list(klass.sessions.all())
    may_change = can(user, TrainingClass, CHANGE, klass.region.tree_path)
    picked = enrol_form["entrepreneur"].value() if enrol_form is not None and enrol_form.is_bound else None
    people = person_options(
        user, request.POST.get("q", ""), int(picked) if str(picked or "").isdigit() else None
    )
    return {
        "title": klass.name,
        "klass": klass,
        "status_label": CLASSES.status_label(klass.status),
        "steps": [s for s in allowed if s.action != "claim"],
        "sessions": [{"s": s, "roll_url": attendance_url("session_roll", s.pk)} for s in sessions],
        "hours_total": sum((s.hours for s in sessions), Decimal("0")),
        "timetable_open": klass.status in services.TIMETABLE_OPEN and may_change,
        "may_edit": klass.status in services.TIMETABLE_OPEN and may_change,
        "session_form": session_form or SessionForm(),
        "roster": _roster(klass, user),
        "enrolling": klass.status in services.ENROLLING and not resolve(user, Enrolment, ADD).empty,
        "enrol_form": enrol_form or EnrolForm(people=people),
        "enrol_error": enrol_error,
        "village": klass.programme.kind == ProgrammeKind.VILLAGE_LEADER,
        "events": [
            {
                "at": e.at,
                "label": CLASSES.action_labels.get(e.action, e.action),
                "status": CLASSES.status_label(e.to_status),
                "actor": e.actor_name,
                "note": e.note,
            }
            for e in klass.events.order_by("at", "id")
        ],
        "certificates_url": attendance_url("class_certificates", klass.pk),
        "assessments_url": attendance_url("class_assessments", klass.pk)
        if klass.status in ASSESSMENT_STATES and may_record_assessments(user, klass)
        else None,
        "claim": SubsidyClaim.objects.for_user(user).filter(training_class=klass).first(),
        "may_claim": klass.status == ClassStatus.FINISHED and selectors.may(user, SubsidyClaim, ADD, klass),
        "import_url": reverse("training:enrolment_import", args=[klass.pk]),
        "reason_form": ReasonForm(),
        "person_links": not resolve(user, Entrepreneur, VIEW).empty,  # the institution has no registry pages
        "teachers": list(klass.teachers.order_by("real_name", "username")),
        "teacher_options": list(teachers.teacher_options(klass))
        if teachers.may_set_teachers(user, klass)
        else None,
    }


@login_required
@require_GET
def class_detail(request, pk: int):
    klass = _class(request, pk)
    return render(request, "training/class_detail.html", _detail_context(request, klass))


@login_required
@require_POST
def class_action(request, pk: int, action: str):
    klass = _class(request, pk)
    if action not in services.CLASS_ACTIONS:
        raise Http404
    try:
        services.class_action(
            actor=request.user, training_class=klass, action=action, note=request.POST.get("note", "")[:500]
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"已{CLASSES.action_labels.get(action, action)}。")
    return redirect("training:class_detail", pk=klass.pk)


@login_required
@require_POST
def class_teachers(request, pk: int):
    """Set the class's teacher accounts (the county officer or the institution running the class)."""
    klass = _class(request, pk)
    try:
        teachers.class_teachers_set(
            actor=request.user,
            training_class=klass,
            teacher_ids=request.POST.getlist("teachers"),
            request=request,
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "已保存授课教师。")
    return redirect("training:class_detail", pk=klass.pk)


@login_required
@require_POST
def session_add(request, pk: int):
    klass = _class(request, pk, CHANGE)
    form = SessionForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            services.session_add(actor=request.user, training_class=klass, data=data)
        except DomainError as exc:
            refuse_http(exc)
            apply_domain_error(form, exc)
        else:
            messages.success(request, "已添加课次。")
            return redirect("training:class_detail", pk=klass.pk)
    klass = _class(request, pk)
    return render(
        request, "training/class_detail.html", _detail_context(request, klass, session_form=form), status=422
    )


@login_required
@require_POST
def session_delete(request, pk: int, session_id: int):
    klass = _class(request, pk, CHANGE)
    session = (
        ClassSession.objects.for_user(request.user, CHANGE)
        .filter(pk=session_id, training_class=klass)
        .first()
    )
    if session is None:
        raise Http404
    try:
        session_remove(actor=request.user, session=session)
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "已删除课次。")
    return redirect("training:class_detail", pk=klass.pk)


@login_required
@require_POST
def enrol(request, pk: int):
    klass = _class(request, pk)
    if resolve(request.user, Enrolment, ADD).empty:
        raise PermissionDenied
    picked = request.POST.get("entrepreneur", "")
    people = person_options(
        request.user, request.POST.get("q", ""), int(picked) if picked.isdigit() else None
    )
    form = EnrolForm(request.POST, people=people)
    error = None
    if form.is_valid():
        try:
            enrolment = services.enrolment_create(
                actor=request.user, training_class=klass, data=form.service_data()
            )
        except DomainError as exc:
            refuse_http(exc)
            if exc.errors or (exc.details or {}).get("items"):
                apply_domain_error(form, exc)  # field errors under their fields (village, post, ID number)
            else:
                error = {
                    "code": exc.code,
                    "message": exc.message,
                    "failed": (exc.details or {}).get("failed") or [],
                }
        else:
            messages.success(request, f"已为{enrolment.entrepreneur.name}报名。")
            return redirect("training:class_detail", pk=klass.pk)
    ctx = _detail_context(request, _class(request, pk), enrol_form=form, enrol_error=error)
    return render(request, "training/class_detail.html", ctx, status=422)


@login_required
@require_GET
def person_picker(request):
    """The enrolment form's person options matching a search (HTMX), within the user's scope."""
    if resolve(request.user, Enrolment, ADD).empty:
        raise PermissionDenied
    people = person_options(request.user, request.GET.get("q", ""))
    return render(request, "training/_person_options.html", {"people": people})


# --------------------------------------------------------------------------- enrolment import


@login_required
def enrolment_import(request, pk: int):
    klass = _class(request, pk)
    if resolve(request.user, Enrolment, ADD).empty:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    report, token, status = None, None, 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            try:
                report = enrol_import.enrolment_import(
                    actor=request.user,
                    training_class=klass,
                    content=content,
                    filename=upload.name,
                    mode=form.cleaned_data["mode"],
                )
            except DomainError as exc:
                refuse_http(exc)
                apply_domain_error(form, exc)
            else:
                if report.errors:
                    token = uuid.uuid4().hex
                    cache.set(
                        f"training.import.{request.user.pk}.{token}",
                        enrol_import.bad_rows(content, upload.name, report.errors),
                        REPORT_TTL,
                    )
        status = 422 if form.errors else 200
    return render(
        request,
        "training/enrolment_import.html",
        {
            "title": f"{klass.name} · 批量导入报名学员",
            "klass": klass,
            "form": form,
            "report": report,
            "token": token,
            "columns": enrol_import.COLUMNS,
            "max_rows": enrol_import.MAX_ROWS,
        },
        status=status,
    )


@login_required
@require_GET
def enrolment_import_template(request, pk: int):
    _class(request, pk)
    return xlsx_response("报名学员导入模板.xlsx", enrol_import.template_workbook())


@login_required
@require_GET
def enrolment_import_bad_rows(request, pk: int, token: str):
    _class(request, pk)
    content = cache.get(f"training.import.{request.user.pk}.{token}")
    if content is None:
        raise Http404
    return xlsx_response("报名学员导入错误行.xlsx", content)
