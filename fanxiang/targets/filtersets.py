import django_filters

from fanxiang.core import filters
from fanxiang.regions.models import Region
from fanxiang.targets.models import Indicator, Target


class TargetFilter(filters.FilterSet):
    """One filter definition for the page, the API list and the export."""

    year = django_filters.NumberFilter(label="年度")
    indicator = django_filters.ChoiceFilter(label="指标", choices=Indicator.choices)
    region = django_filters.CharFilter(label="区划（含下级）", method="filter_region")

    class Meta:
        model = Target
        fields = ["year", "indicator"]

    def filter_region(self, qs, name, value):
        region = Region.objects.filter(code=value).first()
        if region is None:
            return qs.none()
        return qs.filter(region__tree_path__startswith=region.tree_path)
