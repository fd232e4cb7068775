"""Staff pages of the training app under ``/training/`` (app_name ``training``). The attendance and
certificate pages are ``urls_attendance`` (namespace ``training_attendance``); the trainee's 我的培训 pages
are ``portal_urls`` under ``/portal/training/``."""

from django.urls import path

from fanxiang.training import views as v

app_name = "training"

urlpatterns = [
    path("classes/", v.ClassListView.as_view(), name="class_list"),
    path("classes/calendar/", v.class_calendar, name="class_calendar"),
    path("classes/new/", v.ClassCreateView.as_view(), name="class_create"),
    path("classes/people/", v.person_picker, name="person_picker"),
    path("classes/<int:pk>/", v.class_detail, name="class_detail"),
    path("classes/<int:pk>/edit/", v.ClassEditView.as_view(), name="class_edit"),
    path("classes/<int:pk>/actions/<str:action>/", v.class_action, name="class_action"),
    path("classes/<int:pk>/teachers/", v.class_teachers, name="class_teachers"),
    path("classes/<int:pk>/sessions/", v.session_add, name="session_add"),
    path("classes/<int:pk>/sessions/<int:session_id>/delete/", v.session_delete, name="session_delete"),
    path("classes/<int:pk>/enrol/", v.enrol, name="enrol"),
    path("classes/<int:pk>/import/", v.enrolment_import, name="enrolment_import"),
    path("classes/<int:pk>/import/template/", v.enrolment_import_template, name="enrolment_import_template"),
    path(
        "classes/<int:pk>/import/bad-rows/<str:token>/",
        v.enrolment_import_bad_rows,
        name="enrolment_import_bad_rows",
    ),
]
