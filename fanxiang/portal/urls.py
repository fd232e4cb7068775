from django.urls import path

from fanxiang.portal import views as v
from fanxiang.portal import views_staff as s

app_name = "portal"

urlpatterns = [
    path("", v.home, name="home"),
    path("login/", v.login_view, name="login"),
    path("login/password/", v.login_password, name="login_password"),
    path("logout/", v.logout_view, name="logout"),
    path("account/password/", v.password_set, name="password"),
    path("bind/", v.bind, name="bind"),
    path("register/", v.register, name="register"),
    path("profile/", v.profile, name="profile"),
    path("profile/edit/", v.profile_edit, name="profile_edit"),
    path("businesses/new/", v.business_edit, name="business_new"),
    path("businesses/<int:pk>/edit/", v.business_edit, name="business_edit"),
    path("policies/", v.policies, name="policies"),
    path("notifications/", v.notifications, name="notifications"),
    path("loans/", v.portal_loan_list, name="loans"),
    path("loans/new/", v.portal_loan_new, name="loan_new"),
    path("loans/<int:pk>/", v.portal_loan_detail, name="loan_detail"),
    path("loans/<int:pk>/edit/", v.portal_loan_edit, name="loan_edit"),
    path("loans/<int:pk>/upload/", v.portal_loan_upload, name="loan_upload"),
    path("loans/<int:pk>/submit/", v.portal_loan_submit, name="loan_submit"),
    path("loans/<int:pk>/withdraw/", v.portal_loan_withdraw, name="loan_withdraw"),
    path("loans/<int:pk>/documents/<int:doc>/", v.portal_loan_document, name="loan_document"),
    path(
        "loans/<int:pk>/documents/<int:doc>/delete/",
        v.portal_loan_document_delete,
        name="loan_document_delete",
    ),
    # county review (staff)
    path("review/registrations/", s.RegistrationListView.as_view(), name="review_registrations"),
    path("review/registrations/<int:pk>/", s.registration_detail, name="review_registration"),
    path("review/edit-requests/", s.EditRequestListView.as_view(), name="review_edits"),
    path("review/edit-requests/<int:pk>/", s.edit_detail, name="review_edit"),
    # assisted mode (service clerk)
    path("assist/", s.assist_start, name="assist_start"),
    path("assist/<int:sid>/consent/", s.assist_consent, name="assist_consent"),
    path("assist/<int:sid>/", s.assist_home, name="assist_home"),
    path("assist/<int:sid>/end/", s.assist_end, name="assist_end"),
    path("assist/<int:sid>/loans/", v.assist_loan_list, name="assist_loans"),
    path("assist/<int:sid>/loans/new/", v.assist_loan_new, name="assist_loan_new"),
    path("assist/<int:sid>/loans/<int:pk>/", v.assist_loan_detail, name="assist_loan_detail"),
    path("assist/<int:sid>/loans/<int:pk>/edit/", v.assist_loan_edit, name="assist_loan_edit"),
    path("assist/<int:sid>/loans/<int:pk>/upload/", v.assist_loan_upload, name="assist_loan_upload"),
    path("assist/<int:sid>/loans/<int:pk>/submit/", v.assist_loan_submit, name="assist_loan_submit"),
    path("assist/<int:sid>/loans/<int:pk>/withdraw/", v.assist_loan_withdraw, name="assist_loan_withdraw"),
    path(
        "assist/<int:sid>/loans/<int:pk>/documents/<int:doc>/",
        v.assist_loan_document,
        name="assist_loan_document",
    ),
    path(
        "assist/<int:sid>/loans/<int:pk>/documents/<int:doc>/delete/",
        v.assist_loan_document_delete,
        name="assist_loan_document_delete",
    ),
]
