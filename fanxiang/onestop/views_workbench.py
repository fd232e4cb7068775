"""The window workbench (窗口工作台) of the service clerk and the county officer: today's requests at their
centre(s) — new, waiting for the applicant, due soon, overdue — and quick intake: an ID number typed or
scanned (a USB scanner types the number and Enter) finds the registry person within the user's scope and
shows the person's record beside the intake form, or offers to take the request for a visitor not yet
registered. A number held in another county reads exactly as one nobody holds ("not found in your area")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View

from fanxiang.core import pii, registry
from fanxiang.core.errors import DomainError, InvalidInput
from fanxiang.core.scope import ADD, resolve
from fanxiang.core.validators import check_id_number
from fanxiang.core.views import apply_domain_error
from fanxiang.entrepreneurs import selectors as people
from fanxiang.onestop import selectors, services
from fanxiang.onestop.choices import Mode, RequestStatus
from fanxiang.onestop.forms import IntakeForm, LookupForm
from fanxiang.onestop.models import ServiceRequest

S = RequestStatus
ROWS = 8
NEW = (S.SUBMITTED, S.RESUBMITTED, S.TRANSFERRED)


def _require_intake(user: Any) -> None:
    if resolve(user, ServiceRequest, ADD).empty:
        raise PermissionDenied


def held_requests(user: Any):
    """Requests held by the centres of the counties where the user is a clerk or county officer."""
    return selectors.requests_for_user(user).filter(selectors.held_q(user))


def _rows(qs, today: dt.date) -> list[dict]:
    return [{"req": r, "mark": selectors.row_deadline(r, today)} for r in qs[:ROWS]]


def today_buckets(user: Any, today: dt.date) -> list[dict]:
    """The workbench's four queues, each with its count, its first rows and the filtered queue it opens."""
    held = held_requests(user)
    queue = reverse("onestop:request_list")
    specs = [
        ("new", "待受理", held.filter(status__in=NEW), "?task=open"),
        (
            "waiting",
            "待申请人补正",
            held.filter(status=S.SUPPLEMENT_REQUESTED),
            f"?status={S.SUPPLEMENT_REQUESTED}",
        ),
        ("due_soon", "临期", held.filter(selectors.due_soon_q(today)), "?due_soon=true"),
        ("overdue", "已超期", held.filter(selectors.overdue_q(today)), "?overdue=true"),
    ]
    return [
        {"key": key, "label": label, "count": qs.count(), "rows": _rows(qs, today), "url": queue + query}
        for key, label, qs, query in specs
    ]


def _assist_sessions(user: Any, person: Any) -> list:
    """The clerk's own assisted sessions for ``person`` with the consent recorded and still valid."""
    from fanxiang.portal.selectors import assist_sessions_of

    now = timezone.now()
    found = assist_sessions_of(user).filter(entrepreneur=person, status="active", expires_at__gt=now)
    return [s for s in found if s.active(now)]


def _assist_start_url() -> str | None:
    try:
        return reverse("portal:assist_start")
    except NoReverseMatch:  # pragma: no cover - the portal is always installed
        return None


def lookup_context(user: Any, raw: str) -> dict:
    """What the look-up shows for an ID number: its check (the Chinese reason when bad); the person's record
    when the number is registered within the user's scope; else the neutral "not found in your area"."""
    raw = (raw or "").strip()
    ctx: dict = {"raw": raw, "checked": None, "person": None}
    if not raw:
        return ctx
    checked = check_id_number(raw)
    ctx["checked"] = checked
    if not checked.valid:
        return ctx
    person = people.entrepreneur_by_id_number(user, checked.value)
    earlier = selectors.requests_for_user(user)
    if person is None:
        ctx["previous"] = list(earlier.filter(visitor_id_hash=pii.index(checked.value))[:ROWS])
        ctx["intake"] = IntakeForm(user=user, initial={"visitor_id_number": checked.value})
        return ctx
    return {**ctx, **person_context(user, person)}


def person_context(user: Any, person: Any, form: IntakeForm | None = None) -> dict:
    sessions = _assist_sessions(user, person) if user.has_role("service_clerk") else []
    businesses = people.businesses_for_user(user).filter(founder_links__entrepreneur=person).distinct()
    sections = registry.render_person_sections(person, user)
    return {
        "person": person,
        "businesses": list(businesses.order_by("name")),
        "sections": sections,
        # the app's own person section lists the earlier requests when it is registered
        "has_request_section": any(s["key"] == "onestop" for s in sections),
        "previous": list(selectors.requests_for_user(user).filter(entrepreneur=person)[:ROWS]),
        "assist_sessions": sessions,
        "assist_start_url": _assist_start_url(),
        "intake": form
        or IntakeForm(user=user, assist_sessions=sessions, initial={"entrepreneur": person.pk}),
    }


class WorkbenchView(LoginRequiredMixin, View):
    template_name = "onestop/workbench.html"

    def get(self, request):
        _require_intake(request.user)
        today = timezone.localdate()
        raw = request.GET.get("id_number", "")
        ctx = {
            "title": "窗口工作台",
            "today": today,
            "centres": list(selectors.centres_for_user(request.user)),
            "buckets": today_buckets(request.user, today),
            "lookup": LookupForm(initial={"id_number": raw}),
            "taken_today": held_requests(request.user).filter(submitted_on=today).count(),
            "completed_today": held_requests(request.user).filter(completed_on=today).count(),
            **lookup_context(request.user, raw),
        }
        return render(request, self.template_name, ctx)


class LookupView(LoginRequiredMixin, View):
    """The HTMX look-up of an ID number (``POST id_number``): the intake panel; without HTMX, the workbench."""

    def post(self, request):
        _require_intake(request.user)
        raw = request.POST.get("id_number", "")
        if not request.htmx:
            return HttpResponseRedirect(reverse("onestop:workbench") + "?" + _query(raw))
        return render(request, "onestop/_intake.html", lookup_context(request.user, raw))


def _query(raw: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"id_number": raw.strip()[:32]})


class IntakeView(LoginRequiredMixin, View):
    """Take the request (window, or assisted inside the clerk's consented session), then offer 马上办 on the
    request's page; a refusal comes back onto the intake form, nothing written."""

    def post(self, request):
        user = request.user
        _require_intake(user)
        person = self._person(user, request.POST.get("entrepreneur"))
        sessions = _assist_sessions(user, person) if person and user.has_role("service_clerk") else []
        form = IntakeForm(request.POST, user=user, assist_sessions=sessions)
        if form.is_valid():
            d = form.cleaned_data
            fields = {
                "service_type": d["service_type"],
                "centre": d["centre"].pk,
                "description": d["description"],
                "entrepreneur": person.pk if person else None,
                "visitor_id_number": None if person else (d["visitor_id_number"] or None),
            }
            try:
                if d["channel"] == Mode.ASSISTED:
                    if person is None:
                        raise InvalidInput.field(
                            "channel",
                            "onestop.assist_needs_registration",
                            "全程帮办须为已登记人员办理（本人授权记录在登记人员名下），未登记来访人请选择窗口办。",
                        )
                    req = services.service_request_create_assisted(
                        actor=user, assist_session=d["assist_session"], **fields
                    )
                else:
                    req = services.service_request_create(actor=user, channel=Mode.WINDOW, **fields)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"已登记服务工单 #{req.pk}，可当场受理或马上办结。")
                url = reverse("onestop:request_detail", args=[req.pk]) + "#step-accept"
                if request.htmx:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = url
                    return response
                return HttpResponseRedirect(url)
        if person is not None:
            ctx = person_context(user, person, form)
        else:
            ctx = {
                "intake": form,
                "person": None,
                "checked": check_id_number(form.data.get("visitor_id_number")),
            }
        ctx["raw"] = ""
        if (
            request.htmx
        ):  # htmx swaps only 2xx answers: the refused form comes back as the panel's new content
            return render(request, "onestop/_intake.html", ctx)
        return render(request, "onestop/workbench_intake.html", {"title": "窗口受理", **ctx}, status=422)

    @staticmethod
    def _person(user: Any, raw: Any):
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            return None
        return people.entrepreneurs_for_user(user).filter(pk=pk).first()


def home_panel(request) -> dict | None:
    """The clerk's home: today's counts at the centre and the way to the workbench."""
    user = request.user
    if resolve(user, ServiceRequest, ADD).empty:
        return None
    today = timezone.localdate()
    return {"buckets": today_buckets(user, today), "workbench_url": reverse("onestop:workbench")}
