"""The training class (培训班) declared on the platform's workflow machine.

:data:`CLASSES`: ``draft → filed → approved → running → finished → claimed``. ``file`` (备案) is refused
unless it comes at least ``Parameters.filing_lead_workdays`` working days (holiday calendar) before the
class starts (checked by :func:`fanxiang.training.services.class_file`); ``return`` (退回, reason required)
sends a filed class back for correction, after which it is filed again; ``cancel`` (reason required) ends a
class that has not finished. ``claim`` is the system's step when the subsidy claim of a finished class is
filed (taken by the claims service, later).

Roles: the county officer of the class's county, or the staff of the training institution that runs it
(``training_provider``, bound to its organization through the models' ``scope_organization``), files, starts
and finishes the class and files its claim; the county officer or the city administrator approves, returns
and cancels it.
"""

from __future__ import annotations

from fanxiang.accounts.roles import ROLE_LABELS, SYSTEM, Role
from fanxiang.core.workflow import Workflow, step, waiting
from fanxiang.training.choices import ClassStatus
from fanxiang.training.models import TrainingClass, TrainingClassEvent

C = ClassStatus
COUNTY = Role.COUNTY_OFFICER.value
CITY = Role.CITY_ADMIN.value
PROVIDER = Role.TRAINING_PROVIDER.value
REVIEWERS = (COUNTY, CITY)
RUNNERS = (COUNTY, PROVIDER)
OPEN = (C.DRAFT, C.FILED, C.RETURNED, C.APPROVED, C.RUNNING)

# fmt: off
CLASSES = Workflow(
    name="training_class",
    code="training",
    model=TrainingClass,
    noun="培训班",
    steps=(
        step("file", [C.DRAFT, C.RETURNED], C.FILED, RUNNERS, "备案"),
        step("approve", [C.FILED], C.APPROVED, REVIEWERS, "审核通过"),
        step("return", [C.FILED], C.RETURNED, REVIEWERS, "退回", requires=("note",)),
        step("start", [C.APPROVED], C.RUNNING, RUNNERS, "开班"),
        step("finish", [C.RUNNING], C.FINISHED, RUNNERS, "结业"),
        step("claim", [C.FINISHED], C.CLAIMED, [SYSTEM, *RUNNERS], "申领补贴"),
        step("cancel", OPEN, C.CANCELLED, REVIEWERS, "取消", requires=("note",)),
    ),
    waiting={
        C.DRAFT: waiting(RUNNERS),
        C.FILED: waiting(REVIEWERS),
        C.RETURNED: waiting(RUNNERS),
        C.APPROVED: waiting(RUNNERS),
        C.RUNNING: waiting(RUNNERS),
        C.FINISHED: waiting(RUNNERS),
        C.CLAIMED: waiting([]),
        C.CANCELLED: waiting([]),
    },
    event_model=TrainingClassEvent,
    event_fk="training_class",
    role_labels=ROLE_LABELS,
    status_labels=C,
)
# fmt: on
