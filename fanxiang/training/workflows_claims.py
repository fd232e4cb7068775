"""The training-subsidy claim (培训补贴申领) declared on the platform's workflow machine.

:data:`CLAIMS`: ``draft → submitted → reviewed → publicised → approved → paid``, ``return`` (reason
required) from submitted, reviewed or publicised back to ``returned``, filed again with ``submit``.
``object`` and ``handle`` record a 公示 objection and its handling on the timeline without changing the
state (``object`` is also taken by the public form: actor ``None`` = system); ``follow_up`` records the
6-month follow-up of a paid claim (it decides the top-ups), ``pay_top_up`` the payment of those top-ups.
The checks (publicity running, objections open, payment amounts) run as effects in
:mod:`fanxiang.training.claims`, inside the step's transaction.

Roles: the training institution that ran the class (``training_provider``, bound to its organization) or the
county officer of the class's county files and submits; the county officer reviews, publishes, records
objections, pays and follows up; the county officer or the city administrator approves or returns.
"""

from __future__ import annotations

from fanxiang.accounts.roles import ROLE_LABELS, SYSTEM, Role
from fanxiang.core.workflow import STAY, Workflow, step, waiting
from fanxiang.training.choices import ClaimStatus
from fanxiang.training.models import SubsidyClaim, SubsidyClaimEvent

S = ClaimStatus
COUNTY = Role.COUNTY_OFFICER.value
CITY = Role.CITY_ADMIN.value
PROVIDER = Role.TRAINING_PROVIDER.value
REVIEWERS = (COUNTY, CITY)
FILERS = (COUNTY, PROVIDER)

# fmt: off
CLAIMS = Workflow(
    name="training_claim",
    code="training",
    model=SubsidyClaim,
    noun="补贴申领",
    steps=(
        step("submit", [S.DRAFT, S.RETURNED], S.SUBMITTED, FILERS, "提交申领"),
        step("review", [S.SUBMITTED], S.REVIEWED, [COUNTY], "县级审核"),
        step("publish", [S.REVIEWED], S.PUBLICISED, [COUNTY], "发布公示"),
        step("object", [S.PUBLICISED], STAY, [COUNTY, SYSTEM], "登记异议"),
        step("handle", [S.PUBLICISED], STAY, [COUNTY], "处理异议", requires=("note",)),
        step("approve", [S.PUBLICISED], S.APPROVED, REVIEWERS, "审批"),
        step("return", [S.SUBMITTED, S.REVIEWED, S.PUBLICISED], S.RETURNED, REVIEWERS, "退回",
             requires=("note",)),
        step("pay", [S.APPROVED], S.PAID, [COUNTY], "登记拨付"),
        step("follow_up", [S.PAID], STAY, [COUNTY, SYSTEM], "创业跟踪核查"),
        step("pay_top_up", [S.PAID], STAY, [COUNTY], "登记跟踪补拨"),
    ),
    waiting={
        S.DRAFT: waiting(FILERS),
        S.SUBMITTED: waiting([COUNTY]),
        S.REVIEWED: waiting([COUNTY]),
        S.PUBLICISED: waiting(REVIEWERS),
        S.APPROVED: waiting([COUNTY]),
        S.PAID: waiting([]),
        S.RETURNED: waiting(FILERS),
    },
    event_model=SubsidyClaimEvent,
    event_fk="claim",
    role_labels=ROLE_LABELS,
    status_labels=S,
)
# fmt: on
