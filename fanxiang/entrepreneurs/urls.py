from django.urls import path

from fanxiang.entrepreneurs import views

app_name = "entrepreneurs"

urlpatterns = [
    path("", views.EntrepreneurListView.as_view(), name="list"),
    path("export/", views.EntrepreneurExportView.as_view(), name="export"),
    path("<int:pk>/", views.EntrepreneurDetailView.as_view(), name="detail"),
    path("businesses/", views.BusinessListView.as_view(), name="business_list"),
    path("businesses/export/", views.BusinessExportView.as_view(), name="business_export"),
    path("businesses/<int:pk>/", views.BusinessDetailView.as_view(), name="business_detail"),
]
