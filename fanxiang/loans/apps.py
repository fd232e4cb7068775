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
