from django.urls import path

from fanxiang.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/<slug:event>/", views.template_edit, name="template_edit"),
    path("deliveries/", views.delivery_list, name="delivery_list"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
