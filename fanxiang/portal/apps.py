from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "fanxiang.portal"
    label = "portal"
    verbose_name = "创业者门户"

    def ready(self) -> None:
        from auditlog.models import LogEntry
        from django.db.models.signals import pre_save
        from django.utils.translation import gettext_lazy as _

        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core import registry
        from fanxiang.core.audit import track
        from fanxiang.core.registry import NavItem, register_nav
        from fanxiang.core.scope import CHANGE, EXPORT, VIEW
        from fanxiang.portal import models as m
        from fanxiang.portal.assist import mark_assisted
        from fanxiang.portal.notification_events import PORTAL_EVENTS

        track(m.PortalAccount, exclude_fields=["mobile_enc", "mobile_hash", "password"])
        track(m.Registration, exclude_fields=["id_number_enc", "id_number_hash"])
        track(m.EditRequest)
        track(m.AssistSession)
        for name in ("registration", "editrequest"):
            grant(Role.COUNTY_OFFICER, f"portal.{name}", {VIEW, CHANGE, EXPORT})
        grant(Role.SERVICE_CLERK, "portal.registration", {VIEW})
        # every audit record written inside an assisted session names the session (全程帮办)
        pre_save.connect(mark_assisted, sender=LogEntry, dispatch_uid="fanxiang.portal.mark_assisted")
        registry.register_notification_events(*PORTAL_EVENTS, order=50)
        registry.register_api("fanxiang.portal.api:router", "/portal", order=90)
        registry.register_urls("portal/", "fanxiang.portal.urls", order=90)
        from fanxiang.portal import todos

        todos.register()  # the to-do inbox: registrations and edit requests to review (core.tasks)
        register_nav(
            NavItem(
                _("门户业务"),
                _("自助登记审核"),
                "portal:review_registrations",
                "portal.registration",
                CHANGE,
                order=60,
            )
        )
        register_nav(
            NavItem(
                _("门户业务"),
                _("信息变更审核"),
                "portal:review_edits",
                "portal.editrequest",
                CHANGE,
                order=61,
            )
        )
        register_nav(
            NavItem(
                _("门户业务"), _("全程帮办"), "portal:assist_start", roles=(Role.SERVICE_CLERK,), order=62
            )
        )
