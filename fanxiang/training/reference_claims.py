"""Reference data of training-subsidy claims: one once-only policy item of the ``training_subsidy`` type per
programme kind (the subsidy paid at payment) and one per kind for the top-up after the follow-up.

A paid claim line becomes a policy grant of its kind's item through the policies app's
:func:`fanxiang.policies.grants.grant_create`, so the policies' totals count it and its once-only rule
refuses a second subsidy for the same programme kind (``policy.grant_once_only``).

The items hang on the city's policy measures document already in the policy library; the amount is the
programme rule's ``subsidy_per_trainee`` (no source fixes it), so every item is marked unconfirmed.
Idempotent; an item the city edited is left alone.
"""

from __future__ import annotations

from fanxiang.policies.models import AmountKind, BenefitType, PolicyDocument, PolicyItem
from fanxiang.training.choices import ProgrammeKind

DOCUMENT = "周政办〔2019〕59号"
NOTE = (
    "依据周口市返乡入乡创业工作方案第（八）项（创业培训）；补贴标准、拆分比例由培训项目参数设定，"
    "工作方案未规定，待市级确认。"
)


def item_code(kind: str, *, top_up: bool = False) -> str:
    return f"training-subsidy-{kind.replace('_', '-')}{'-topup' if top_up else ''}"


def load() -> dict:
    document = PolicyDocument.objects.filter(number=DOCUMENT).first()
    if document is None:  # the policies reference is not loaded: nothing to hang the items on
        return {"training.subsidy_items": 0}
    created = 0
    for order, (kind, label) in enumerate(ProgrammeKind.choices, 1):
        for top_up in (False, True):
            title = f"创业培训补贴（{label}）{'跟踪补拨' if top_up else ''}"
            _, made = PolicyItem.objects.get_or_create(
                code=item_code(kind, top_up=top_up),
                defaults={
                    "document": document,
                    "title": title[:200],
                    "benefit_type": BenefitType.TRAINING_SUBSIDY,
                    "summary": "培训班结业学员经公示、审批后拨付培训补贴；结业后期限内创业的，跟踪核查后补拨。",
                    "amount_kind": AmountKind.UNKNOWN,
                    "amount_note": "按培训项目参数核定（每名结业学员补贴及拆分比例）",
                    "once_only": True,
                    "unconfirmed": True,
                    "unconfirmed_note": NOTE,
                    "sort_order": 200 + order * 2 + top_up,
                },
            )
            created += made
    return {"training.subsidy_items": created}
