"""Loan application pages: list and export, the multi-step application form, the reviewer queue, and the
detail page with its timeline and the action forms of the steps the user may take now.

Thin: reads through ``selectors`` (and the pickers of ``steps``), writes through ``services`` — the
application form's steps and the workflow actions are routed by :mod:`fanxiang.loans.applications.steps`. A service's
refusal comes back onto the page with its code and the HTTP status of the error, never as a 500.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from fanxiang.core.errors import DomainError, NotFound
from fanxiang.core.history import history_of
from fanxiang.core.views import Column, ScopedDetailView, ScopedExportView, ScopedListView, page_size_of
from fanxiang.entrepreneurs.forms import founder_label
from fanxiang.loans import applications as services
from fanxiang.loans import todos as loan_todos
from fanxiang.loans.applications import selectors, steps
from fanxiang.loans.applications.filtersets import LoanApplicationFilter
from fanxiang.loans.applications.forms import DocumentForm, SubmitForm, add_service_error
from fanxiang.loans.applications.workflow import (
    ACTION_LABELS,
    APPLICANT_SIDE,
    BANK,
    CLERK,
    COUNTY,
    GUARANTEE,
    WAITING,
    actor_roles,
    fully_disbursed,
    status_label,
    waiting_roles,
)
from fanxiang.loans.choices import BorrowerCategory, RepaymentMethod
from fanxiang.loans.models import LoanApplication


def _money(value) -> str:
    return "" if value is None else f"{value:,.2f}"


def _money_text(value) -> str:
    from decimal import Decimal, InvalidOperation

    try:
        return _money(Decimal(str(value))) if value not in (None, "", "None") else ""
    except InvalidOperation:
        return str(value)


COLUMNS = [
    Column("申请编号", "number"),
    Column("申请人", "entrepreneur.name"),
    Column("所属区划", "region.name"),
    Column("借款人类型", "borrower_type"),
    Column("申请金额（元）", lambda a: _money(a.amount)),
    Column("状态", lambda a: status_label(a.status)),
    Column("经办银行", "bank"),
    Column("担保机构", "guarantee_org"),
    Column("申请日期", "applied_on"),
    Column(
        "办理时限",
        lambda a: f"{a.step_due}{'（已超时）' if selectors.is_overdue(a) else ''}" if a.step_due else "",
    ),
    Column("批准金额（元）", lambda a: _money(a.approved_amount)),
    Column("已放款（元）", lambda a: _money(a.disbursed_total)),
]


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _shown(value):
    """A detail value as the page shows it (dates as YYYY-MM-DD, like the tables)."""
    return value.isoformat() if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else value


def _categories(app: LoanApplication) -> str:
    return "、".join(
        str(BorrowerCategory(c).label) if c in BorrowerCategory.values else c for c in app.borrower_categories
    )


DETAIL_FIELDS = [
    *COLUMNS,
    Column("贷款期限（月）", "term_months"),
    Column("贷款用途", "purpose"),
    Column("经营主体", "business"),
    Column("合伙人", lambda a: "、".join(p.name for p in a.partners.all())),
    Column("扶持对象类别", _categories),
    Column("反担保方式", "counter_guarantee"),
    Column("反担保说明", "counter_guarantee_detail"),
    Column("免反担保推荐单位", "recommender"),
    Column("受疫情影响", lambda a: "是" if a.epidemic_affected else "否"),
    Column("审核方式", lambda a: "多审合一（并联审核）" if a.merged_review else "逐级审核"),
    Column("合同年利率（%）", "annual_rate"),
    Column("合同日期", "contract_date"),
    Column("合同编号", "contract_no"),
    Column("还款方式", lambda a: _label(RepaymentMethod, a.repayment_method)),
    Column("贷款余额（元）", lambda a: _money(a.principal_outstanding)),
    Column("展期（月）", lambda a: a.extension_months or ""),
]


def _application_or_404(user, pk: int) -> LoanApplication:
    try:
        return selectors.application_detail(user, pk)
    except NotFound:
        raise Http404


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


# --------------------------------------------------------------------------- list / export


class LoanApplicationListView(ScopedListView):
    model = LoanApplication
    title = "创业担保贷款申请"
    filterset_class = LoanApplicationFilter
    columns = COLUMNS
    detail_url_name = "loans:application_detail"
    export_url_name = "loans:application_export"

    @property
    def create_url_name(self):  # only the applicant side opens applications
        return "loans:application_create" if steps.may_open(self.request.user) else None

    def get_queryset(self):
        return super().get_queryset().select_related("entrepreneur", "region", "bank", "guarantee_org")


class LoanApplicationExportView(ScopedExportView):
    model = LoanApplication
    filterset_class = LoanApplicationFilter
    columns = COLUMNS
    filename = "创业担保贷款申请"

    def scoped_queryset(self, action=None):
        return (
            super().scoped_queryset(action).select_related("entrepreneur", "region", "bank", "guarantee_org")
        )


# --------------------------------------------------------------------------- detail and actions


def detail_context(
    request,
    app: LoanApplication,
    *,
    failed_action: str | None = None,
    failed_form=None,
    error: DomainError | None = None,
) -> dict:
    user, today = request.user, timezone.localdate()
    mine, elsewhere = steps.page_actions(app, user)
    actions = []
    for action in mine:
        if action == failed_action and failed_form is not None:
            form = failed_form
        else:
            form = steps.bind_action(action, application=app, today=today)
        if action == "override" and not form.extra.get("soft_checks"):
            continue  # nothing to accept: the officer sees the form only when a soft rule fails
        actions.append(
            {
                "spec": steps.PAGE_ACTIONS[action],
                "label": ACTION_LABELS[action],
                "form": form,
                "url": reverse("loans:application_action", args=[app.pk, action]),
                "failed": action == failed_action,
            }
        )
    return {
        "app": app,
        "object": app,
        "title": app.number,
        "status_label": status_label(app.status),
        "pairs": [(c.label, _shown(c.value(app))) for c in DETAIL_FIELDS],
        "eligibility_max": _money_text((app.eligibility or {}).get("max_amount")),
        "priority_reasons": selectors.priority_reasons(app),
        "overdue": selectors.is_overdue(app, today),
        "waiting_for": steps.role_labels(waiting_roles(app)),
        "timeline": steps.timeline(app),
        "documents": list(app.documents.all()),
        "disbursements": list(app.disbursements.all()),
        "fully_disbursed": fully_disbursed(app),
        "eligibility_checks": (app.eligibility or {}).get("checks") or [],
        "actions": actions,
        "other_actions": [ACTION_LABELS[a] for a in elsewhere],
        "action_error": error,
        "failed_label": ACTION_LABELS.get(failed_action or "", failed_action),
        "can_edit": steps.can_edit(user, app),
        "history": history_of(app),
    }


class LoanApplicationDetailView(ScopedDetailView):
    model = LoanApplication
    template_name = "loans/application_detail.html"
    fields = DETAIL_FIELDS

    def get_object(self, queryset=None):
        return _application_or_404(self.request.user, self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return render(request, self.template_name, detail_context(request, self.object))


class ApplicationActionView(LoginRequiredMixin, View):
    """POST one workflow action: its form, then its service; a refusal re-renders the detail page with the
    error code and message and the HTTP status of the error (nothing changed)."""

    def post(self, request, pk: int, action: str):
        app = _application_or_404(request.user, pk)
        if action not in steps.PAGE_ACTIONS:
            raise Http404
        form = steps.bind_action(action, application=app, data=request.POST)
        error: DomainError | None = None
        status = 422
        if form.is_valid():
            try:
                steps.perform(action, form, actor=request.user, application=app, request=request)
            except DomainError as exc:
                add_service_error(form, exc)
                error, status = exc, exc.status
            else:
                messages.success(request, f"已办理：{ACTION_LABELS[action]}。")
                return HttpResponseRedirect(
                    _safe_next(request, reverse("loans:application_detail", args=[pk]))
                )
        app = _application_or_404(request.user, pk)  # as it is now (the refused step changed nothing)
        ctx = detail_context(request, app, failed_action=action, failed_form=form, error=error)
        ctx["form_invalid"] = error is None
        return render(request, "loans/application_detail.html", ctx, status=status)


# --------------------------------------------------------------------------- the application form


class ApplicationStepView(LoginRequiredMixin, View):
    """One step of the application form. Every step saves the draft through the services; "上一步" and
    "下一步" save too, the step bar moves without saving. A new application starts at step 1."""

    template_name = "loans/application_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.today = timezone.localdate()
        self.step = steps.get_step(kwargs.get("step", steps.BORROWER))
        if self.step is None:
            raise Http404
        pk = kwargs.get("pk")
        if pk is None:
            if not steps.may_open(request.user):
                raise PermissionDenied
            if self.step.key != steps.BORROWER:
                raise Http404
            self.app = None
        else:
            self.app = _application_or_404(request.user, pk)
            if not actor_roles(request.user, self.app) & APPLICANT_SIDE:
                raise PermissionDenied
            if self.app.status not in services.EDITABLE:
                messages.error(
                    request,
                    f"申请当前状态为“{status_label(self.app.status)}”，只有草稿或退回补正的申请可以修改。"
                    "（loan.wrong_state）",
                )
                return HttpResponseRedirect(reverse("loans:application_detail", args=[pk]))
        return super().dispatch(request, *args, **kwargs)

    # -- urls

    def step_url(self, app: LoanApplication, key: str) -> str:
        return reverse("loans:application_step", args=[app.pk, key])

    # -- GET

    def get(self, request, *args, **kwargs):
        return self.render_step()

    def options(self) -> steps.StaffOptions:
        return steps.StaffOptions(self.request.user)

    def render_step(self, form=None, *, extra: dict | None = None, status: int = 200):
        app, step = self.app, self.step
        if step.form_class is not None and form is None:
            form = steps.bind(
                step, user=self.request.user, application=app, options=self.options(), today=self.today
            )
        done = steps.progress(app, self.today)
        bar = [
            {
                "step": s,
                "current": s.key == step.key,
                "done": done[s.key],
                "url": self.step_url(app, s.key) if app is not None else None,
            }
            for s in steps.STEPS
        ]
        ctx = {
            "title": f"填写贷款申请：{app.number}" if app else "新建创业担保贷款申请",
            "app": app,
            "step": step,
            "bar": bar,
            "form": form,
            "prev": steps.step_before(step.key),
            "next": steps.step_after(step.key),
            "status_label": status_label(app.status) if app else "",
        }
        if step.key == steps.BORROWER:
            ctx["applicant_options_url"] = reverse("loans:applicant_options")
            ctx["business_options_url"] = reverse("loans:business_options")
        if step.key == steps.LOAN:
            ctx["limits"] = services.run_eligibility(app, self.today)
        if step.key == steps.DOCUMENTS:
            ctx.update(
                documents=list(app.documents.all()),
                required=steps.required_documents(app),
                document_form=(extra or {}).get("document_form") or DocumentForm(),
            )
        if step.key == steps.REVIEW:
            review = steps.review(app, self.today)
            mine, _ = steps.page_actions(app, self.request.user)
            ctx.update(
                review=review,
                summary=[(c.label, _shown(c.value(app))) for c in DETAIL_FIELDS if c.label in REVIEW_FIELDS],
                documents=list(app.documents.all()),
                submit_form=(extra or {}).get("submit_form") or SubmitForm(application=app),
                override_form=(
                    steps.bind_action("override", application=app, today=self.today)
                    if "override" in mine and review.pending_overrides
                    else None
                ),
            )
        ctx.update(extra or {})
        return render(self.request, self.template_name, ctx, status=status)

    # -- POST

    def post(self, request, *args, **kwargs):
        nav = request.POST.get("nav", "next")
        if self.step.key == steps.DOCUMENTS:
            return self.post_documents(nav)
        if self.step.key == steps.REVIEW:
            return self.post_review(nav)
        form = steps.bind(
            self.step,
            user=request.user,
            application=self.app,
            data=request.POST,
            options=self.options(),
            today=self.today,
        )
        if not form.is_valid():
            return self.render_step(form, status=422)
        try:
            app = steps.save_checked(
                self.step, form, actor=request.user, application=self.app, today=self.today
            )
        except steps.StepRefused as exc:  # the step's own rules: nothing stored, shown on this step
            steps.add_step_errors(form, exc.checks)
            if self.app is not None:
                self.app = _application_or_404(request.user, self.app.pk)
            return self.render_step(form, status=422)
        except DomainError as exc:
            add_service_error(form, exc)
            return self.render_step(form, status=exc.status)
        if self.app is None:
            messages.success(request, f"已保存草稿，申请编号 {app.number}。")
        else:
            messages.success(request, f"“{self.step.label}”已保存。")
        return HttpResponseRedirect(self.step_url(app, self.target(nav)))

    def target(self, nav: str) -> str:
        if nav == "back":
            return steps.step_before(self.step.key) or self.step.key
        if nav == "save":
            return self.step.key
        return steps.step_after(self.step.key) or self.step.key

    def post_documents(self, nav: str):
        request, app = self.request, self.app
        if nav == "upload":
            form = DocumentForm(request.POST, request.FILES)
            if not form.is_valid():
                return self.render_step(extra={"document_form": form}, status=422)
            try:
                doc = services.application_document_add(
                    actor=request.user,
                    application=app,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                )
            except DomainError as exc:
                add_service_error(form, exc)
                return self.render_step(extra={"document_form": form}, status=exc.status)
            messages.success(request, f"已上传：{doc.get_kind_display()}（{doc.original_name}）。")
            return HttpResponseRedirect(self.step_url(app, steps.DOCUMENTS))
        if nav == "remove":
            raw = request.POST.get("document", "")
            try:
                services.application_document_remove(
                    actor=request.user, application=app, document_id=int(raw) if raw.isdigit() else 0
                )
            except DomainError as exc:
                messages.error(request, f"{exc.message}（{exc.code}）")
            else:
                messages.success(request, "材料已删除。")
            return HttpResponseRedirect(self.step_url(app, steps.DOCUMENTS))
        return HttpResponseRedirect(self.step_url(app, self.target(nav)))

    def post_review(self, nav: str):
        request, app = self.request, self.app
        if nav != "submit":
            return HttpResponseRedirect(self.step_url(app, self.target(nav)))
        form = SubmitForm(request.POST, application=app)
        form.is_valid()
        try:
            services.application_submit(actor=request.user, application=app, request=request)
        except DomainError as exc:
            add_service_error(form, exc)
            self.app = _application_or_404(request.user, app.pk)
            return self.render_step(extra={"submit_form": form, "submit_error": exc}, status=exc.status)
        messages.success(request, f"申请 {app.number} 已提交，进入县区人社资格审核。")
        return HttpResponseRedirect(reverse("loans:application_detail", args=[app.pk]))


REVIEW_FIELDS = {
    "申请人",
    "借款人类型",
    "申请金额（元）",
    "贷款期限（月）",
    "贷款用途",
    "经营主体",
    "合伙人",
    "扶持对象类别",
    "经办银行",
    "担保机构",
    "反担保方式",
    "反担保说明",
    "免反担保推荐单位",
    "受疫情影响",
}


def _may_fill_forms(user) -> bool:
    return bool(user.roles() & {COUNTY, CLERK})


class ApplicantOptionsView(LoginRequiredMixin, View):
    """Options of the applicant / partner picker matching a search (HTMX), keeping those already chosen."""

    def get(self, request):
        if not _may_fill_forms(request.user):
            raise PermissionDenied
        field = "partners" if request.GET.get("field") == "partners" else "entrepreneur"
        selected = [int(v) for v in request.GET.getlist(field) if v.isdigit()]
        people = steps.applicant_options(
            request.user, q=request.GET.get("applicant_q", ""), selected=selected
        )
        options = [(p.pk, founder_label(p), p.pk in selected) for p in people]
        return render(request, "loans/application_options.html", {"options": options, "field": field})


class BusinessOptionsView(LoginRequiredMixin, View):
    """Options of the business picker for the chosen applicant and partners (HTMX)."""

    def get(self, request):
        if not _may_fill_forms(request.user):
            raise PermissionDenied
        owners = [
            int(v)
            for key in ("entrepreneur", "partners", "owner")
            for v in request.GET.getlist(key)
            if v.isdigit()
        ]
        selected = [int(v) for v in request.GET.getlist("business") if v.isdigit()]
        businesses = steps.business_options(request.user, owners=owners, selected=selected)
        options = [(b.pk, f"{b.name}（{b.get_kind_display()}）", b.pk in selected) for b in businesses]
        return render(
            request,
            "loans/application_options.html",
            {"options": options, "field": "business", "blank": True},
        )


# --------------------------------------------------------------------------- reviewer queue

QUEUE_ROLES = {COUNTY, GUARANTEE, BANK, CLERK}


def _workday_counter(today: dt.date, dues: list[dt.date]):
    """Working days between today and each deadline, with one query for the calendar exceptions."""
    from fanxiang.core.calendar import workday_counter

    return workday_counter([today, *dues] if dues else [])


class QueueView(LoginRequiredMixin, View):
    """我的待办: the applications waiting for one of the user's roles where they hold it (the queue
    selector shared with the API), priority applicants first with the reason, then by deadline; the
    deadline in working days, overdue in red; filter by status; paginated."""

    template_name = "loans/queue.html"
    page_size = 20

    def get(self, request):
        user = request.user
        roles = user.roles() & QUEUE_ROLES
        if not roles:
            raise PermissionDenied
        today = timezone.localdate()
        statuses = [s for s, w in WAITING.items() if (w.roles | (w.merged_roles or frozenset())) & roles]
        queue = selectors.review_queue(user)
        status = request.GET.get("status", "")
        if status and status not in statuses:
            messages.error(request, f"状态“{status}”不在您的待办范围内，已显示全部待办。（filter.invalid）")
            status = ""
        if status:
            queue = queue.filter(status=status)
        task = request.GET.get("task", "")
        task_title = loan_todos.TITLES.get(task, "")
        if task_title:  # one line of the to-do inbox (core.tasks): exactly the applications it counted
            queue = queue.filter(pk__in=loan_todos.task_queryset(user, task).values("pk"))
        size = page_size_of(request, self.page_size)
        paginator = Paginator(queue, size)
        page = paginator.get_page(request.GET.get("page"))
        offset = (page.number - 1) * size
        rows = selectors.queue_rows(queue, offset, size) if paginator.count else []
        items = [selectors.queue_item(app, user, today) for app in rows]
        count = _workday_counter(today, [i["due"] for i in items if i["due"]])
        for item in items:
            due = item["due"]
            item["status_label"] = status_label(item["app"].status)
            item["waiting_labels"] = steps.role_labels(item["waiting_for"])
            item["action_labels"] = [ACTION_LABELS[a] for a in item["actions"] if a != "override"]
            item["days_left"] = count(today, due) if due and due >= today else None
            item["days_over"] = count(due, today) if due and due < today else None
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            self.template_name,
            {
                "title": "我的待办",
                "items": items,
                "page": page,
                "paginator": paginator,
                "statuses": [(s, status_label(s)) for s in statuses],
                "status": status,
                "task": task if task_title else "",
                "task_title": task_title,
                "querystring": query.urlencode(),
                "role_names": steps.role_labels(sorted(roles)),
                "today": today,
            },
        )
