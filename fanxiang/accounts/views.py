from __future__ import annotations

import django_filters
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fanxiang.accounts import selectors, services, throttle
from fanxiang.accounts.forms import (
    LockForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    RoleAssignForm,
    UserCreateForm,
    UserEditForm,
    user_queryset_filter,
)
from fanxiang.accounts.models import RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.core import audit
from fanxiang.core.errors import DomainError
from fanxiang.core.history import history_of
from fanxiang.core.views import (
    Column,
    ScopedDetailView,
    ScopedExportView,
    ScopedListView,
    apply_domain_error,
    paginate,
)
from fanxiang.regions.models import Region


def lockout_response(request, credentials=None, *args, **kwargs):
    """django-axes: what a locked-out login gets (web page or API JSON)."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {"code": "auth.locked_out", "message": "连续登录失败次数过多，账户已锁定15分钟。", "errors": {}},
            status=429,
        )
    form = LoginForm(request, initial={"username": request.POST.get("username", "")})
    form.cleaned_data = {}  # unbound: add_error() needs cleaned_data to exist
    form.add_error(None, "连续登录失败次数过多，账户已锁定15分钟，请稍后再试或联系管理员解锁。")
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked": True, "error_code": "auth.locked_out"},
        status=429,
    )


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        try:
            attempt = throttle.attempt_begin(request)
        except throttle.LoginRateLimited as exc:
            form = LoginForm(request, initial={"username": request.POST.get("username", "")})
            form.cleaned_data = {}  # unbound: add_error() needs cleaned_data to exist
            form.add_error(None, exc.message)
            response = render(
                request, self.template_name, {"form": form, "error_code": exc.code}, status=exc.status
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            attempt.succeeded()
        return response


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                request=request,
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            return redirect("home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "title": "修改密码", "forced": request.user.must_change_password},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def switch_region(request):
    try:
        services.set_active_region(
            request=request, user=request.user, region_path=request.POST.get("region_path") or None
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(request.META.get("HTTP_REFERER") or reverse("home"))


# --------------------------------------------------------------------------- user management (city admin)


def _require_admin(user: User) -> None:
    if not (user.is_superuser or user.has_role(Role.CITY_ADMIN)):
        raise PermissionDenied


@login_required
def user_list(request):
    _require_admin(request.user)
    qs = (
        selectors.staff_users()
        .select_related("organization")
        .prefetch_related("role_assignments__region")
        .order_by("username")
    )
    form, qs = user_queryset_filter(qs, request.GET)
    page = paginate(request, qs, 20)
    return render(
        request, "accounts/user_list.html", {"title": "用户管理", "filter_form": form, "page": page}
    )


@login_required
def user_create(request):
    _require_admin(request.user)
    form = UserCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            from django.db import transaction

            with transaction.atomic():
                user = services.user_create(
                    actor=request.user,
                    username=data["username"],
                    real_name=data["real_name"],
                    password=data["password"],
                    mobile=data["mobile"],
                    organization=data["organization"],
                )
                services.role_assign(actor=request.user, user=user, role=data["role"], region=data["region"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"已创建用户 {user.username}，首次登录须修改密码。")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request,
        "core/object_form.html",
        {"form": form, "title": "新建用户"},
        status=422 if form.errors else 200,
    )


@login_required
def user_detail(request, pk: int):
    _require_admin(request.user)
    target = get_object_or_404(User.objects.select_related("organization"), pk=pk)
    forms = {
        "edit": UserEditForm(
            initial={
                "real_name": target.real_name,
                "mobile": target.mobile,
                "organization": target.organization,
                "email": target.email,
            },
            user=request.user,
        ),
        "assign": RoleAssignForm(user=request.user),
        "reset": PasswordResetForm(user=request.user),
        "lock": LockForm(user=request.user),
    }
    status = 200
    if request.method == "POST":
        op = request.POST.get("op")
        form_key = {"edit": "edit", "assign": "assign", "reset": "reset", "lock": "lock"}.get(op)
        try:
            if op == "unlock":
                services.user_unlock(actor=request.user, user=target)
                messages.success(request, "已解锁。")
                return redirect("accounts:user_detail", pk=pk)
            if op == "revoke":
                assignment = get_object_or_404(RoleAssignment, pk=request.POST.get("assignment"), user=target)
                services.role_revoke(actor=request.user, assignment=assignment)
                messages.success(request, "已撤销角色。")
                return redirect("accounts:user_detail", pk=pk)
            if form_key:
                cls = type(forms[form_key])
                form = cls(request.POST, user=request.user)
                forms[form_key] = form
                if form.is_valid():
                    data = form.cleaned_data
                    if op == "edit":
                        services.user_update(actor=request.user, user=target, **data)
                    elif op == "assign":
                        services.role_assign(
                            actor=request.user, user=target, role=data["role"], region=data["region"]
                        )
                    elif op == "reset":
                        services.password_set_by_admin(
                            actor=request.user, user=target, password=data["password"]
                        )
                    elif op == "lock":
                        services.user_lock(actor=request.user, user=target, reason=data["reason"])
                    messages.success(request, "操作成功。")
                    return redirect("accounts:user_detail", pk=pk)
                status = 422
        except DomainError as exc:
            if form_key:
                apply_domain_error(forms[form_key], exc)
            else:
                messages.error(request, f"{exc.message}（{exc.code}）")
            status = 422
    history = history_of(target, limit=30)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "title": str(target),
            "target": target,
            "forms": forms,
            "history": history,
            "assignments": target.role_assignments.select_related("region"),
        },
        status=status,
    )


# --------------------------------------------------------------------------- role assignments (scoped)


class AssignmentFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices)
    q = django_filters.CharFilter(label="用户", method="filter_q")

    class Meta:
        model = RoleAssignment
        fields = ["role"]

    def filter_q(self, qs, name, value):
        from django.db.models import Q

        return qs.filter(Q(user__username__icontains=value) | Q(user__real_name__icontains=value))


ASSIGNMENT_COLUMNS = [
    Column("用户", "user"),
    Column("角色", "role"),
    Column("负责区划", "region.full_name"),
    Column("所在机构", "user.organization"),
    Column("授予时间", "created_at"),  # core shows it in Asia/Shanghai
]


class AssignmentListView(ScopedListView):
    model = RoleAssignment
    title = "角色授权"
    filterset_class = AssignmentFilter
    columns = ASSIGNMENT_COLUMNS
    detail_url_name = "accounts:assignment_detail"
    export_url_name = "accounts:assignment_export"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("user__organization", "region__parent")
            .order_by("region__tree_path", "user__username")
        )


class AssignmentDetailView(ScopedDetailView):
    model = RoleAssignment
    fields = ASSIGNMENT_COLUMNS


class AssignmentExportView(ScopedExportView):
    model = RoleAssignment
    filterset_class = AssignmentFilter
    columns = ASSIGNMENT_COLUMNS
    filename = "角色授权"


# --------------------------------------------------------------------------- audit trail (city admin)


@login_required
def audit_list(request):
    _require_admin(request.user)
    from fanxiang.accounts.selectors import (
        audit_change_rows,
        audit_entries,
        audit_note_rows,
        audit_related_labels,
    )

    filters = {
        k: request.GET.get(k, "") for k in ("event", "actor", "model", "object", "date_from", "date_to", "ip")
    }
    qs = audit_entries(**filters)
    page = paginate(request, qs, 30)
    page.object_list = list(page.object_list)
    related = audit_related_labels(page.object_list, request.user)  # once for the page, in the admin's scope
    for entry in page.object_list:
        entry.change_rows = audit_change_rows(entry, related)
        entry.note_rows = audit_note_rows(entry)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_list.html",
        {
            "title": "审计日志",
            "page": page,
            "filters": filters,
            "events": audit.EVENT_LABELS,
            "querystring": query.urlencode(),
        },
    )


__all__ = ["Region"]
