from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "fanxiang.credit"
    label = "credit"
    verbose_name = "诚信台账与信用推荐"

    def ready(self) -> None:
        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core.audit import track
        from fanxiang.core.scope import ADD, CHANGE, EXPORT, VIEW
        from fanxiang.credit.models import CreditEntry, Recommender

        track(Recommender)
        track(CreditEntry)
        for role in (Role.COUNTY_OFFICER, Role.GUARANTEE_OFFICER):
            grant(role, "credit.recommender", {VIEW, EXPORT})
            grant(role, "credit.creditentry", {VIEW, EXPORT, ADD, CHANGE})
        grant(Role.COUNTY_OFFICER, "credit.recommender", {ADD, CHANGE})
        grant(Role.BANK_OFFICER, "credit.creditentry", {VIEW})
        grant(Role.BANK_OFFICER, "credit.recommender", {VIEW})
