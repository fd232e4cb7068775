from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fanxiang.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from fanxiang.accounts import signals  # noqa: F401
        from fanxiang.accounts.models import Organization, RoleAssignment, User
        from fanxiang.accounts.resolver import resolve_scope
        from fanxiang.accounts.roles import Role
        from fanxiang.core import registry, scope
        from fanxiang.core.audit import track
        from fanxiang.core.registry import NavItem, register_nav

        scope.install_resolver(resolve_scope)
        track(User, exclude_fields=["password", "last_login", "session_epoch"])
        track(RoleAssignment)
        track(Organization)
        registry.register_api("fanxiang.accounts.api:auth_router", "/auth", order=10)
        registry.register_api("fanxiang.accounts.api:me_router", "/me", order=11)
        registry.register_api("fanxiang.accounts.api:audit_router", "/audit", order=12)
        registry.register_api("fanxiang.accounts.api:org_router", "/organizations", order=13)
        registry.register_api("fanxiang.accounts.api:assignment_router", "/role-assignments", order=14)
        registry.register_urls("accounts/", "fanxiang.accounts.urls", order=10)
        registry.register_reference_loader(
            "accounts.organizations", "fanxiang.accounts.reference:load_organizations", order=20
        )
        register_nav(
            NavItem(_("系统管理"), _("用户管理"), "accounts:user_list", roles=(Role.CITY_ADMIN,), order=900)
        )
        register_nav(
            NavItem(
                _("系统管理"), _("角色授权"), "accounts:assignment_list", "accounts.roleassignment", order=910
            )
        )
        register_nav(
            NavItem(_("系统管理"), _("审计日志"), "accounts:audit_list", roles=(Role.CITY_ADMIN,), order=920)
        )
