"""Pages of the loans app: applications, the bank workbench and repayments, subsidy batches, settings."""

from django.urls import path

from fanxiang.loans import printing
from fanxiang.loans.applications import views
from fanxiang.loans.repayment import views as repayment_views
from fanxiang.loans.settings import views as settings_views
from fanxiang.loans.subsidy import views as subsidy_views

app_name = "loans"

urlpatterns = [
    path("applications/", views.LoanApplicationListView.as_view(), name="application_list"),
    path("applications/export/", views.LoanApplicationExportView.as_view(), name="application_export"),
    path("applications/new/", views.ApplicationStepView.as_view(), name="application_create"),
    path("applications/applicant-options/", views.ApplicantOptionsView.as_view(), name="applicant_options"),
    path("applications/business-options/", views.BusinessOptionsView.as_view(), name="business_options"),
    path("applications/<int:pk>/", views.LoanApplicationDetailView.as_view(), name="application_detail"),
    path(
        "applications/<int:pk>/print.pdf", printing.ApplicationPrintView.as_view(), name="application_print"
    ),
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
    # bank workbench, schedules and repayments
    path("bank/", repayment_views.BankWorkbenchView.as_view(), name="bank_workbench"),
    path("bank/repayments/import/", repayment_views.RepaymentImportView.as_view(), name="repayment_import"),
    path(
        "bank/repayments/import/template/",
        repayment_views.RepaymentImportTemplateView.as_view(),
        name="repayment_import_template",
    ),
    path("<int:pk>/schedule/", repayment_views.LoanScheduleView.as_view(), name="schedule"),
    path(
        "<int:pk>/schedule/generate/",
        repayment_views.ScheduleGenerateView.as_view(),
        name="schedule_generate",
    ),
    path("<int:pk>/repayments/", repayment_views.RepaymentCreateView.as_view(), name="repayment_create"),
    path("<int:pk>/payoff/", repayment_views.PayoffQuoteView.as_view(), name="schedule_payoff"),
    path("<int:pk>/settlement/", repayment_views.SettlementView.as_view(), name="schedule_settle"),
    path("<int:pk>/prepayments/", repayment_views.PrepaymentView.as_view(), name="schedule_prepay"),
    path(
        "repayments/<int:pk>/reverse/",
        repayment_views.RepaymentReverseView.as_view(),
        name="repayment_reverse",
    ),
    # quarterly subsidy claim batches
    path("subsidy-batches/", subsidy_views.BatchListView.as_view(), name="batch_list"),
    path("subsidy-batches/new/", subsidy_views.BatchCreateView.as_view(), name="batch_create"),
    path("subsidy-batches/<int:pk>/", subsidy_views.BatchDetailView.as_view(), name="batch_detail"),
    path("subsidy-batches/<int:pk>/export/", subsidy_views.BatchExportView.as_view(), name="batch_export"),
    path("subsidy-batches/<int:pk>/delete/", subsidy_views.BatchDeleteView.as_view(), name="batch_delete"),
    path(
        "subsidy-batches/<int:pk>/actions/<str:action>/",
        subsidy_views.BatchActionView.as_view(),
        name="batch_action",
    ),
    # policy settings (city admin)
    path("settings/", settings_views.PolicyListView.as_view(), name="settings"),
    path("settings/policies/new/", settings_views.PolicyCreateView.as_view(), name="settings_policy_create"),
    path("settings/policies/<int:pk>/", settings_views.PolicyDetailView.as_view(), name="settings_policy"),
    path("settings/lpr/", settings_views.LprView.as_view(), name="settings_lpr"),
    path("settings/lpr/<int:pk>/", settings_views.LprEditView.as_view(), name="settings_lpr_edit"),
    path("settings/holidays/", settings_views.HolidayView.as_view(), name="settings_holidays"),
    path(
        "settings/holidays/<int:pk>/delete/",
        settings_views.HolidayDeleteView.as_view(),
        name="settings_holiday_delete",
    ),
]
