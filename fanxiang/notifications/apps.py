from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "fanxiang.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fanxiang.accounts.lockout import account_locked_out
        from fanxiang.accounts.roles import Role
        from fanxiang.core import registry
        from fanxiang.core.audit import track
        from fanxiang.core.registry import NavItem, register_nav
        from fanxiang.notifications import account_events
        from fanxiang.notifications import models as m
        from fanxiang.notifications.events import ACCOUNT_EVENTS
        from fanxiang.notifications.tasks import enqueue_delivery

        track(m.NotificationTemplate)
        account_locked_out.connect(account_events.on_account_locked, dispatch_uid="fx-account-locked-notice")
        # loan steps reach the applicant once committed (the workflow machine runs subscribers on commit)
        from fanxiang.loans.applications.workflow import LOANS
        from fanxiang.notifications.loan_events import loan_event_committed

        LOANS.subscribe(loan_event_committed)
        # work arriving at a step reaches its holders (county, guarantee, bank, finance) once committed
        from fanxiang.notifications.task_events import TASK_EVENTS, subscribe_all

        subscribe_all()
        registry.register_notification_events(*TASK_EVENTS, order=85)
        registry.register_notification_events(*ACCOUNT_EVENTS, order=90)
        registry.register_hook("notifications.sms_queue", enqueue_delivery)
        # lower apps (the registry's contact assignment) raise their registered events through this hook
        from fanxiang.notifications.services import notify

        registry.register_hook("notifications.notify", notify)
        registry.register_api("fanxiang.notifications.api:router", "/notifications", order=80)
        registry.register_urls("notifications/", "fanxiang.notifications.urls", order=80)
        registry.register_reference_loader(
            "notifications.templates", "fanxiang.notifications.services:load_default_templates", order=60
        )
        register_nav(
            NavItem(_("消息通知"), _("我的消息"), "notifications:inbox", roles=tuple(Role.values), order=90)
        )
        register_nav(
            NavItem(
                _("消息通知"),
                _("消息模板"),
                "notifications:template_list",
                roles=(Role.CITY_ADMIN,),
                order=91,
            )
        )
        register_nav(
            NavItem(
                _("消息通知"),
                _("短信发送记录"),
                "notifications:delivery_list",
                roles=(Role.CITY_ADMIN,),
                order=92,
            )
        )
