"""A class's teachers (授课教师账号): staff users of the training institution that runs it.

A teacher is a user of the provider's organization holding the ``training_provider`` role in a region that
covers the class's county (the same role as the institution's other staff: what only a teacher may do, open
the roll of a class they teach, comes from being on ``TrainingClass.teachers``, see
:func:`fanxiang.training.attendance.is_teacher`). The county officer of the class's county or the institution
itself picks them from :func:`teacher_options` (never another institution's users).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from fanxiang.accounts.models import User
from fanxiang.accounts.roles import Role
from fanxiang.core import audit
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.core.scope import CHANGE, ensure_in_scope
from fanxiang.training.choices import ClassStatus
from fanxiang.training.models import TrainingClass
from fanxiang.training.selectors import may

CLOSED = (ClassStatus.CANCELLED, ClassStatus.CLAIMED)
EVENT_TEACHERS = "training_class_teachers"


def _ancestor_paths(tree_path: str) -> list[str]:
    """``/411600/411625/`` → ``["/411600/", "/411600/411625/"]``: the regions whose subtree holds it."""
    parts = [p for p in tree_path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def teacher_options(training_class: TrainingClass) -> QuerySet[User]:
    """The users who may teach the class: active users of its institution with the training-institution role
    in a region covering the class's county."""
    return (
        User.objects.filter(
            is_active=True,
            organization_id=training_class.provider.organization_id,
            role_assignments__role=Role.TRAINING_PROVIDER,
            role_assignments__region__tree_path__in=_ancestor_paths(training_class.region.tree_path),
        )
        .distinct()
        .order_by("real_name", "username")
    )


def teaches(user: Any, training_class: TrainingClass) -> bool:
    """The user is on the class's teachers and still may teach it (active, of its institution, holding the
    role over its county): a teacher who left the institution or lost the role no longer counts."""
    if not getattr(user, "pk", None):
        return False
    return (
        training_class.teachers.filter(pk=user.pk).exists()
        and teacher_options(training_class).filter(pk=user.pk).exists()
    )


def may_set_teachers(user: Any, training_class: TrainingClass) -> bool:
    return training_class.status not in CLOSED and may(user, TrainingClass, CHANGE, training_class)


def class_teachers_set(
    *, actor: Any, training_class: TrainingClass, teacher_ids: Iterable[int | str], request: Any = None
) -> TrainingClass:
    """Set the class's teacher accounts to ``teacher_ids`` (each one of :func:`teacher_options`)."""
    if not may(actor, TrainingClass, CHANGE, training_class):
        raise Forbidden("training.forbidden", "您无权设置该培训班的授课教师。")
    if training_class.status in CLOSED:
        raise Conflict("training.wrong_state", "培训班已取消或已申领补贴，不能再修改授课教师。")
    try:
        wanted = {int(pk) for pk in teacher_ids}
    except (TypeError, ValueError):
        raise InvalidInput.field("teachers", "training.teacher_invalid", "请选择本培训机构的人员。") from None
    chosen = list(teacher_options(training_class).filter(pk__in=wanted))
    if len(chosen) != len(wanted):
        raise InvalidInput.field(
            "teachers", "training.teacher_invalid", "所选教师不是承办本班的培训机构的人员，请重新选择。"
        )
    with transaction.atomic(), audit.acting_as(actor):
        klass = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        before = sorted(klass.teachers.values_list("username", flat=True))
        klass.teachers.set(chosen)
        after = sorted(u.username for u in chosen)
        if before != after:
            audit.record_event(
                event=EVENT_TEACHERS,
                actor=actor,
                obj=klass,
                request=request,
                changes={"teachers": [before, after]},
            )
        ensure_in_scope(actor, klass, CHANGE)
    return klass
