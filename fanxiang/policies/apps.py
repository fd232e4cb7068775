from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "fanxiang.policies"
    label = "policies"
    verbose_name = "政策库"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fanxiang.accounts.navigation import NavItem, register_nav
        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core.audit import track
        from fanxiang.core.scope import ADD, CHANGE, EXPORT, VIEW
        from fanxiang.policies import models as m

        # reverse relations are not fields of the record: keep them out of its change log
        track(m.PolicyDocument, exclude_fields=["items", "attachments"])
        track(m.PolicyItem, exclude_fields=["rule_versions", "grants"])
        for model in (m.PolicyAttachment, m.PolicyRuleVersion, m.BenefitGrant):
            track(model)
        # The library is city-wide reference data: every staff role reads it; only city admins (who hold
        # every action through "*") write it.
        for role in (
            Role.COUNTY_OFFICER,
            Role.UNIT_LIAISON,
            Role.SERVICE_CLERK,
            Role.GUARANTEE_OFFICER,
            Role.BANK_OFFICER,
            Role.EXPERT,
        ):
            for name in ("policydocument", "policyattachment", "policyitem", "policyruleversion"):
                grant(role, f"policies.{name}", {VIEW, EXPORT})
        # Benefit-grant records (享受记录) of the officer's own county.
        grant(Role.COUNTY_OFFICER, "policies.benefitgrant", {VIEW, ADD, CHANGE, EXPORT})
        grant(Role.SERVICE_CLERK, "policies.benefitgrant", {VIEW, ADD})
        grant(Role.UNIT_LIAISON, "policies.benefitgrant", {VIEW, EXPORT})
        register_nav(
            NavItem(_("政策库"), _("政策文件"), "policies:document_list", "policies.policydocument", order=40)
        )
        register_nav(
            NavItem(
                _("政策库"), _("政策精准推送"), "policies:outreach", "entrepreneurs.entrepreneur", order=41
            )
        )
        register_nav(
            NavItem(
                _("政策库"), _("公开政策查询"), "policies:public_list", "policies.policydocument", order=43
            )
        )
        # 享受记录 pages (views_grants.py)
        register_nav(
            NavItem(_("政策库"), _("政策享受记录"), "policies:grant_list", "policies.benefitgrant", order=44)
        )
        register_nav(
            NavItem(
                _("政策库"), _("政策享受统计"), "policies:grant_totals", "policies.benefitgrant", order=45
            )
        )
