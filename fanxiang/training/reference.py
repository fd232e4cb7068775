"""Reference data of the training app: the programmes of point (八) and the app's parameters.

Idempotent, and never overwrites an edit: a programme, a rule version or a parameter row that exists is
left as the city left it.

**Every figure below is an unconfirmed parameter.** The work plan names the kinds of training but fixes no
hours, shares or amounts. Class hours follow the usual length of the national SYB/IYB/GYB courses (SYB
about 10 days of teaching, GYB 2–3 days, IYB about 5 days); the subsidy per completing trainee is left at
0 yuan until the city's finance bureau sets it (a class can run, but a claim pays nothing until then). Rule
versions valid from 2020-01-01: completion and subsidy at 80 % of the required hours, full subsidy when
the trainee starts a business within 6 months of completion and 50 % otherwise, age 16–60, pensioners and
full-time students refused (hard rule). App parameters: classes of at most 30, filed 3 working days before
they start, 公示 for 5 working days, check-in codes changing every 30 seconds.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fanxiang.training.choices import ProgrammeKind
from fanxiang.training.models import UNCONFIRMED, Parameters, Programme, ProgrammeRule

VALID_FROM = dt.date(2020, 1, 1)
K = ProgrammeKind

# code, kind, name, hours, assessment
PROGRAMMES = [
    ("syb", K.SYB, "创办你的企业（SYB）创业培训", "80", "完成创业计划书并通过评审"),
    ("iyb", K.IYB, "改善你的企业（IYB）培训", "40", "完成企业改善方案并通过评审"),
    ("gyb", K.GYB, "产生你的企业想法（GYB）培训", "20", "提交创业想法报告"),
    ("online_startup", K.ONLINE_STARTUP, "网络创业培训", "60", "完成网店或直播账号开设实操"),
    ("village_leader", K.VILLAGE_LEADER, "贫困村创业致富带头人培训", "70", "提交带动脱贫产业项目计划"),
    ("project_head", K.PROJECT_HEAD, "省级示范项目负责人提升培训", "40", "提交项目提升方案"),
]


def load() -> dict:
    created = 0
    for order, (code, kind, name, hours, assessment) in enumerate(PROGRAMMES, 1):
        programme, made = Programme.objects.get_or_create(
            code=code,
            defaults={
                "kind": kind,
                "name": name,
                "hours_required": Decimal(hours),
                "assessment": assessment,
                "order": order * 10,
            },
        )
        created += made
        if made:
            ProgrammeRule.objects.get_or_create(
                programme=programme, valid_from=VALID_FROM, defaults={"basis": UNCONFIRMED}
            )
    Parameters.objects.get_or_create(valid_from=VALID_FROM, defaults={"basis": UNCONFIRMED})
    return {"training.programmes": created}
