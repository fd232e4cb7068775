"""Credit pages: the credit ledger (诚信台账) with a page per person (repaid on time, overdue, compensated,
blacklisted with reason and period; blacklist and lift), the blacklist in force, and the register of credit
villages / parks / incubation bases (waiver recommenders) with their validity periods.

Thin: reads through ``credit.selectors`` / ``selectors_pages`` (every query from ``for_user``), writes through
``credit.services``, whose refusals come back onto the form with their codes."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from fanxiang.core.errors import DomainError, NotFound
from fanxiang.core.scope import ADD, CHANGE, DELETE, VIEW, resolve
from fanxiang.core.views import (
    Column,
    ScopedDetailView,
    ScopedExportView,
    ScopedListView,
    ServiceFormView,
    apply_domain_error,
    paginate,
    refuse_http,
)
from fanxiang.credit import selectors, selectors_pages, services
from fanxiang.credit.filtersets import CreditEntryFilter, RecommenderFilter
from fanxiang.credit.forms import (
    BlacklistForm,
    LiftForm,
    RecommenderEditForm,
    RecommenderForm,
)
from fanxiang.credit.models import CreditEntry, CreditEvent, Recommender

RECOMMENDER_COLUMNS = [
    Column("名称", "name"),
    Column("类别", "kind"),
    Column("所在区划", "region.name"),
    Column("认定日期", "valid_from"),
    Column("有效期至", "valid_to"),
    Column("认定文号", "certificate"),
    Column("有效", lambda r: "是" if r.is_active else "否"),
]

ENTRY_COLUMNS = [
    Column("人员", "entrepreneur.name"),
    Column("所在区划", "entrepreneur.region.name"),
    Column("事项", "event"),
    Column("日期", "date"),
    Column("失信期限至", "until"),
    Column("原因", "reason"),
    Column("相关贷款", "loan.number"),
]


def _dress_filters(form, *dates: str) -> None:
    """The page's look of a shared filter set: date pickers (empty choices read "全部" everywhere:
    ``settings.FILTERS_EMPTY_CHOICE_LABEL``)."""
    from django import forms

    for name in dates:
        if name in form.fields:
            form.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --------------------------------------------------------------------------- recommenders


class RecommenderListView(ScopedListView):
    model = Recommender
    title = "免反担保推荐单位"
    template_name = "credit/recommender_list.html"
    filterset_class = RecommenderFilter
    columns = RECOMMENDER_COLUMNS
    detail_url_name = "credit:recommender_detail"
    edit_url_name = "credit:recommender_edit"
    export_url_name = "credit:recommender_export"
    create_url_name = "credit:recommender_create"

    def get_queryset(self):
        qs = super().get_queryset().select_related("region").order_by("kind", "name", "id")
        _dress_filters(self.filterset.form, "valid_on")
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        for r in ctx["object_list"]:
            r.valid_today = r.valid_on(today)
        ctx["today"] = today
        return ctx


class RecommenderDetailView(ScopedDetailView):
    model = Recommender
    template_name = "credit/recommender_detail.html"
    fields = RECOMMENDER_COLUMNS
    edit_url_name = "credit:recommender_edit"

    def get_queryset(self):
        return super().get_queryset().select_related("region")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        ctx["valid_today"] = obj.valid_on(timezone.localdate())
        ctx["can_delete"] = resolve(self.request.user, Recommender, DELETE).covers(obj)
        return ctx


class RecommenderFormMixin:
    template_name = "credit/form.html"
    model = Recommender

    def apply_error(self, form, exc):
        refuse_http(exc)
        apply_domain_error(form, exc)

    def success_url(self, result) -> str:
        return reverse("credit:recommender_detail", args=[result.pk])


class RecommenderCreateView(RecommenderFormMixin, ServiceFormView):
    form_class = RecommenderForm
    title = "登记免反担保推荐单位"
    action = ADD

    def perform(self, form):
        return services.recommender_create(actor=self.request.user, data=form.service_data())

    def success_message(self, result) -> str:
        return f"已登记推荐单位“{result.name}”。"

    def context(self, form) -> dict:
        return {**super().context(form), "cancel_url": reverse("credit:recommender_list")}


class RecommenderUpdateView(RecommenderFormMixin, ServiceFormView):
    form_class = RecommenderEditForm
    action = CHANGE

    def get_object(self):
        obj = Recommender.objects.for_user(self.request.user, CHANGE).select_related("region")
        obj = obj.filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise Http404
        return obj

    def get_form(self, data=None, files=None):
        initial = RecommenderEditForm.initial_from(self.object) if data is None else None
        return self.form_class(data, files, user=self.request.user, initial=initial)

    def perform(self, form):
        return services.recommender_update(
            actor=self.request.user, recommender=self.object, data=form.service_data()
        )

    def context(self, form) -> dict:
        return {
            **super().context(form),
            "title": f"修改推荐单位：{self.object.name}",
            "cancel_url": reverse("credit:recommender_detail", args=[self.object.pk]),
        }


class RecommenderDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        obj = Recommender.objects.for_user(request.user, VIEW).filter(pk=pk).first()
        if obj is None:
            raise Http404
        try:
            services.recommender_delete(actor=request.user, recommender=obj)
        except DomainError as exc:
            refuse_http(exc)
            messages.error(request, f"{exc.message}（{exc.code}）")
            return HttpResponseRedirect(reverse("credit:recommender_detail", args=[pk]))
        messages.success(request, f"已删除推荐单位“{obj.name}”。")
        return HttpResponseRedirect(reverse("credit:recommender_list"))


class RecommenderExportView(ScopedExportView):
    model = Recommender
    filterset_class = RecommenderFilter
    columns = RECOMMENDER_COLUMNS
    filename = "免反担保推荐单位"


# --------------------------------------------------------------------------- ledger


class CreditEntryListView(ScopedListView):
    model = CreditEntry
    title = "诚信台账"
    template_name = "credit/entry_list.html"
    filterset_class = CreditEntryFilter
    columns = ENTRY_COLUMNS
    detail_url_name = "credit:entry_detail"
    export_url_name = "credit:entry_export"

    def get_queryset(self):
        qs = super().get_queryset().select_related("entrepreneur__region", "loan").order_by("-date", "-id")
        _dress_filters(self.filterset.form, "date_from", "date_to")
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_search_people"] = _may_search_people(self.request.user)
        return ctx


class CreditEntryDetailView(ScopedDetailView):
    model = CreditEntry
    template_name = "credit/entry_detail.html"
    fields = ENTRY_COLUMNS

    def get_queryset(self):
        return super().get_queryset().select_related("entrepreneur__region", "loan")


class CreditEntryExportView(ScopedExportView):
    model = CreditEntry
    filterset_class = CreditEntryFilter
    columns = ENTRY_COLUMNS
    filename = "诚信台账"

    def scoped_queryset(self, action=None):
        return super().scoped_queryset(action).select_related("entrepreneur__region", "loan")


class LedgerMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and resolve(request.user, CreditEntry, VIEW).empty:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _may_search_people(user) -> bool:
    from fanxiang.entrepreneurs.models import Entrepreneur

    return not resolve(user, Entrepreneur, VIEW).empty


class PersonSearchView(LedgerMixin, View):
    """Find a person of the registry (in the user's scope) to open their credit page."""

    def get(self, request):
        q = request.GET.get("q", "").strip()
        allowed = _may_search_people(request.user)
        people = selectors_pages.people_search(request.user, q) if allowed and q else []
        return render(
            request,
            "credit/person_search.html",
            {"title": "查找人员诚信记录", "q": q, "people": people, "allowed": allowed},
        )


class PersonLedgerView(LedgerMixin, View):
    """One person's credit page: blacklist status, ledger lines, loans; blacklist and lift for county
    officers of the person's county and city admins."""

    template_name = "credit/person.html"

    def ledger(self, pk: int) -> dict:
        try:
            return selectors.person_ledger(self.request.user, entrepreneur_id=pk)
        except NotFound:
            raise Http404

    def businesses(self, person):
        from fanxiang.entrepreneurs import selectors as registry
        from fanxiang.entrepreneurs.models import Business

        if resolve(self.request.user, Business, VIEW).empty:
            return None
        return registry.businesses_of(self.request.user, person)

    def render_page(self, request, data, blacklist_form=None, lift_form=None, status: int = 200):
        person = data["entrepreneur"]
        may = selectors_pages.may_blacklist(request.user, person)
        ctx = {
            "title": f"诚信台账：{person.name}",
            "person": person,
            "data": data,
            "today": timezone.localdate(),
            "events": CreditEvent,
            "count_rows": [
                (label, data["counts"].get(value, 0), value) for value, label in CreditEvent.choices
            ],
            # a refused form is shown with its errors even when the state no longer offers it
            "may_blacklist": may and (not data["blacklisted"] or blacklist_form is not None),
            "may_lift": may and (data["blacklisted"] or lift_form is not None),
            "blacklist_form": blacklist_form
            or (BlacklistForm(businesses=self.businesses(person)) if may else None),
            "lift_form": lift_form or (LiftForm() if may else None),
        }
        return render(request, self.template_name, ctx, status=status)

    def get(self, request, pk: int):
        return self.render_page(request, self.ledger(pk))


class BlacklistAddView(PersonLedgerView):
    def get(self, request, pk: int):
        return HttpResponseRedirect(reverse("credit:person", args=[pk]))

    def post(self, request, pk: int):
        data = self.ledger(pk)
        person = data["entrepreneur"]
        form = BlacklistForm(request.POST, businesses=self.businesses(person))
        if form.is_valid():
            try:
                services.blacklist_add(
                    actor=request.user,
                    entrepreneur=person,
                    reason=form.cleaned_data["reason"],
                    start=form.cleaned_data["start"],
                    until=form.cleaned_data["until"],
                    business=form.cleaned_data.get("business"),
                )
            except DomainError as exc:
                refuse_http(exc)
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"已将{person.name}列入失信名单。")
                return HttpResponseRedirect(reverse("credit:person", args=[pk]))
        return self.render_page(request, data, blacklist_form=form, status=422)


class BlacklistLiftView(PersonLedgerView):
    def get(self, request, pk: int):
        return HttpResponseRedirect(reverse("credit:person", args=[pk]))

    def post(self, request, pk: int):
        data = self.ledger(pk)
        person = data["entrepreneur"]
        form = LiftForm(request.POST)
        if form.is_valid():
            try:
                services.blacklist_lift(
                    actor=request.user,
                    entrepreneur=person,
                    reason=form.cleaned_data["reason"],
                    date=form.cleaned_data["date"],
                )
            except DomainError as exc:
                refuse_http(exc)
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"已将{person.name}移出失信名单。")
                return HttpResponseRedirect(reverse("credit:person", args=[pk]))
        return self.render_page(request, data, lift_form=form, status=422)


class BlacklistListView(LedgerMixin, View):
    """Who is on the blacklist today (or on ``?day=``), within the user's scope."""

    def get(self, request):
        today = timezone.localdate()
        try:
            day = dt.date.fromisoformat(request.GET["day"]) if request.GET.get("day") else today
        except ValueError:
            day = today
        q = request.GET.get("q", "").strip()
        entries = selectors_pages.blacklist_in_force(request.user, day, q=q)
        page = paginate(request, entries, 20)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "credit/blacklist.html",
            {"title": "失信名单", "page_obj": page, "day": day, "q": q, "querystring": query.urlencode()},
        )
