"""The notification events every app may raise, with their placeholders and default Chinese texts.

An event is data: its code, a label, the placeholders a template of it may use, the default inbox title and
body, and whether it is *decisive* (also sent by SMS by default). City admins edit the texts and the SMS
switch per event (``NotificationTemplate``); the placeholders stay fixed here, so a template can never ask
for something the raising code does not supply. Apps raise an event with
:func:`fanxiang.notifications.services.notify`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventSpec:
    code: str
    label: str
    placeholders: tuple[str, ...]
    title: str
    body: str
    sms: bool = False
    sms_body: str = ""
    # sample values for the template page's preview
    sample: tuple[tuple[str, str], ...] = ()


_LOAN = ("name", "number", "amount", "status")
_LOAN_SAMPLE = (
    ("name", "张三"),
    ("number", "DB2020-411625-00001"),
    ("amount", "100,000.00"),
    ("status", "待人社资格审核"),
)

EVENTS: dict[str, EventSpec] = {
    e.code: e
    for e in (
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
            ("name", "number", "period", "due_date", "amount_due"),
            "还款提醒",
            "{name}，您的创业担保贷款{number}第{period}期将于{due_date}到期，应还{amount_due}元，请提前存足款项。",
            sms=True,
            sms_body="【周口返乡创业】{name}，您的贷款{number}第{period}期将于{due_date}到期，应还{amount_due}元，请按时还款。",
            sample=(
                ("name", "张三"),
                ("number", "DB2020-411625-00001"),
                ("period", "3"),
                ("due_date", "2020-09-05"),
                ("amount_due", "320.83"),
            ),
        ),
        EventSpec(
            "repayment_overdue",
            "还款逾期提醒",
            ("name", "number", "period", "due_date", "amount_due"),
            "还款已逾期",
            "{name}，您的创业担保贷款{number}第{period}期（应还日{due_date}）已逾期，尚欠{amount_due}元。逾期期间不予贴息并将记入诚信台账，请尽快还款。",
            sms=True,
            sms_body="【周口返乡创业】{name}，您的贷款{number}第{period}期已逾期，尚欠{amount_due}元，请尽快还款，逾期将影响贴息和信用记录。",
            sample=(
                ("name", "张三"),
                ("number", "DB2020-411625-00001"),
                ("period", "3"),
                ("due_date", "2020-09-05"),
                ("amount_due", "320.83"),
            ),
        ),
        EventSpec(
            "registration_confirmed",
            "实名登记已确认",
            ("name", "region"),
            "实名登记已确认",
            "{name}，您提交的返乡创业人员登记已由{region}确认，账号已完成实名绑定，可以在线申请贷款和政策。",
            sms=True,
            sms_body="【周口返乡创业】{name}，您的返乡创业人员登记已由{region}确认，请登录门户办理业务。",
            sample=(("name", "张三"), ("region", "郸城县")),
        ),
        EventSpec(
            "registration_rejected",
            "实名登记未通过",
            ("name", "region", "reason"),
            "实名登记未通过",
            "{name}，您提交的返乡创业人员登记未通过{region}审核，原因：{reason}。您可修改后重新提交，或到服务中心咨询。",
            sms=True,
            sms_body="【周口返乡创业】{name}，您的登记未通过{region}审核，原因：{reason}。请登录门户查看。",
            sample=(("name", "张三"), ("region", "郸城县"), ("reason", "身份证号码与姓名不一致")),
        ),
        EventSpec(
            "registration_submitted",
            "门户自助登记待审核（县区）",
            ("name", "region"),
            "新的门户自助登记待审核",
            "{name}（现居住地：{region}）在门户提交了返乡创业人员登记，请在“门户业务 → 自助登记审核”中确认、合并或驳回。",
            sample=(("name", "张三"), ("region", "吴台镇")),
        ),
        EventSpec(
            "edit_submitted",
            "门户信息变更待审核（县区）",
            ("name", "what"),
            "新的信息变更申请待审核",
            "{name}申请变更{what}，请在“门户业务 → 信息变更审核”中处理。",
            sample=(("name", "张三"), ("what", "个人信息")),
        ),
        EventSpec(
            "edit_approved",
            "信息变更已同意",
            ("name", "what"),
            "信息变更已同意",
            "{name}，您申请的{what}变更已审核同意并更新。",
            sample=(("name", "张三"), ("what", "个人信息")),
        ),
        EventSpec(
            "edit_rejected",
            "信息变更未同意",
            ("name", "what", "reason"),
            "信息变更未同意",
            "{name}，您申请的{what}变更未获同意，原因：{reason}。",
            sample=(("name", "张三"), ("what", "经营主体信息"), ("reason", "请上传营业执照后再申请")),
        ),
        EventSpec(
            "account_locked",
            "账户因登录失败被锁定",
            ("name", "username", "address", "until"),
            "您的账户已被临时锁定",
            "{name}，您的账户{username}因连续登录失败（最近一次来自{address}）已被临时锁定至{until}。"
            "在您近期成功登录过的地址，使用正确密码仍可登录；您此前的登录和访问令牌已失效，请重新登录。"
            "如非本人操作，请尽快修改密码并联系市级管理员。",
            sample=(
                ("name", "李四"),
                ("username", "city_admin"),
                ("address", "203.0.113.7"),
                ("until", "2020-05-20 09:30"),
            ),
        ),
    )
}


def spec(event: str) -> EventSpec:
    try:
        return EVENTS[event]
    except KeyError:
        raise ValueError(f"unknown notification event {event!r}") from None


def event_choices() -> list[tuple[str, str]]:
    return [(e.code, e.label) for e in EVENTS.values()]
