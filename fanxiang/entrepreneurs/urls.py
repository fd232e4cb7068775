from django.urls import path

from fanxiang.entrepreneurs import printing, views, views_batch, views_import, views_transfers

app_name = "entrepreneurs"

urlpatterns = [
    path("", views.EntrepreneurListView.as_view(), name="list"),
    path("new/", views.EntrepreneurCreateView.as_view(), name="create"),
    path("check-id/", views.IdNumberCheckView.as_view(), name="check_id"),
    path("batch/", views_batch.EntrepreneurBatchView.as_view(), name="batch"),
    path("export/", views_import.EntrepreneurExportView.as_view(), name="export"),
    path("import/", views_import.ImportView.as_view(), name="import"),
    path("import/template/", views_import.ImportTemplateView.as_view(), name="import_template"),
    path("import/<int:pk>/", views_import.ImportJobView.as_view(), name="import_job"),
    path("import/<int:pk>/progress/", views_import.ImportProgressView.as_view(), name="import_progress"),
    path("import/<int:pk>/commit/", views_import.ImportCommitView.as_view(), name="import_commit"),
    path("import/<int:pk>/bad-rows/", views_import.ImportBadRowsView.as_view(), name="import_bad_rows"),
    path("<int:pk>/", views.EntrepreneurDetailView.as_view(), name="detail"),
    path("<int:pk>/print.pdf", printing.EntrepreneurPrintView.as_view(), name="print"),
    path("<int:pk>/edit/", views.EntrepreneurUpdateView.as_view(), name="edit"),
    path("<int:pk>/contact/", views.EntrepreneurContactView.as_view(), name="contact"),
    path("<int:pk>/close/", views.EntrepreneurCloseView.as_view(), name="close"),
    path("<int:pk>/reveal/", views.EntrepreneurRevealView.as_view(), name="reveal"),
    path("duplicates/", views.DuplicateListView.as_view(), name="duplicates"),
    path("duplicates/<int:pk>/resolve/", views.DuplicateResolveView.as_view(), name="duplicate_resolve"),
    path("transfers/", views_transfers.TransferListView.as_view(), name="transfers"),
    path("transfers/<int:pk>/decide/", views_transfers.TransferDecideView.as_view(), name="transfer_decide"),
    path("businesses/", views.BusinessListView.as_view(), name="business_list"),
    path("businesses/new/", views.BusinessCreateView.as_view(), name="business_create"),
    path("businesses/export/", views.BusinessExportView.as_view(), name="business_export"),
    path("businesses/check-credit-code/", views.CreditCodeCheckView.as_view(), name="check_credit_code"),
    path("businesses/founder-options/", views.FounderOptionsView.as_view(), name="founder_options"),
    path("businesses/<int:pk>/", views.BusinessDetailView.as_view(), name="business_detail"),
    path("businesses/<int:pk>/edit/", views.BusinessUpdateView.as_view(), name="business_edit"),
]
