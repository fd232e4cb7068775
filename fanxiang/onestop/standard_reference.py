"""Reference data of the construction standard: one published version from 2020-01-01.

**Our own draft, not an official standard.** The work plan asks every county to build a returnee
entrepreneurship service centre to a standard but publishes none; the items below follow what provincial
and municipal 返乡创业服务中心 building requirements commonly ask for (premises, windows, staff, public
listing of services, information systems, rules, ledgers …) and are weighted to 100 points by this system.
The city edits them by publishing a new version (a draft copy of this one, changed and published from its
date); assessments already made keep the version they were made against.

**Grade bands are data too** (:class:`~fanxiang.onestop.standard_models.GradeBand`, per version): 优秀 ≥ 90,
良好 ≥ 75, 合格 ≥ 60, 不合格 below — a common four-grade split chosen here, not fixed by any source.

Idempotent and never overwrites an edit: when the version's code exists, nothing is touched.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fanxiang.onestop.standard_models import (
    EvidenceKind,
    GradeBand,
    StandardItem,
    StandardVersion,
    VersionStatus,
)

CODE = "FXCY-2020"
VALID_FROM = dt.date(2020, 1, 1)
P, D, N = EvidenceKind.PHOTO, EvidenceKind.DOCUMENT, EvidenceKind.NONE

# code, category, title, description, weight (points), evidence
ITEMS = [
    ("S01", "场地", "独立服务场所", "有独立、固定的服务场所，面积一般不少于200平方米，设服务大厅、洽谈室和培训室。", 15, P),
    ("S02", "窗口", "综合服务窗口", "设注册登记、政策咨询、创业指导、社保关系接续、优惠政策享受等窗口，实行一窗受理。", 15, P),
    ("S03", "人员", "专职服务人员", "专职窗口人员不少于4名，配备创业指导专家（导师），人员名单及分工明确。", 10, D),
    ("S04", "服务事项公开", "服务事项公开", "公开服务事项、办理流程、所需材料、办理时限和咨询电话。", 10, P),
    ("S05", "信息化", "信息化服务", "接入市返乡创业服务平台，可网上办理；配备评价器或二维码评价。", 10, P),
    ("S06", "制度", "服务制度", "首问负责、一次性告知、限时办结、全程帮办、好差评等制度健全并上墙。", 10, D),
    ("S07", "台账", "服务台账", "服务工单、创业人员档案和政策兑现台账齐全，按月报送。", 10, D),
    ("S08", "标识", "统一标识", "悬挂统一名称标牌，设置导引标识。", 5, P),
    ("S09", "便民设施", "便民设施", "设等候区、饮水、无障碍通道等便民设施。", 5, P),
    ("S10", "资源对接", "资源对接机制", "与创业孵化基地、经办银行、担保机构建立对接机制，有书面协议或工作制度。", 10, D),
]  # fmt: skip

BANDS = [
    ("excellent", "优秀", Decimal(90)),
    ("good", "良好", Decimal(75)),
    ("pass", "合格", Decimal(60)),
    ("fail", "不合格", Decimal(0)),
]


def load() -> dict:
    version, made = StandardVersion.objects.get_or_create(
        code=CODE,
        defaults={
            "name": "返乡创业综合服务中心建设标准（2020年版，本系统草拟）",
            "valid_from": VALID_FROM,
            "status": VersionStatus.PUBLISHED,
            "basis": "本系统草拟，待市人社局确认；等级分数线为本系统选定的参数。",
        },
    )
    if made:
        for order, (code, category, title, description, weight, evidence) in enumerate(ITEMS, 1):
            StandardItem.objects.create(
                version=version,
                code=code,
                category=category,
                title=title,
                description=description,
                weight=Decimal(weight),
                evidence=evidence,
                order=order * 10,
            )
        for code, label, min_score in BANDS:
            GradeBand.objects.create(version=version, code=code, label=label, min_score=min_score)
    return {"onestop.standard_versions": int(made)}
