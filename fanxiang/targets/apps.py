from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "fanxiang.targets"
    label = "targets"
    verbose_name = "年度目标"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core import registry
        from fanxiang.core.audit import track
        from fanxiang.core.registry import HomePanel, NavItem, register_home_panel, register_nav
        from fanxiang.core.scope import ADD, CHANGE, EXPORT, VIEW
        from fanxiang.targets import panels
        from fanxiang.targets.models import Target

        track(Target)
        # County officers break their county's target down to townships; everyone on staff may read.
        grant(Role.COUNTY_OFFICER, "targets.target", {VIEW, EXPORT, ADD, CHANGE})
        for role in (
            Role.UNIT_LIAISON,
            Role.SERVICE_CLERK,
            Role.GUARANTEE_OFFICER,
            Role.BANK_OFFICER,
            Role.EXPERT,
        ):
            grant(role, "targets.target", {VIEW})
        registry.register_api("fanxiang.targets.api:router", "/targets", order=30)
        registry.register_urls("targets/", "fanxiang.targets.urls", order=30)
        registry.register_reference_loader(
            "targets.city", "fanxiang.targets.reference:load_city_targets", order=30
        )
        registry.register_demo_loader(
            "targets.county_breakdown", "fanxiang.targets.reference:load_demo_breakdown", order=20
        )
        register_nav(
            NavItem(_("目标与统计"), _("年度目标"), "targets:target_list", "targets.target", order=10)
        )
        register_nav(
            NavItem(_("目标与统计"), _("目标完成进度"), "targets:progress", "targets.target", order=11)
        )
        register_home_panel(HomePanel("targets", "targets/_home_panel.html", panels.targets_panel, order=10))
