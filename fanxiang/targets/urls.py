from django.urls import path

from fanxiang.targets import views

app_name = "targets"

urlpatterns = [
    path("", views.TargetListView.as_view(), name="target_list"),
    path("new/", views.TargetCreateView.as_view(), name="target_create"),
    path("export/", views.TargetExportView.as_view(), name="target_export"),
    path("progress/", views.ProgressView.as_view(), name="progress"),
    path("<int:pk>/", views.TargetDetailView.as_view(), name="target_detail"),
    path("<int:pk>/breakdown/", views.TargetBreakdownView.as_view(), name="target_breakdown"),
]
