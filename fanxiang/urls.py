from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from fanxiang.accounts.home import home
from fanxiang.api import api

admin.site.site_header = "返乡入乡创业服务平台 · 后台"

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("fanxiang.accounts.urls")),
    path("regions/", include("fanxiang.regions.urls")),
    path("targets/", include("fanxiang.targets.urls")),
    path("entrepreneurs/", include("fanxiang.entrepreneurs.urls")),
    path("loans/", include("fanxiang.loans.urls")),
    path("credit/", include("fanxiang.credit.urls")),
    path("policies/", include("fanxiang.policies.urls")),
    path("finance/", include("fanxiang.finance.urls")),
    path("notifications/", include("fanxiang.notifications.urls")),
    path("portal/", include("fanxiang.portal.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url="/static/fx/favicon.svg", permanent=True)),
]
