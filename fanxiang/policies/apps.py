from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "fanxiang.policies"
    label = "policies"
    verbose_name = "政策库"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core import registry
        from fanxiang.core.audit import track
        from fanxiang.core.registry import NavItem, register_nav
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
        registry.register_api("fanxiang.policies.api:router", "/policies", order=60)
        registry.register_api("fanxiang.policies.api_grants:router", "/policies/grants", order=61)
        registry.register_demo_loader(
            "policies.grants", "fanxiang.policies.demo:load_policies_demo", order=56
        )
        registry.register_urls("policies/", "fanxiang.policies.urls", order=60)
        registry.register_person_section(
            registry.PersonSection(
                "policies", "政策享受记录", "fanxiang.policies.person_section:render", order=30
            )
        )
        registry.register_reference_loader("policies", _load_policies, order=70)
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


def _load_policies() -> dict:
    from fanxiang.policies.reference import load_policy_reference

    return {"policies": load_policy_reference()}
