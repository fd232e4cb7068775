from django.urls import path

from fanxiang.credit import views

app_name = "credit"

urlpatterns = [
    path("recommenders/", views.RecommenderListView.as_view(), name="recommender_list"),
    path("recommenders/export/", views.RecommenderExportView.as_view(), name="recommender_export"),
    path("recommenders/<int:pk>/", views.RecommenderDetailView.as_view(), name="recommender_detail"),
    path("ledger/", views.CreditEntryListView.as_view(), name="entry_list"),
    path("ledger/export/", views.CreditEntryExportView.as_view(), name="entry_export"),
    path("ledger/<int:pk>/", views.CreditEntryDetailView.as_view(), name="entry_detail"),
]
