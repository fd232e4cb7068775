"""The notification events of portal self-registration and edit requests, with their placeholders and
default Chinese texts (registered in ``PortalConfig.ready``; city admins edit the texts)."""

from __future__ import annotations

from fanxiang.core.registry import NotificationEvent as EventSpec

PORTAL_EVENTS = (
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
)
