"""The trainee's 我的培训 pages under ``/portal/training/`` (included ahead of the portal app's URLconf)."""

from django.urls import path

from fanxiang.training import portal_views as v

app_name = "training_portal"

urlpatterns = [
    path("training/", v.my_training, name="my_training"),
    path("training/classes/<int:pk>/", v.class_page, name="class_page"),
    path("training/classes/<int:pk>/enrol/", v.enrol, name="enrol"),
]
