from django import forms
from django.contrib.auth.forms import AuthenticationForm

from fanxiang.accounts.models import Organization, RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.core.views import ScopedForm
from fanxiang.regions.models import Region


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。连续失败5次将锁定15分钟。",
        "inactive": "该账户已被锁定，请联系市级管理员。",
    }


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput)
    new_password = forms.CharField(
        label="新密码",
        widget=forms.PasswordInput,
        help_text="至少10位，包含大写字母、小写字母、数字、特殊符号中的至少3类，且不含用户名。",
    )
    new_password2 = forms.CharField(label="确认新密码", widget=forms.PasswordInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data


class UserCreateForm(ScopedForm):
    scope_model = RoleAssignment
    scope_action = "add"

    username = forms.CharField(label="用户名", max_length=150)
    real_name = forms.CharField(label="姓名", max_length=32)
    mobile = forms.CharField(label="手机号码", max_length=20, required=False)
    organization = forms.ModelChoiceField(
        label="所在机构", queryset=Organization.objects.filter(is_active=True), required=False
    )
    password = forms.CharField(
        label="初始密码", widget=forms.PasswordInput, help_text="用户首次登录时须修改密码。"
    )
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region = forms.ModelChoiceField(
        label="负责区划", queryset=Region.objects.filter(level__in=["city", "county"])
    )


class UserEditForm(ScopedForm):
    real_name = forms.CharField(label="姓名", max_length=32)
    mobile = forms.CharField(label="手机号码", max_length=20, required=False)
    organization = forms.ModelChoiceField(
        label="所在机构", queryset=Organization.objects.filter(is_active=True), required=False
    )
    email = forms.EmailField(label="电子邮箱", required=False)


class RoleAssignForm(ScopedForm):
    scope_model = RoleAssignment
    scope_action = "add"
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region = forms.ModelChoiceField(
        label="负责区划", queryset=Region.objects.filter(level__in=["city", "county", "township"])
    )


class PasswordResetForm(ScopedForm):
    password = forms.CharField(
        label="新密码", widget=forms.PasswordInput, help_text="用户下次登录时须修改密码。"
    )


class LockForm(ScopedForm):
    reason = forms.CharField(label="锁定原因", max_length=200)


class UserFilterForm(forms.Form):
    q = forms.CharField(label="用户名/姓名", required=False)
    role = forms.ChoiceField(label="角色", choices=[("", "全部"), *list(Role.choices)], required=False)


def user_queryset_filter(qs, data):
    form = UserFilterForm(data)
    if form.is_valid():
        q = form.cleaned_data.get("q")
        if q:
            from django.db.models import Q

            qs = qs.filter(Q(username__icontains=q) | Q(real_name__icontains=q))
        if form.cleaned_data.get("role"):
            qs = qs.filter(role_assignments__role=form.cleaned_data["role"]).distinct()
    return form, qs


__all__ = ["User"]
