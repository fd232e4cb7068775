from django.urls import path

from fanxiang.regions import views

app_name = "regions"

urlpatterns = [
    path("", views.RegionListView.as_view(), name="region_list"),
    path("export/", views.RegionExportView.as_view(), name="region_export"),
    path("townships/", views.township_options_view, name="townships"),
    path("<int:pk>/", views.RegionDetailView.as_view(), name="region_detail"),
]
