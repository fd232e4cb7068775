"""Registry pages: lists, details with the change timeline, create/edit forms with the live ID-number
check and duplicate review (transfers: ``views_transfers``). Thin: reads through selectors, writes through
services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View

from fanxiang.core import registry
from fanxiang.core.errors import DomainError
from fanxiang.core.scope import ADD, CHANGE, REVEAL, VIEW, can, resolve
from fanxiang.core.validators import check_credit_code, check_id_number
from fanxiang.core.views import (
    Column,
    ScopedDetailView,
    ScopedExportView,
    ScopedListView,
    ServiceFormView,
    paginate,
)
from fanxiang.entrepreneurs import selectors, services
from fanxiang.entrepreneurs.choices import RecordStatus, ReviewStatus, Sex
from fanxiang.entrepreneurs.contacts import contact_label
from fanxiang.entrepreneurs.filtersets import BusinessFilter, EntrepreneurFilter
from fanxiang.entrepreneurs.forms import (
    BusinessEditForm,
    BusinessForm,
    CloseForm,
    DuplicateResolveForm,
    EntrepreneurEditForm,
    EntrepreneurForm,
    JobReportForm,
    add_service_error,
    founder_label,
    region_label,
)
from fanxiang.entrepreneurs.models import Business, DuplicateCandidate, Entrepreneur, TransferRequest
from fanxiang.entrepreneurs.views_contacts import (
    ASSIGN_PREFIX,
    ContactForm,
    contact_choices,
    contact_post,
    detail_contact_form,
)

ENTREPRENEUR_COLUMNS = [
    Column("姓名", "name"),
    Column("身份证号码", "id_number_masked"),
    Column("性别", "sex"),
    Column("出生日期", "birth_date"),
    Column("手机号码", "mobile_masked"),
    Column("现居住地", "region.full_name"),
    Column("人员类别", "category"),
    Column("重点群体", lambda e: "、".join(g.name for g in e.priority_groups.all())),
    Column("创业时间", "started_on"),
    Column("对接人", lambda e: contact_label(e.contact) if e.contact_id else ""),
    Column("状态", "status"),
]

BUSINESS_COLUMNS = [
    Column("名称", "name"),
    Column("主体类型", "kind"),
    Column("统一社会信用代码", "credit_code"),
    Column("行业门类", "industry"),
    Column("经营地址", "region.full_name"),
    Column("开业日期", "started_on"),
    Column("带动就业", "jobs_created"),
    Column("创办人", lambda b: "、".join(link.entrepreneur.name for link in b.founder_links.all())),
    Column("状态", "status"),
]


def flash_error(request, exc: DomainError) -> None:
    """A refused step as a flash message (the code in brackets, for the clerk to quote)."""
    messages.error(request, f"{exc.message}（{exc.code}）")


def _reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# --------------------------------------------------------------------------- lists


class RegistryListView(ScopedListView):
    """A registry list: the model's one filter set, sortable column headers, a region select limited to
    the user's scope; page size, 操作 column and batch selection from core's list machinery."""

    template_name = "entrepreneurs/registry_list.html"
    # column label -> ordering key of the filter set's OrderingFilter
    sort_fields: dict[str, str] = {}
    filter_order: tuple[str, ...] = ()
    selector = staticmethod(selectors.entrepreneur_rows)
    default_ordering = ("-created_at", "-id")

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=self.selector(self.request.user), request=self.request
        )
        self.dress_filter_form(self.filterset.form)  # before validation binds the fields
        qs = self.filterset.qs
        return qs.order_by(*(qs.query.order_by or self.default_ordering))

    def dress_filter_form(self, form) -> None:
        """The page's look of the shared filter set: field order, "全部" for empty choices, the region as a
        select of the user's own regions, date pickers."""
        form.order_fields(self.filter_order)
        for name, field in form.fields.items():
            if not hasattr(field, "empty_label"):
                continue
            label = "默认" if name == "ordering" else "全部"
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = label
            else:  # django-filter's choice fields freeze the empty label when the choices are set
                choices = [c for c in field.choices if c[0] != ""]
                field.empty_label = label
                field.choices = choices
        if "region" in form.fields:
            regions = selectors.regions_in_scope(self.request.user, self.model)
            form.fields["region"].label = "区划（含下级）"
            form.fields["region"].widget = forms.Select(
                choices=[("", "全部"), *((r.code, region_label(r)) for r in regions)]
            )
        for name in ("started_from", "started_to"):
            if name in form.fields:
                form.fields[name].widget = forms.DateInput(attrs={"type": "date"})

    def contact_choices(self) -> list[tuple[str, str]]:
        """The staff the user may pick as a contact (one query a page: the filter and the batch form)."""
        if not hasattr(self, "_contact_choices"):
            self._contact_choices = contact_choices(self.request.user)
        return self._contact_choices

    def editable_pks(self, objects) -> set:
        # the detail page offers 编辑 only on active records inside the change scope
        return super().editable_pks([obj for obj in objects if obj.status == RecordStatus.ACTIVE])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        current = self.request.GET.get("ordering", "")
        headers = []
        for column in self.columns:
            key = self.sort_fields.get(column.label)
            if not key:
                headers.append({"label": column.label})
                continue
            query = self.request.GET.copy()
            query.pop("page", None)
            query["ordering"] = f"-{key}" if current == key else key
            direction = "asc" if current == key else "desc" if current == f"-{key}" else ""
            headers.append({"label": column.label, "url": f"?{query.urlencode()}", "dir": direction})
        ctx["headers"] = headers
        ctx["import_url"] = (
            _reverse_or_none("entrepreneurs:import")
            if self.model is Entrepreneur and not resolve(self.request.user, Entrepreneur, ADD).empty
            else None
        )
        if "transfer" in dict(ctx["batch_actions"]):  # the target region and reason of a batch request
            from fanxiang.entrepreneurs.views_batch import transfer_form

            ctx["transfer_form"] = transfer_form(self.request.user)
        if "assign" in dict(ctx["batch_actions"]):  # the staff member of a batch assignment
            choices = self.contact_choices()
            ctx["contact_form"] = ContactForm(user=self.request.user, prefix=ASSIGN_PREFIX, choices=choices)
        # the unmasked export: only for roles with the reveal right (the export view logs it)
        ctx["can_reveal_export"] = (
            self.model is Entrepreneur and not resolve(self.request.user, Entrepreneur, REVEAL).empty
        )
        return ctx


class EntrepreneurListView(RegistryListView):
    model = Entrepreneur
    title = "返乡创业人员"
    filterset_class = EntrepreneurFilter
    columns = ENTREPRENEUR_COLUMNS
    detail_url_name = "entrepreneurs:detail"
    edit_url_name = "entrepreneurs:edit"
    export_url_name = "entrepreneurs:export"
    create_url_name = "entrepreneurs:create"
    batch_url_name = "entrepreneurs:batch"
    sort_fields = {"姓名": "name", "出生日期": "birth_date", "创业时间": "started_on"}

    def get_batch_actions(self):
        from fanxiang.entrepreneurs.views_batch import batch_actions_for

        return batch_actions_for(self.request.user)

    filter_order = (
        "q", "region", "category", "priority_group", "business_kind", "industry", "business", "started_from",
        "started_to", "contact", "status", "ordering",
    )  # fmt: skip

    def dress_filter_form(self, form) -> None:
        super().dress_filter_form(form)
        if "contact" in form.fields:  # 对接人: mine, not assigned, or one of the staff the user may pick
            choices = [
                ("", "全部"),
                ("me", "我对接的"),
                ("none", "未指派"),
                *self.contact_choices(),
            ]
            form.fields["contact"].widget = forms.Select(choices=choices)


# The entrepreneur export (import columns, masked unless revealed, logged) is views_import.EntrepreneurExportView.


class BusinessListView(RegistryListView):
    model = Business
    title = "经营主体"
    filterset_class = BusinessFilter
    columns = BUSINESS_COLUMNS
    detail_url_name = "entrepreneurs:business_detail"
    edit_url_name = "entrepreneurs:business_edit"
    export_url_name = "entrepreneurs:business_export"
    create_url_name = "entrepreneurs:business_create"
    selector = staticmethod(selectors.business_rows)
    sort_fields = {"名称": "name", "开业日期": "started_on", "带动就业": "jobs_created"}
    filter_order = (
        "q",
        "region",
        "kind",
        "industry",
        "tag",
        "started_from",
        "started_to",
        "status",
        "ordering",
    )


class BusinessExportView(ScopedExportView):
    model = Business
    filterset_class = BusinessFilter
    columns = BUSINESS_COLUMNS
    filename = "经营主体"

    def scoped_queryset(self, action=None):
        return selectors.business_rows(self.request.user, action or self.action)


# --------------------------------------------------------------------------- entrepreneurs


ENTREPRENEUR_FIELDS = [
    Column("姓名", "name"),
    Column("身份证号码", "id_number_masked"),
    Column("性别", "sex"),
    Column("出生日期", "birth_date"),
    Column("出生地", "birthplace_name"),
    Column("手机号码", "mobile_masked"),
    Column("现居住地", "region.full_name"),
    Column("户籍地", "hukou_region.full_name"),
    Column("人员类别", "category"),
    Column("返乡/入乡时间", "return_date"),
    Column("创业时间", "started_on"),
    Column("原务工地", lambda e: f"{e.worked_province}{e.worked_city}"),
    Column("外出务工时长（月）", "worked_months"),
    Column("文化程度", "education"),
    Column("技能特长", "skills"),
    Column("备注", "notes"),
    Column("登记时间", lambda e: timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M")),
    Column("状态", "status"),
    Column("注销原因", "closed_reason"),
]


class EntrepreneurDetailView(ScopedDetailView):
    model = Entrepreneur
    template_name = "entrepreneurs/entrepreneur_detail.html"
    fields = ENTREPRENEUR_FIELDS

    def get_queryset(self):
        return selectors.entrepreneurs_for_user(self.request.user)

    def history(self, obj):
        return []  # the page shows the fuller timeline below

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, person = self.request.user, self.object
        active = person.status == RecordStatus.ACTIVE
        can_change = active and can(user, Entrepreneur, CHANGE, person.region.tree_path)
        duplicates = []
        for candidate in selectors.open_duplicates_of(user, person):
            other = candidate.other if candidate.entrepreneur_id == person.pk else candidate.entrepreneur
            duplicates.append(
                {
                    "candidate": candidate,
                    "other": other,
                    "visible": can(user, Entrepreneur, VIEW, other.region.tree_path),
                }
            )
        ctx.update(
            person=person,
            can_change=can_change,
            # 点对点对接服务: who follows the person up, and the form to change it
            contact_form=kwargs.get("contact_form")
            or (detail_contact_form(user, person) if can_change else None),
            can_reveal=services.can_reveal(user, person),
            can_add_business=active and not resolve(user, Business, ADD).empty,
            businesses=selectors.businesses_of(user, person),
            duplicates=duplicates,
            transfers=selectors.transfers_for_user(user).filter(entrepreneur=person).order_by("-created_at"),
            timeline=selectors.entrepreneur_timeline(user, person),
            # what other apps hold on the person (loans, credit ledger, grants …), each in its own scope
            sections=registry.render_person_sections(person, user),
        )
        return ctx


class EntrepreneurContactView(EntrepreneurDetailView):
    """The detail page's 对接人 form posts here (views_contacts.contact_post); a refusal shows the page again
    with the reason beside the form (422). A GET (the address typed or reloaded) goes to the detail page,
    which applies its own scope check."""

    http_method_names = ["get", "post"]

    def get_queryset(self):
        return selectors.entrepreneurs_for_user(self.request.user, CHANGE)

    def get(self, request, *args, **kwargs):
        return HttpResponseRedirect(reverse("entrepreneurs:detail", args=[kwargs["pk"]]))

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form, done = contact_post(request, self.object)
        if done is not None:
            return done
        ctx = self.get_context_data(object=self.object, contact_form=form)
        return self.render_to_response(ctx, status=422)


class RegistryFormView(ServiceFormView):
    """A registry form: the service's refusal shows under each field with its code."""

    template_name = "entrepreneurs/form.html"
    cancel_url_name = "entrepreneurs:list"

    def apply_error(self, form, exc):
        add_service_error(form, exc)

    def context(self, form) -> dict:
        ctx = super().context(form)
        obj = getattr(self, "object", None)
        ctx["cancel_url"] = (
            obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else reverse(self.cancel_url_name)
        )
        return ctx


def _scoped_person_or_404(user, pk: int, action: str = VIEW) -> Entrepreneur:
    person = selectors.entrepreneurs_for_user(user, action).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def _scoped_business_or_404(user, pk: int, action: str = VIEW) -> Business:
    business = selectors.businesses_for_user(user, action).filter(pk=pk).first()
    if business is None:
        raise Http404
    return business


class EntrepreneurCreateView(RegistryFormView):
    form_class = EntrepreneurForm
    template_name = "entrepreneurs/entrepreneur_form.html"
    title = "登记返乡入乡创业人员"
    model = Entrepreneur
    action = ADD

    def form_kwargs(self):
        return {"check_url": reverse("entrepreneurs:check_id")}

    def perform(self, form):
        return services.entrepreneur_create(actor=self.request.user, data=form.service_data())

    def success_message(self, result):
        return f"已登记：{result.name}。"

    def success_url(self, result):
        return reverse("entrepreneurs:detail", args=[result.pk])


class EntrepreneurUpdateView(RegistryFormView):
    form_class = EntrepreneurEditForm
    template_name = "entrepreneurs/entrepreneur_form.html"
    model = Entrepreneur
    action = CHANGE

    def get_object(self):
        return _scoped_person_or_404(self.request.user, self.kwargs["pk"], CHANGE)

    def form_kwargs(self):
        check_url = f"{reverse('entrepreneurs:check_id')}?exclude={self.object.pk}"
        return {"entrepreneur": self.object, "check_url": check_url}

    def context(self, form):
        ctx = super().context(form)
        ctx["title"] = f"修改人员信息：{self.object.name}"
        ctx["cancel_url"] = reverse("entrepreneurs:detail", args=[self.object.pk])
        return ctx

    def perform(self, form):
        return services.entrepreneur_update(
            actor=self.request.user, entrepreneur=self.object, data=form.service_data()
        )

    def success_url(self, result):
        return reverse("entrepreneurs:detail", args=[result.pk])


class EntrepreneurCloseView(RegistryFormView):
    form_class = CloseForm
    model = Entrepreneur
    action = CHANGE

    def get_object(self):
        return _scoped_person_or_404(self.request.user, self.kwargs["pk"], CHANGE)

    def context(self, form):
        ctx = super().context(form)
        ctx["title"] = f"注销人员记录：{self.object}"
        ctx["cancel_url"] = reverse("entrepreneurs:detail", args=[self.object.pk])
        ctx["submit_label"] = "确认注销"
        ctx["danger"] = True
        return ctx

    def perform(self, form):
        return services.entrepreneur_close(
            actor=self.request.user, entrepreneur=self.object, reason=form.cleaned_data["reason"]
        )

    def success_message(self, result):
        return "记录已注销（不删除，可在变更记录中查到）。"

    def success_url(self, result):
        return reverse("entrepreneurs:detail", args=[result.pk])


class EntrepreneurRevealView(LoginRequiredMixin, View):
    """POST only: show the clear ID number and mobile once, for roles with the reveal right; logged."""

    def post(self, request, pk: int):
        person = _scoped_person_or_404(request.user, pk)
        try:
            id_number = services.reveal_id_number(actor=request.user, entrepreneur=person, request=request)
        except DomainError as exc:
            raise PermissionDenied(f"{exc.message}（{exc.code}）")
        ctx = {"person": person, "id_number": id_number, "mobile": person.mobile, "title": person.name}
        template = "entrepreneurs/_revealed.html" if request.htmx else "entrepreneurs/revealed.html"
        response = render(request, template, ctx)
        response["Cache-Control"] = "no-store"
        return response


class IdNumberCheckView(LoginRequiredMixin, View):
    """The live ID-number check of the person form (HTMX): validity, derived facts, and whether the number
    is registered already — a link when the record is in the user's scope, else only the holding county."""

    def post(self, request):
        user = request.user
        if resolve(user, Entrepreneur, ADD).empty and resolve(user, Entrepreneur, CHANGE).empty:
            raise PermissionDenied
        raw = (request.POST.get("id_number") or "").strip()
        try:
            exclude = int(request.GET.get("exclude", ""))
        except ValueError:
            exclude = None
        ctx: dict = {"raw": raw}
        if raw:
            result = check_id_number(raw)
            ctx["result"] = result
            if result.valid:
                ctx["sex_label"] = Sex(result.info["sex"]).label
                ctx["registration"] = selectors.id_number_registration(
                    user=user, id_number=result.value, exclude_pk=exclude
                )
                if not resolve(user, TransferRequest, VIEW).empty:
                    ctx["transfers_url"] = reverse("entrepreneurs:transfers")
        return render(request, "entrepreneurs/_id_check.html", ctx)


# --------------------------------------------------------------------------- businesses


BUSINESS_FIELDS = [
    Column("名称", "name"),
    Column("主体类型", "kind"),
    Column("统一社会信用代码", "credit_code"),
    Column("信用代码校验例外理由", "credit_code_override_reason"),
    Column("行业门类", "industry"),
    Column("产业标签", lambda b: "、".join(t.name for t in b.tags.all())),
    Column("经营地址", "region.full_name"),
    Column("详细地址", "address"),
    Column("登记日期", "registered_on"),
    Column("开业日期", "started_on"),
    Column(
        "注册资本（元）", lambda b: f"{b.registered_capital:,.2f}" if b.registered_capital is not None else ""
    ),
    Column("从业人数", "employees"),
    Column("带动就业人数", "jobs_created"),
    Column("吸纳建档立卡贫困劳动力", "poor_workers_employed"),
    Column("状态", "status"),
    Column("注销原因", "closed_reason"),
]


class BusinessDetailView(ScopedDetailView):
    """The business, its founders, the jobs report form (POST here) and the report history."""

    model = Business
    template_name = "entrepreneurs/business_detail.html"
    fields = BUSINESS_FIELDS

    def get_queryset(self):
        return selectors.businesses_for_user(self.request.user)

    def history(self, obj):
        return []

    def can_change(self) -> bool:
        b = self.object
        return b.status == RecordStatus.ACTIVE and can(
            self.request.user, Business, CHANGE, b.region.tree_path
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, business = self.request.user, self.object
        visible = set(
            selectors.entrepreneurs_for_user(user)
            .filter(founder_links__business=business)
            .values_list("pk", flat=True)
        )
        founders = [
            {"link": link, "visible": link.entrepreneur_id in visible}
            for link in sorted(business.founder_links.all(), key=lambda ln: (not ln.is_primary, ln.pk))
        ]
        can_change = self.can_change()
        ctx.update(
            business=business,
            founders=founders,
            can_change=can_change,
            jobs_form=kwargs.get("jobs_form")
            or (
                JobReportForm(
                    initial={
                        "report_date": timezone.localdate(),
                        "jobs_created": business.jobs_created,
                        "poor_workers_employed": business.poor_workers_employed,
                    }
                )
                if can_change
                else None
            ),
            reports=selectors.job_reports_for_user(user)
            .filter(business=business)
            .select_related("reported_by")
            .order_by("-report_date", "-id"),
            timeline=selectors.business_timeline(user, business),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        """A jobs report (带动就业): the current total as of a date; the change counts in that month."""
        self.object = self.get_object()
        if not self.can_change():
            raise PermissionDenied
        form = JobReportForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                report = services.business_report_jobs(
                    actor=request.user,
                    business=self.object,
                    report_date=d["report_date"],
                    jobs_created=d["jobs_created"],
                    poor_workers_employed=d["poor_workers_employed"] or 0,
                )
            except DomainError as exc:
                add_service_error(form, exc)
            else:
                sign = "+" if report.delta >= 0 else ""
                messages.success(
                    request,
                    f"已填报：{report.report_date:%Y-%m-%d} 带动就业 {report.jobs_created} 人（{sign}{report.delta}）。",
                )
                return HttpResponseRedirect(reverse("entrepreneurs:business_detail", args=[self.object.pk]))
        ctx = self.get_context_data(object=self.object, jobs_form=form)
        return self.render_to_response(ctx, status=422)


class BusinessCreateView(RegistryFormView):
    form_class = BusinessForm
    template_name = "entrepreneurs/business_form.html"
    title = "登记经营主体"
    model = Business
    action = ADD
    cancel_url_name = "entrepreneurs:business_list"

    def get_form(self, data=None, files=None):
        initial = {}
        founder = self.request.GET.get("founder", "")
        if data is None and founder.isdigit():
            initial["founders"] = [int(founder)]
        return self.form_class(data, files, user=self.request.user, initial=initial, **self.form_kwargs())

    def form_kwargs(self):
        return {"check_url": reverse("entrepreneurs:check_credit_code")}

    def perform(self, form):
        return services.business_create(
            actor=self.request.user, data=form.service_data(), founders=form.founder_ids()
        )

    def success_message(self, result):
        return f"已登记经营主体：{result.name}。"

    def success_url(self, result):
        return reverse("entrepreneurs:business_detail", args=[result.pk])


class BusinessUpdateView(RegistryFormView):
    form_class = BusinessEditForm
    template_name = "entrepreneurs/business_form.html"
    model = Business
    action = CHANGE

    def get_object(self):
        return _scoped_business_or_404(self.request.user, self.kwargs["pk"], CHANGE)

    def form_kwargs(self):
        return {"business": self.object, "check_url": reverse("entrepreneurs:check_credit_code")}

    def context(self, form):
        ctx = super().context(form)
        ctx["title"] = f"修改经营主体：{self.object.name}"
        ctx["cancel_url"] = reverse("entrepreneurs:business_detail", args=[self.object.pk])
        return ctx

    def perform(self, form):
        return services.business_update(
            actor=self.request.user,
            business=self.object,
            data=form.service_data(),
            founders=form.founder_ids(),
        )

    def success_url(self, result):
        return reverse("entrepreneurs:business_detail", args=[result.pk])


class CreditCodeCheckView(LoginRequiredMixin, View):
    """Live check of a credit code (HTMX): a checksum mismatch brings up the required reason field."""

    def post(self, request):
        if resolve(request.user, Business, ADD).empty and resolve(request.user, Business, CHANGE).empty:
            raise PermissionDenied
        raw = (request.POST.get("credit_code") or "").strip()
        reason = (request.POST.get("credit_code_override_reason") or "").strip()
        check = check_credit_code(raw) if raw else None
        ctx = {"check": check, "reason": reason, "show_reason": bool((check and check.warning) or reason)}
        return render(request, "entrepreneurs/_credit_check.html", ctx)


class FounderOptionsView(LoginRequiredMixin, View):
    """Options of the founder select matching a search (HTMX), keeping the ones already chosen."""

    def get(self, request):
        action = CHANGE if request.GET.get("action") == CHANGE else ADD
        if resolve(request.user, Business, action).empty:
            raise PermissionDenied
        selected = [int(v) for v in request.GET.getlist("founders") if v.isdigit()]
        people = selectors.founder_options(
            request.user, action=action, q=request.GET.get("founder_q", ""), selected=selected
        )
        options = [(p.pk, founder_label(p), p.pk in selected) for p in people]
        return render(request, "entrepreneurs/_founder_options.html", {"options": options})


# --------------------------------------------------------------------------- duplicates


STATUS_TABS = [
    (ReviewStatus.OPEN, "待处理"),
    (ReviewStatus.MERGED, "已合并"),
    (ReviewStatus.DISMISSED, "非重复"),
]


class DuplicateListView(LoginRequiredMixin, View):
    """Likely duplicates side by side (masked). A person of another county shows only as such."""

    def get(self, request):
        user = request.user
        if resolve(user, DuplicateCandidate, VIEW).empty:
            raise PermissionDenied
        status = request.GET.get("status") or ReviewStatus.OPEN
        if status not in ReviewStatus.values:
            status = ReviewStatus.OPEN
        qs = (
            selectors.duplicates_for_user(user)
            .filter(status=status)
            .select_related("decided_by", "entrepreneur__region__parent", "other__region__parent")
            .order_by("-created_at", "-id")
        )
        page = paginate(request, qs, 20)
        rows = []
        for c in page:
            sides = []
            for person in (c.entrepreneur, c.other):
                sides.append(
                    {
                        "person": person,
                        "visible": can(user, Entrepreneur, VIEW, person.region.tree_path),
                        "county": person.region.county or person.region,
                    }
                )
            rows.append(
                {
                    "c": c,
                    "sides": sides,
                    "can_resolve": c.status == ReviewStatus.OPEN
                    and all(can(user, Entrepreneur, CHANGE, s["person"].region.tree_path) for s in sides),
                }
            )
        ctx = {"title": "疑似重复人员", "rows": rows, "page_obj": page, "status": status, "tabs": STATUS_TABS}
        return render(request, "entrepreneurs/duplicates.html", ctx)


class DuplicateResolveView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        candidate = selectors.duplicates_for_user(request.user, CHANGE).filter(pk=pk).first()
        if candidate is None:
            raise Http404
        form = DuplicateResolveForm(request.POST)
        back = reverse("entrepreneurs:duplicates")
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(back)
        d = form.cleaned_data
        merge = d["action"] == "merge"
        keep = {candidate.entrepreneur_id: candidate.entrepreneur, candidate.other_id: candidate.other}.get(
            d["keep"]
        )
        try:
            services.duplicate_resolve(
                actor=request.user, candidate=candidate, merge=merge, keep=keep, note=d["note"]
            )
        except DomainError as exc:
            flash_error(request, exc)
        else:
            if merge:
                messages.success(request, f"已合并：保留 {keep}，另一条记录已注销并转移其经营主体。")
            else:
                messages.success(request, "已标记为非重复。")
        return HttpResponseRedirect(back)
