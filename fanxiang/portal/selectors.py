"""Portal reads. A portal account reaches only what belongs to the registry person it is bound to: every
query here filters on that person (never on an id alone), so another person's record answers 404 whether it
is asked for by id or by guessing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from fanxiang.core.errors import NotFound
from fanxiang.core.scope import CHANGE, VIEW
from fanxiang.entrepreneurs.models import Business, BusinessFounder, Entrepreneur, PriorityGroup
from fanxiang.entrepreneurs.selectors import id_number_registration
from fanxiang.loans.models import ApplicationDocument, LoanApplication
from fanxiang.portal.models import AssistSession, EditRequest, PortalAccount, Registration, RequestStatus
from fanxiang.regions.models import Region

NOT_FOUND = "记录不存在或无权访问。"


def person_of(account: PortalAccount) -> Entrepreneur | None:
    if not account.entrepreneur_id:
        return None
    return (
        Entrepreneur.objects.select_related("region__parent__parent", "hukou_region")
        .prefetch_related("priority_groups")
        .filter(pk=account.entrepreneur_id)
        .first()
    )


def account_of(person: Entrepreneur) -> PortalAccount | None:
    """The portal account bound to ``person`` (the assisted person's, for a clerk's assisted session)."""
    return PortalAccount.objects.filter(entrepreneur=person).first()


def recommenders_for(person: Entrepreneur) -> list:
    """Waiver recommenders of the person's county valid today (credit's catalogue, at most 200)."""
    from fanxiang.credit.models import Recommender

    county = person.region.county or person.region
    today = timezone.localdate()
    rows = Recommender.objects.filter(
        region__tree_path__startswith=county.tree_path, is_active=True
    ).order_by("kind", "name")
    return [r for r in rows[:200] if r.valid_on(today)]


def businesses_of(entrepreneur_id: int | None) -> QuerySet[Business]:
    if not entrepreneur_id:
        return Business.objects.none()
    return (
        Business.objects.filter(founder_links__entrepreneur_id=entrepreneur_id)
        .select_related("region")
        .prefetch_related("tags")
        .order_by("-created_at", "-id")
        .distinct()
    )


def applications_of(entrepreneur_id: int | None) -> QuerySet[LoanApplication]:
    if not entrepreneur_id:
        return LoanApplication.objects.none()
    return LoanApplication.objects.filter(entrepreneur_id=entrepreneur_id).select_related("bank", "region")


def application_of(entrepreneur_id: int | None, pk: Any) -> LoanApplication:
    """One application of this person, or NotFound — the same answer for someone else's and a missing one."""
    app = (
        applications_of(entrepreneur_id)
        .select_related("guarantee_org", "recommender", "business", "entrepreneur")
        .prefetch_related(
            Prefetch("documents", queryset=ApplicationDocument.objects.order_by("uploaded_at", "id")),
            "events",
            "disbursements",
        )
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if app is None:
        raise NotFound("not_found", NOT_FOUND)
    return app


def document_of(entrepreneur_id: int | None, app_id: Any, doc_id: Any) -> ApplicationDocument:
    doc = (
        ApplicationDocument.objects.filter(
            pk=doc_id, application_id=app_id, application__entrepreneur_id=entrepreneur_id
        ).first()
        if entrepreneur_id and str(app_id).isdigit() and str(doc_id).isdigit()
        else None
    )
    if doc is None:
        raise NotFound("not_found", NOT_FOUND)
    return doc


def registrations_of(account: PortalAccount) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(account=account).select_related("region").order_by("-created_at", "-id")
    )


def pending_registration(account: PortalAccount) -> Registration | None:
    return registrations_of(account).filter(status=RequestStatus.PENDING).first()


def edit_requests_of(account: PortalAccount) -> QuerySet[EditRequest]:
    return (
        EditRequest.objects.filter(account=account).select_related("business").order_by("-created_at", "-id")
    )


# --------------------------------------------------------------------------- county review


def registrations_for_user(user: Any, action: str = VIEW) -> QuerySet[Registration]:
    return Registration.objects.for_user(user, action).select_related("region", "account", "decided_by")


def edit_requests_for_user(user: Any, action: str = VIEW) -> QuerySet[EditRequest]:
    return EditRequest.objects.for_user(user, action).select_related(
        "entrepreneur__region", "business", "decided_by"
    )


def merge_target(user: Any, entrepreneur_id: Any) -> Entrepreneur | None:
    """A registry record the officer may merge a registration into (in their scope for change), or None."""
    if not str(entrepreneur_id or "").isdigit():
        return None
    return Entrepreneur.objects.for_user(user, CHANGE).filter(pk=entrepreneur_id).first()


def id_number_held_elsewhere(user: Any, registration: Registration) -> bool:
    """Whether a registry record outside the officer's scope holds the registration's ID number: a yes/no
    only, as the registry's own refusal of a duplicate says it (已在其他县区登记) — never which county or
    whose record (DESIGN: not even a hint)."""
    found = id_number_registration(user=user, id_number=registration.id_number)
    return found.status == "elsewhere"


def region_label(code: str) -> str:
    """A region code as the review pages show it: the parent's name and the region's own (reference data)."""
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None:
        return code
    return f"{region.parent.name if region.parent else ''}{region.name}"


def priority_group_names() -> dict[str, str]:
    return dict(PriorityGroup.objects.values_list("code", "name"))


def assist_sessions_of(clerk: Any) -> QuerySet[AssistSession]:
    if not getattr(clerk, "is_authenticated", False):
        return AssistSession.objects.none()
    return AssistSession.objects.filter(clerk=clerk).select_related("entrepreneur__region")


def assist_session(clerk: Any, pk: Any) -> AssistSession:
    session = assist_sessions_of(clerk).filter(pk=pk).first() if str(pk).isdigit() else None
    if session is None:
        raise NotFound("not_found", "帮办记录不存在或无权访问。")
    return session


# --------------------------------------------------------------------------- policy matches


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _text_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    out = []
    for v in value:
        if isinstance(v, str):
            out.append(v)
        else:
            out.append(str(_get(v, "message") or _get(v, "condition") or v))
    return out


def _item(row: Any) -> dict:
    item = _get(row, "item")
    amount = _get(row, "amount_text") or _get(row, "estimated_amount")
    if _get(row, "amount_text") and item is not None:  # a staff note on an amount stays with staff
        from fanxiang.policies.selectors import public_amount_text

        amount = public_amount_text(item, amount)
    if _get(row, "total") and not amount:
        amount = _get(row, "total")
    return {
        "title": str(_get(row, "title") or _get(item, "title") or item or ""),
        "document_number": str(_get(row, "document_number") or _get(item, "document_number") or ""),
        "benefit": str(_get(item, "benefit_label") or ""),
        "estimated_amount": str(amount) if amount not in (None, "") else "",
        "reasons": _text_list(_get(row, "reasons")),
        "failed": _text_list(_get(row, "failed")),
        "message": str(_get(row, "message") or ""),
        "how_to_apply": str(_get(row, "how_to_apply") or _get(item, "apply_where") or ""),
    }


def policy_matches(entrepreneur: Entrepreneur, on: dt.date | None = None) -> dict | None:
    """ "What can I get": the policies app's matcher when it is installed (``match_entrepreneur``), as plain
    lists for the page; None when the policy library is not available yet."""
    try:
        from fanxiang.policies.selectors import match_entrepreneur
    except ImportError:
        return None
    result = match_entrepreneur(entrepreneur, on=on or timezone.localdate())
    return {
        "eligible": [_item(r) for r in _get(result, "eligible", []) or []],
        "near_misses": [_item(r) for r in _get(result, "near_misses", []) or []],
        "received": [_item(r) for r in _get(result, "received", []) or []],
    }


def founder_business_ids(entrepreneur_id: int) -> set[int]:
    return set(
        BusinessFounder.objects.filter(entrepreneur_id=entrepreneur_id).values_list("business_id", flat=True)
    )
