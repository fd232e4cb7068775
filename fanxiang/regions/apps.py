from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "fanxiang.regions"
    label = "regions"
    verbose_name = "行政区划"

    def ready(self) -> None:
        from fanxiang.core.audit import track
        from fanxiang.regions.models import Region

        track(Region)
