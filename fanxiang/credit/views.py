"""Minimal credit pages: recommenders (for counter-guarantee waivers) and the credit ledger."""

from __future__ import annotations

from fanxiang.core.views import Column, ScopedDetailView, ScopedExportView, ScopedListView
from fanxiang.credit.filtersets import CreditEntryFilter, RecommenderFilter
from fanxiang.credit.models import CreditEntry, Recommender

RECOMMENDER_COLUMNS = [
    Column("名称", "name"),
    Column("类别", "kind"),
    Column("所在区划", "region.name"),
    Column("认定日期", "valid_from"),
    Column("有效期至", "valid_to"),
    Column("认定文号", "certificate"),
    Column("有效", lambda r: "是" if r.is_active else "否"),
]

ENTRY_COLUMNS = [
    Column("人员", "entrepreneur.name"),
    Column("所在区划", "entrepreneur.region.name"),
    Column("事项", "event"),
    Column("日期", "date"),
    Column("失信期限至", "until"),
    Column("原因", "reason"),
    Column("相关贷款", "loan.number"),
]


class RecommenderListView(ScopedListView):
    model = Recommender
    title = "免反担保推荐单位"
    filterset_class = RecommenderFilter
    columns = RECOMMENDER_COLUMNS
    detail_url_name = "credit:recommender_detail"
    export_url_name = "credit:recommender_export"

    def get_queryset(self):
        return super().get_queryset().select_related("region")


class RecommenderDetailView(ScopedDetailView):
    model = Recommender
    fields = RECOMMENDER_COLUMNS


class RecommenderExportView(ScopedExportView):
    model = Recommender
    filterset_class = RecommenderFilter
    columns = RECOMMENDER_COLUMNS
    filename = "免反担保推荐单位"


class CreditEntryListView(ScopedListView):
    model = CreditEntry
    title = "诚信台账"
    filterset_class = CreditEntryFilter
    columns = ENTRY_COLUMNS
    detail_url_name = "credit:entry_detail"
    export_url_name = "credit:entry_export"

    def get_queryset(self):
        return super().get_queryset().select_related("entrepreneur__region", "loan")


class CreditEntryDetailView(ScopedDetailView):
    model = CreditEntry
    fields = ENTRY_COLUMNS


class CreditEntryExportView(ScopedExportView):
    model = CreditEntry
    filterset_class = CreditEntryFilter
    columns = ENTRY_COLUMNS
    filename = "诚信台账"

    def scoped_queryset(self, action=None):
        return super().scoped_queryset(action).select_related("entrepreneur__region", "loan")
