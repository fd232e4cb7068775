from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fanxiang.core"
    label = "core"
    verbose_name = "核心"
