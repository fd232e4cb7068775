import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from fanxiang.core.api import ErrorOut, InputSchema, IsoDate, PageNumberPagination, apply_filterset
from fanxiang.core.errors import NotFound
from fanxiang.core.resolvers import region_code, region_full_name
from fanxiang.core.schema import choice
from fanxiang.core.scope import CHANGE, VIEW, get_for_user
from fanxiang.entrepreneurs import selectors, services
from fanxiang.entrepreneurs.choices import BusinessKind, Category, Education, Industry, RecordStatus
from fanxiang.entrepreneurs.contacts import contact_label
from fanxiang.entrepreneurs.filtersets import BusinessFilter, EntrepreneurFilter
from fanxiang.entrepreneurs.models import Business, DuplicateCandidate, Entrepreneur, TransferRequest
from fanxiang.regions.selectors import region_by_code

router = Router(tags=["返乡创业人员"])
business_router = Router(tags=["经营主体"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class RegionRef(Schema):
    code: str
    name: str


class BusinessRef(Schema):
    id: int
    name: str
    kind: str


class ContactRef(Schema):
    """The person's 对接服务人员: user id and name."""

    id: int
    name: str


class EntrepreneurOut(Schema):
    id: int
    name: str
    id_number: str
    sex: str
    birth_date: IsoDate
    birthplace: RegionRef
    mobile: str
    region: str
    region_name: str
    hukou_region: str | None
    category: str
    category_label: str
    priority_groups: list[str]
    return_date: IsoDate | None
    started_on: IsoDate | None
    worked_province: str
    worked_city: str
    worked_months: int | None
    education: str
    skills: str
    notes: str
    status: str
    closed_reason: str
    businesses: list[BusinessRef]
    contact: ContactRef | None
    created_at: dt.datetime
    updated_at: dt.datetime

    # Resolvers serve list pages straight from the queryset (masked values only).
    @staticmethod
    def resolve_id_number(obj):
        return obj.id_number_masked

    @staticmethod
    def resolve_mobile(obj):
        return obj.mobile_masked

    @staticmethod
    def resolve_birthplace(obj):
        return (
            obj["birthplace"]
            if isinstance(obj, dict)
            else {"code": obj.birthplace_code, "name": obj.birthplace_name}
        )

    resolve_region = staticmethod(region_code)
    resolve_region_name = staticmethod(region_full_name)

    @staticmethod
    def resolve_hukou_region(obj):
        return obj.hukou_region.code if obj.hukou_region_id else None

    @staticmethod
    def resolve_category_label(obj):
        return str(obj.get_category_display())

    @staticmethod
    def resolve_priority_groups(obj):
        return (
            obj["priority_groups"]
            if isinstance(obj, dict)
            else sorted(g.code for g in obj.priority_groups.all())
        )

    @staticmethod
    def resolve_contact(obj):
        if isinstance(obj, dict):
            return obj.get("contact")
        return {"id": obj.contact_id, "name": contact_label(obj.contact)} if obj.contact_id else None

    @staticmethod
    def resolve_businesses(obj):
        return [
            {"id": ln.business_id, "name": ln.business.name, "kind": ln.business.kind}
            for ln in obj.founder_links.all()
        ]


class EntrepreneurFilterIn(Schema):
    q: str | None = None
    region: str | None = None
    category: choice(Category, blank=True, enforce=False) | None = None
    priority_group: str | None = None
    industry: choice(Industry, blank=True, enforce=False) | None = None
    business_kind: choice(BusinessKind, blank=True, enforce=False) | None = None
    business: str | None = None
    started_from: IsoDate | None = None
    started_to: IsoDate | None = None
    status: choice(RecordStatus, blank=True, enforce=False) | None = None
    contact: str | None = Field(None, description="对接人：me（本人对接的）、none（未指派）或用户 id")
    ordering: str | None = None


def filtered_entrepreneurs(user, filters: dict, action: str = VIEW):
    qs = selectors.entrepreneurs_for_user(user, action).prefetch_related("founder_links__business")
    if (filters.get("contact") or "").strip() == "me":  # the filter set has no request here
        filters = {**filters, "contact": str(user.pk)}
    filtered = apply_filterset(EntrepreneurFilter, filters, qs)
    return filtered.order_by(*(filtered.query.order_by or ["-created_at", "-id"]))


@router.get("/", response={200: list[EntrepreneurOut], 422: ErrorOut}, summary="返乡创业人员列表")
@paginate(PageNumberPagination)
def entrepreneur_list(request, filters: Query[EntrepreneurFilterIn]):
    return filtered_entrepreneurs(request.user, filters.dict())


class EntrepreneurPatch(InputSchema):
    name: str | None = None
    id_number: str | None = None
    region: str | None = None
    category: choice(Category) | None = None
    mobile: str | None = None
    hukou_region: str | None = None
    return_date: str | None = None
    started_on: str | None = None
    worked_province: str | None = None
    worked_city: str | None = None
    worked_months: int | None = None
    education: choice(Education, blank=True) | None = None
    skills: str | None = None
    priority_groups: list[str] | None = None
    notes: str | None = None


class EntrepreneurIn(EntrepreneurPatch):
    # The fields of a patch; these are required (or default to empty) when a person is registered.
    name: str
    id_number: str
    region: str
    category: choice(Category)
    priority_groups: list[str] = []


@router.post("/", response={201: EntrepreneurOut, **ERRORS}, summary="登记返乡创业人员")
def entrepreneur_create(request, payload: EntrepreneurIn):
    person = services.entrepreneur_create(actor=request.user, data=payload.dict())
    return Status(201, (selectors.entrepreneurs_for_user(request.user).get(pk=person.pk)))


@router.get(
    "/{int:entrepreneur_id}",
    response={200: EntrepreneurOut, **ERRORS},
    summary="人员详情（reveal=true 显示完整证件号并留痕）",
)
def entrepreneur_detail(request, entrepreneur_id: int, reveal: bool = False):
    person = get_for_user(Entrepreneur, request.user, VIEW, pk=entrepreneur_id)
    if reveal:
        services.reveal_id_number(actor=request.user, entrepreneur=person, request=request)
    person = (
        selectors.entrepreneurs_for_user(request.user)
        .prefetch_related("founder_links__business")
        .get(pk=person.pk)
    )
    if reveal:
        # Serve the clear values in place of the masked ones for this response only (never saved).
        person.id_number_masked, person.mobile_masked = person.id_number, person.mobile
    return person


@router.patch("/{int:entrepreneur_id}", response={200: EntrepreneurOut, **ERRORS}, summary="修改人员信息")
def entrepreneur_patch(request, entrepreneur_id: int, payload: EntrepreneurPatch):
    person = get_for_user(Entrepreneur, request.user, CHANGE, pk=entrepreneur_id)
    data = payload.dict(exclude_unset=True)
    services.entrepreneur_update(actor=request.user, entrepreneur=person, data=data)
    return selectors.entrepreneurs_for_user(request.user).get(pk=person.pk)


class ReasonIn(InputSchema):
    reason: str


@router.post(
    "/{int:entrepreneur_id}/close",
    response={200: EntrepreneurOut, **ERRORS},
    summary="注销人员记录（不删除）",
)
def entrepreneur_close(request, entrepreneur_id: int, payload: ReasonIn):
    person = get_for_user(Entrepreneur, request.user, CHANGE, pk=entrepreneur_id)
    services.entrepreneur_close(actor=request.user, entrepreneur=person, reason=payload.reason)
    return selectors.entrepreneurs_for_user(request.user).get(pk=person.pk)


# --------------------------------------------------------------------------- duplicates and transfers


class DuplicateOut(Schema):
    id: int
    reason: str
    status: str
    entrepreneur: int
    other: int
    entrepreneur_name: str
    other_name: str
    note: str

    @staticmethod
    def resolve_entrepreneur(obj):
        return obj.entrepreneur_id

    @staticmethod
    def resolve_other(obj):
        return obj.other_id

    @staticmethod
    def resolve_entrepreneur_name(obj):
        return obj.entrepreneur.name

    @staticmethod
    def resolve_other_name(obj):
        return obj.other.name


@router.get("/duplicates/", response=list[DuplicateOut], summary="疑似重复待处理队列")
@paginate(PageNumberPagination)
def duplicate_list(request, status: str = "open"):
    qs = selectors.duplicates_for_user(request.user).order_by("-created_at")
    if status:
        qs = qs.filter(status=status)
    return qs


class ResolveIn(InputSchema):
    action: str
    keep: int | None = None
    note: str = ""


@router.post(
    "/duplicates/{int:candidate_id}/resolve",
    response={200: DuplicateOut, **ERRORS},
    summary="合并或排除疑似重复",
)
def duplicate_resolve(request, candidate_id: int, payload: ResolveIn):
    candidate = get_for_user(DuplicateCandidate, request.user, CHANGE, pk=candidate_id)
    if payload.action not in ("merge", "dismiss"):
        from fanxiang.core.errors import InvalidInput

        raise InvalidInput.field("action", "duplicate.invalid_action", "action 应为 merge 或 dismiss。")
    keep = None
    if payload.action == "merge" and payload.keep:
        keep = get_for_user(Entrepreneur, request.user, CHANGE, pk=payload.keep)
    result = services.duplicate_resolve(
        actor=request.user, candidate=candidate, merge=payload.action == "merge", keep=keep, note=payload.note
    )
    return result


class TransferOut(Schema):
    id: int
    entrepreneur_name: str
    id_number: str
    from_region: str
    to_region: str
    reason: str
    status: str
    decision_note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_entrepreneur_name(obj):
        return obj.entrepreneur.name

    @staticmethod
    def resolve_id_number(obj):
        return obj.entrepreneur.id_number_masked

    @staticmethod
    def resolve_from_region(obj):
        return obj.from_region.code

    @staticmethod
    def resolve_to_region(obj):
        return obj.to_region.code


@router.get("/transfers/", response=list[TransferOut], summary="转移申请（转出或转入本人区划）")
@paginate(PageNumberPagination)
def transfer_list(request, status: str | None = None):
    qs = selectors.transfers_for_user(request.user).order_by("-created_at")
    if status:
        qs = qs.filter(status=status)
    return qs


class TransferIn(InputSchema):
    id_number: str
    to_region: str
    reason: str


@router.post("/transfers/", response={201: TransferOut, **ERRORS}, summary="申请将他县登记的人员转入本县")
def transfer_create(request, payload: TransferIn):
    region = region_by_code(payload.to_region)
    if region is None:
        raise NotFound("region.unknown", f"区划代码 {payload.to_region} 不存在。")
    transfer = services.transfer_request(
        actor=request.user, id_number=payload.id_number, to_region=region, reason=payload.reason
    )
    return Status(201, transfer)


class DecideIn(InputSchema):
    approve: bool
    note: str = ""


@router.post(
    "/transfers/{int:transfer_id}/decide", response={200: TransferOut, **ERRORS}, summary="审批转移申请"
)
def transfer_decide(request, transfer_id: int, payload: DecideIn):
    transfer = get_for_user(TransferRequest, request.user, VIEW, pk=transfer_id)
    return services.transfer_decide(
        actor=request.user, transfer=transfer, approve=payload.approve, note=payload.note
    )


# --------------------------------------------------------------------------- businesses


class FounderOut(Schema):
    id: int
    name: str
    is_primary: bool


class BusinessOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    credit_code: str
    credit_code_override_reason: str
    registered_on: IsoDate | None
    started_on: IsoDate | None
    industry: str
    tags: list[str]
    region: str
    region_name: str
    address: str
    registered_capital: Decimal | None
    employees: int
    jobs_created: int
    poor_workers_employed: int
    founders: list[FounderOut]
    status: str
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_tags(obj):
        return sorted(t.code for t in obj.tags.all())

    resolve_region = staticmethod(region_code)
    resolve_region_name = staticmethod(region_full_name)

    @staticmethod
    def resolve_founders(obj):
        return [
            {"id": ln.entrepreneur_id, "name": ln.entrepreneur.name, "is_primary": ln.is_primary}
            for ln in obj.founder_links.all()
        ]


class BusinessFilterIn(Schema):
    q: str | None = None
    region: str | None = None
    kind: choice(BusinessKind, blank=True, enforce=False) | None = None
    industry: choice(Industry, blank=True, enforce=False) | None = None
    tag: str | None = None
    started_from: IsoDate | None = None
    started_to: IsoDate | None = None
    status: choice(RecordStatus, blank=True, enforce=False) | None = None


@business_router.get("/", response={200: list[BusinessOut], 422: ErrorOut}, summary="经营主体列表")
@paginate(PageNumberPagination)
def business_list(request, filters: Query[BusinessFilterIn]):
    qs = selectors.businesses_for_user(request.user).order_by("-created_at", "-id")
    return apply_filterset(BusinessFilter, filters.dict(), qs)


class BusinessIn(InputSchema):
    kind: choice(BusinessKind)
    name: str
    industry: choice(Industry)
    region: str
    founders: list[int]
    credit_code: str | None = None
    credit_code_override_reason: str | None = None
    registered_on: str | None = None
    started_on: str | None = None
    tags: list[str] = []
    address: str | None = None
    registered_capital: str | None = None
    employees: int | None = None
    jobs_created: int | None = None
    poor_workers_employed: int | None = None


class BusinessPatch(InputSchema):
    kind: choice(BusinessKind) | None = None
    name: str | None = None
    industry: choice(Industry) | None = None
    region: str | None = None
    founders: list[int] | None = None
    credit_code: str | None = None
    credit_code_override_reason: str | None = None
    registered_on: str | None = None
    started_on: str | None = None
    tags: list[str] | None = None
    address: str | None = None
    registered_capital: str | None = None
    employees: int | None = None


@business_router.post("/", response={201: BusinessOut, **ERRORS}, summary="登记经营主体")
def business_create(request, payload: BusinessIn):
    data = payload.dict()
    founders = data.pop("founders")
    business = services.business_create(actor=request.user, data=data, founders=founders)
    return Status(201, (selectors.businesses_for_user(request.user).get(pk=business.pk)))


@business_router.get("/{int:business_id}", response={200: BusinessOut, **ERRORS}, summary="经营主体详情")
def business_detail(request, business_id: int):
    get_for_user(Business, request.user, VIEW, pk=business_id)
    return selectors.businesses_for_user(request.user).get(pk=business_id)


@business_router.patch("/{int:business_id}", response={200: BusinessOut, **ERRORS}, summary="修改经营主体")
def business_patch(request, business_id: int, payload: BusinessPatch):
    business = get_for_user(Business, request.user, CHANGE, pk=business_id)
    data = payload.dict(exclude_unset=True)
    founders = data.pop("founders", None)
    services.business_update(actor=request.user, business=business, data=data, founders=founders)
    return selectors.businesses_for_user(request.user).get(pk=business_id)


class JobsIn(InputSchema):
    report_date: IsoDate
    jobs_created: int
    poor_workers_employed: int = 0


class JobReportOut(Schema):
    id: int
    report_date: IsoDate
    jobs_created: int
    poor_workers_employed: int
    delta: int


@business_router.post(
    "/{int:business_id}/jobs",
    response={201: JobReportOut, **ERRORS},
    summary="填报带动就业（按日期计入当月）",
)
def business_jobs(request, business_id: int, payload: JobsIn):
    business = get_for_user(Business, request.user, CHANGE, pk=business_id)
    report = services.business_report_jobs(
        actor=request.user,
        business=business,
        report_date=payload.report_date,
        jobs_created=payload.jobs_created,
        poor_workers_employed=payload.poor_workers_employed,
    )
    return Status(201, report)


@business_router.post(
    "/{int:business_id}/close", response={200: BusinessOut, **ERRORS}, summary="注销经营主体（不删除）"
)
def business_close(request, business_id: int, payload: ReasonIn):
    business = get_for_user(Business, request.user, CHANGE, pk=business_id)
    services.business_close(actor=request.user, business=business, reason=payload.reason)
    return selectors.businesses_for_user(request.user).get(pk=business_id)
