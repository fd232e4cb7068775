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
        from fanxiang.core.tasks import register_task_source
        from fanxiang.onestop import models as m
        from fanxiang.onestop import standard_ready, todos
        from fanxiang.onestop.reminders import OVERDUE_EVENT

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
        grant(Role.COUNTY_OFFICER, "onestop.satisfactionmonth", {VIEW, EXPORT})
        grant(Role.SERVICE_CLERK, "onestop.satisfactionmonth", {VIEW})
        for label in ("onestop.servicerequest", "onestop.rating", "onestop.rectification"):
            grant(Role.COUNTY_OFFICER, label, {VIEW, ADD, CHANGE, EXPORT})
            grant(Role.SERVICE_CLERK, label, {VIEW, ADD, CHANGE})
        registry.register_api("fanxiang.onestop.api:router", "/onestop", order=80)
        registry.register_api("fanxiang.onestop.portal_api:router", "/portal/service-requests", order=95)
        registry.register_urls("onestop/", "fanxiang.onestop.urls", order=80)
        # the portal's service-request pages and the public one-time rating link (/portal/..., ahead of
        # the portal app's own URLconf); the materials uploaded to a request
        registry.register_urls("portal/", "fanxiang.onestop.portal_urls", order=85)
        from fanxiang.onestop.attachments import RequestAttachment

        track(RequestAttachment)
        grant(Role.COUNTY_OFFICER, "onestop.requestattachment", {VIEW, ADD, CHANGE})
        grant(Role.SERVICE_CLERK, "onestop.requestattachment", {VIEW, ADD, CHANGE})
        registry.register_nav(
            registry.NavItem(
                "一站式服务", "窗口工作台", "onestop:workbench", "onestop.servicerequest", "add", order=69
            )
        )
        registry.register_home_panel(
            registry.HomePanel(
                "onestop.workbench",
                "onestop/workbench_home_panel.html",
                _workbench_panel,
                roles=(Role.SERVICE_CLERK, Role.COUNTY_OFFICER),
                order=20,
            )
        )
        for label, url_name, model_label, order in (
            ("服务工单", "onestop:request_list", "onestop.servicerequest", 70),
            ("服务中心", "onestop:centre_list", "onestop.centre", 71),
            ("差评整改", "onestop:rectification_list", "onestop.rectification", 72),
            ("督办", "onestop:supervision", "onestop.servicerequest", 73),
            ("满意度", "onestop:satisfaction", "onestop.satisfactionmonth", 74),
        ):
            registry.register_nav(registry.NavItem("一站式服务", label, url_name, model_label, order=order))
        register_task_source("onestop.requests", "待办理的服务工单", todos.open_requests, order=70)
        register_task_source("onestop.rectifications", "待整改的差评", todos.open_rectifications, order=71)
        registry.register_notification_events(OVERDUE_EVENT, order=80)
        registry.register_reference_loader("onestop", "fanxiang.onestop.reference:load", order=80)
        registry.register_person_section(
            registry.PersonSection("onestop", "服务工单", "fanxiang.onestop.person_section:render", order=40)
        )
        registry.register_demo_loader("onestop.demo", "fanxiang.onestop.demo:load_onestop_demo", order=70)
        standard_ready.register()  # the construction standard and the centre assessments


def _workbench_panel(request):
    from fanxiang.onestop.views_workbench import home_panel

    return home_panel(request)
