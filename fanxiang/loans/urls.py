from django.urls import path

from fanxiang.loans import urls_work, views

app_name = "loans"

urlpatterns = [
    path("applications/", views.LoanApplicationListView.as_view(), name="application_list"),
    path("applications/export/", views.LoanApplicationExportView.as_view(), name="application_export"),
    path("applications/<int:pk>/", views.LoanApplicationDetailView.as_view(), name="application_detail"),
    *urls_work.urlpatterns,
]
