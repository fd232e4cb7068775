from django.urls import path

from fanxiang.policies import views, views_grants, views_public

app_name = "policies"

urlpatterns = [
    # public (no login)
    path("public/", views_public.PublicListView.as_view(), name="public_list"),
    path("public/documents/<int:pk>/", views_public.PublicDocumentView.as_view(), name="public_document"),
    path("public/check/", views_public.SelfCheckView.as_view(), name="public_check"),
    path("attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment"),
    # staff
    path("documents/", views.DocumentListView.as_view(), name="document_list"),
    path("documents/new/", views.DocumentCreateView.as_view(), name="document_create"),
    path("documents/<int:pk>/", views.DocumentDetailView.as_view(), name="document_detail"),
    path("documents/<int:pk>/edit/", views.DocumentEditView.as_view(), name="document_edit"),
    path("documents/<int:pk>/items/new/", views.ItemCreateView.as_view(), name="item_create"),
    path("attachments/<int:pk>/delete/", views.AttachmentDeleteView.as_view(), name="attachment_delete"),
    path("items/<int:pk>/", views.ItemDetailView.as_view(), name="item_detail"),
    path("items/<int:pk>/edit/", views.ItemEditView.as_view(), name="item_edit"),
    path("items/<int:pk>/rule/", views.RuleEditorView.as_view(), name="rule_editor"),
    path("rule-row/", views.RuleRowView.as_view(), name="rule_row"),
    path("rule-row/remove/", views.RuleRowRemoveView.as_view(), name="rule_row_remove"),
    path("sample-people/", views.SamplePeopleView.as_view(), name="sample_people"),
    path("match/", views.MatchView.as_view(), name="match"),
    path("match/<int:pk>/", views.MatchView.as_view(), name="match_person"),
    path("outreach/", views.OutreachView.as_view(), name="outreach"),
    path("outreach/export/", views.OutreachExportView.as_view(), name="outreach_export"),
    path("outreach/<slug:code>/", views.OutreachPeopleView.as_view(), name="outreach_people"),
    # policy-enjoyment records (享受记录)
    path("grants/", views_grants.GrantListView.as_view(), name="grant_list"),
    path("grants/new/", views_grants.GrantCreateView.as_view(), name="grant_create"),
    path("grants/export/", views_grants.GrantExportView.as_view(), name="grant_export"),
    path("grants/import/", views_grants.GrantImportView.as_view(), name="grant_import"),
    path("grants/import/template/", views_grants.GrantTemplateView.as_view(), name="grant_template"),
    path("grants/totals/", views_grants.GrantTotalsView.as_view(), name="grant_totals"),
    path("grants/<int:pk>/", views_grants.GrantDetailView.as_view(), name="grant_detail"),
    path("grants/<int:pk>/revoke/", views_grants.GrantRevokeView.as_view(), name="grant_revoke"),
]
