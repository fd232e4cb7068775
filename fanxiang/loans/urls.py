from django.urls import path

from fanxiang.loans import urls_work
from fanxiang.loans.applications import views

app_name = "loans"

urlpatterns = [
    path("applications/", views.LoanApplicationListView.as_view(), name="application_list"),
    path("applications/export/", views.LoanApplicationExportView.as_view(), name="application_export"),
    path("applications/new/", views.ApplicationStepView.as_view(), name="application_create"),
    path("applications/applicant-options/", views.ApplicantOptionsView.as_view(), name="applicant_options"),
    path("applications/business-options/", views.BusinessOptionsView.as_view(), name="business_options"),
    path("applications/<int:pk>/", views.LoanApplicationDetailView.as_view(), name="application_detail"),
    path(
        "applications/<int:pk>/edit/<slug:step>/",
        views.ApplicationStepView.as_view(),
        name="application_step",
    ),
    path(
        "applications/<int:pk>/actions/<slug:action>/",
        views.ApplicationActionView.as_view(),
        name="application_action",
    ),
    path("queue/", views.QueueView.as_view(), name="queue"),
    *urls_work.urlpatterns,
]
