"""Attendance and certificate pages: staff under ``/training/``, the trainee's under ``/portal/training/``,
the public verification at ``/verify/<code>`` (included at the root, see ``apps.py``)."""

from django.urls import path

from fanxiang.training import views_attendance as v

app_name = "training_attendance"

urlpatterns = [
    path("training/sessions/<int:pk>/roll/", v.session_roll, name="session_roll"),
    path("training/sessions/<int:pk>/qr/", v.session_qr, name="session_qr"),
    path("training/sessions/<int:pk>/roll/live/", v.session_roll_live, name="session_roll_live"),
    path("training/sessions/<int:pk>/marks/", v.session_mark, name="session_mark"),
    path("training/classes/<int:pk>/certificates/", v.class_certificates, name="class_certificates"),
    path("training/classes/<int:pk>/assessments/", v.class_assessments, name="class_assessments"),
    path("training/certificates/<int:pk>/pdf/", v.certificate_pdf, name="certificate_pdf"),
    path("training/certificates/<int:pk>/revoke/", v.certificate_revoke, name="certificate_revoke"),
    path("portal/training/checkin/<int:session_id>/", v.portal_checkin, name="portal_checkin"),
    path(
        "portal/training/certificates/<int:pk>/pdf/", v.portal_certificate_pdf, name="portal_certificate_pdf"
    ),
    path("verify/<str:code>", v.verify, name="verify"),
]
