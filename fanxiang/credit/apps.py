from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "fanxiang.credit"
    label = "credit"
    verbose_name = "诚信台账与信用推荐"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core import registry
        from fanxiang.core.audit import track
        from fanxiang.core.registry import NavItem, register_nav
        from fanxiang.core.scope import ADD, CHANGE, DELETE, EXPORT, VIEW
        from fanxiang.credit.models import CreditEntry, Recommender

        track(Recommender)
        track(CreditEntry)
        for role in (Role.COUNTY_OFFICER, Role.GUARANTEE_OFFICER):
            grant(role, "credit.recommender", {VIEW, EXPORT})
            grant(role, "credit.creditentry", {VIEW, EXPORT, ADD, CHANGE})
        # county officers keep their county's register (an unreferenced entry may be deleted); blacklisting
        # is limited to county officers and city admins by the service (credit.services)
        grant(Role.COUNTY_OFFICER, "credit.recommender", {ADD, CHANGE, DELETE})
        grant(Role.BANK_OFFICER, "credit.creditentry", {VIEW})
        grant(Role.BANK_OFFICER, "credit.recommender", {VIEW})
        registry.register_api("fanxiang.credit.api:router", "/credit", order=52)
        registry.register_urls("credit/", "fanxiang.credit.urls", order=52)
        registry.register_person_section(
            registry.PersonSection("credit", "诚信台账", "fanxiang.credit.person_section:render", order=20)
        )
        registry.register_demo_loader("credit.demo", "fanxiang.credit.demo:load_credit_demo", order=55)
        register_nav(
            NavItem(
                _("创业担保贷款"),
                _("免反担保推荐单位"),
                "credit:recommender_list",
                "credit.recommender",
                order=41,
            )
        )
        register_nav(
            NavItem(_("创业担保贷款"), _("失信名单"), "credit:blacklist", "credit.creditentry", order=42)
        )
        register_nav(
            NavItem(_("创业担保贷款"), _("诚信台账"), "credit:entry_list", "credit.creditentry", order=42)
        )
