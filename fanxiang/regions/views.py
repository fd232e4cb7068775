import django_filters
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fanxiang.core.views import Column, ScopedDetailView, ScopedExportView, ScopedListView
from fanxiang.regions.cascade import county_by_code, township_options
from fanxiang.regions.models import Region, RegionLevel


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label="层级", choices=RegionLevel.choices)
    q = django_filters.CharFilter(label="名称/代码", method="filter_q")

    class Meta:
        model = Region
        fields = ["level"]

    def filter_q(self, qs, name, value):
        from django.db.models import Q

        return qs.filter(Q(name__icontains=value) | Q(code__startswith=value))


COLUMNS = [
    Column("代码", "code"),
    Column("名称", "name"),
    Column("层级", "level"),
    Column("类型", "kind"),
    Column("上级", "parent.name"),
    Column("统计用代码", "nbs_code"),
]


class RegionListView(ScopedListView):
    model = Region
    title = "行政区划"
    filterset_class = RegionFilter
    columns = COLUMNS
    detail_url_name = "regions:region_detail"
    export_url_name = "regions:region_export"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("parent")


class RegionDetailView(ScopedDetailView):
    model = Region
    fields = [*COLUMNS, Column("统计归属", "stat_parent.name"), Column("全称", "full_name")]


class RegionExportView(ScopedExportView):
    model = Region
    filterset_class = RegionFilter
    columns = COLUMNS
    filename = "行政区划"


@login_not_required
@require_GET
def township_options_view(request):
    """The township ``<option>``s of one county for a cascade's township select (``regions.cascade``).
    Divisions are public reference data (the portal's forms use this too): no login, nothing else read.
    The county comes in the parameter named by ``from`` (the county select's name), else ``county``."""
    param = request.GET.get("from") or "county"
    county = county_by_code(request.GET.get(param) or request.GET.get("county"))
    options = township_options(county, allow_county=request.GET.get("allow_county") == "1")
    return render(
        request,
        "regions/_township_options.html",
        {"options": options, "selected": request.GET.get("selected", "")},
    )
