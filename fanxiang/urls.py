"""The root URLconf: the home page, every app's include as registered in its ready()
(fanxiang.core.registry.register_urls), the API, the admin.

Django runs every AppConfig.ready() before it imports this module, so the registry is complete here; the
list is built when the module is (re)imported, never cached elsewhere."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from fanxiang.accounts.home import home
from fanxiang.api import api
from fanxiang.core import registry

admin.site.site_header = "返乡入乡创业服务平台 · 后台"


def _app_patterns() -> list:
    return [
        path(u.prefix, include(u.module, namespace=u.namespace) if u.namespace else include(u.module))
        for u in registry.url_includes()
    ]


urlpatterns = [
    path("", home, name="home"),
    *_app_patterns(),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url="/static/fx/favicon.svg", permanent=True)),
]

# Chinese error pages, staff or portal style (fanxiang.core.error_pages)
handler403 = "fanxiang.core.error_pages.permission_denied"
handler404 = "fanxiang.core.error_pages.page_not_found"
handler500 = "fanxiang.core.error_pages.server_error"
