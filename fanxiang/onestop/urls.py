from django.urls import path
from django.views.generic import RedirectView

from fanxiang.onestop import views, views_supervision

app_name = "onestop"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="onestop:request_list"), name="index"),
    path("centres/", views.CentreListView.as_view(), name="centre_list"),
    path("centres/<int:pk>/", views.CentreDetailView.as_view(), name="centre_detail"),
    path("requests/", views.RequestListView.as_view(), name="request_list"),
    path("requests/<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
    path("rectifications/", views.RectificationListView.as_view(), name="rectification_list"),
    path(
        "rectifications/<int:pk>/",
        views_supervision.RectificationDetailView.as_view(),
        name="rectification_detail",
    ),
    path("supervision/", views_supervision.SupervisionView.as_view(), name="supervision"),
    path("satisfaction/", views_supervision.SatisfactionView.as_view(), name="satisfaction"),
    path(
        "satisfaction/export.xlsx",
        views_supervision.SatisfactionExportView.as_view(),
        name="satisfaction_export",
    ),
]
