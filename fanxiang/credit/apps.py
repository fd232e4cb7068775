from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "fanxiang.credit"
    label = "credit"
    verbose_name = "诚信台账与信用推荐"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fanxiang.accounts.navigation import NavItem, register_nav
        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core.audit import track
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
        register_nav(
            NavItem(_("创业担保贷款"), _("失信名单"), "credit:blacklist", "credit.creditentry", order=42)
        )
