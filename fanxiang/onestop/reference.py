"""Reference data of the one-stop app: the five services of point (七) and the app's parameters.

Idempotent, and never overwrites an edit: a service type, a time-limit version or a parameter row that
already exists is left as the city left it.

**Time limits are unconfirmed parameters.** The work plan names the services but promises no time limits;
the defaults below (working days, counted on the holiday calendar from the day the request is submitted,
valid from 2020-01-01) are this system's choice until the responsible units confirm them — a confirmed
limit is entered as a new :class:`~fanxiang.onestop.models.ServiceTimeLimit` version from its date, and
requests already running keep the limit they started with:

- ``registration`` 注册登记 — **4**: the State Council's 2020 aim for starting a business (企业开办) was four
  working days or fewer; registration at a returnee centre is that procedure (市市场监管局 to confirm).
- ``policy_consultation`` 政策咨询 — **1**: a consultation is answered on the spot; a question that needs
  looking into gets its written answer by the next working day (首问负责).
- ``startup_guidance`` 创业指导 — **5**: a guidance session with a start-up adviser or expert within one
  working week of the request.
- ``social_insurance_transfer`` 社保关系接续 — **15**: the transfer of pension insurance between places takes
  15 working days per leg under 国办发〔2009〕66号 (城镇企业职工基本养老保险关系转移接续暂行办法); the centre's
  part (taking, checking and forwarding) is held to the same limit.
- ``policy_enjoyment`` 优惠政策享受 — **10**: the common limit for checking an application for a subsidy or
  relief and deciding it; where a policy sets its own limit, that policy's limit should be entered here.

Parameters (:class:`~fanxiang.onestop.models.Parameters`, from 2020-01-01): a 差评 is rectified within **15**
working days (the issue's default for 好差评 rectification), and a request shows as *due soon* once **80** %
of its time limit is used.
"""

from __future__ import annotations

import datetime as dt

from fanxiang.onestop.choices import Mode
from fanxiang.onestop.models import Parameters, ServiceTimeLimit, ServiceType

VALID_FROM = dt.date(2020, 1, 1)
ALL_MODES = [Mode.ONLINE.value, Mode.WINDOW.value, Mode.ASSISTED.value]

# code, name, materials, modes, days, responsible unit, basis of the limit
SERVICE_TYPES = [
    (
        "registration",
        "注册登记",
        ["身份证", "经营场所证明", "名称自主申报材料"],
        ALL_MODES,
        4,
        "市市场监管局",
        "企业开办压缩至4个工作日以内（2020年），待市场监管部门确认",
    ),
    (
        "policy_consultation",
        "政策咨询",
        [],
        ALL_MODES,
        1,
        "市人力资源社会保障局",
        "当场答复，需核实的次一工作日内答复（首问负责），待确认",
    ),
    (
        "startup_guidance",
        "创业指导",
        ["创业项目简介"],
        ALL_MODES,
        5,
        "市人力资源社会保障局",
        "一周内安排创业指导（专家或指导师），待确认",
    ),
    (
        "social_insurance_transfer",
        "社保关系接续",
        ["身份证", "参保缴费凭证"],
        [Mode.WINDOW.value, Mode.ASSISTED.value],
        15,
        "市人力资源社会保障局、市医保局",
        "国办发〔2009〕66号：转移接续每一环节15个工作日，待确认",
    ),
    (
        "policy_enjoyment",
        "优惠政策享受",
        ["身份证", "申请表", "享受条件证明材料"],
        ALL_MODES,
        10,
        "市人力资源社会保障局、市财政局",
        "补贴、减免申请审核办理常用时限，政策另有规定的从其规定，待确认",
    ),
]


def load() -> dict:
    created = 0
    for order, (code, name, materials, modes, days, unit, basis) in enumerate(SERVICE_TYPES, 1):
        kind, made = ServiceType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "materials": materials,
                "modes": modes,
                "responsible_unit_name": unit,
                "order": order * 10,
            },
        )
        created += made
        if made:
            ServiceTimeLimit.objects.get_or_create(
                service_type=kind, valid_from=VALID_FROM, defaults={"days": days, "basis": basis}
            )
    Parameters.objects.get_or_create(
        valid_from=VALID_FROM,
        defaults={
            "rectification_days": 15,
            "due_soon_percent": 80,
            "basis": "差评整改默认15个工作日；已用时限达80%提示临期（待确认）",
        },
    )
    return {"onestop.service_types": created}
