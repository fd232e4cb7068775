from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "fanxiang.portal"
    label = "portal"
    verbose_name = "创业者门户"

    def ready(self) -> None:
        pass
