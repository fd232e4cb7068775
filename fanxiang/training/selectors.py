"""Every read of the training app: querysets start from ``Model.objects.for_user(user, action)``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from fanxiang.core.scope import VIEW, can, get_for_user
from fanxiang.regions.models import Region
from fanxiang.training.choices import EnrolmentStatus
from fanxiang.training.models import Base, ClassSession, Enrolment, Programme, Provider, TrainingClass


def programmes(*, active_only: bool = True) -> QuerySet[Programme]:
    """Reference data, the same for everyone (with their rule versions)."""
    qs = Programme.objects.prefetch_related("rules")
    return qs.filter(is_active=True) if active_only else qs


def providers() -> QuerySet[Provider]:
    """Reference data (city): every recognised training institution, with its organisation."""
    return (
        Provider.objects.select_related("organization")
        .prefetch_related("programmes")
        .order_by("organization__code")
    )


def bases() -> QuerySet[Base]:
    """Reference data (city): the incubation bases used for training, with their recommender record."""
    return Base.objects.select_related("recommender__region").order_by("recommender__name", "pk")


def classes_for_user(
    user: Any, *, region: str | None = None, status: str | None = None
) -> QuerySet[TrainingClass]:
    qs = (
        TrainingClass.objects.for_user(user, VIEW)
        .select_related("region", "programme", "provider__organization")
        .annotate(enrolled=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)))
    )
    if region:
        found = Region.objects.filter(code=region).first()
        qs = qs.filter(region__tree_path__startswith=found.tree_path) if found else qs.none()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-start_date", "-id")


def may(user: Any, model: type, action: str, training_class: TrainingClass) -> bool:
    """Whether ``user`` may ``action`` records of ``model`` belonging to ``training_class``: staff of its county,
    or the training institution that runs it (an organization-bound role, see the models' scope_organization)."""
    return can(
        user,
        model,
        action,
        training_class.region.tree_path,
        organization_id=training_class.provider.organization_id,
    )


def class_detail(user: Any, class_id: int) -> TrainingClass:
    klass = get_for_user(TrainingClass, user, VIEW, pk=class_id)
    return (
        TrainingClass.objects.select_related(
            "region", "programme", "provider__organization", "base__recommender"
        )
        .prefetch_related(
            Prefetch("sessions", queryset=ClassSession.objects.order_by("date", "start_time", "id"))
        )
        .annotate(enrolled=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)))
        .get(pk=klass.pk)
    )


def enrolments_of_class(user: Any, training_class: TrainingClass) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.for_user(user, VIEW)
        .filter(training_class=training_class)
        .select_related("entrepreneur")
        .order_by("id")
    )


def enrolment_detail(user: Any, enrolment_id: int) -> Enrolment:
    return get_for_user(Enrolment, user, VIEW, pk=enrolment_id)
