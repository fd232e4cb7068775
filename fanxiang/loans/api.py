from decimal import Decimal

from django.utils import timezone
from ninja import Router, Schema

from fanxiang.core.api import ErrorOut, InputSchema, IsoDate
from fanxiang.core.errors import InvalidInput, NotFound
from fanxiang.core.schema import Money, choice
from fanxiang.core.scope import VIEW, get_for_user
from fanxiang.entrepreneurs.models import Business, Entrepreneur
from fanxiang.loans.applications import eligibility
from fanxiang.loans.choices import BorrowerCategory, BorrowerType

router = Router(tags=["创业担保贷款"])


class EligibilityIn(InputSchema):
    borrower_type: choice(BorrowerType)
    entrepreneur: int
    amount: Money
    term_months: int
    partners: list[int] = []
    business: int | None = None
    borrower_categories: list[choice(BorrowerCategory)] | None = None
    staff_count: int | None = None
    new_eligible_hires: int | None = None
    declared_other_debts: bool = False
    apply_date: IsoDate | None = None


class EligibilityCheckOut(Schema):
    rule: str
    passed: bool
    code: str
    message: str
    severity: str


class EligibilityOut(Schema):
    eligible: bool
    max_amount: Decimal | None
    max_term_months: int | None
    policy: str | None
    checks: list[EligibilityCheckOut]


@router.post(
    "/eligibility-check",
    response={200: EligibilityOut, 404: ErrorOut, 422: ErrorOut},
    summary="贷款资格预审（逐条规则给出结论与原因）",
)
def eligibility_check(request, payload: EligibilityIn):
    user = request.user
    # the applicant and every partner in one query; anyone not visible to the caller is a 404
    partner_ids = list(dict.fromkeys(pk for pk in payload.partners if pk != payload.entrepreneur))
    found = {
        p.pk: p
        for p in Entrepreneur.objects.for_user(user, VIEW).filter(pk__in=[payload.entrepreneur, *partner_ids])
    }
    if len(found) != 1 + len(partner_ids):
        raise NotFound("not_found", "记录不存在或无权访问。")
    person = found[payload.entrepreneur]
    partners = [found[pk] for pk in partner_ids]
    business = get_for_user(Business, user, VIEW, pk=payload.business) if payload.business else None
    if not payload.amount.is_finite():
        raise InvalidInput.field("amount", "loan.amount_invalid", "申请金额须为有效数字。")
    if payload.term_months < 0 or payload.term_months > 1200:
        raise InvalidInput.field("term_months", "loan.term_invalid", "贷款期限应为1至1200个月。")
    result = eligibility.check(
        borrower_type=payload.borrower_type,
        entrepreneur=person,
        partners=partners,
        business=business,
        borrower_categories=payload.borrower_categories,
        amount=payload.amount.quantize(Decimal("0.01")),
        term_months=payload.term_months,
        staff_count=payload.staff_count,
        new_eligible_hires=payload.new_eligible_hires,
        declared_other_debts=payload.declared_other_debts,
        apply_date=payload.apply_date or timezone.localdate(),
        cached_policy=True,
    )
    return result.as_dict()


def _mount_applications() -> None:
    from fanxiang.loans.applications.api import router as applications_router

    router.add_router("", applications_router)


_mount_applications()
