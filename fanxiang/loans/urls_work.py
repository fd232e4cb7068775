"""Bank workbench, subsidy batches and policy settings pages (included by loans/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
