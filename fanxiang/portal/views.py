"""Portal pages for the entrepreneur (phone first), and the same loan pages for a service clerk acting in an
assisted session (全程帮办). Pages are thin: every write goes through a service (portal, registry, loans)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from fanxiang.accounts.models import OrganizationKind
from fanxiang.accounts.selectors import organizations
from fanxiang.core import audit
from fanxiang.core.errors import DomainError, NotFound
from fanxiang.core.views import apply_domain_error
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.loans import applications as loans
from fanxiang.loans.applications.workflow import status_label
from fanxiang.loans.choices import AppStatus, DocumentKind
from fanxiang.notifications.selectors import inbox_for_person
from fanxiang.notifications.services import notification_mark_read
from fanxiang.portal import auth, forms, progress, selectors, services
from fanxiang.portal.assist import assisting
from fanxiang.portal.models import AssistSession, AssistStatus, EditKind, PortalAccount

EDITABLE = (AppStatus.DRAFT, AppStatus.RETURNED)


@dataclass
class Ctx:
    """Who acts for whom on a portal page: the account's own user, or a clerk in an assisted session."""

    actor: Any
    person: Entrepreneur | None
    account: PortalAccount | None
    session: AssistSession | None
    base: str

    @property
    def assisted(self) -> bool:
        return self.session is not None

    @property
    def person_id(self) -> int | None:
        return self.person.pk if self.person is not None else None


def _page(request, template: str, ctx: Ctx | None, data: dict | None = None, status: int = 200):
    context = {"ctx": ctx, "base": ctx.base if ctx else "/portal/", **(data or {})}
    if ctx is not None and ctx.account is not None and not ctx.assisted:
        context["unread"] = (
            inbox_for_person(user=ctx.account.user, entrepreneur_id=ctx.person_id)
            .filter(read_at__isnull=True)
            .count()
        )
    return render(request, template, context, status=status)


def portal_page(view):
    """A page of the signed-in portal account."""

    @auth.portal_login_required
    def wrapper(request, *args, **kwargs):
        account = request.portal_account
        ctx = Ctx(
            actor=services.portal_actor(account),
            person=selectors.person_of(account),
            account=account,
            session=None,
            base="/portal/",
        )
        try:
            return view(request, ctx, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    wrapper.__name__ = view.__name__
    return wrapper


def assist_page(view):
    """The same page for a service clerk inside an active assisted session; every audit record written while
    it runs is marked as assisted."""

    def wrapper(request, sid: int, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.path}")
        if not user.has_role("service_clerk"):
            raise Http404
        try:
            session = selectors.assist_session(user, sid)
        except NotFound:
            raise Http404 from None
        if session.status == AssistStatus.AWAITING_CONSENT:
            return redirect("portal:assist_consent", sid=session.pk)
        if not session.active(timezone.now()):
            messages.error(request, "该帮办已结束或已过期，请重新发起。")
            return redirect("portal:assist_start")
        person = Entrepreneur.objects.select_related("region").get(pk=session.entrepreneur_id)
        ctx = Ctx(
            actor=user,
            person=person,
            account=selectors.account_of(person),
            session=session,
            base=f"/portal/assist/{session.pk}/",
        )
        try:
            with assisting(session):
                return view(request, ctx, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    wrapper.__name__ = view.__name__
    return wrapper


def _safe_next(request, default: str = "/portal/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/portal/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return default


def _errors(form, exc: DomainError) -> None:
    apply_domain_error(form, exc)


# --------------------------------------------------------------------------- landing and sign-in


def home(request):
    account = auth.session_account(request)
    if account is None:
        return render(request, "portal/landing.html", {"base": "/portal/"})
    request.portal_account = account
    ctx = Ctx(services.portal_actor(account), selectors.person_of(account), account, None, "/portal/")
    data = {
        "pending": selectors.pending_registration(account),
        "rejected": selectors.registrations_of(account).filter(status="rejected").first(),
        "applications": list(selectors.applications_of(ctx.person_id).order_by("-created_at")[:3]),
    }
    return _page(request, "portal/home.html", ctx, data)


def login_view(request):
    if auth.session_account(request) is not None:
        return redirect(_safe_next(request))
    form = forms.CodeLoginForm(request.POST or None)
    sent = None
    status = 200
    if request.method == "POST" and form.is_valid():
        mobile, code = form.cleaned_data["mobile"], form.cleaned_data.get("code") or ""
        try:
            if request.POST.get("action") == "send":
                sent = services.request_login_code(mobile=mobile, ip=audit.client_ip(request))
                messages.info(request, f"验证码已发送至 {sent.mobile_masked}，5分钟内有效。")
            else:
                if not code:
                    form.add_error("code", "请填写短信验证码。")
                    status = 422
                else:
                    account, created = services.login_with_code(mobile=mobile, code=code, request=request)
                    auth.session_login(request, account)
                    if created:
                        messages.success(request, "注册成功。请完成实名绑定后办理业务。")
                        return redirect("portal:bind")
                    return HttpResponseRedirect(_safe_next(request))
        except DomainError as exc:
            _errors(form, exc)
            status = 429 if exc.status == 429 else 422
    elif request.method == "POST":
        status = 422
    return render(
        request,
        "portal/login.html",
        {"form": form, "sent": sent, "next": _safe_next(request, ""), "base": "/portal/"},
        status=status,
    )


def login_password(request):
    form = forms.PasswordLoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            account = services.login_with_password(
                mobile=form.cleaned_data["mobile"], password=form.cleaned_data["password"], request=request
            )
        except DomainError as exc:
            _errors(form, exc)
            status = 429 if exc.status == 429 else 422
        else:
            auth.session_login(request, account)
            return HttpResponseRedirect(_safe_next(request))
    return render(
        request,
        "portal/login_password.html",
        {"form": form, "next": _safe_next(request, ""), "base": "/portal/"},
        status=status,
    )


@require_POST
def logout_view(request):
    account = auth.session_account(request)
    if account is not None:
        audit.record_event(
            event=audit.EVENT_LOGOUT,
            actor=account.user,
            obj=account,
            request=request,
            data={"portal": "session"},
        )
    auth.session_logout(request)
    return redirect("portal:home")


@portal_page
def password_set(request, ctx: Ctx):
    form = forms.PasswordSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_set_password(account=ctx.account, password=form.cleaned_data["password"])
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "登录密码已设置，以后可用手机号+密码登录。")
            return redirect("portal:profile")
    return _page(
        request, "portal/password.html", ctx, {"form": form}, 422 if request.method == "POST" else 200
    )


# --------------------------------------------------------------------------- binding and registration


@portal_page
def bind(request, ctx: Ctx):
    if ctx.person is not None:
        return redirect("portal:profile")
    pending = selectors.pending_registration(ctx.account)
    form = forms.BindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.account_bind(
                account=ctx.account, name=form.cleaned_data["name"], id_number=form.cleaned_data["id_number"]
            )
        except DomainError as exc:
            _errors(form, exc)
        else:
            if outcome.status == "bound":
                messages.success(request, outcome.message)
                return redirect("portal:home")
            reg = forms.RegistrationForm(
                initial={"name": form.cleaned_data["name"], "id_number": form.cleaned_data["id_number"]}
            )
            return _page(request, "portal/register.html", ctx, {"form": reg, "notice": outcome.message})
    return _page(
        request,
        "portal/bind.html",
        ctx,
        {
            "form": form,
            "pending": pending,
            "rejected": selectors.registrations_of(ctx.account).filter(status="rejected").first(),
        },
        422 if request.method == "POST" else 200,
    )


@portal_page
def register(request, ctx: Ctx):
    if ctx.person is not None:
        return redirect("portal:profile")
    pending = selectors.pending_registration(ctx.account)
    if pending is not None:
        return _page(request, "portal/register_pending.html", ctx, {"registration": pending})
    form = forms.RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_submit(account=ctx.account, data=form.service_data(), actor=ctx.actor)
        except DomainError as exc:
            _apply_prefixed(form, exc)
        else:
            messages.success(
                request, "登记信息已提交，所在县（市、区）人社部门审核后将以短信和站内消息通知您。"
            )
            return redirect("portal:home")
    return _page(
        request, "portal/register.html", ctx, {"form": form}, 422 if request.method == "POST" else 200
    )


def _apply_prefixed(form, exc: DomainError) -> None:
    for field, msgs in (exc.errors or {}).items():
        target = field if field in form.fields else None
        for msg in msgs:
            form.add_error(target, msg)
    form.add_error(None, f"{exc.message}（{exc.code}）")


# --------------------------------------------------------------------------- profile and edit requests


def _need_person(request, ctx: Ctx):
    if ctx.person is None:
        messages.info(request, "请先完成实名绑定。")
        return redirect("portal:bind")
    return None


@portal_page
def profile(request, ctx: Ctx):
    if (r := _need_person(request, ctx)) is not None:
        return r
    return _page(
        request,
        "portal/profile.html",
        ctx,
        {
            "person": ctx.person,
            "businesses": list(selectors.businesses_of(ctx.person_id)),
            "edits": list(selectors.edit_requests_of(ctx.account)[:20]),
        },
    )


@portal_page
def profile_edit(request, ctx: Ctx):
    if (r := _need_person(request, ctx)) is not None:
        return r
    form = forms.PersonEditForm(request.POST or None, initial=forms.PersonEditForm.initial_from(ctx.person))
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_request_create(
                account=ctx.account,
                kind=EditKind.PERSON,
                changes=form.changes(),
                note=form.cleaned_data.get("note", ""),
            )
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "变更申请已提交，县区审核同意后生效。")
            return redirect("portal:profile")
    return _page(
        request,
        "portal/edit_form.html",
        ctx,
        {"form": form, "title": "申请变更个人信息"},
        422 if request.method == "POST" else 200,
    )


@portal_page
def business_edit(request, ctx: Ctx, pk: int | None = None):
    if (r := _need_person(request, ctx)) is not None:
        return r
    business = None
    if pk is not None:
        business = selectors.businesses_of(ctx.person_id).filter(pk=pk).first()
        if business is None:
            raise Http404
    initial = (
        forms.BusinessEditForm.initial_from(business) if business else {"region": ctx.person.region.code}
    )
    form = forms.BusinessEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data.get("note", "")
        try:
            if business is None:
                services.edit_request_create(
                    account=ctx.account,
                    kind=EditKind.BUSINESS_NEW,
                    changes=form.values(services.BUSINESS_NEW_FIELDS),
                    note=note,
                )
            else:
                made = 0
                for kind, keys in (
                    (EditKind.BUSINESS, services.BUSINESS_EDITABLE),
                    (EditKind.JOBS, services.JOBS_FIELDS),
                ):
                    try:
                        services.edit_request_create(
                            account=ctx.account,
                            kind=kind,
                            changes=form.values(keys),
                            business_id=business.pk,
                            note=note,
                        )
                        made += 1
                    except DomainError as exc:
                        if exc.code != "portal.edit_no_changes":
                            raise
                if not made:
                    raise DomainError("portal.edit_no_changes", "没有需要变更的内容。", status=422)
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "申请已提交，县区审核同意后生效。")
            return redirect("portal:profile")
    title = "申请变更经营主体信息" if business else "申请新增经营主体"
    return _page(
        request,
        "portal/business_form.html",
        ctx,
        {"form": form, "title": title},
        422 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------- policies and notifications


@portal_page
def policies(request, ctx: Ctx):
    if (r := _need_person(request, ctx)) is not None:
        return r
    matches = None
    error = ""
    try:
        matches = selectors.policy_matches(ctx.person)
    except Exception:  # the policy library is another app: never break the portal over it
        import logging

        logging.getLogger("fanxiang.portal").exception("policy matching failed")
        error = "政策匹配暂时无法使用，请稍后再试。"
    return _page(request, "portal/policies.html", ctx, {"matches": matches, "error": error})


@portal_page
def notifications(request, ctx: Ctx):
    qs = inbox_for_person(user=ctx.account.user, entrepreneur_id=ctx.person_id)
    if request.method == "POST":
        notification_mark_read(notifications=qs)
        return redirect("portal:notifications")
    items = list(qs[:50])
    return _page(request, "portal/notifications.html", ctx, {"items": items})


# --------------------------------------------------------------------------- loans (portal and assisted)


def _loan_form(ctx: Ctx, data=None, initial=None):
    return forms.LoanForm(
        data,
        initial=initial,
        banks=organizations(kind=OrganizationKind.BANK).order_by("code"),
        recommenders=selectors.recommenders_for(ctx.person),
    )


def loan_list(request, ctx: Ctx):
    if ctx.person is None:
        return _need_person(request, ctx)
    apps = list(selectors.applications_of(ctx.person_id).order_by("-created_at", "-id"))
    return _page(request, "portal/loan_list.html", ctx, {"applications": apps, "status_label": status_label})


def loan_new(request, ctx: Ctx):
    if ctx.person is None:
        return _need_person(request, ctx)
    form = _loan_form(ctx, request.POST or None, initial={"term_months": 36, "amount": "100000"})
    if request.method == "POST" and form.is_valid():
        data = {"entrepreneur": ctx.person.pk, "borrower_type": "individual", **form.service_data()}
        if data["borrower_categories"] is None:
            data.pop("borrower_categories")
        try:
            app = loans.application_create(actor=ctx.actor, data=data)
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, f"申请草稿已保存（{app.number}）。请上传材料后提交。")
            return redirect(f"{ctx.base}loans/{app.pk}/")
    return _page(
        request,
        "portal/loan_form.html",
        ctx,
        {"form": form, "title": "申请创业担保贷款"},
        422 if request.method == "POST" else 200,
    )


def loan_edit(request, ctx: Ctx, pk: int):
    app = selectors.application_of(ctx.person_id, pk)
    if app.status not in EDITABLE:
        messages.error(request, "只有草稿或退回补正的申请可以修改。")
        return redirect(f"{ctx.base}loans/{app.pk}/")
    form = _loan_form(ctx, request.POST or None, initial=forms.LoanForm.initial_from(app))
    if request.method == "POST" and form.is_valid():
        try:
            loans.application_update(actor=ctx.actor, application=app, data=form.service_data())
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect(f"{ctx.base}loans/{app.pk}/")
    return _page(
        request,
        "portal/loan_form.html",
        ctx,
        {"form": form, "title": f"修改申请 {app.number}", "app": app},
        422 if request.method == "POST" else 200,
    )


def _detail(request, ctx: Ctx, app, upload_form=None, problem: DomainError | None = None, status: int = 200):
    today = timezone.localdate()
    editable = app.status in EDITABLE
    missing = loans.missing_for_submission(app, today) if editable else []
    return _page(
        request,
        "portal/loan_detail.html",
        ctx,
        {
            "app": app,
            "status_label": status_label(app.status),
            "steps": progress.steps(app, today),
            "editable": editable,
            "missing": missing,
            "upload_form": upload_form or forms.UploadForm(),
            "problem": problem,
            "problem_items": (problem.details or {}).get("items") or (problem.details or {}).get("checks")
            if problem
            else None,
            "can_withdraw": app.status
            in (
                *EDITABLE,
                AppStatus.SUBMITTED,
                AppStatus.HR_APPROVED,
                AppStatus.GUARANTEE_APPROVED,
                AppStatus.BANK_APPROVED,
            ),
            "kinds": dict(DocumentKind.choices),
        },
        status,
    )


def loan_detail(request, ctx: Ctx, pk: int):
    app = selectors.application_of(ctx.person_id, pk)
    return _detail(request, ctx, app)


@require_POST
def loan_upload(request, ctx: Ctx, pk: int):
    app = selectors.application_of(ctx.person_id, pk)
    form = forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            loans.application_document_add(
                actor=ctx.actor,
                application=app,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "材料已上传。")
            return redirect(f"{ctx.base}loans/{app.pk}/")
    return _detail(request, ctx, selectors.application_of(ctx.person_id, pk), upload_form=form, status=422)


@require_POST
def loan_document_delete(request, ctx: Ctx, pk: int, doc: int):
    app = selectors.application_of(ctx.person_id, pk)
    selectors.document_of(ctx.person_id, app.pk, doc)
    try:
        loans.application_document_remove(actor=ctx.actor, application=app, document_id=doc)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "材料已删除。")
    return redirect(f"{ctx.base}loans/{app.pk}/")


def loan_document(request, ctx: Ctx, pk: int, doc: int):
    document = selectors.document_of(ctx.person_id, pk, doc)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name)


@require_POST
def loan_submit(request, ctx: Ctx, pk: int):
    app = selectors.application_of(ctx.person_id, pk)
    try:
        loans.application_submit(actor=ctx.actor, application=app, request=request)
    except DomainError as exc:
        return _detail(
            request, ctx, selectors.application_of(ctx.person_id, pk), problem=exc, status=exc.status
        )
    messages.success(request, "申请已提交，请留意审核进度和短信通知。")
    return redirect(f"{ctx.base}loans/{app.pk}/")


@require_POST
def loan_withdraw(request, ctx: Ctx, pk: int):
    app = selectors.application_of(ctx.person_id, pk)
    try:
        loans.application_withdraw(
            actor=ctx.actor, application=app, note=request.POST.get("note", "")[:200], request=request
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "申请已撤回。")
    return redirect(f"{ctx.base}loans/{app.pk}/")


# the loan pages, for the account and for an assisted session
portal_loan_list = portal_page(loan_list)
portal_loan_new = portal_page(loan_new)
portal_loan_edit = portal_page(loan_edit)
portal_loan_detail = portal_page(loan_detail)
portal_loan_upload = portal_page(loan_upload)
portal_loan_document = portal_page(loan_document)
portal_loan_document_delete = portal_page(loan_document_delete)
portal_loan_submit = portal_page(loan_submit)
portal_loan_withdraw = portal_page(loan_withdraw)
assist_loan_list = assist_page(loan_list)
assist_loan_new = assist_page(loan_new)
assist_loan_edit = assist_page(loan_edit)
assist_loan_detail = assist_page(loan_detail)
assist_loan_upload = assist_page(loan_upload)
assist_loan_document = assist_page(loan_document)
assist_loan_document_delete = assist_page(loan_document_delete)
assist_loan_submit = assist_page(loan_submit)
assist_loan_withdraw = assist_page(loan_withdraw)
