from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fanxiang.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from fanxiang.accounts import signals  # noqa: F401
        from fanxiang.accounts.models import Organization, RoleAssignment, User
        from fanxiang.accounts.navigation import NavItem, register_nav
        from fanxiang.accounts.resolver import resolve_scope
        from fanxiang.accounts.roles import Role
        from fanxiang.core import scope
        from fanxiang.core.audit import track

        scope.install_resolver(resolve_scope)
        track(User, exclude_fields=["password", "last_login", "session_epoch"])
        track(RoleAssignment)
        track(Organization)
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
        register_nav(
            NavItem(_("系统管理"), _("行政区划"), "regions:region_list", "regions.region", order=930)
        )
