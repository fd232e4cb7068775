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

        for model in (m.LoanPolicy, m.LprRate, m.LoanApplication):
            track(model)
        grant(Role.COUNTY_OFFICER, "loans.loanapplication", {VIEW, ADD, CHANGE, EXPORT})
        grant(Role.SERVICE_CLERK, "loans.loanapplication", {VIEW, ADD, CHANGE})
        grant(Role.GUARANTEE_OFFICER, "loans.loanapplication", {VIEW, CHANGE, EXPORT})
        grant(Role.BANK_OFFICER, "loans.loanapplication", {VIEW, CHANGE, EXPORT})
        self._register_workflow()

        from fanxiang.loans.repayment import permissions

        permissions.register()
        # reviewer queues re-sort when the registry changes someone's priority groups (explicit hook, no signal)
        from fanxiang.entrepreneurs.services import on_priority_change
        from fanxiang.loans.applications import applications_refresh_priority

        on_priority_change(applications_refresh_priority)
        self._register_work_pages()
        self._register_platform()

    def _register_platform(self) -> None:
        """API routers, URLs, notification events, reference data; the loans of a credit-ledger page."""
        from fanxiang.core import registry
        from fanxiang.loans.applications.selectors import ledger_loans
        from fanxiang.loans.notification_events import LOAN_EVENTS

        registry.register_api("fanxiang.loans.api:router", "/loans", order=50)
        # schedule, subsidy, repayments, compensation, subsidy batches
        registry.register_api("fanxiang.loans.repayment.api:router", "/loans", order=51)
        registry.register_api("fanxiang.loans.subsidy.api:router", "/loans", order=51)
        registry.register_urls("loans/", "fanxiang.loans.urls", order=50)
        registry.register_person_section(
            registry.PersonSection("loans", "创业担保贷款", "fanxiang.loans.person_section:render", order=10)
        )
        registry.register_notification_events(*LOAN_EVENTS, order=10)
        registry.register_reference_loader(
            "loans", "fanxiang.loans.settings.reference:load_loan_reference", order=50
        )
        registry.register_hook("credit.ledger_loans", ledger_loans)
        registry.register_demo_loader("loans.programme", "fanxiang.loans.demo:load_loans_demo", order=60)
        # city admins: warn when the newest LPR on record is more than three months old
        from fanxiang.accounts.roles import Role
        from fanxiang.loans.settings.home_panel import lpr_stale_panel

        registry.register_home_panel(
            registry.HomePanel(
                "loans.lpr_stale",
                "loans/_home_lpr_stale.html",
                lpr_stale_panel,
                roles=(Role.CITY_ADMIN,),
                order=5,
            )
        )

    def _register_workflow(self) -> None:
        """Application workflow: change log of uploads and tranches, the clerk's view of recommenders (to
        pick a waiver), navigation."""
        from django.utils.translation import gettext_lazy as _

        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core.audit import track
        from fanxiang.core.registry import NavItem, register_nav
        from fanxiang.core.scope import VIEW
        from fanxiang.loans import models as m

        for model in (m.ApplicationDocument, m.Disbursement):
            track(model)
        grant(Role.SERVICE_CLERK, "credit.recommender", {VIEW})
        register_nav(
            NavItem(
                _("创业担保贷款"),
                _("我的待办"),
                "loans:queue",
                roles=(Role.COUNTY_OFFICER, Role.GUARANTEE_OFFICER, Role.BANK_OFFICER, Role.SERVICE_CLERK),
                order=39,
            )
        )
        register_nav(
            NavItem(
                _("创业担保贷款"), _("贷款申请"), "loans:application_list", "loans.loanapplication", order=40
            )
        )

    def _register_work_pages(self) -> None:
        """Navigation of the bank workbench, repayment import, subsidy batches and policy settings pages."""
        from django.utils.translation import gettext_lazy as _

        from fanxiang.accounts.roles import Role
        from fanxiang.core.registry import NavItem, register_nav
        from fanxiang.core.scope import ADD

        section = _("创业担保贷款")
        register_nav(
            NavItem(section, _("银行工作台"), "loans:bank_workbench", roles=(Role.BANK_OFFICER,), order=38)
        )
        register_nav(
            NavItem(
                section, _("批量导入还款"), "loans:repayment_import", "loans.repayment", action=ADD, order=43
            )
        )
        register_nav(NavItem(section, _("贴息申报批次"), "loans:batch_list", "loans.subsidybatch", order=44))
        register_nav(
            NavItem(_("系统管理"), _("贷款政策设置"), "loans:settings", roles=(Role.CITY_ADMIN,), order=905)
        )
        from fanxiang.loans import todos

        todos.register()  # the to-do inbox's loan and subsidy-batch kinds (core.tasks)
