from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "fanxiang.loans"
    label = "loans"
    verbose_name = "创业担保贷款"

    def ready(self) -> None:
        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core.audit import track
        from fanxiang.core.scope import ADD, CHANGE, EXPORT, VIEW
        from fanxiang.loans import models as m

        for model in (m.LoanPolicy, m.LprRate, m.Holiday, m.LoanApplication):
            track(model)
        grant(Role.COUNTY_OFFICER, "loans.loanapplication", {VIEW, ADD, CHANGE, EXPORT})
        grant(Role.SERVICE_CLERK, "loans.loanapplication", {VIEW, ADD, CHANGE})
        grant(Role.GUARANTEE_OFFICER, "loans.loanapplication", {VIEW, CHANGE, EXPORT})
        grant(Role.BANK_OFFICER, "loans.loanapplication", {VIEW, CHANGE, EXPORT})
        self._register_workflow()

        from fanxiang.loans import apps_repayment

        apps_repayment.register()

    def _register_workflow(self) -> None:
        """Application workflow: change log of uploads and tranches, the clerk's view of recommenders (to
        pick a waiver), navigation."""
        from django.utils.translation import gettext_lazy as _

        from fanxiang.accounts.navigation import NavItem, register_nav
        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core.audit import track
        from fanxiang.core.scope import VIEW
        from fanxiang.loans import models as m

        for model in (m.ApplicationDocument, m.Disbursement):
            track(model)
        grant(Role.SERVICE_CLERK, "credit.recommender", {VIEW})
        register_nav(
            NavItem(
                _("创业担保贷款"), _("贷款申请"), "loans:application_list", "loans.loanapplication", order=40
            )
        )
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
            NavItem(_("创业担保贷款"), _("诚信台账"), "credit:entry_list", "credit.creditentry", order=42)
        )
