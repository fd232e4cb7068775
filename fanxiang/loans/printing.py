"""The printed papers of a loan application: the application form (申请表) with its eligibility results, and
the approval sheet (审批表) with each review step's holder, time (Beijing time) and opinion.

``GET /loans/applications/<id>/print.pdf`` holds both; ``?doc=application`` or ``?doc=approval`` prints one.
The application is read through the loan selectors (another county's, or another bank's, is a 404); ID
numbers are masked; every print is audited (core.pdf.PrintView).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer

from fanxiang.core import pdf
from fanxiang.core.errors import NotFound
from fanxiang.entrepreneurs.printing import person_fields
from fanxiang.loans import applications as services
from fanxiang.loans.applications import selectors, steps
from fanxiang.loans.applications.workflow import BANK, COUNTY, GUARANTEE, status_label
from fanxiang.loans.choices import AppStatus, BorrowerCategory
from fanxiang.loans.models import LoanApplication

APPLICATION = "application"
APPROVAL = "approval"
DOCUMENTS = {APPLICATION: "创业担保贷款申请表", APPROVAL: "创业担保贷款审批表"}

# The rows of the approval sheet: one per step of the chain, filled from its latest event.
# (label, the actions of that step, the roles whose return/rejection belongs to it)
STAGES: tuple[tuple[str, frozenset[str], frozenset[str]], ...] = (
    ("受理（提交申请）", frozenset({"submit"}), frozenset()),
    ("人社部门资格审核", frozenset({"hr_approve"}), frozenset({COUNTY})),
    ("担保机构审核", frozenset({"guarantee_approve"}), frozenset({GUARANTEE})),
    ("经办银行审批", frozenset({"bank_approve"}), frozenset({BANK})),
    ("签订借款合同", frozenset({"sign_contract"}), frozenset()),
    ("放款", frozenset({"disburse"}), frozenset()),
)
DECISIONS = frozenset({"return", "reject"})
# the events the approval sheet's full record lists (uploads and drafts are the application's own history)
RECORDED = frozenset(
    {"submit", "override", "hr_approve", "guarantee_approve", "bank_approve", "return", "reject", "withdraw"}
    | {"sign_contract", "disburse", "extend", "settle", "compensate"}
)
OPINION = {
    "submit": "提交申请",
    "hr_approve": "同意（资格审核通过）",
    "guarantee_approve": "同意（担保审核通过）",
    "bank_approve": "同意（审批通过）",
    "sign_contract": "已签订借款合同",
    "disburse": "已放款",
    "return": "退回补正",
    "reject": "不予通过",
    "override": "人工认定",
    "withdraw": "撤回申请",
}


def _categories(values: list[str]) -> str:
    return "、".join(
        str(BorrowerCategory(c).label) if c in BorrowerCategory.values else c for c in values or []
    )


def _holder(event: dict) -> str:
    """Who held the step: name and role as the timeline shows them (系统 for scheduled jobs)."""
    name, role = event["actor"], event["role"]
    return f"{name}（{role}）" if role else name


def _opinion(event: dict) -> str:
    parts = [OPINION.get(event["action"], event["label"])]
    if event["note"]:
        parts.append(f"意见：{event['note']}")
    parts += event["details"]
    return "\n".join(parts)


def _stage_of(event: dict) -> str | None:
    for label, actions, decision_roles in STAGES:
        if event["action"] in actions or (
            event["action"] in DECISIONS and event["role_code"] in decision_roles
        ):
            return label
    return None


# --------------------------------------------------------------------------- 申请表


def _eligibility(app: LoanApplication, today: dt.date) -> tuple[str, list[dict], Any]:
    """The checks the form prints: those stored at submission, or for a draft a pre-check as of today."""
    stored = app.eligibility or {}
    if stored.get("checks"):
        when = app.applied_on.isoformat() if app.applied_on else ""
        return (
            f"提交时的资格检查（{when}）" if when else "提交时的资格检查",
            stored["checks"],
            stored.get("max_amount"),
        )
    result = services.run_eligibility(app, today)
    checks = [
        {"passed": c.passed, "severity": c.severity, "message": c.message, "rule": c.rule}
        for c in result.checks
    ]
    return f"资格预检（尚未提交，按 {today.isoformat()} 检查）", checks, result.max_amount


def _result_label(check: dict) -> str:
    if check.get("passed"):
        return "✓ 通过"
    return "⚠ 需人工认定" if check.get("severity") == "soft" else "✗ 未通过"


def application_form(app: LoanApplication, today: dt.date) -> list:
    person = app.entrepreneur
    story: list = [
        pdf.DocumentTitle(
            DOCUMENTS[APPLICATION], f"申请编号：{app.number}　申请日期：{pdf.text(app.applied_on)}"
        ),
        pdf.heading("一、申请人基本情况"),
        pdf.form_grid(
            [
                *person_fields(person),
                ("人员类别", person.get_category_display()),
                pdf.Field("现居住地", person.region.full_name, wide=True),
                pdf.Field("扶持对象类别", _categories(app.borrower_categories), wide=True),
                pdf.Field("优先办理事由", "、".join(selectors.priority_reasons(app)) or "无", wide=True),
            ]
        ),
    ]
    partners = list(app.partners.all())
    business = app.business
    story += [
        pdf.heading("二、借款主体"),
        pdf.form_grid(
            [
                ("借款人类型", app.get_borrower_type_display()),
                ("所属区划", app.region.full_name),
                ("经营主体", business.name if business else ""),
                ("统一社会信用代码", business.credit_code if business else ""),
                ("企业现有职工", app.staff_count if app.staff_count is not None else ""),
                (
                    "当年新招符合条件人员",
                    app.new_eligible_hires if app.new_eligible_hires is not None else "",
                ),
            ]
        ),
    ]
    if partners:
        story += [
            Spacer(1, 2 * mm),
            pdf.data_table(
                ["合伙人", "身份证号码", "人员类别"],
                [
                    [p.name, pdf.masked_id_number(p.id_number_masked), p.get_category_display()]
                    for p in partners
                ],
                widths=[2, 3, 3],
            ),
        ]
    story += [
        pdf.heading("三、贷款申请"),
        pdf.form_grid(
            [
                ("申请金额（元）", pdf.money(app.amount)),
                ("申请期限（月）", app.term_months),
                ("经办银行", app.bank.name if app.bank else ""),
                ("担保机构", app.guarantee_org.name if app.guarantee_org else ""),
                ("反担保方式", app.get_counter_guarantee_display()),
                ("免反担保推荐单位", str(app.recommender) if app.recommender else ""),
                pdf.Field("反担保说明", app.counter_guarantee_detail, wide=True),
                pdf.Field("贷款用途", app.purpose, wide=True),
                ("受疫情影响", app.epidemic_affected),
                ("本人或配偶有其他未结清贷款", app.declared_other_debts),
                ("审核方式", "多审合一（并联审核）" if app.merged_review else "逐级审核"),
                ("当前状态", status_label(app.status)),
            ]
        ),
    ]
    caption, checks, max_amount = _eligibility(app, today)
    eligible = not any(not c.get("passed") and c.get("severity", "hard") == "hard" for c in checks)
    overall = "符合创业担保贷款条件" if eligible else "不符合创业担保贷款条件"
    story += [
        pdf.heading(f"四、{caption}"),
        pdf.data_table(
            ["结果", "检查事项"],
            [[_result_label(c), c.get("message", "")] for c in checks],
            widths=[1.2, 6],
            empty="无检查记录",
        ),
        Spacer(1, 1.5 * mm),
        pdf.para(
            f"结论：{overall}" + (f"；额度上限 {pdf.money(max_amount)} 元。" if max_amount else "。"), "body"
        ),
    ]
    if app.overrides:
        story += [
            pdf.heading("人工认定"),
            pdf.data_table(
                ["认定事项", "认定人", "理由"],
                [
                    [o.get("message", ""), o.get("by_name") or o.get("by", ""), o.get("reason", "")]
                    for o in app.overrides
                ],
                widths=[3, 1.4, 3],
            ),
        ]
    story += [
        pdf.heading("五、申请人承诺"),
        pdf.para(
            "本人承诺以上所填信息及所附材料真实、完整、有效，贷款资金仅用于申报的创业经营项目，"
            "按合同约定按期还本付息；如有虚假，愿承担相应责任。",
            "body",
        ),
        pdf.signature_block("申请人", "受理经办人"),
    ]
    return story


# --------------------------------------------------------------------------- 审批表


def approval_sheet(app: LoanApplication) -> list:
    # the timeline's rows (labels, details) with the role code of each event, in the same order
    events = [
        {**row, "role_code": event.actor_role}
        for event, row in zip(app.events.all(), steps.timeline(app), strict=True)
        if row["action"] in RECORDED
    ]
    latest: dict[str, dict] = {}
    for event in events:  # oldest first: the last one of a step wins (a return then a new approval)
        stage = _stage_of(event)
        if stage:
            latest[stage] = event
    summary = [
        ("申请人", app.entrepreneur.name),
        ("借款人类型", app.get_borrower_type_display()),
        ("申请金额（元）", pdf.money(app.amount)),
        ("申请期限（月）", app.term_months),
        ("经办银行", app.bank.name if app.bank else ""),
        ("担保机构", app.guarantee_org.name if app.guarantee_org else ""),
        ("批准金额（元）", pdf.money(app.approved_amount)),
        ("合同年利率（%）", app.annual_rate if app.annual_rate is not None else ""),
        ("合同日期", app.contract_date),
        ("已放款（元）", pdf.money(app.disbursed_total)),
    ]
    # the contract number (recorded at signing) and each tranche's loan-note number (at disbursement)
    tranches = list(app.disbursements.all())
    summary.append(("借款合同编号", app.contract_no))
    summary.append(("借据号", "、".join(t.loan_note_no for t in tranches if t.loan_note_no)))
    summary.append(pdf.Field("当前状态", status_label(app.status), wide=True))
    stage_rows = []
    for label, _actions, _roles in STAGES:
        event = latest.get(label)
        if event is None:
            stage_rows.append([label, pdf.EMPTY, pdf.EMPTY, "未办理"])
        else:
            stage_rows.append([label, _holder(event), pdf.beijing(event["at"]), _opinion(event)])
    story: list = [
        pdf.DocumentTitle(
            DOCUMENTS[APPROVAL], f"申请编号：{app.number}　申请日期：{pdf.text(app.applied_on)}"
        ),
        pdf.heading("一、申请概况"),
        pdf.form_grid(summary),
        pdf.heading("二、审批环节"),
        pdf.data_table(
            ["环节", "办理人", "办理时间（北京时间）", "意见"], stage_rows, widths=[1.6, 2, 1.7, 3.4]
        ),
    ]
    if tranches:
        headers = ["笔次", "放款金额（元）", "放款日期", "年利率（%）", "借据号"]
        story += [
            pdf.heading("放款记录"),
            pdf.data_table(
                headers,
                [
                    [f"第{t.seq}笔", pdf.money(t.amount), t.date, t.annual_rate, t.loan_note_no]
                    for t in tranches
                ],
            ),
        ]
    if app.missing_items and app.status == AppStatus.RETURNED:
        story += [pdf.heading("退回补正事项"), pdf.para("\n".join(app.missing_items), "body")]
    if app.rejection_reasons:
        story += [pdf.heading("不予通过的理由"), pdf.para("\n".join(app.rejection_reasons), "body")]
    story += [
        pdf.heading("三、办理记录"),
        pdf.data_table(
            ["时间（北京时间）", "办理人", "事项", "意见/说明"],
            [[pdf.beijing(e["at"]), _holder(e), e["label"], _opinion(e)] for e in events],
            widths=[1.7, 2, 1.4, 3.6],
            empty="暂无办理记录",
        ),
        pdf.signature_block("人社部门审核人", "担保机构审核人", "经办银行审批人"),
    ]
    return story


def render_application(
    app: LoanApplication, *, doc: str = "", printed_by: str = "", today: dt.date | None = None
) -> bytes:
    """The PDF of ``doc`` (application, approval, or both when empty)."""
    today = today or timezone.localdate()
    story: list = []
    if doc in ("", APPLICATION):
        story += application_form(app, today)
    if doc == "":
        story.append(PageBreak())
    if doc in ("", APPROVAL):
        story += approval_sheet(app)
    title = DOCUMENTS.get(doc, "创业担保贷款申请表及审批表")
    return pdf.render(
        story, title=f"{title} {app.number}", printed_by=printed_by, subject=app.entrepreneur.name
    )


class ApplicationPrintView(pdf.PrintView):
    """The application's papers as PDF, for whoever may see the application."""

    def get_object(self) -> LoanApplication:
        self.doc = self.request.GET.get("doc", "")
        if self.doc not in ("", APPLICATION, APPROVAL):
            raise Http404
        try:
            return selectors.application_detail(self.request.user, self.kwargs["pk"])
        except NotFound:
            raise Http404

    def build(self, obj: LoanApplication) -> tuple[bytes, str, str]:
        data = render_application(obj, doc=self.doc, printed_by=self.printed_by())
        name = DOCUMENTS.get(self.doc, "申请表及审批表")
        return data, f"{obj.number}-{name}.pdf", name
