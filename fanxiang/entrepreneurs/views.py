from fanxiang.core.views import Column, ScopedDetailView, ScopedExportView, ScopedListView
from fanxiang.entrepreneurs import selectors
from fanxiang.entrepreneurs.filtersets import BusinessFilter, EntrepreneurFilter
from fanxiang.entrepreneurs.models import Business, Entrepreneur

ENTREPRENEUR_COLUMNS = [
    Column("姓名", "name"),
    Column("身份证号码", "id_number_masked"),
    Column("性别", "sex"),
    Column("出生日期", "birth_date"),
    Column("手机号码", "mobile_masked"),
    Column("现居住地", "region.full_name"),
    Column("人员类别", "category"),
    Column("重点群体", lambda e: "、".join(g.name for g in e.priority_groups.all())),
    Column("创业时间", "started_on"),
    Column("状态", "status"),
]

BUSINESS_COLUMNS = [
    Column("名称", "name"),
    Column("主体类型", "kind"),
    Column("统一社会信用代码", "credit_code"),
    Column("行业门类", "industry"),
    Column("经营地址", "region.full_name"),
    Column("开业日期", "started_on"),
    Column("带动就业", "jobs_created"),
    Column("创办人", lambda b: "、".join(link.entrepreneur.name for link in b.founder_links.all())),
    Column("状态", "status"),
]


class EntrepreneurListView(ScopedListView):
    model = Entrepreneur
    title = "返乡创业人员"
    filterset_class = EntrepreneurFilter
    columns = ENTREPRENEUR_COLUMNS
    detail_url_name = "entrepreneurs:detail"
    export_url_name = "entrepreneurs:export"

    def get_queryset(self):
        self.filterset = EntrepreneurFilter(
            self.request.GET or None,
            queryset=selectors.entrepreneurs_for_user(self.request.user),
            request=self.request,
        )
        return self.filterset.qs.order_by(*(self.filterset.qs.query.order_by or ["-created_at", "-id"]))


class EntrepreneurDetailView(ScopedDetailView):
    model = Entrepreneur
    fields = [
        *ENTREPRENEUR_COLUMNS,
        Column("出生地", "birthplace_name"),
        Column("户籍地", "hukou_region.full_name"),
        Column("返乡/入乡时间", "return_date"),
        Column("原务工地", lambda e: f"{e.worked_province}{e.worked_city}"),
        Column("外出务工时长（月）", "worked_months"),
        Column("文化程度", "education"),
        Column("技能特长", "skills"),
        Column("备注", "notes"),
        Column("注销原因", "closed_reason"),
    ]


class EntrepreneurExportView(ScopedExportView):
    model = Entrepreneur
    filterset_class = EntrepreneurFilter
    columns = ENTREPRENEUR_COLUMNS
    filename = "返乡创业人员"

    def scoped_queryset(self, action=None):
        return selectors.entrepreneurs_for_user(self.request.user, action or self.action)


class BusinessListView(ScopedListView):
    model = Business
    title = "经营主体"
    filterset_class = BusinessFilter
    columns = BUSINESS_COLUMNS
    detail_url_name = "entrepreneurs:business_detail"
    export_url_name = "entrepreneurs:business_export"

    def get_queryset(self):
        self.filterset = BusinessFilter(
            self.request.GET or None,
            queryset=selectors.businesses_for_user(self.request.user),
            request=self.request,
        )
        return self.filterset.qs.order_by("-created_at", "-id")


class BusinessDetailView(ScopedDetailView):
    model = Business
    fields = [
        *BUSINESS_COLUMNS,
        Column("信用代码校验例外理由", "credit_code_override_reason"),
        Column("登记日期", "registered_on"),
        Column("产业标签", lambda b: "、".join(t.name for t in b.tags.all())),
        Column("详细地址", "address"),
        Column("注册资本（元）", "registered_capital"),
        Column("从业人数", "employees"),
        Column("吸纳贫困劳动力", "poor_workers_employed"),
    ]


class BusinessExportView(ScopedExportView):
    model = Business
    filterset_class = BusinessFilter
    columns = BUSINESS_COLUMNS
    filename = "经营主体"

    def scoped_queryset(self, action=None):
        return selectors.businesses_for_user(self.request.user, action or self.action)
