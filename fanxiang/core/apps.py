from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fanxiang.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from auditlog.models import LogEntry
        from django.db.models.signals import pre_save

        from fanxiang.core.audit import fill_actor

        pre_save.connect(fill_actor, sender=LogEntry, dispatch_uid="fanxiang_fill_actor")

        from fanxiang.core import registry

        registry.register_api("fanxiang.core.api_tools:router", "/tools", order=21)
        registry.register_api("fanxiang.core.api_tasks:router", "/me/tasks", order=11)

        from fanxiang.core.audit import track
        from fanxiang.core.models import Holiday

        track(Holiday)
