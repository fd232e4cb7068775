from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "fanxiang.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    def ready(self) -> None:
        pass
