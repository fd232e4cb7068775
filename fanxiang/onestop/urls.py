from django.urls import path
from django.views.generic import RedirectView

from fanxiang.onestop import views, views_supervision, views_workbench
from fanxiang.onestop.attachments import staff_attachment

app_name = "onestop"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="onestop:request_list"), name="index"),
    path("centres/", views.CentreListView.as_view(), name="centre_list"),
    path("centres/new/", views.CentreCreateView.as_view(), name="centre_create"),
    path("centres/<int:pk>/", views.CentreDetailView.as_view(), name="centre_detail"),
    path("centres/<int:pk>/edit/", views.CentreUpdateView.as_view(), name="centre_edit"),
    path("workbench/", views_workbench.WorkbenchView.as_view(), name="workbench"),
    path("workbench/lookup/", views_workbench.LookupView.as_view(), name="workbench_lookup"),
    path("workbench/intake/", views_workbench.IntakeView.as_view(), name="workbench_intake"),
    path("requests/", views.RequestListView.as_view(), name="request_list"),
    path("requests/export.xlsx", views.RequestExportView.as_view(), name="request_export"),
    path("requests/<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
    path("requests/<int:pk>/rating-pad/", views.RatingPadView.as_view(), name="request_rating_pad"),
    path("requests/<int:pk>/files/<int:aid>/", staff_attachment, name="request_attachment"),
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

# the construction standard and the centre assessments
from fanxiang.onestop import views_standard  # noqa: E402

urlpatterns += [
    path("standard/", views_standard.StandardView.as_view(), name="standard"),
    path("centres/<int:pk>/assess/", views_standard.AssessmentStartView.as_view(), name="assessment_start"),
    path("assessments/<int:pk>/", views_standard.AssessmentDetailView.as_view(), name="assessment_detail"),
    path(
        "assessments/<int:pk>/evidence/<int:evidence_id>/",
        views_standard.EvidenceFileView.as_view(),
        name="assessment_evidence",
    ),
]
