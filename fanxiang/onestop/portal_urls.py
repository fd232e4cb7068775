"""The one-stop pages under ``/portal/``: the entrepreneur's service requests (portal sign-in) and the
public one-time rating link (no sign-in). Included at ``portal/`` ahead of the portal app's own URLconf,
whose paths these do not overlap."""

from django.urls import path

from fanxiang.onestop import portal_views as v
from fanxiang.onestop.rating_link import rate_view

app_name = "onestop_portal"

urlpatterns = [
    path("service-requests/", v.request_list, name="request_list"),
    path("service-requests/new/", v.request_new, name="request_new"),
    path("service-requests/<int:pk>/", v.request_detail, name="request_detail"),
    path("service-requests/<int:pk>/upload/", v.request_upload, name="request_upload"),
    path("service-requests/<int:pk>/files/<int:aid>/", v.request_attachment, name="request_attachment"),
    path(
        "service-requests/<int:pk>/files/<int:aid>/delete/",
        v.request_attachment_delete,
        name="request_attachment_delete",
    ),
    path("service-requests/<int:pk>/resubmit/", v.request_resubmit, name="request_resubmit"),
    path("service-requests/<int:pk>/withdraw/", v.request_withdraw, name="request_withdraw"),
    path("service-requests/<int:pk>/rate/", v.request_rate, name="request_rate"),
    path("rate/<str:token>/", rate_view, name="rate"),
]
