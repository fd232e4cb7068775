"""Shipped policy documents and items (reference data; city admins edit them afterwards).

Sources: the Zhoukou 2020 work plan (seed) and ../shared/reference/policy-facts.md. Only what those sources
say is encoded; where a detail (amount, condition, date) is not confirmed the document or item carries
``unconfirmed`` with a note saying exactly what is missing, and amounts the sources do not give are left
unknown (``amount_kind = "unknown"`` with a note), never guessed."""

import datetime as dt
from decimal import Decimal

# Registry categories that are among the guaranteed-loan standing groups (policy-facts §1.2): returning
# migrant workers, college graduates, veterans. The registry's "researcher" / "other" may fall into other
# groups (urban unemployed, hard-to-employ …) that only the handling office can check.
LOAN_CATEGORIES = ["returning_migrant_worker", "college_graduate", "veteran"]

# 法定劳动年龄: men 18–60, women 18–55 (policy-facts §1.6: local practice; national text unconfirmed)
WORKING_AGE = [
    {"field": "age", "op": "gte", "value": 18},
    {"field": "age", "op": "lte", "value": 60, "when": {"field": "sex", "op": "eq", "value": "M"}},
    {"field": "age", "op": "lte", "value": 55, "when": {"field": "sex", "op": "eq", "value": "F"}},
]

APPLY_AT_CENTRE = "所在县（市、区）返乡创业综合服务中心（“一站式”办理优惠政策享受）"
MATERIALS_NOTE = "具体材料以经办部门公布的清单为准"

DOCUMENTS = [
    {
        "number": "人社部发〔2019〕129号",
        "title": "人力资源社会保障部 财政部 农业农村部关于进一步推动返乡入乡创业工作的意见",
        "issuer": "人力资源社会保障部、财政部、农业农村部",
        "level": "national",
        "issued_on": None,
        "status": "in_force",
        "source_url": "https://jwc.gufe.edu.cn/info/1020/1476.htm",
        "summary": "返乡入乡创业人员同等享受当地创业扶持政策；落实一次性创业补贴；符合条件的企业享受社会保险补贴；"
        "探索信用乡村、信用园区、创业孵化示范基地、创业孵化实训基地推荐免除反担保；分批建设返乡入乡创业示范县、示范载体和示范项目。",
        "full_text": "（全文未收录。以下为新华社报道要点，来源见链接。）\n"
        "一、返乡入乡创业人员可在创业地享受与当地劳动者同等的创业扶持政策。\n"
        "二、对返乡入乡创业人员落实一次性创业补贴。\n"
        "三、符合条件的返乡入乡创业企业可享受社会保险补贴。\n"
        "四、探索推行信用乡村、信用园区、创业孵化示范基地、创业孵化实训基地推荐免除反担保的做法。\n"
        "五、分批次推进返乡入乡创业示范县、示范载体和示范项目建设。",
        "unconfirmed": True,
        "unconfirmed_note": "全文未取得，仅据新华社报道要点录入；发布日期为2019年12月下旬，具体日期待核实。",
    },
    {
        "number": "发改就业〔2020〕104号",
        "title": "关于推动返乡入乡创业高质量发展的意见",
        "issuer": "国家发展改革委等19个部门",
        "level": "national",
        "issued_on": None,
        "status": "in_force",
        "source_url": "http://www.jumpstarthappiness.com/doc/76770.html",
        "summary": "国家发展改革委等19部门关于推动返乡入乡创业高质量发展的意见。河南省的实施方案为豫发改就业〔2020〕486号。",
        "full_text": "（全文未收录。河南省据此制定了《关于推动返乡入乡创业高质量发展的实施方案》（豫发改就业〔2020〕486号），"
        "其中可落地的支持措施已作为该方案的条款录入。）",
        "unconfirmed": True,
        "unconfirmed_note": "全文和发布日期未取得；本文件的具体条款待录入（省级落实措施见豫发改就业〔2020〕486号）。",
    },
    {
        "number": "豫政办〔2019〕49号",
        "title": "河南省人民政府办公厅关于进一步支持返乡下乡创业的通知",
        "issuer": "河南省人民政府办公厅",
        "level": "provincial",
        "issued_on": None,
        "status": "in_force",
        "source_url": "",
        "summary": "周口市2020年工作要点列为政策依据之一。",
        "full_text": "",
        "unconfirmed": True,
        "unconfirmed_note": "文号和标题已由周口市2020年工作要点确认，但内容未能取得，条款待录入；发布日期待核实。",
    },
    {
        "number": "周政办〔2019〕59号",
        "title": "周口市人民政府办公室关于印发周口市进一步支持返乡下乡创业23条政策措施的通知",
        "issuer": "周口市人民政府办公室",
        "level": "city",
        "issued_on": None,
        "status": "in_force",
        "source_url": "",
        "summary": "周口市进一步支持返乡下乡创业的23条政策措施；周口市2020年工作要点列为政策依据之一。",
        "full_text": "",
        "unconfirmed": True,
        "unconfirmed_note": "23条政策措施的内容未能取得，条款待录入；发布日期待核实。",
    },
    {
        "number": "财金〔2020〕21号",
        "title": "关于进一步加大创业担保贷款贴息力度全力支持重点群体创业就业的通知",
        "issuer": "财政部、人力资源社会保障部、中国人民银行",
        "level": "national",
        "issued_on": dt.date(2020, 4, 15),
        "effective_from": dt.date(2020, 4, 15),
        "status": "in_force",
        "source_url": "http://sjt.gxzf.gov.cn/zwgk/fdzdgknr/zcfg/gjzcff/t5076308.shtml",
        "summary": "个人创业担保贷款额度提高到20万元；小微企业当年新招用符合条件人员比例降至15%（超过100人的企业8%）；"
        "2020年12月31日前阶段性扩大贷款扶持范围；允许展期；2021年1月1日起借款人承担LPR−150BP以内的利息，其余财政贴息。",
        "full_text": "（全文未收录。以下为要点摘录，来源见链接。）\n"
        "一（一）扩大贷款对象范围：在原有10类人员（城镇登记失业人员、就业困难人员、复员转业退役军人、刑满释放人员、"
        "高校毕业生、化解过剩产能企业职工和失业人员、返乡创业农民工、网络商户、建档立卡贫困人口、农村自主创业农民）基础上，"
        "自通知印发之日起至2020年12月31日，将受疫情影响暂时失去收入来源的批发零售、住宿餐饮、物流运输、文化旅游等行业"
        "个体工商户，以贷款购车从事出租车运营的个人，全职网约车驾驶员，符合条件的出租车、网约车企业及其子公司，"
        "以及已享受贴息贷款、按期还款且受疫情影响经营困难的个人阶段性纳入支持范围。\n"
        "一（二）小微企业：当年新招用符合条件人员占现有在职职工人数的比例降为15%（超过100人的企业降为8%），并签订1年以上劳动合同。\n"
        "二、个人创业担保贷款最高额度提高至20万元；合伙创业的可根据合伙人数适当提高，上浮不超过符合条件个人贷款总额度的10%。\n"
        "2021年1月1日起新发放的贷款，借款人承担的利息以LPR−150BP为上限，其余部分由财政贴息。",
        "unconfirmed": True,
        "unconfirmed_note": "发布日期（4月15日或20日，来源不一）；2020年4–12月发放贷款的贴息分担方式、利率上限、"
        "免反担保额度门槛待核实（见“创业担保贷款政策”参数）。",
    },
    {
        "number": "财金〔2018〕22号",
        "title": "关于进一步做好创业担保贷款财政贴息工作的通知",
        "issuer": "财政部等",
        "level": "national",
        "issued_on": None,
        "status": "amended",
        "source_url": "http://gjjy.nymc.edu.cn/info/1050/2021.htm",
        "summary": "农村自主创业农民纳入创业担保贷款扶持范围（第10类）；小微企业新招用人员比例25%（超过100人15%）；"
        "除助学贷款、扶贫贷款、住房贷款、购车贷款、5万元以下小额消费贷款（含信用卡）外，借款人及其配偶不得有其他贷款；"
        "还款积极、带动就业能力强、创业项目好的借款人可继续享受贴息贷款，累计次数不超过3次。部分条款已被财金〔2020〕21号调整。",
        "full_text": "（全文未收录，要点见摘要。）",
        "unconfirmed": True,
        "unconfirmed_note": "联合发文部门和具体发布日期（2018年3月）待核实。",
    },
    {
        "number": "豫发改就业〔2020〕486号",
        "title": "关于推动返乡入乡创业高质量发展的实施方案",
        "issuer": "河南省发展和改革委员会等约20个省直部门",
        "level": "provincial",
        "issued_on": dt.date(2020, 6, 22),
        "effective_from": dt.date(2020, 6, 22),
        "status": "in_force",
        "source_url": "http://fgw.henan.gov.cn/2020/06-29/1561285.html",
        "summary": "河南省落实发改就业〔2020〕104号的实施方案：到2025年返乡入乡创业人员不少于300万人、带动就业约1800万人；"
        "返乡创业示范园区奖补；县级返乡入乡创业园区内企业物业管理等费用补贴；国家级研发平台奖励；小微企业创业担保贷款比例下调。",
        "full_text": "（全文未收录。以下为要点摘录，来源见链接。）\n"
        "对新认定的国家级返乡创业示范园区给予一次性奖补100万元，省级示范园区50万元。\n"
        "对农民工等人员返乡创办的企业获批国家级研发平台的，给予一次性奖励300万元。\n"
        "入驻县级返乡入乡创业园区的返乡入乡创业企业，物业管理等费用按50%给予补贴，每年最高2万元。\n"
        "小微企业创业担保贷款当年新招用符合条件人员比例降为15%（超过100人的企业8%）；鼓励开展农村承包土地经营权和农民住房财产权抵押贷款。\n"
        "省农民工返乡创业投资基金按市场化方式运作，重点支持农民工返乡创办的小微企业。",
        "unconfirmed": False,
        "unconfirmed_note": "",
    },
]

ITEMS = [
    {
        "document": "人社部发〔2019〕129号",
        "code": "rsb129-startup-subsidy",
        "title": "返乡入乡创业一次性创业补贴",
        "benefit_type": "startup_subsidy",
        "summary": "对返乡入乡创业人员落实一次性创业补贴。",
        "amount_kind": "unknown",
        "amount_note": "补贴标准由省、市细则规定，系统尚未取得，待核实",
        "once_only": True,
        "responsible_unit": "ZK-RSJ",
        "materials": "身份证件\n营业执照或其他经营证明\n" + MATERIALS_NOTE,
        "apply_where": APPLY_AT_CENTRE,
        "unconfirmed": True,
        "unconfirmed_note": "补贴对象、条件和标准以省、市细则为准（未取得）。“有经营主体、正常经营1年以上”取自农业农村部等7部门"
        "2020年11月文件关于首次创业一次性创业补贴的表述，暂作资格条件，待核实；“首次创业”无法从登记信息判断，由经办部门审核。",
        "sort_order": 10,
        "rule": {
            "all": [
                {"field": "has_business", "op": "eq", "value": True},
                {"field": "business_months", "op": "gte", "value": 12},
            ]
        },
    },
    {
        "document": "人社部发〔2019〕129号",
        "code": "rsb129-social-insurance",
        "title": "返乡入乡创业企业社会保险补贴",
        "benefit_type": "social_insurance_subsidy",
        "summary": "符合条件的返乡入乡创业企业享受社会保险补贴。",
        "amount_kind": "unknown",
        "amount_note": "补贴对象和标准待核实，以经办部门核定为准",
        "once_only": False,
        "responsible_unit": "ZK-RSJ",
        "materials": "营业执照\n吸纳就业人员名单及社会保险缴费凭证\n" + MATERIALS_NOTE,
        "apply_where": APPLY_AT_CENTRE,
        "unconfirmed": True,
        "unconfirmed_note": "“符合条件”的具体条件未取得；暂以“有经营主体且带动就业”为资格条件，待核实。",
        "sort_order": 20,
        "rule": {
            "all": [
                {"field": "has_business", "op": "eq", "value": True},
                {"field": "jobs_created", "op": "gte", "value": 1},
            ]
        },
    },
    {
        "document": "人社部发〔2019〕129号",
        "code": "rsb129-guarantee-waiver",
        "title": "创业担保贷款推荐免除反担保（信用乡村、信用园区、创业孵化基地推荐）",
        "benefit_type": "other",
        "summary": "通过信用乡村、信用园区、创业孵化示范基地、创业孵化实训基地推荐，免除创业担保贷款反担保。",
        "amount_kind": "unknown",
        "amount_note": "不以金额计；为创业担保贷款的反担保方式",
        "once_only": False,
        "responsible_unit": "ZK-RSJ",
        "materials": "推荐单位出具的推荐意见\n创业担保贷款申请材料",
        "apply_where": "所在县（市、区）人社部门创业担保贷款经办窗口",
        "apply_link": "/loans/applications/",
        "unconfirmed": False,
        "unconfirmed_note": "",
        "sort_order": 30,
        "rule": {"all": [{"field": "category", "op": "in", "value": LOAN_CATEGORIES}, *WORKING_AGE]},
    },
    {
        "document": "财金〔2020〕21号",
        "code": "cj21-individual-loan",
        "title": "个人创业担保贷款及财政贴息",
        "benefit_type": "loan_interest_subsidy",
        "summary": "符合条件的个人可申请创业担保贷款，最高20万元，期限不超过3年，享受财政贴息；合伙创业可适当提高额度。"
        "还款积极、带动就业能力强、创业项目好的可继续享受，累计不超过3次。",
        "amount_kind": "unknown",
        "amount_note": "贷款额度最高20万元（合伙创业上浮不超过各自额度之和的10%）；贴息金额按贷款政策参数计算",
        "effective_from": dt.date(2020, 4, 15),
        "once_only": False,
        "responsible_unit": "ZK-RSJ",
        "materials": "身份证件\n户口簿或居住证明\n创业项目及经营情况说明\n营业执照（已登记的）\n"
        + MATERIALS_NOTE,
        "apply_where": "所在县（市、区）人社部门创业担保贷款经办窗口或返乡创业综合服务中心；可在系统内网上申请（不见面办理）",
        "apply_link": "/loans/applications/",
        "unconfirmed": True,
        "unconfirmed_note": "年龄按法定劳动年龄（男18–60岁、女18–55岁）设置，国家文件是否规定年龄待核实；10类常设扶持对象中，"
        "登记信息只能区分返乡农民工、高校毕业生、退役军人，其他类别人员（城镇登记失业人员、就业困难人员等）须经办部门核实。",
        "sort_order": 40,
        "rule": {"all": [{"field": "category", "op": "in", "value": LOAN_CATEGORIES}, *WORKING_AGE]},
    },
    {
        "document": "财金〔2020〕21号",
        "code": "cj21-enterprise-loan",
        "title": "小微企业创业担保贷款及财政贴息",
        "benefit_type": "loan_interest_subsidy",
        "summary": "小微企业当年新招用符合条件人员达到现有在职职工的15%（超过100人的企业8%）并签订1年以上劳动合同，"
        "且无拖欠职工工资、欠缴社会保险费等严重违法违规信用记录的，可申请最高300万元、期限不超过2年的创业担保贷款。",
        "amount_kind": "unknown",
        "amount_note": "贷款额度最高300万元，期限不超过2年；贴息按贷款政策参数计算",
        "effective_from": dt.date(2020, 4, 15),
        "once_only": False,
        "responsible_unit": "ZK-RSJ",
        "materials": "营业执照\n当年新招用人员名单及劳动合同\n" + MATERIALS_NOTE,
        "apply_where": "所在县（市、区）人社部门创业担保贷款经办窗口",
        "apply_link": "/loans/applications/",
        "unconfirmed": False,
        "unconfirmed_note": "",
        "sort_order": 41,
        "rule": {"all": [{"field": "entity_kind", "op": "eq", "value": "enterprise"}]},
    },
    {
        "document": "财金〔2020〕21号",
        "code": "cj21-covid-sole-trader",
        "title": "阶段性扶持：受疫情影响的个体工商户创业担保贷款",
        "benefit_type": "loan_interest_subsidy",
        "summary": "自通知印发之日起至2020年12月31日，受疫情影响暂时失去收入来源的批发零售、住宿餐饮、物流运输、"
        "文化旅游等行业个体工商户阶段性纳入创业担保贷款支持范围。",
        "amount_kind": "unknown",
        "amount_note": "按个人创业担保贷款额度（最高20万元）",
        "effective_from": dt.date(2020, 4, 15),
        "effective_to": dt.date(2020, 12, 31),
        "once_only": False,
        "responsible_unit": "ZK-RSJ",
        "materials": "营业执照\n受疫情影响暂时失去收入来源的情况说明\n" + MATERIALS_NOTE,
        "apply_where": "所在县（市、区）人社部门创业担保贷款经办窗口",
        "apply_link": "/loans/applications/",
        "unconfirmed": True,
        "unconfirmed_note": "行业按国民经济行业门类对应（批发和零售业F、住宿和餐饮业H、交通运输仓储和邮政业G、文化体育和娱乐业R），"
        "“文化旅游”的范围待核实；“受疫情影响暂时失去收入来源”由经办部门审核。",
        "sort_order": 42,
        "rule": {
            "all": [
                {"field": "entity_kind", "op": "eq", "value": "individual_business"},
                {"field": "industry", "op": "in", "value": ["F", "G", "H", "R"]},
            ]
        },
    },
    {
        "document": "豫发改就业〔2020〕486号",
        "code": "yfg486-park-fees",
        "title": "返乡入乡创业园区物业管理等费用补贴",
        "benefit_type": "premises_subsidy",
        "summary": "入驻县级返乡入乡创业园区的返乡入乡创业企业，物业管理等费用按50%给予补贴，每年最高2万元。",
        "amount_kind": "range",
        "amount_min": None,
        "amount_max": Decimal("20000.00"),
        "amount_note": "按物业管理等费用的50%补贴，每年最高2万元",
        "effective_from": dt.date(2020, 6, 22),
        "once_only": False,
        "responsible_unit": "ZK-FGW",
        "materials": "营业执照\n园区入驻协议\n物业管理等费用缴费凭证\n" + MATERIALS_NOTE,
        "apply_where": "所在县（市、区）返乡入乡创业园区管理机构或返乡创业综合服务中心",
        "unconfirmed": True,
        "unconfirmed_note": "补贴对象为“返乡入乡创业企业”，是否包括个体工商户、合作社等其他主体待核实；责任单位待核实。",
        "sort_order": 50,
        "rule": {
            "all": [
                {"field": "has_business", "op": "eq", "value": True},
                {"field": "in_startup_park", "op": "eq", "value": True},
            ]
        },
    },
    {
        "document": "豫发改就业〔2020〕486号",
        "code": "yfg486-rd-platform-award",
        "title": "返乡创办企业获批国家级研发平台一次性奖励",
        "benefit_type": "award",
        "summary": "农民工等人员返乡创办的企业获批国家级研发平台的，给予一次性奖励300万元。",
        "amount_kind": "fixed",
        "amount_fixed": Decimal("3000000.00"),
        "amount_note": "",
        "effective_from": dt.date(2020, 6, 22),
        "once_only": True,
        "responsible_unit": "ZK-FGW",
        "materials": "营业执照\n国家级研发平台批准文件\n" + MATERIALS_NOTE,
        "apply_where": "市发展改革委",
        "unconfirmed": True,
        "unconfirmed_note": "责任单位和申报程序待核实。",
        "sort_order": 60,
        "rule": {
            "all": [
                {"field": "entity_kind", "op": "eq", "value": "enterprise"},
                {"field": "national_rd_platform", "op": "eq", "value": True},
            ]
        },
    },
]
