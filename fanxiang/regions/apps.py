from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "fanxiang.regions"
    label = "regions"
    verbose_name = "行政区划"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fanxiang.core import registry
        from fanxiang.core.audit import track
        from fanxiang.regions.models import Region

        track(Region)
        registry.register_api("fanxiang.regions.api:router", "/regions", order=20)
        registry.register_urls("regions/", "fanxiang.regions.urls", order=20)
        registry.register_nav(
            registry.NavItem(_("系统管理"), _("行政区划"), "regions:region_list", "regions.region", order=930)
        )
        registry.register_reference_loader(
            "regions", "fanxiang.regions.services:regions_load_reference", order=10
        )
