from django.urls import path
from django.views.generic import RedirectView

from fanxiang.finance import views

app_name = "finance"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="finance:product_list"), name="index"),
    path("products/", views.ProductListView.as_view(), name="product_list"),
    path("products/new/", views.ProductCreateView.as_view(), name="product_create"),
    path("products/export/", views.ProductExportView.as_view(), name="product_export"),
    path("products/<int:pk>/", views.ProductDetailView.as_view(), name="product_detail"),
    path("products/<int:pk>/edit/", views.ProductUpdateView.as_view(), name="product_edit"),
    path("match/", views.MatchView.as_view(), name="match"),
    path("match/businesses/", views.BusinessOptionsView.as_view(), name="match_businesses"),
]
