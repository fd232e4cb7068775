"""Minimal loan application pages (list, detail with timeline, export); the multi-step form, queues and
the bank workbench come with the pages step."""

from __future__ import annotations

from fanxiang.core.views import Column, ScopedDetailView, ScopedExportView, ScopedListView
from fanxiang.loans import selectors
from fanxiang.loans.filtersets import LoanApplicationFilter
from fanxiang.loans.models import LoanApplication


def _money(value) -> str:
    return "" if value is None else f"{value:,.2f}"


COLUMNS = [
    Column("申请编号", "number"),
    Column("申请人", "entrepreneur.name"),
    Column("所属区划", "region.name"),
    Column("借款人类型", "borrower_type"),
    Column("申请金额（元）", lambda a: _money(a.amount)),
    Column("状态", "status"),
    Column("经办银行", "bank"),
    Column("担保机构", "guarantee_org"),
    Column("申请日期", "applied_on"),
    Column(
        "办理时限",
        lambda a: f"{a.step_due}{'（已超时）' if selectors.is_overdue(a) else ''}" if a.step_due else "",
    ),
    Column("批准金额（元）", lambda a: _money(a.approved_amount)),
    Column("已放款（元）", lambda a: _money(a.disbursed_total)),
]

DETAIL_FIELDS = [
    *COLUMNS,
    Column("贷款期限（月）", "term_months"),
    Column("贷款用途", "purpose"),
    Column("反担保方式", "counter_guarantee"),
    Column("反担保说明", "counter_guarantee_detail"),
    Column("免反担保推荐单位", "recommender"),
    Column("受疫情影响", lambda a: "是" if a.epidemic_affected else "否"),
    Column("合同年利率（%）", "annual_rate"),
    Column("合同日期", "contract_date"),
    Column("补正事项", lambda a: "；".join(a.missing_items)),
    Column("不予通过理由", lambda a: "；".join(a.rejection_reasons)),
]


class LoanApplicationListView(ScopedListView):
    model = LoanApplication
    title = "创业担保贷款申请"
    filterset_class = LoanApplicationFilter
    columns = COLUMNS
    detail_url_name = "loans:application_detail"
    export_url_name = "loans:application_export"

    def get_queryset(self):
        return super().get_queryset().select_related("entrepreneur", "region", "bank", "guarantee_org")


class LoanApplicationDetailView(ScopedDetailView):
    model = LoanApplication
    template_name = "loans/application_detail.html"
    fields = DETAIL_FIELDS

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("entrepreneur", "region", "bank", "guarantee_org", "recommender")
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        app = self.object
        ctx["events"] = list(app.events.all())
        ctx["documents"] = list(app.documents.all())
        ctx["disbursements"] = list(app.disbursements.all())
        ctx["priority_reasons"] = selectors.priority_reasons(app)
        return ctx


class LoanApplicationExportView(ScopedExportView):
    model = LoanApplication
    filterset_class = LoanApplicationFilter
    columns = COLUMNS
    filename = "创业担保贷款申请"

    def scoped_queryset(self, action=None):
        return (
            super().scoped_queryset(action).select_related("entrepreneur", "region", "bank", "guarantee_org")
        )
