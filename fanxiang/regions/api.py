from django.db.models import Q
from ninja import Router, Schema
from ninja.pagination import paginate

from fanxiang.core.api import PageNumberPagination
from fanxiang.core.scope import get_for_user
from fanxiang.regions.models import Region, RegionLevel

router = Router(tags=["行政区划"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent: str | None

    @staticmethod
    def resolve_parent(obj: Region) -> str | None:
        return obj.parent.code if obj.parent_id else None


@router.get("/", response=list[RegionOut], summary="行政区划（限本人负责范围）")
@paginate(PageNumberPagination)
def region_list(request, level: RegionLevel | None = None, parent: str | None = None, q: str | None = None):
    qs = Region.objects.for_user(request.user).select_related("parent").order_by("tree_path")
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent__code=parent)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs


@router.get("/{code}", response=RegionOut, summary="行政区划详情")
def region_detail(request, code: str):
    return get_for_user(Region, request.user, code=code)
