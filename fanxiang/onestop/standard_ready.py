"""Registrations of the construction standard and the centre assessments (called from ``OnestopConfig.ready``)."""

from __future__ import annotations


def register() -> None:
    from fanxiang.accounts.roles import Role, grant
    from fanxiang.core import registry
    from fanxiang.core.audit import track
    from fanxiang.core.scope import ADD, CHANGE, EXPORT, VIEW
    from fanxiang.onestop import standard_models as m

    for model in (m.StandardVersion, m.StandardItem, m.GradeBand, m.Assessment, m.AssessmentItem, m.Evidence):
        track(model)
    # the county officer assesses its own county's centre; the city admin (every model) confirms or returns
    grant(Role.COUNTY_OFFICER, "onestop.assessment", {VIEW, ADD, CHANGE, EXPORT})
    grant(Role.SERVICE_CLERK, "onestop.assessment", {VIEW})
    registry.register_api("fanxiang.onestop.api_standard:router", "/onestop/standard", order=81)
    registry.register_reference_loader(
        "onestop.standard", "fanxiang.onestop.standard_reference:load", order=81
    )
    registry.register_demo_loader("onestop.standard", "fanxiang.onestop.demo_standard:load", order=71)
    registry.register_nav(
        registry.NavItem("一站式服务", "建设标准", "onestop:standard", "onestop.assessment", order=75)
    )
