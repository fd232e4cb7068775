"""Subsidy-claim pages: the public 公示 ``/training/public/publicity/``, the staff claim list (with its export)
and claim page (included at the root, see ``apps.py``)."""

from django.urls import path

from fanxiang.training import views_claims as v

app_name = "training_claims"

urlpatterns = [
    path("training/public/publicity/", v.publicity, name="publicity"),
    path("training/classes/<int:class_pk>/claim/", v.claim_file, name="claim_file"),
    path("training/claims/", v.ClaimListView.as_view(), name="claim_list"),
    path("training/claims/export/", v.ClaimExportView.as_view(), name="claim_export"),
    path("training/claims/<int:pk>/", v.claim_detail, name="claim_detail"),
    path(
        "training/claims/<int:pk>/objections/<int:objection_id>/reveal/",
        v.objection_reveal,
        name="objection_reveal",
    ),
    path("training/claims/<int:pk>/<slug:action>/", v.claim_act, name="claim_act"),
]
