from django.urls import path

from fanxiang.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("switch-region/", views.switch_region, name="switch_region"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("assignments/", views.AssignmentListView.as_view(), name="assignment_list"),
    path("assignments/export/", views.AssignmentExportView.as_view(), name="assignment_export"),
    path("assignments/<int:pk>/", views.AssignmentDetailView.as_view(), name="assignment_detail"),
    path("audit/", views.audit_list, name="audit_list"),
]
