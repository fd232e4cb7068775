"""Loan application intake: input cleaning, numbering, draft, edits, documents, submission and override."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from fanxiang.accounts.models import Organization, OrganizationKind
from fanxiang.core import audit
from fanxiang.core.errors import Conflict, ErrorCollector, Forbidden, InvalidInput
from fanxiang.core.scope import ADD, CHANGE, VIEW, can, ensure_in_scope
from fanxiang.credit.models import Recommender
from fanxiang.entrepreneurs.models import Business, BusinessFounder, Entrepreneur
from fanxiang.loans.applications import eligibility, workflow
from fanxiang.loans.applications.workflow import APPLICANT_SIDE, Context
from fanxiang.loans.choices import (
    REQUIRED_DOCUMENTS,
    AppStatus,
    BorrowerCategory,
    BorrowerType,
    CounterGuarantee,
    DocumentKind,
)
from fanxiang.loans.models import (
    ApplicationDocument,
    ApplicationSequence,
    LoanApplication,
    LoanEvent,
)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999999999.99")
EDITABLE = (AppStatus.DRAFT, AppStatus.RETURNED)
INDICATOR_GUARANTEED_LOANS = "guaranteed_loans"

EDIT_FIELDS = (
    "borrower_type", "amount", "term_months", "purpose", "business", "partners", "borrower_categories",
    "staff_count", "new_eligible_hires", "declared_other_debts", "epidemic_affected", "bank", "guarantee_org",
    "counter_guarantee", "counter_guarantee_detail", "recommender",
)  # fmt: skip
CREATE_FIELDS = ("entrepreneur", *EDIT_FIELDS)

# uploads: extension → (type, content type, leading bytes)
DOCUMENT_TYPES = {
    ".pdf": ("pdf", "application/pdf", (b"%PDF-",)),
    ".jpg": ("jpg", "image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("jpg", "image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("png", "image/png", (b"\x89PNG\r\n\x1a\n",)),
}


def max_document_bytes() -> int:
    return int(getattr(settings, "LOAN_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024))


# --------------------------------------------------------------------------- input cleaning


def parse_money(value: Any, field: str, errors: ErrorCollector, *, code: str = "loan.amount_invalid"):
    """Decimal yuan with at most 2 places, above 0."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        amount = None
    if amount is None or not amount.is_finite():
        errors.add(field, code, "金额须为有效数字（元，最多两位小数）。")
        return None
    if amount <= 0 or amount > MAX_AMOUNT:
        errors.add(field, code, "金额须大于0且在有效范围内。")
        return None
    if amount != amount.quantize(CENT):
        errors.add(field, code, "金额最多保留两位小数（分）。")
        return None
    return amount.quantize(CENT)


def parse_rate(value: Any, field: str, errors: ErrorCollector):
    """Annual rate in percent, 0 < rate < 100, at most 4 places."""
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        rate = None
    if rate is None or not rate.is_finite() or rate <= 0 or rate >= 100:
        errors.add(field, "loan.rate_invalid", "年利率须为大于0、小于100的百分数（如 3.85）。")
        return None
    if rate != rate.quantize(Decimal("0.0001")):
        errors.add(field, "loan.rate_invalid", "年利率最多保留四位小数。")
        return None
    return rate.quantize(Decimal("0.0001"))


def _int(value: Any, field: str, errors: ErrorCollector, code: str, lo: int, hi: int) -> int | None:
    if value is None or isinstance(value, bool):
        errors.add(field, code, f"{field} 须为{lo}至{hi}之间的整数。")
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or str(number) != str(value).strip() or not lo <= number <= hi:
        errors.add(field, code, f"须为{lo}至{hi}之间的整数。")
        return None
    return number


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit] if value is not None else ""


def _organization(pk: Any, kind: str, field: str, errors: ErrorCollector, code: str, label: str):
    if pk in (None, ""):
        return None
    org = Organization.objects.filter(pk=pk, kind=kind, is_active=True).first() if str(pk).isdigit() else None
    if org is None:
        errors.add(field, code, f"请选择有效的{label}。")
    return org


def _visible_entrepreneur(actor: Any, pk: Any) -> Entrepreneur | None:
    if pk in (None, "") or not str(pk).isdigit():
        return None
    if getattr(actor, "entrepreneur_id", None) == int(pk):
        return Entrepreneur.objects.filter(pk=pk).first()
    return Entrepreneur.objects.for_user(actor, VIEW).select_related("region").filter(pk=pk).first()


def default_guarantee_org() -> Organization | None:
    """The city's guarantee institution when there is exactly one."""
    orgs = list(Organization.objects.filter(kind=OrganizationKind.GUARANTEE, is_active=True)[:2])
    return orgs[0] if len(orgs) == 1 else None


def clean_application(
    data: dict[str, Any], *, actor: Any, instance: LoanApplication | None, today: dt.date
) -> tuple[dict[str, Any], ErrorCollector]:
    """Field checks on the keys present, then cross-field checks on the merged result (instance values
    overridden by ``data``). Every problem is collected so the clerk sees all of them at once."""
    errors = ErrorCollector()
    clean: dict[str, Any] = {}
    if "entrepreneur" in data:
        person = _visible_entrepreneur(actor, data["entrepreneur"])
        if person is None:
            errors.add("entrepreneur", "loan.entrepreneur_not_found", "申请人不存在或不在您的管辖范围内。")
        elif person.status != "active":
            errors.add("entrepreneur", "loan.entrepreneur_closed", "申请人登记记录已注销，不能申请贷款。")
        else:
            clean["entrepreneur"] = person
    if "borrower_type" in data:
        if data["borrower_type"] not in BorrowerType.values:
            errors.add(
                "borrower_type",
                "loan.borrower_type_invalid",
                "借款人类型应为 individual（个人）、partnership（合伙创业）或 enterprise（小微企业）。",
            )
        else:
            clean["borrower_type"] = data["borrower_type"]
    if "amount" in data:
        clean["amount"] = parse_money(data["amount"], "amount", errors)
    if "term_months" in data:
        clean["term_months"] = _int(data["term_months"], "term_months", errors, "loan.term_invalid", 1, 360)
    for key, limit in (("purpose", 200), ("counter_guarantee_detail", 200)):
        if key in data:
            clean[key] = _text(data[key], limit)
    for key in ("declared_other_debts", "epidemic_affected"):
        if key in data:
            clean[key] = bool(data[key])
    for key in ("staff_count", "new_eligible_hires"):
        if key in data:
            clean[key] = (
                None
                if data[key] is None
                else _int(data[key], key, errors, "loan.staff_count_invalid", 0, 10_000_000)
            )
    if "borrower_categories" in data:
        cats = data["borrower_categories"]
        if cats is None:
            clean["borrower_categories"] = None  # back to the registry default
        elif not isinstance(cats, list) or any(c not in BorrowerCategory.values for c in cats):
            errors.add("borrower_categories", "loan.category_invalid", "扶持对象类别有误。")
        else:
            clean["borrower_categories"] = list(dict.fromkeys(cats))
    if "bank" in data:
        clean["bank"] = _organization(
            data["bank"], OrganizationKind.BANK, "bank", errors, "loan.bank_invalid", "经办银行"
        )
    if "guarantee_org" in data:
        clean["guarantee_org"] = _organization(
            data["guarantee_org"],
            OrganizationKind.GUARANTEE,
            "guarantee_org",
            errors,
            "loan.guarantee_org_invalid",
            "担保机构",
        )
    if "counter_guarantee" in data:
        value = data["counter_guarantee"] or ""
        if value and value not in CounterGuarantee.values:
            errors.add("counter_guarantee", "loan.counter_guarantee_invalid", "反担保方式有误。")
        else:
            clean["counter_guarantee"] = value
    if "recommender" in data:
        pk = data["recommender"]
        rec = (
            Recommender.objects.select_related("region").filter(pk=pk).first() if str(pk).isdigit() else None
        )
        if pk not in (None, "") and rec is None:
            errors.add("recommender", "loan.recommender_invalid", RECOMMENDER_MISSING)
        clean["recommender"] = rec
    if "business" in data:
        pk = data["business"]
        biz = (
            Business.objects.for_user(actor, VIEW).filter(pk=pk).first()
            if pk not in (None, "") and str(pk).isdigit()
            else None
        )
        if pk not in (None, "") and biz is None:
            errors.add("business", "loan.business_not_found", "经营主体不存在或不在您的管辖范围内。")
        clean["business"] = biz
    if "partners" in data:
        ids = data["partners"] or []
        if not isinstance(ids, list) or not all(str(i).isdigit() for i in ids):
            errors.add("partners", "loan.partners_invalid", "合伙人须为人员编号列表。")
        else:
            people = [_visible_entrepreneur(actor, pk) for pk in dict.fromkeys(int(i) for i in ids)]
            if any(p is None for p in people):
                errors.add("partners", "loan.partners_invalid", "合伙人不存在或不在您的管辖范围内。")
            else:
                clean["partners"] = people
    _cross_checks(clean, instance, errors, today)
    return clean, errors


def _merged(clean: dict, instance: LoanApplication | None, key: str, default: Any = None) -> Any:
    if key in clean:
        return clean[key]
    if instance is None:
        return default
    if key == "partners":
        return list(instance.partners.all()) if instance.pk else []
    return getattr(instance, key)


RECOMMENDER_MISSING = "推荐单位不存在。"


def recommender_problem(rec: Recommender | None, applicant_region: Any, day: dt.date) -> str | None:
    """Why a waiver's recommender cannot be used on ``day`` (or None when it can)."""
    if rec is None:
        return "免反担保须选择推荐单位（信用乡村、信用园区、创业孵化示范基地或实训基地）。"
    county = applicant_region.county if applicant_region is not None else None
    if county is not None and not rec.region.tree_path.startswith(county.tree_path):
        if not county.tree_path.startswith(rec.region.tree_path):
            # another county's recommender is refused exactly like a missing id: no name, no hint
            return RECOMMENDER_MISSING
    if not rec.valid_on(day):
        return f"推荐单位“{rec.name}”在{day}不在认定有效期内。"
    return None


def _cross_checks(clean: dict, instance: LoanApplication | None, errors: ErrorCollector, today) -> None:
    if errors:
        return
    person = _merged(clean, instance, "entrepreneur")
    borrower_type = _merged(clean, instance, "borrower_type")
    partners = _merged(clean, instance, "partners", [])
    if person is not None and any(p.pk == person.pk for p in partners):
        errors.add("partners", "loan.partners_invalid", "合伙人不能包含申请人本人。")
    if borrower_type != BorrowerType.PARTNERSHIP and partners:
        errors.add("partners", "loan.partners_not_allowed", "只有合伙创业贷款可以填写合伙人。")
    staff = _merged(clean, instance, "staff_count")
    hires = _merged(clean, instance, "new_eligible_hires")
    if borrower_type != BorrowerType.ENTERPRISE and (staff is not None or hires is not None):
        if "staff_count" in clean or "new_eligible_hires" in clean:
            errors.add(
                "staff_count", "loan.enterprise_fields_only", "职工人数和新招人数只适用于小微企业贷款。"
            )
    if staff is not None and hires is not None and hires > staff:
        errors.add("new_eligible_hires", "loan.hires_over_staff", "当年新招人数不能超过现有职工人数。")
    business = _merged(clean, instance, "business")
    if business is not None and person is not None:
        founders = {person.pk, *(p.pk for p in partners)}
        if not BusinessFounder.objects.filter(business=business, entrepreneur_id__in=founders).exists():
            errors.add("business", "loan.business_not_owned", "所选经营主体不是申请人（或合伙人）创办的。")
    counter = _merged(clean, instance, "counter_guarantee", "")
    rec = _merged(clean, instance, "recommender")
    if counter == CounterGuarantee.WAIVER:
        if "recommender" in clean or "counter_guarantee" in clean:
            problem = recommender_problem(rec, person.region if person else None, today)
            if problem:
                errors.add("recommender", "loan.recommender_invalid", problem)
    elif rec is not None:
        errors.add(
            "recommender", "loan.recommender_without_waiver", "只有选择“免反担保（推荐）”时才填写推荐单位。"
        )


# --------------------------------------------------------------------------- numbering


def next_number(region: Any, day: dt.date) -> str:
    """``DB2020-411625-00001``: per year and county, drawn under a row lock (race-safe)."""
    county = region.county or region
    key = {"year": day.year, "county_code": county.code}
    try:
        with transaction.atomic():
            ApplicationSequence.objects.get_or_create(**key)
    except IntegrityError:  # created concurrently
        pass
    seq = ApplicationSequence.objects.select_for_update().get(**key)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"DB{day.year}-{county.code}-{seq.last:05d}"


# --------------------------------------------------------------------------- draft and edits


def _event(
    app: LoanApplication,
    action: str,
    actor: Any,
    role: str,
    data: dict | None = None,
    *,
    created: bool = False,
) -> None:
    """A timeline event that is not a status change (create, upload)."""
    LoanEvent.objects.create(
        application=app,
        action=action,
        from_status="" if created else app.status,
        to_status=app.status,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(getattr(actor, "real_name", "") or getattr(actor, "username", ""))[:64],
        actor_role=role,
        data=data or {},
    )


def _applicant_role(actor: Any, app: LoanApplication, action: str) -> str:
    roles = workflow.actor_roles(actor, app) & APPLICANT_SIDE
    if not roles:
        raise Forbidden(
            "loan.wrong_role",
            f"“{action}”由申请人、县区经办人员或服务中心窗口人员办理。",
            details={"action": action},
        )
    return sorted(roles)[0]


@audit.audited
@transaction.atomic
def application_create(*, actor: Any, data: dict[str, Any], today: dt.date | None = None) -> LoanApplication:
    """A draft on behalf of (or, on the portal, by) the entrepreneur."""
    today = today or timezone.localdate()
    unknown = set(data) - set(CREATE_FIELDS)
    if unknown:
        raise InvalidInput("request.unknown_fields", f"未知字段：{', '.join(sorted(unknown))}")
    errors = ErrorCollector()
    for key in ("entrepreneur", "borrower_type", "amount", "term_months"):
        if data.get(key) in (None, ""):
            errors.add(key, "loan.field_required", "此项必填。")
    errors.raise_if_any()
    clean, errors = clean_application(data, actor=actor, instance=None, today=today)
    errors.raise_if_any()
    person: Entrepreneur = clean["entrepreneur"]
    region = person.region
    app = LoanApplication(
        entrepreneur=person,
        region=region,
        borrower_type=clean["borrower_type"],
        amount=clean["amount"],
        term_months=clean["term_months"],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if not workflow.is_applicant(actor, app) and not can(actor, LoanApplication, ADD, region.tree_path):
        raise Forbidden(
            "scope.region_forbidden",
            "无权在该行政区划受理贷款申请。",
            errors={"entrepreneur": ["申请人不在您负责的行政区划范围内。"]},
        )
    role = _applicant_role(actor, app, "创建申请")
    for key in EDIT_FIELDS:
        if key in clean and key != "partners":
            setattr(app, key, clean[key])
    if app.guarantee_org_id is None and "guarantee_org" not in data:
        app.guarantee_org = default_guarantee_org()
    if not clean.get("borrower_categories"):
        app.borrower_categories = eligibility.default_categories(person)
    app.number = next_number(region, today)
    app.priority = workflow.current_priority(app)
    app.save()
    app.partners.set(clean.get("partners", []))
    _event(app, "create", actor, role, {"number": app.number}, created=True)
    if not workflow.is_applicant(actor, app):
        ensure_in_scope(actor, app, ADD)
    return app


@audit.audited
@transaction.atomic
def application_update(
    *, actor: Any, application: LoanApplication, data: dict[str, Any], today: dt.date | None = None
) -> LoanApplication:
    """Edit a draft, or a returned application being supplemented (补正)."""
    today = today or timezone.localdate()
    app = workflow.lock(application)
    workflow.ensure_visible(actor, app)
    _applicant_role(actor, app, "修改申请")
    if app.status not in EDITABLE:
        raise Conflict(
            "loan.wrong_state",
            f"申请当前状态为“{app.get_status_display()}”，只有草稿或退回补正的申请可以修改。",
            details={"status": app.status},
        )
    unknown = set(data) - set(EDIT_FIELDS)
    if unknown:
        raise InvalidInput("request.unknown_fields", f"不可修改的字段：{', '.join(sorted(unknown))}")
    for key in ("borrower_type", "amount", "term_months"):
        if key in data and data[key] in (None, ""):
            raise InvalidInput.field(key, "loan.field_required", "此项必填。")
    clean, errors = clean_application(data, actor=actor, instance=app, today=today)
    errors.raise_if_any()
    for key in EDIT_FIELDS:
        if key in clean and key != "partners":
            setattr(app, key, clean[key])
    if "borrower_categories" in clean and not clean["borrower_categories"]:
        app.borrower_categories = eligibility.default_categories(app.entrepreneur)
    app.priority = workflow.current_priority(app)
    app.save()
    if "partners" in clean:
        app.partners.set(clean["partners"])
    if not workflow.is_applicant(actor, app):
        ensure_in_scope(actor, app, CHANGE)
    return app


def _check_upload(upload: Any) -> tuple[str, str, bytes]:
    name = PurePath(getattr(upload, "name", "") or "").name
    size = getattr(upload, "size", None) or 0
    if size > max_document_bytes():
        limit = max_document_bytes() // (1024 * 1024)
        raise InvalidInput.field("file", "loan.document_too_large", f"文件不能超过{limit}MB。")
    kind = DOCUMENT_TYPES.get(PurePath(name).suffix.lower())
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if size == 0 or kind is None or not any(head.startswith(sig) for sig in kind[2]):
        raise InvalidInput.field(
            "file", "loan.document_type_invalid", "只能上传 PDF、JPG 或 PNG 文件（扩展名与内容须一致）。"
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return name, kind[1], digest.hexdigest().encode()


@audit.audited
@transaction.atomic
def application_document_add(
    *, actor: Any, application: LoanApplication, kind: str, upload: Any
) -> ApplicationDocument:
    """Attach a document (PDF/JPG/PNG, at most 10 MB) to a draft or returned application."""
    app = workflow.lock(application)
    workflow.ensure_visible(actor, app)
    role = _applicant_role(actor, app, "上传材料")
    if app.status not in EDITABLE:
        raise Conflict(
            "loan.wrong_state",
            f"申请当前状态为“{app.get_status_display()}”，只有草稿或退回补正的申请可以上传材料。",
            details={"status": app.status},
        )
    if kind not in DocumentKind.values:
        raise InvalidInput.field("kind", "loan.document_kind_invalid", "材料类别有误。")
    name, content_type, digest = _check_upload(upload)
    doc = ApplicationDocument(
        application=app,
        kind=kind,
        original_name=name[:255],
        content_type=content_type,
        size=upload.size,
        sha256=digest.decode(),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    doc.file.save(name, upload, save=False)
    try:
        doc.save()
        _event(app, "upload", actor, role, {"document": doc.pk, "kind": kind, "name": doc.original_name})
        if not workflow.is_applicant(actor, app):
            ensure_in_scope(actor, app, CHANGE)
    except BaseException:
        doc.file.delete(save=False)  # never leave a file the database does not know
        raise
    return doc


@audit.audited
@transaction.atomic
def application_document_remove(*, actor: Any, application: LoanApplication, document_id: int) -> None:
    app = workflow.lock(application)
    workflow.ensure_visible(actor, app)
    role = _applicant_role(actor, app, "删除材料")
    if app.status not in EDITABLE:
        raise Conflict("loan.wrong_state", "只有草稿或退回补正的申请可以删除材料。")
    doc = app.documents.filter(pk=document_id).first()
    if doc is None:
        from fanxiang.core.errors import NotFound

        raise NotFound("not_found", "材料不存在。")
    _event(app, "remove_document", actor, role, {"document": doc.pk, "kind": doc.kind})
    storage, path = doc.file.storage, doc.file.name
    doc.delete()
    transaction.on_commit(lambda: storage.delete(path))


# --------------------------------------------------------------------------- submission


def missing_for_submission(app: LoanApplication, day: dt.date) -> list[dict[str, str]]:
    """Everything an application still lacks before it can be submitted (told all at once)."""
    items: list[dict[str, str]] = []

    def need(field: str, message: str, code: str = "loan.incomplete") -> None:
        items.append({"field": field, "code": code, "message": message})

    if not app.purpose:
        need("purpose", "请填写贷款用途。")
    if app.bank_id is None:
        need("bank", "请选择经办银行。")
    if app.guarantee_org_id is None:
        need("guarantee_org", "请选择担保机构。")
    if not app.counter_guarantee:
        need("counter_guarantee", "请选择反担保方式或免反担保推荐。")
    elif app.counter_guarantee == CounterGuarantee.WAIVER:
        problem = recommender_problem(app.recommender, app.region, day)
        if problem:
            need("recommender", problem, "loan.recommender_invalid")
    elif not app.counter_guarantee_detail:
        need("counter_guarantee_detail", "请填写反担保说明（担保人、抵质押物等）。")
    if app.borrower_type == BorrowerType.ENTERPRISE:
        if app.business_id is None:
            need("business", "小微企业贷款须选择借款企业。")
        if app.staff_count is None:
            need("staff_count", "请填写企业现有职工人数。")
        if app.new_eligible_hires is None:
            need("new_eligible_hires", "请填写当年新招用符合条件人员人数。")
    on_file = set(app.documents.values_list("kind", flat=True))
    required = [*REQUIRED_DOCUMENTS["all"], *REQUIRED_DOCUMENTS.get(app.borrower_type, [])]
    if app.counter_guarantee == CounterGuarantee.WAIVER:
        required += REQUIRED_DOCUMENTS["waiver"]
    for kind in dict.fromkeys(required):
        if kind not in on_file:
            need("documents", f"请上传：{DocumentKind(kind).label}。", "loan.document_missing")
    return items


def run_eligibility(app: LoanApplication, day: dt.date) -> eligibility.Result:
    return eligibility.check(
        borrower_type=app.borrower_type,
        entrepreneur=app.entrepreneur,
        partners=list(app.partners.all()),
        business=app.business,
        borrower_categories=app.borrower_categories or None,
        amount=app.amount,
        term_months=app.term_months,
        staff_count=app.staff_count,
        new_eligible_hires=app.new_eligible_hires,
        declared_other_debts=app.declared_other_debts,
        apply_date=day,
        exclude_application_id=app.pk,
    )


def _failing(checks) -> list[dict]:
    return [asdict(c) for c in checks]


def _submit(ctx: Context) -> None:
    app, day = ctx.application, ctx.today
    missing = missing_for_submission(app, day)
    if missing:
        errors: dict[str, list[str]] = {}
        for item in missing:
            errors.setdefault(item["field"], []).append(item["message"])
        raise InvalidInput(
            "loan.incomplete",
            eligibility.join_messages(
                f"申请材料不完整，共{len(missing)}项：", [i["message"] for i in missing]
            ),
            errors=errors,
            details={"items": missing},
        )
    result = run_eligibility(app, day)
    if result.hard_failures:
        raise InvalidInput(
            "loan.not_eligible",
            eligibility.join_messages("不符合创业担保贷款条件：", [c.message for c in result.hard_failures]),
            details={"checks": _failing(result.hard_failures)},
        )
    overridden = {o.get("rule") for o in app.overrides}
    pending = [c for c in result.soft_failures if c.rule not in overridden]
    if pending:
        raise Conflict(
            "loan.override_required",
            eligibility.join_messages(
                "以下事项须县区人社经办人员核实并人工认定后方可提交：", [c.message for c in pending]
            ),
            details={"checks": _failing(pending)},
        )
    policy = result.policy
    resubmission = app.status == AppStatus.RETURNED
    app.eligibility = {**result.as_dict(), "apply_date": day.isoformat()}
    app.applied_on = day
    app.submitted_at = timezone.now()
    app.merged_review = bool(policy and policy.merged_review)
    app.hr_ok = app.guarantee_ok = app.bank_ok = False
    app.approved_amount = None
    app.annual_rate = None
    app.missing_items = []
    ctx.data.update(
        policy=policy.name if policy else None,
        merged_review=app.merged_review,
        resubmission=resubmission,
        overridden=sorted(r for r in overridden if r),
        max_amount=str(result.max_amount),
    )


def _call(
    action: str,
    *,
    actor: Any,
    application: LoanApplication | int,
    note: str = "",
    today: dt.date | None = None,
    effect=None,
    request: Any = None,
) -> LoanApplication:
    return workflow.transition(
        application=application,
        action=action,
        actor=actor,
        note=note,
        today=today,
        effect=effect,
        request=request,
    )


def application_submit(
    *, actor: Any, application: LoanApplication | int, today: dt.date | None = None, request: Any = None
) -> LoanApplication:
    """Check completeness and eligibility (stored on the application) and start the review."""
    return _call("submit", actor=actor, application=application, today=today, effect=_submit, request=request)


def application_override(
    *,
    actor: Any,
    application: LoanApplication | int,
    rule: str,
    reason: str,
    today: dt.date | None = None,
    request: Any = None,
) -> LoanApplication:
    """An officer accepts a soft eligibility failure (e.g. declared other debts checked in the credit
    report) with a reason; recorded who/why/when in ``overrides``."""
    reason = (reason or "").strip()

    def effect(ctx: Context) -> None:
        if not reason:
            raise InvalidInput.field("reason", "loan.override_reason_required", "请填写人工认定的理由。")
        app = ctx.application
        result = run_eligibility(app, app.applied_on or ctx.today)
        soft = {c.rule: c for c in result.soft_failures}
        if rule not in soft:
            raise InvalidInput.field(
                "rule",
                "loan.override_not_needed",
                f"规则“{rule}”当前没有需要人工认定的问题（可认定：{'、'.join(soft) or '无'}）。",
            )
        entry = {
            "rule": rule,
            "code": soft[rule].code,
            "message": soft[rule].message,
            "reason": reason[:500],
            "by": getattr(ctx.actor, "username", ""),
            "by_name": getattr(ctx.actor, "real_name", ""),
            "at": timezone.now().isoformat(),
        }
        app.overrides = [*(o for o in app.overrides if o.get("rule") != rule), entry]
        ctx.data.update(rule=rule, code=entry["code"], reason=entry["reason"])

    return _call(
        "override",
        actor=actor,
        application=application,
        note=reason,
        today=today,
        effect=effect,
        request=request,
    )
