"""What a service request produced (point (七): "where it leads to one, to the loan application, grant or
training enrolment it produced"): the request's generic ``outcome_type`` / ``outcome_id``, named by a *kind*.

A kind names a model by its label (``"loans.LoanApplication"``), so this app imports none of the apps whose
records it links to; an app that adds a kind (a training app's enrolments) calls :func:`register_outcome_kind`
from its ``ready()``. References are resolved only within the caller's scope: a record the caller may not see
is refused exactly like one that does not exist (``onestop.outcome_not_found``), and a request shows its
outcome's number and link only to a viewer who may read that record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse

from fanxiang.core.errors import InvalidInput
from fanxiang.core.scope import VIEW


@dataclass(frozen=True)
class OutcomeKind:
    kind: str  # the API's name: "loan_application", "grant", …
    model: str  # "app_label.ModelName"
    title: str  # what it is, in Chinese
    url_name: str  # the detail page, reversed with the record's pk
    describe: Callable[[Any], str]  # the record's label (number, item …)

    def model_class(self):
        try:
            return apps.get_model(self.model)
        except LookupError:  # the app is not installed
            return None


_KINDS: dict[str, OutcomeKind] = {}


def register_outcome_kind(kind: OutcomeKind) -> None:
    _KINDS.setdefault(kind.kind, kind)


def kinds() -> dict[str, OutcomeKind]:
    return {k: v for k, v in _KINDS.items() if v.model_class() is not None}


register_outcome_kind(
    OutcomeKind(
        "loan_application",
        "loans.LoanApplication",
        "创业担保贷款申请",
        "loans:application_detail",
        lambda app: f"创业担保贷款申请 {app.number}",
    )
)
register_outcome_kind(
    OutcomeKind(
        "grant",
        "policies.BenefitGrant",
        "政策享受记录",
        "policies:grant_detail",
        lambda g: f"政策享受：{g.item.title}（{g.granted_on:%Y-%m-%d}）",
    )
)

register_outcome_kind(
    OutcomeKind(
        "training_enrolment",
        "training.Enrolment",
        "培训报名",
        "training:enrolment_detail",  # no page yet: the link is left out until the training pages name it
        lambda e: f"培训报名：{e.training_class.name}",
    )
)


def _not_found() -> InvalidInput:
    return InvalidInput.field("outcome", "onestop.outcome_not_found", "办理成果不存在或无权访问。")


def resolve_outcome(*, actor: Any, ref: dict | None, service_request: Any) -> Any:
    """The record ``ref`` (``{"kind", "id"}``) names, read within ``actor``'s scope; ``None`` for no
    reference. Refused (422 on ``outcome``): an unknown kind, a record the actor may not see or that does not
    exist (one code for both), a record of another person than the request's applicant."""
    if not ref:
        return None
    found = kinds().get(str(ref.get("kind") or ""))
    if found is None:
        raise InvalidInput.field("outcome", "onestop.outcome_kind_unknown", "办理成果类型不正确。")
    pk = ref.get("id")
    if isinstance(pk, bool) or not isinstance(pk, int) or pk <= 0:
        raise _not_found()
    obj = found.model_class().objects.for_user(actor, VIEW).filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    person = getattr(obj, "entrepreneur_id", None)
    if (
        service_request.entrepreneur_id is not None
        and person is not None
        and person != service_request.entrepreneur_id
    ):
        raise InvalidInput.field(
            "outcome", "onestop.outcome_other_person", "办理成果不属于该工单的服务对象。"
        )
    return obj


def _kind_of(content_type_id: int) -> OutcomeKind | None:
    ct = ContentType.objects.get_for_id(content_type_id)
    label = f"{ct.app_label}.{ct.model}"
    return next((k for k in kinds().values() if k.model.lower() == label), None)


def outcome_out(service_request: Any, user: Any) -> dict | None:
    """``{"kind", "id", "label", "url"}`` of the request's outcome, or ``None``. A record the viewer may not
    read shows only what kind of thing it is (no id, number or link)."""
    if service_request.outcome_type_id is None or service_request.outcome_id is None:
        return None
    found = _kind_of(service_request.outcome_type_id)
    if found is None:
        return None
    obj = found.model_class().objects.for_user(user, VIEW).filter(pk=service_request.outcome_id).first()
    if obj is None:
        return {"kind": found.kind, "id": None, "label": found.title, "url": None}
    try:
        url = reverse(found.url_name, args=[obj.pk])
    except NoReverseMatch:
        url = None
    return {"kind": found.kind, "id": obj.pk, "label": found.describe(obj), "url": url}
