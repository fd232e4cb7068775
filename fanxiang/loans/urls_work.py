"""Bank workbench, subsidy batches and policy settings pages (included by loans/urls.py)."""

from django.urls import path

from fanxiang.loans import views_work as v

urlpatterns: list = [
    # bank workbench, schedules and repayments
    path("bank/", v.BankWorkbenchView.as_view(), name="bank_workbench"),
    path("bank/repayments/import/", v.RepaymentImportView.as_view(), name="repayment_import"),
    path(
        "bank/repayments/import/template/",
        v.RepaymentImportTemplateView.as_view(),
        name="repayment_import_template",
    ),
    path("<int:pk>/schedule/", v.LoanScheduleView.as_view(), name="schedule"),
    path("<int:pk>/schedule/generate/", v.ScheduleGenerateView.as_view(), name="schedule_generate"),
    path("<int:pk>/repayments/", v.RepaymentCreateView.as_view(), name="repayment_create"),
    path("<int:pk>/payoff/", v.PayoffQuoteView.as_view(), name="schedule_payoff"),
    path("<int:pk>/settlement/", v.SettlementView.as_view(), name="schedule_settle"),
    path("<int:pk>/prepayments/", v.PrepaymentView.as_view(), name="schedule_prepay"),
    path("repayments/<int:pk>/reverse/", v.RepaymentReverseView.as_view(), name="repayment_reverse"),
    # quarterly subsidy claim batches
    path("subsidy-batches/", v.BatchListView.as_view(), name="batch_list"),
    path("subsidy-batches/new/", v.BatchCreateView.as_view(), name="batch_create"),
    path("subsidy-batches/<int:pk>/", v.BatchDetailView.as_view(), name="batch_detail"),
    path("subsidy-batches/<int:pk>/export/", v.BatchExportView.as_view(), name="batch_export"),
    path("subsidy-batches/<int:pk>/delete/", v.BatchDeleteView.as_view(), name="batch_delete"),
    path("subsidy-batches/<int:pk>/actions/<str:action>/", v.BatchActionView.as_view(), name="batch_action"),
    # policy settings (city admin)
    path("settings/", v.PolicyListView.as_view(), name="settings"),
    path("settings/policies/new/", v.PolicyCreateView.as_view(), name="settings_policy_create"),
    path("settings/policies/<int:pk>/", v.PolicyDetailView.as_view(), name="settings_policy"),
    path("settings/lpr/", v.LprView.as_view(), name="settings_lpr"),
    path("settings/lpr/<int:pk>/", v.LprEditView.as_view(), name="settings_lpr_edit"),
    path("settings/holidays/", v.HolidayView.as_view(), name="settings_holidays"),
    path("settings/holidays/<int:pk>/delete/", v.HolidayDeleteView.as_view(), name="settings_holiday_delete"),
]
