"""The notification events the loan workflow and the repayment reminders raise, with their placeholders and
default Chinese texts (registered in ``LoansConfig.ready``; city admins edit the texts)."""

from __future__ import annotations

from fanxiang.core.registry import NotificationEvent as EventSpec

_LOAN = ("name", "number", "amount", "status")
_LOAN_SAMPLE = (
    ("name", "张三"),
    ("number", "DB2020-411625-00001"),
    ("amount", "100,000.00"),
    ("status", "待人社资格审核"),
)
_REPAYMENT = ("name", "number", "period", "due_date", "amount_due")
_REPAYMENT_SAMPLE = (
    ("name", "张三"),
    ("number", "DB2020-411625-00001"),
    ("period", "3"),
    ("due_date", "2020-09-05"),
    ("amount_due", "320.83"),
)

LOAN_EVENTS = (
    EventSpec(
        "loan_submitted",
        "贷款申请已提交",
        (*_LOAN, "due_date"),
        "贷款申请已提交",
        "{name}，您的创业担保贷款申请{number}（{amount}元）已提交，县区人社部门将在{due_date}前完成资格审核。",
        sample=(*_LOAN_SAMPLE, ("due_date", "2020-05-20")),
    ),
    EventSpec(
        "loan_returned",
        "贷款申请退回补正",
        (*_LOAN, "missing_items", "note"),
        "贷款申请需要补正",
        "{name}，您的创业担保贷款申请{number}需要补正：{missing_items}。请登录返乡创业门户一次补齐后重新提交。{note}",
        sms=True,
        sms_body="【周口返乡创业】{name}，您的贷款申请{number}需补正：{missing_items}。请登录门户补正后重新提交。",
        sample=(*_LOAN_SAMPLE, ("missing_items", "身份证（背面）；营业执照"), ("note", "")),
    ),
    EventSpec(
        "loan_rejected",
        "贷款申请不予通过",
        (*_LOAN, "reasons"),
        "贷款申请未通过",
        "{name}，您的创业担保贷款申请{number}未通过审核，理由：{reasons}。如有疑问请联系县区人社部门或服务中心。",
        sms=True,
        sms_body="【周口返乡创业】{name}，您的贷款申请{number}未通过审核，理由：{reasons}。详情请登录门户查看。",
        sample=(*_LOAN_SAMPLE, ("reasons", "本人有未结清的其他经营性贷款")),
    ),
    EventSpec(
        "loan_step_approved",
        "贷款审核环节通过",
        (*_LOAN, "step", "next_step"),
        "贷款申请审核进展",
        "{name}，您的创业担保贷款申请{number}已通过“{step}”，下一步：{next_step}。",
        sample=(*_LOAN_SAMPLE, ("step", "人社资格审核"), ("next_step", "担保审核")),
    ),
    EventSpec(
        "loan_approved",
        "贷款审批通过",
        (*_LOAN, "approved_amount", "annual_rate"),
        "贷款申请已审批通过",
        "{name}，您的创业担保贷款申请{number}已审批通过，批准金额{approved_amount}元，年利率{annual_rate}%。经办银行将与您联系签订借款合同。",
        sms=True,
        sms_body="【周口返乡创业】{name}，您的贷款申请{number}已审批通过，批准金额{approved_amount}元，请留意经办银行通知签订合同。",
        sample=(*_LOAN_SAMPLE, ("approved_amount", "100,000.00"), ("annual_rate", "3.8500")),
    ),
    EventSpec(
        "loan_contracted",
        "借款合同已签订",
        (*_LOAN, "contract_date"),
        "借款合同已签订",
        "{name}，您的创业担保贷款{number}已于{contract_date}签订借款合同，等待银行放款。",
        sample=(*_LOAN_SAMPLE, ("contract_date", "2020-06-01")),
    ),
    EventSpec(
        "loan_disbursed",
        "贷款已放款",
        (*_LOAN, "disbursed_amount", "date"),
        "贷款已放款",
        "{name}，您的创业担保贷款{number}已于{date}放款{disbursed_amount}元，请按借款合同按时还款。",
        sms=True,
        sms_body="【周口返乡创业】{name}，您的贷款{number}已于{date}放款{disbursed_amount}元，请按合同按时还款。",
        sample=(*_LOAN_SAMPLE, ("disbursed_amount", "100,000.00"), ("date", "2020-06-05")),
    ),
    EventSpec(
        "loan_withdrawn",
        "贷款申请已撤回",
        _LOAN,
        "贷款申请已撤回",
        "{name}，您的创业担保贷款申请{number}已撤回。",
        sample=_LOAN_SAMPLE,
    ),
    EventSpec(
        "loan_settled",
        "贷款已结清",
        _LOAN,
        "贷款已结清",
        "{name}，您的创业担保贷款{number}已结清，感谢您按时还款，良好记录将计入诚信台账。",
        sample=_LOAN_SAMPLE,
    ),
    EventSpec(
        "repayment_due",
        "还款到期提醒（7天内）",
        _REPAYMENT,
        "还款提醒",
        "{name}，您的创业担保贷款{number}第{period}期将于{due_date}到期，应还{amount_due}元，请提前存足款项。",
        sms=True,
        sms_body="【周口返乡创业】{name}，您的贷款{number}第{period}期将于{due_date}到期，应还{amount_due}元，请按时还款。",
        sample=_REPAYMENT_SAMPLE,
    ),
    EventSpec(
        "repayment_overdue",
        "还款逾期提醒",
        _REPAYMENT,
        "还款已逾期",
        "{name}，您的创业担保贷款{number}第{period}期（应还日{due_date}）已逾期，尚欠{amount_due}元。逾期期间不予贴息并将记入诚信台账，请尽快还款。",
        sms=True,
        sms_body="【周口返乡创业】{name}，您的贷款{number}第{period}期已逾期，尚欠{amount_due}元，请尽快还款，逾期将影响贴息和信用记录。",
        sample=_REPAYMENT_SAMPLE,
    ),
)
