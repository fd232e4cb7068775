from django.urls import path

from fanxiang.credit import views

app_name = "credit"

urlpatterns = [
    path("recommenders/", views.RecommenderListView.as_view(), name="recommender_list"),
    path("recommenders/new/", views.RecommenderCreateView.as_view(), name="recommender_create"),
    path("recommenders/export/", views.RecommenderExportView.as_view(), name="recommender_export"),
    path("recommenders/<int:pk>/", views.RecommenderDetailView.as_view(), name="recommender_detail"),
    path("recommenders/<int:pk>/edit/", views.RecommenderUpdateView.as_view(), name="recommender_edit"),
    path("recommenders/<int:pk>/delete/", views.RecommenderDeleteView.as_view(), name="recommender_delete"),
    path("ledger/", views.CreditEntryListView.as_view(), name="entry_list"),
    path("ledger/export/", views.CreditEntryExportView.as_view(), name="entry_export"),
    path("ledger/<int:pk>/", views.CreditEntryDetailView.as_view(), name="entry_detail"),
    path("people/", views.PersonSearchView.as_view(), name="person_search"),
    path("people/<int:pk>/", views.PersonLedgerView.as_view(), name="person"),
    path("people/<int:pk>/blacklist/", views.BlacklistAddView.as_view(), name="blacklist_add"),
    path("people/<int:pk>/lift/", views.BlacklistLiftView.as_view(), name="blacklist_lift"),
    path("blacklist/", views.BlacklistListView.as_view(), name="blacklist"),
]
