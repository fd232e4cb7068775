from django.apps import AppConfig


class OnestopConfig(AppConfig):
    name = "fanxiang.onestop"
    label = "onestop"
    verbose_name = "一站式服务"

    def ready(self) -> None:
        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core import registry
        from fanxiang.core.audit import track
        from fanxiang.core.scope import ADD, CHANGE, EXPORT, VIEW
        from fanxiang.onestop import models as m

        for model in (
            m.Centre,
            m.ServiceRequest,
            m.Rating,
            m.Rectification,
            m.ServiceType,
            m.ServiceTimeLimit,
        ):
            track(model)
        track(m.Parameters)
        # the county runs its centre and its requests; the window clerk takes and handles requests
        grant(Role.COUNTY_OFFICER, "onestop.centre", {VIEW, ADD, CHANGE, EXPORT})
        grant(Role.SERVICE_CLERK, "onestop.centre", {VIEW})
        for label in ("onestop.servicerequest", "onestop.rating", "onestop.rectification"):
            grant(Role.COUNTY_OFFICER, label, {VIEW, ADD, CHANGE, EXPORT})
            grant(Role.SERVICE_CLERK, label, {VIEW, ADD, CHANGE})
        registry.register_api("fanxiang.onestop.api:router", "/onestop", order=80)
        registry.register_reference_loader("onestop", "fanxiang.onestop.reference:load", order=80)
