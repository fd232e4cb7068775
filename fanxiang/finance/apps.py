from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "fanxiang.finance"
    label = "finance"
    verbose_name = "金融产品"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core import registry
        from fanxiang.core.audit import track
        from fanxiang.core.registry import NavItem, register_nav
        from fanxiang.core.scope import ADD, CHANGE, EXPORT, VIEW
        from fanxiang.finance.models import FinancialProduct

        track(FinancialProduct, m2m_fields={"regions_served"})
        # Every staff role reads the catalogue (city admin: "*", leader: read-only "*").
        for role in (
            Role.COUNTY_OFFICER,
            Role.UNIT_LIAISON,
            Role.SERVICE_CLERK,
            Role.GUARANTEE_OFFICER,
            Role.BANK_OFFICER,
            Role.EXPERT,
        ):
            grant(role, "finance.financialproduct", {VIEW, EXPORT})
        # Bank officers maintain their own bank's products (FinancialProduct.scope_organization).
        grant(Role.BANK_OFFICER, "finance.financialproduct", {ADD, CHANGE})
        registry.register_api("fanxiang.finance.api:router", "/finance", order=70)
        registry.register_urls("finance/", "fanxiang.finance.urls", order=70)
        register_nav(
            NavItem(
                _("金融服务"), _("金融产品"), "finance:product_list", "finance.financialproduct", order=50
            )
        )
        register_nav(
            NavItem(_("金融服务"), _("融资需求匹配"), "finance:match", "finance.financialproduct", order=51)
        )
