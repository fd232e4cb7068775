"""Realistic demo registry for Zhoukou: returnee entrepreneurs, their businesses and jobs reports.

Two layers:

* a *planner* — a pure function of ``(seed, regions)`` that draws person after person (and each person's
  businesses right after them) from one ``random.Random``. Person *i* never depends on how many people
  are asked for, so ``--entrepreneurs 100000`` starts with exactly the people ``--entrepreneurs 10000``
  made with the same seed;
* a *writer* that stores the plans with the side effects of the registry services
  (``fanxiang.entrepreneurs.services``) — encrypted, hashed and masked PII, pinyin initials, derived
  sex / birth date / birthplace, ``counted_on``, priority groups (working formerly in Hubei sets the
  flag), dated jobs reports with their deltas and ``Business.jobs_created``, the likely-duplicate queue,
  and the per-region monthly rollups through ``regions.rollups.rollup_add_many`` — but in bulk:
  ``bulk_create`` in batches, or PostgreSQL ``COPY`` when the database is PostgreSQL.

An ID number that is already registered is skipped (the service would refuse it), with its businesses.
So running the generator again with the same seed adds nothing, and a larger ``N`` tops the registry
up to ``N`` people of that seed; another seed adds more people. The whole run is one transaction:
the records and their rollups land together or not at all.

Bulk writes bypass the per-object change log: one audit event records the run instead.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import functools
import itertools
import queue
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, connections, models, transaction
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models import Max
from django.utils import timezone

from fanxiang.core import audit, pii
from fanxiang.core.validators import USCC_CHARSET, birthplace_name, mask_id_number, mask_mobile
from fanxiang.entrepreneurs.choices import (
    INDICATOR_JOBS_CREATED,
    INDICATOR_NEW_ENTREPRENEURS,
    DuplicateReason,
    RecordStatus,
    ReviewStatus,
)
from fanxiang.entrepreneurs.models import (
    Business,
    BusinessFounder,
    DuplicateCandidate,
    Entrepreneur,
    IndustryTag,
    JobReport,
    PriorityGroup,
)
from fanxiang.entrepreneurs.validation import HUBEI, initials
from fanxiang.regions.data import COUNTIES, HISTORIC_CODES
from fanxiang.regions.models import Region, RegionLevel
from fanxiang.regions.rollups import rollup_add_many

PROGRAMME_YEAR = 2020
YEAR_END = dt.date(PROGRAMME_YEAR, 12, 31)
MIN_AGE, MAX_AGE = 18, 60  # at the programme year
DEFAULT_SEED = 2020
DEFAULT_BUSINESSES_PER_PERSON = 1.1

# --------------------------------------------------------------------------- reference distributions

# Surnames weighted roughly by their share in Henan (per mille); the tail shares what is left.
SURNAMES: list[tuple[str, float]] = [
    ("王", 72), ("李", 70), ("张", 68), ("刘", 54), ("陈", 30), ("杨", 27), ("赵", 26), ("郭", 19),
    ("黄", 16), ("周", 16), ("吴", 15), ("孙", 15), ("徐", 14), ("马", 14), ("朱", 13), ("胡", 13),
    ("高", 13), ("何", 8), ("郑", 12), ("宋", 11), ("韩", 10), ("冯", 10), ("曹", 9), ("程", 9),
    ("许", 9), ("董", 8), ("袁", 8), ("付", 8), ("于", 7), ("田", 7), ("任", 7), ("杜", 7), ("魏", 7),
    ("吕", 6), ("丁", 6), ("贾", 6), ("崔", 6), ("苏", 6), ("常", 6), ("孟", 6), ("谢", 5), ("梁", 5),
    ("罗", 5), ("唐", 5), ("卢", 5), ("彭", 5), ("范", 5), ("姚", 5), ("侯", 5), ("邵", 4), ("史", 4),
    ("牛", 4), ("毛", 4), ("秦", 4), ("段", 4), ("乔", 4), ("武", 4), ("薛", 4), ("岳", 4), ("阎", 4),
    ("蒋", 3), ("沈", 3), ("蔡", 3), ("潘", 3), ("石", 3), ("姜", 3), ("邓", 3), ("方", 3), ("白", 3),
    ("康", 3), ("耿", 3), ("葛", 3), ("司", 2), ("齐", 2), ("闫", 2), ("申", 2), ("钱", 2), ("尹", 2),
    ("欧阳", 0.5), ("司马", 0.5), ("诸葛", 0.2),
]  # fmt: skip
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁浩凯建国峰亮旭东文志红海林永春学新俊庆龙松振兵宏家昌金"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲秀英华慧梅琳红云萍洁莉雪倩晶丹荣凤兰颖琴素珍玉桂巧月翠彩爱"
GIVEN_EITHER = "晓小春海玉振彦如佳子文宇雨"

CATEGORIES = [
    ("returning_migrant_worker", 84), ("college_graduate", 7), ("veteran", 4), ("researcher", 1), ("other", 4),
]  # fmt: skip
EDUCATION = {
    "returning_migrant_worker": [("primary", 5), ("junior", 50), ("senior", 30), ("college", 10), ("bachelor", 5)],
    "college_graduate": [("college", 45), ("bachelor", 50), ("postgraduate", 5)],
    "veteran": [("junior", 20), ("senior", 50), ("college", 20), ("bachelor", 10)],
    "researcher": [("bachelor", 50), ("postgraduate", 50)],
    "other": [("junior", 40), ("senior", 35), ("college", 15), ("bachelor", 10)],
}  # fmt: skip
# Where Zhoukou's migrant workers worked (province, weight, cities). 湖北 sets the priority flag.
WORK_PLACES = [
    ("广东省", 24, ["深圳市", "东莞市", "广州市", "佛山市", "中山市", "惠州市"]),
    ("浙江省", 18, ["杭州市", "宁波市", "温州市", "金华市", "嘉兴市", "绍兴市"]),
    ("江苏省", 15, ["苏州市", "南京市", "无锡市", "昆山市", "常州市"]),
    ("上海市", 10, ["上海市"]),
    ("北京市", 8, ["北京市"]),
    ("湖北省", 5, ["武汉市", "襄阳市", "宜昌市"]),
    ("福建省", 5, ["厦门市", "泉州市", "福州市"]),
    ("天津市", 3, ["天津市"]),
    ("山东省", 3, ["青岛市", "济南市"]),
    ("河南省", 6, ["郑州市", "洛阳市"]),
    ("新疆维吾尔自治区", 2, ["乌鲁木齐市"]),
    ("安徽省", 1, ["合肥市"]),
]
SKILLS = [
    "电工", "焊工", "厨师", "服装加工", "电子商务", "养殖技术", "种植技术", "汽车维修", "家政服务",
    "建筑施工", "机械操作", "美容美发", "电子装配", "物流管理", "直播带货", "面点制作", "木工", "驾驶",
]  # fmt: skip
NOTES = [
    "参加过SYB创业培训",
    "有意申请创业担保贷款",
    "已纳入返乡创业项目库",
    "村两委推荐",
    "创业意愿强，需政策咨询",
]
CLOSE_REASONS = ["迁出本市", "停止经营后重新外出务工", "经核实不属于返乡创业人员"]
MOBILE_PREFIXES = [
    "134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "183",
    "187", "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "177", "180", "181",
    "189", "199", "176", "166", "198", "191",
]  # fmt: skip

BUSINESS_KINDS = [
    ("individual_business", 42), ("enterprise", 18), ("cooperative", 12), ("family_farm", 14), ("unregistered", 14),
]  # fmt: skip
# GB/T 4754 sections, skewed to agriculture, manufacturing, trade and catering.
INDUSTRIES = [
    ("A", 25), ("C", 15), ("F", 28), ("H", 14), ("E", 4), ("G", 4), ("I", 2), ("O", 5), ("L", 2), ("R", 1),
]  # fmt: skip
# industry → (words for a company name, words for a shop / workshop name)
INDUSTRY_WORDS = {
    "A": (["农业科技", "生态农业", "种植", "养殖", "果蔬", "食用菌", "中药材种植", "苗木花卉"],
          ["种植园", "养殖场", "果园", "蔬菜大棚", "养鸡场", "养羊场"]),
    "C": (["食品", "服装", "农产品加工", "制衣", "电子", "木业", "发制品", "面业"],
          ["服装加工厂", "食品加工坊", "面粉加工厂", "木器加工厂", "豆制品坊"]),
    "E": (["建筑工程", "装饰工程", "建材"], ["装修队", "建材门市部"]),
    "F": (["商贸", "电子商务", "农资", "贸易"], ["超市", "农资店", "百货店", "电商服务部", "建材门市部", "便利店"]),
    "G": (["物流", "运输"], ["快递服务站", "货运部"]),
    "H": (["餐饮管理", "酒店管理"], ["饭店", "农家乐", "小吃店", "酒店", "烧烤店"]),
    "I": (["网络科技", "信息技术"], ["电脑维修部", "网络服务部"]),
    "L": (["劳务服务", "商务咨询"], ["劳务服务部"]),
    "O": (["家政服务", "汽车服务"], ["家政服务部", "汽车维修部", "理发店", "家电维修部"]),
    "R": (["文化传媒", "文化旅游"], ["文化传媒工作室"]),
}  # fmt: skip
COOPERATIVE_WORDS = ["种植", "养殖", "农机", "果蔬种植", "中药材种植", "生猪养殖", "肉牛养殖", "土地股份"]
# Trade names (字号). Business names are drawn from bounded vocabularies so their pinyin initials (slow to
# compute for long names) come from a cache at a million records.
TRADE_NAMES = (
    "丰收 金穗 绿源 华丰 鑫达 恒信 宏发 顺达 兴旺 富民 众诚 瑞丰 福源 嘉禾 康宁 万家 润农 金田 青禾 沃野 "
    "聚丰 益农 天润 鼎盛 荣昌 惠民 新禾 盛源 沃土 金阳 谷丰 德润 汇通 昌隆 和顺 佳禾 永信 中原 龙腾 祥瑞"
).split()
TAGS_BY_INDUSTRY = {
    "A": [("eco_planting", 5), ("specialty_breeding", 5)],
    "C": [("agri_processing", 6), ("handicraft", 2)],
    "F": [("rural_ecommerce", 1)],
    "H": [("catering", 6), ("rural_tourism", 2)],
    "G": [("logistics", 1)],
    "R": [("rural_tourism", 1)],
}
VILLAGE_PARTS = "王庄 李楼 张寨 刘集 陈营 杨湾 赵屯 郭庄 黄岗 周庄 吴集 孙楼 徐营 马寨 朱庄 胡楼".split()

# Historic codes a county's ID numbers carry, by the year the number was first issued.
_OLD_CODE = {successor: code for code, _n, _f, to, successor in HISTORIC_CODES if to == 2000}
_OLD_CODE["411603"] = "412727"  # 淮阳: 412727 until 2000, then 411626 until 2019


def issued_code(county: str, issue_year: int, prefecture: bool = False) -> str:
    """The address code in force in ``county`` when an ID number was first issued in ``issue_year``."""
    if issue_year < 2000:
        if prefecture:
            return "412700"
        if county == "411681":
            return "412729" if issue_year < 1993 else "412702"
        return _OLD_CODE[county]
    if county == "411603" and issue_year < 2019:
        return "411626"
    return county


_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_check_character(body17: str) -> str:
    """ISO 7064 MOD 11-2 (GB 11643-1999)."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS, strict=True)) % 11]


_ORG_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}


def org_check_character(body8: str) -> str:
    """GB 11714 organisation-code check character."""
    c = 11 - sum(_ORG_CHARSET.index(ch) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_check_character(code17: str) -> str:
    """GB 32100 check character (same as core.validators.uscc_check_character, with a lookup table)."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(code17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


# --------------------------------------------------------------------------- plans


@dataclass
class ReportPlan:
    date: dt.date
    jobs: int
    poor: int
    delta: int


@dataclass
class BusinessPlan:
    kind: str
    name: str
    credit_code: str
    registered_on: dt.date | None
    started_on: dt.date
    industry: str
    tags: list[str]
    region: str
    address: str
    registered_capital: Decimal | None
    employees: int
    jobs_created: int
    poor_workers_employed: int
    reports: list[ReportPlan]
    partner: int | None = None  # index of a second founder (a partnership)


@dataclass
class PersonPlan:
    index: int
    name: str
    id_number: str
    sex: str
    birth_date: dt.date
    birthplace_code: str
    mobile: str
    region: str
    county: str
    hukou_region: str | None
    category: str
    return_date: dt.date
    started_on: dt.date
    worked_province: str
    worked_city: str
    worked_months: int | None
    education: str
    skills: str
    notes: str
    priority_groups: set[str]
    closed_reason: str = ""
    businesses: list[BusinessPlan] = field(default_factory=list)


def _weighted(items: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [v for v, _w in items]
    return values, list(itertools.accumulate(w for _v, w in items))


class Planner:
    """Draws people and their businesses from one seeded RNG. ``townships`` maps a county code to its
    township codes (sorted); ``township_names`` maps a township code to its name."""

    def __init__(
        self,
        *,
        seed: int,
        townships: dict[str, list[str]],
        township_names: dict[str, str],
        businesses_per_person: float = DEFAULT_BUSINESSES_PER_PERSON,
    ):
        self.rng = random.Random(seed)
        self.townships = townships
        self.township_names = township_names
        self.county_names = {code: name for code, name, _k, _p in COUNTIES}
        self.businesses_per_person = businesses_per_person
        counties = [(c, p) for c, _n, _k, p in COUNTIES if townships.get(c)]
        self._counties = _weighted(counties)
        self._surnames = _weighted(SURNAMES)
        self._categories = _weighted(CATEGORIES)
        self._education = {k: _weighted(v) for k, v in EDUCATION.items()}
        self._work = _weighted([((p, cities), w) for p, w, cities in WORK_PLACES])
        self._kinds = _weighted(BUSINESS_KINDS)
        self._industries = _weighted(INDUSTRIES)
        self._tags = {k: _weighted(v) for k, v in TAGS_BY_INDUSTRY.items()}
        # ages 18–60 at the programme year, most people 28–45
        years = range(PROGRAMME_YEAR - MAX_AGE, PROGRAMME_YEAR - MIN_AGE + 1)
        self._birth_years = _weighted([(y, 3.0 if 28 <= PROGRAMME_YEAR - y <= 45 else 1.0) for y in years])
        self._return_years = _weighted([(2020, 45), (2019, 30), (2018, 12), (2017, 6), (2016, 4), (2015, 3)])
        self.used_ids: set[int] = set()
        self.used_mobiles: set[int] = set()
        self.used_codes: set[str] = set()
        self.recent: dict[str, list[int]] = defaultdict(list)  # county → recent active people (partners)
        self.index = 0

    def _pick(self, table: tuple[list[Any], list[float]]) -> Any:
        values, cum = table
        return values[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def _date_in(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def _name(self, male: bool) -> str:
        rng = self.rng
        pool = GIVEN_MALE if male else GIVEN_FEMALE
        surname = self._pick(self._surnames)
        if rng.random() < 0.3:
            return surname + rng.choice(pool)
        first = rng.choice(GIVEN_EITHER) if rng.random() < 0.25 else rng.choice(pool)
        return surname + first + rng.choice(pool)

    def _id_number(self, county: str, male: bool) -> tuple[str, dt.date]:
        rng = self.rng
        birth_year = self._pick(self._birth_years)
        birth = self._date_in(dt.date(birth_year, 1, 1), dt.date(birth_year, 12, 31))
        birth_county = county if rng.random() < 0.88 else self._pick(self._counties)
        issue_year = max(1985, birth_year + 16 + rng.choice((0, 0, 0, 0, 1, 1, 2, 3, 4)))
        code = issued_code(birth_county, issue_year, prefecture=issue_year < 2000 and rng.random() < 0.01)
        head = f"{code}{birth:%Y%m%d}"
        while True:
            seq = rng.randrange(1, 500) * 2 - (1 if male else 0)  # odd = male, even = female
            body = f"{head}{seq:03d}"
            if int(body) not in self.used_ids:
                self.used_ids.add(int(body))
                return body + id_check_character(body), birth

    def _mobile(self) -> str:
        while True:
            number = int(self.rng.choice(MOBILE_PREFIXES)) * 10**8 + self.rng.randrange(10**8)
            if number not in self.used_mobiles:
                self.used_mobiles.add(number)
                return str(number)

    def person(self) -> PersonPlan:
        rng = self.rng
        index = self.index
        self.index += 1
        male = rng.random() < 0.68
        county = self._pick(self._counties)
        region = rng.choice(self.townships[county])
        id_number, birth = self._id_number(county, male)
        category = self._pick(self._categories)
        province, city, months = "", "", None
        if category == "returning_migrant_worker" or (category == "other" and rng.random() < 0.5):
            province, cities = self._pick(self._work)
            city = rng.choice(cities)
            months = rng.randint(12, min(300, max(12, (PROGRAMME_YEAR - birth.year - 16) * 12)))
        elif category == "college_graduate" and rng.random() < 0.6:
            province, city = rng.choice([("河南省", "郑州市"), ("河南省", "开封市"), ("湖北省", "武汉市")])
        elif category == "researcher":
            province, city = rng.choice([("河南省", "郑州市"), ("北京市", "北京市"), ("上海市", "上海市")])
        return_year = max(self._pick(self._return_years), birth.year + MIN_AGE)
        return_date = self._date_in(dt.date(return_year, 1, 1), dt.date(return_year, 12, 31))
        started_on = return_date + dt.timedelta(days=rng.randint(20, 300))
        if started_on > YEAR_END:  # returned late in the programme year: started before it ended
            started_on = self._date_in(return_date, YEAR_END)
        if category == "returning_migrant_worker":
            hukou: str | None = region
        else:
            hukou = rng.choice(self.townships[county]) if rng.random() < 0.5 else None
        groups: set[str] = set()
        if rng.random() < 0.08:
            groups.add("poor_household")
        if return_year == PROGRAMME_YEAR and rng.random() < 0.06:
            groups.add("epidemic_contributor")
        if province.startswith(HUBEI):
            groups.add("formerly_in_hubei")  # point (十三), as clean_entrepreneur does
        skills = "、".join(rng.sample(SKILLS, rng.choice((0, 1, 1, 2))))
        person = PersonPlan(
            index=index,
            name=self._name(male),
            id_number=id_number,
            sex="M" if male else "F",
            birth_date=birth,
            birthplace_code=id_number[:6],
            mobile=self._mobile(),
            region=region,
            county=county,
            hukou_region=hukou,
            category=category,
            return_date=return_date,
            started_on=started_on,
            worked_province=province,
            worked_city=city,
            worked_months=months,
            education=self._pick(self._education[category]),
            skills=skills,
            notes=rng.choice(NOTES) if rng.random() < 0.05 else "",
            priority_groups=groups,
        )
        if rng.random() < 0.01:
            person.closed_reason = rng.choice(CLOSE_REASONS)  # closed people keep no businesses
            return person
        whole = int(self.businesses_per_person)
        count = whole + (1 if rng.random() < self.businesses_per_person - whole else 0)
        for n in range(count):
            person.businesses.append(self._business(person, n))
        recent = self.recent[county]
        recent.append(index)
        if len(recent) > 200:
            del recent[:100]
        return person

    def _credit_code(self, kind: str, area: str) -> str:
        rng = self.rng
        prefix = {"enterprise": "91", "individual_business": "92", "cooperative": "93"}.get(kind)
        if prefix is None:  # family farms register as sole traders or companies
            prefix = "92" if rng.random() < 0.6 else "91"
        while True:
            value = rng.randrange(31**6)
            body8 = "MA" + "".join(USCC_CHARSET[value // 31**k % 31] for k in range(6))
            code17 = f"{prefix}{area}{body8}{org_check_character(body8)}"
            code = code17 + uscc_check_character(code17)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def _business(self, person: PersonPlan, n: int) -> BusinessPlan:
        rng = self.rng
        kind = self._pick(self._kinds)
        industry = "A" if kind in ("cooperative", "family_farm") else self._pick(self._industries)
        started = person.started_on
        if n:
            started = min(started + dt.timedelta(days=rng.randint(30, 400)), YEAR_END)
        region = person.region if rng.random() < 0.7 else rng.choice(self.townships[person.county])
        township = self.township_names[region]
        county_name = self.county_names[person.county]
        company_words, shop_words = INDUSTRY_WORDS[industry]
        trade = rng.choice(TRADE_NAMES)
        village = rng.choice(VILLAGE_PARTS)
        if kind == "enterprise":
            name = f"{county_name}{trade}{rng.choice(company_words)}有限公司"
        elif kind == "cooperative":
            name = f"{county_name}{trade}{rng.choice(COOPERATIVE_WORDS)}专业合作社"
        elif kind == "family_farm":
            name = f"{county_name}{township}{trade}家庭农场"
        elif kind == "individual_business":
            name = f"{county_name}{township}{trade}{rng.choice(shop_words)}"
        else:
            name = f"{village}村{person.name[0]}记{rng.choice(shop_words)}"
        registered = kind != "unregistered"
        registered_on = started - dt.timedelta(days=rng.randint(0, 90)) if registered else None
        area = person.county
        if area == "411603" and registered_on and registered_on.year < 2020:
            area = "411626"  # 淮阳县 registered before the district existed
        credit_code = self._credit_code(kind, area) if registered else ""
        low, high = {
            "enterprise": (3, 80),
            "cooperative": (3, 40),
            "family_farm": (2, 12),
            "individual_business": (1, 6),
            "unregistered": (0, 3),
        }[kind]
        jobs = min(high, low + int(rng.expovariate(1 / max(1, (high - low) / 4))))
        poor = rng.randint(0, jobs // 3) if jobs and rng.random() < 0.3 else 0
        capital = None
        if registered and (kind != "individual_business" or rng.random() < 0.5):
            lo, hi = {"enterprise": (100, 5000), "cooperative": (50, 2000)}.get(kind, (3, 300))
            capital = Decimal(rng.randint(lo, hi) * 1000).quantize(Decimal("0.01"))
        tags = []
        if industry in self._tags and rng.random() < 0.8:
            tags.append(self._pick(self._tags[industry]))
            if industry == "A" and rng.random() < 0.1:
                tags.append("rural_ecommerce")
        reports = self._reports(started, jobs, poor)
        partner = None
        chance = 0.25 if kind == "cooperative" else 0.04
        candidates = self.recent[person.county]
        if candidates and rng.random() < chance:
            partner = rng.choice(candidates)
        return BusinessPlan(
            kind=kind,
            name=name[:128],
            credit_code=credit_code,
            registered_on=registered_on,
            started_on=started,
            industry=industry,
            tags=tags,
            region=region,
            address=f"{township}{village}村" if rng.random() < 0.8 else f"{township}工业园区",
            registered_capital=capital,
            employees=jobs + 1,
            jobs_created=jobs,
            poor_workers_employed=poor,
            reports=reports,
            partner=partner,
        )

    def _reports(self, started: dt.date, jobs: int, poor: int) -> list[ReportPlan]:
        """The first report on the start date, then 0–3 monthly reports in the programme year that grow
        to the final figure; each delta is what the service would add to the rollups."""
        if not jobs and not poor:
            return []
        rng = self.rng
        first_month = started.month + 1 if started.year == PROGRAMME_YEAR else 1
        months = list(range(first_month, 13)) if started.year <= PROGRAMME_YEAR else []
        later = sorted(rng.sample(months, min(len(months), rng.choice((0, 1, 1, 2, 3)))))
        steps = len(later) + 1
        figures = [*sorted(rng.randint(max(0, jobs // 2), jobs) for _ in range(steps - 1)), jobs]
        poor_figures = [min(poor, f) for f in figures]
        dates = [started, *(dt.date(PROGRAMME_YEAR, m, rng.randint(1, 28)) for m in later)]
        reports, previous = [], 0
        for date, value, poor_value in zip(dates, figures, poor_figures, strict=True):
            reports.append(ReportPlan(date=date, jobs=value, poor=poor_value, delta=value - previous))
            previous = value
        return reports

    def people(self, n: int) -> Iterator[PersonPlan]:
        for _ in range(n):
            yield self.person()


def planner_from_db(*, seed: int, businesses_per_person: float = DEFAULT_BUSINESSES_PER_PERSON) -> Planner:
    townships: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    county_codes = {c for c, _n, _k, _p in COUNTIES}
    rows = Region.objects.filter(level=RegionLevel.TOWNSHIP, is_active=True, parent__code__in=county_codes)
    for code, name, parent in rows.order_by("code").values_list("code", "name", "parent__code"):
        townships[parent].append(code)
        names[code] = name
    return Planner(
        seed=seed,
        townships=dict(townships),
        township_names=names,
        businesses_per_person=businesses_per_person,
    )


# --------------------------------------------------------------------------- writers


def _column_defaults(model: type[models.Model]) -> dict[str, Any]:
    return {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}


class SequenceIds:
    """PostgreSQL: primary keys drawn from the table's own sequence, so concurrent writers never collide
    with them. Sequences are not transactional, so any connection (the preparing thread's) may draw."""

    def __init__(self, *models_: type[models.Model]):
        self._sequences: dict[type[models.Model], str] = {}
        with connection.cursor() as cursor:  # resolved up front, in the caller's thread
            for model in models_:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
                self._sequences[model] = cursor.fetchone()[0]

    def __call__(self, model: type[models.Model], n: int) -> list[int]:
        if not n:
            return []
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [self._sequences[model], n])
            return [r[0] for r in cursor.fetchall()]


class CounterIds:
    """Other databases (SQLite): keys after the current maximum, inside the generator's write transaction."""

    def __init__(self):
        self._next: dict[type[models.Model], int] = {}

    def __call__(self, model: type[models.Model], n: int) -> list[int]:
        if model not in self._next:
            self._next[model] = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        start = self._next[model]
        self._next[model] += n
        return list(range(start, start + n))


class OrmWriter:
    """Portable: ``bulk_create`` in batches."""

    def __init__(self, batch_size: int = 2000):
        self.batch_size = batch_size

    def insert(self, model: type[models.Model], rows: list[dict]) -> None:
        if rows:
            model.objects.bulk_create([model(**row) for row in rows], batch_size=self.batch_size)


class CopyWriter:
    """PostgreSQL: ``COPY … FROM STDIN`` through psycopg 3."""

    def insert(self, model: type[models.Model], rows: list[dict]) -> None:
        if not rows:
            return
        qn = connection.ops.quote_name
        columns = ", ".join(qn(c) for c in rows[0])
        sql = f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(tuple(row.values()))


def default_writer(batch_size: int | None = None) -> OrmWriter | CopyWriter:
    if connection.vendor == "postgresql" and is_psycopg3:
        return CopyWriter()
    return OrmWriter(batch_size or 2000)


# --------------------------------------------------------------------------- the run


@dataclass
class GenerateReport:
    requested: int = 0
    created: int = 0
    skipped: int = 0
    closed: int = 0
    businesses: int = 0
    partnerships: int = 0
    job_reports: int = 0
    duplicates: int = 0
    rollup_keys: int = 0
    seconds: float = 0.0
    rebuild_seconds: float = 0.0  # of which rebuilding deferred indexes and foreign keys
    writer: str = ""


@dataclass
class _Known:
    """What the database already holds, and what this run has added, for skip / partner / dedup look-ups."""

    by_hash: dict[str, tuple[int, bool]] = field(default_factory=dict)  # id hash → (pk, active)
    by_name_birth: dict[tuple[str, dt.date], list[int]] = field(default_factory=lambda: defaultdict(list))
    by_mobile: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    credit_codes: set[str] = field(default_factory=set)
    pk_of_index: dict[int, int] = field(default_factory=dict)  # plan index → pk (active people only)

    @classmethod
    def load(cls) -> _Known:
        known = cls()
        if Entrepreneur.objects.exists():
            rows = Entrepreneur.objects.values_list(
                "pk", "id_number_hash", "status", "name", "birth_date", "mobile_hash"
            )
            for pk, id_hash, status, name, birth, mobile_hash in rows.iterator(chunk_size=20000):
                active = status == RecordStatus.ACTIVE
                known.by_hash[id_hash] = (pk, active)
                if active:
                    known.by_name_birth[(name, birth)].append(pk)
                    if mobile_hash:
                        known.by_mobile[mobile_hash].append(pk)
        codes = Business.objects.exclude(credit_code="").values_list("credit_code", flat=True)
        known.credit_codes = set(codes.iterator(chunk_size=20000))
        return known


@dataclass
class _Context:
    known: _Known
    ids: Callable[[type[models.Model], int], list[int]]
    regions: dict[str, int]
    groups: dict[str, int]
    tags: dict[str, int]
    deltas: dict[tuple[int, str, int, int], int]
    report: GenerateReport
    now: dt.datetime


Prepared = list[tuple[type[models.Model], list[dict]]]  # (model, rows) in insertion order


def generate(
    *,
    n: int,
    seed: int = DEFAULT_SEED,
    businesses_per_person: float = DEFAULT_BUSINESSES_PER_PERSON,
    batch_size: int = 10000,
    writer: OrmWriter | CopyWriter | None = None,
    progress: Callable[[int, int], None] | None = None,
    defer_indexes: bool = False,
) -> GenerateReport:
    """Make sure the first ``n`` people of ``seed`` are registered (see the module docstring).

    On PostgreSQL the next batch is prepared in a second thread while the current one is copied in:
    preparing is Python work, copying mostly waits on the server, so the two overlap. With
    ``defer_indexes`` (PostgreSQL, bulk loads) secondary indexes and foreign keys of the registry tables
    are rebuilt once at the end instead of maintained row by row; the tables are locked meanwhile."""
    started = time.perf_counter()
    writer = writer or default_writer()
    report = GenerateReport(requested=n, writer=type(writer).__name__)
    planner = planner_from_db(seed=seed, businesses_per_person=businesses_per_person)
    if not planner.townships:
        raise RuntimeError("区划参考数据缺失：请先运行 load_reference_data。")
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        ctx = _Context(
            known=_Known.load(),
            ids=SequenceIds(Entrepreneur, Business) if postgres else CounterIds(),
            regions=dict(Region.objects.values_list("code", "pk")),
            groups=dict(PriorityGroup.objects.values_list("code", "pk")),
            tags=dict(IndustryTag.objects.values_list("code", "pk")),
            deltas=defaultdict(int),
            report=report,
            now=timezone.now(),
        )
        batches = _batches(planner.people(n), batch_size)
        done = 0

        def write(prepared: Prepared) -> None:
            nonlocal done
            for model, rows in prepared:
                writer.insert(model, rows)
            done += prepared_people(prepared)
            if progress:
                progress(min(done + report.skipped, n), n)

        if postgres:
            with _deferred_indexes(BULK_MODELS, report) if defer_indexes else contextlib.nullcontext():
                _pipelined((_prepare(batch, ctx) for batch in batches), write)
        else:
            for batch in batches:
                write(_prepare(batch, ctx))
        rollup_add_many(
            (region_id, indicator, dt.date(year, month, 1), delta)
            for (region_id, indicator, year, month), delta in ctx.deltas.items()
        )
        report.rollup_keys = sum(1 for v in ctx.deltas.values() if v)
        if report.created:
            audit.record_event(
                event=audit.EVENT_CREATE,
                model=Entrepreneur,
                object_repr=f"演示数据生成：新增人员 {report.created} 人，经营主体 {report.businesses} 个",
                data={
                    "generator": "generate_demo",
                    "seed": seed,
                    "requested": n,
                    "created": report.created,
                    "businesses": report.businesses,
                    "job_reports": report.job_reports,
                },
            )
    report.seconds = time.perf_counter() - started
    return report


BULK_MODELS = (
    Entrepreneur,
    Entrepreneur.priority_groups.through,
    DuplicateCandidate,
    Business,
    BusinessFounder,
    Business.tags.through,
    JobReport,
)


@contextlib.contextmanager
def _deferred_indexes(models_: Sequence[type[models.Model]], report: GenerateReport) -> Iterator[None]:
    """PostgreSQL bulk load: drop the tables' secondary indexes and foreign keys, and rebuild them when the
    load is done — one sorted build per index and one validating join per foreign key, instead of an
    index update and a deferred trigger per row (what pg_restore does). Primary keys and unique
    constraints stay. Runs inside the caller's transaction: a failure restores everything."""
    tables = [m._meta.db_table for m in models_]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE t.relname = ANY(%s) AND n.nspname = current_schema() "
            "AND NOT i.indisprimary AND NOT i.indisunique",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE t.relname = ANY(%s) AND n.nspname = current_schema() AND c.contype = 'f'",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        _flush_deferred_checks(cursor)
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        _flush_deferred_checks(cursor)
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
    report.rebuild_seconds = time.perf_counter() - started


def _flush_deferred_checks(cursor: Any) -> None:
    """Run the transaction's pending deferred constraint checks now: ALTER TABLE refuses a table with
    pending trigger events (rows written earlier in this transaction, e.g. by a test's fixtures)."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def prepared_people(prepared: Prepared) -> int:
    return sum(len(rows) for model, rows in prepared if model is Entrepreneur)


_DONE = object()


def _pipelined(items: Iterator[Prepared], write: Callable[[Prepared], None], depth: int = 2) -> None:
    """Produce ``items`` in a worker thread (its own database connection, for key sequences only) and
    write them here, in this thread's transaction. An error on either side stops both and is raised."""
    queue_: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    failure: list[BaseException] = []

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                queue_.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the writing thread
            failure.append(exc)
        finally:
            connections.close_all()  # this thread's connections only
            put(_DONE)

    worker = threading.Thread(target=produce, name="generate_demo-prepare", daemon=True)
    worker.start()
    try:
        while (item := queue_.get()) is not _DONE:
            write(item)
    finally:
        stop.set()
        worker.join()
    if failure:
        raise failure[0]


def _batches(items: Iterator[PersonPlan], size: int) -> Iterator[list[PersonPlan]]:
    while True:
        batch = list(itertools.islice(items, size))
        if not batch:
            return
        yield batch


@functools.lru_cache(maxsize=400_000)
def _initials(name: str) -> str:
    return initials(name)


@functools.lru_cache(maxsize=64)
def _birthplace_name(code: str) -> str:
    return birthplace_name(code)[:64]


def _prepare(batch: list[PersonPlan], ctx: _Context) -> Prepared:
    """The rows of one batch of people (skipping those already registered) with everything the services
    would write for them, primary keys assigned."""
    known, report, now = ctx.known, ctx.report, ctx.now
    defaults = _column_defaults(Entrepreneur)
    people: list[tuple[PersonPlan, str]] = []
    for p in batch:
        id_hash = pii.index(p.id_number)
        if id_hash in known.by_hash:  # registered already (an earlier run): the service would refuse it
            report.skipped += 1
            pk, active = known.by_hash[id_hash]
            if active:
                known.pk_of_index[p.index] = pk
            continue
        people.append((p, id_hash))
    pks = ctx.ids(Entrepreneur, len(people))
    rows, group_rows, duplicates = [], [], []
    for (p, id_hash), pk in zip(people, pks, strict=True):
        active = not p.closed_reason
        row = dict(defaults)
        row.update(
            id=pk,
            name=p.name,
            name_initials=_initials(p.name),
            id_number_enc=pii.encrypt(p.id_number),
            id_number_hash=id_hash,
            id_number_masked=mask_id_number(p.id_number),
            sex=p.sex,
            birth_date=p.birth_date,
            birthplace_code=p.birthplace_code,
            birthplace_name=_birthplace_name(p.birthplace_code),
            mobile_enc=pii.encrypt(p.mobile),
            mobile_hash=pii.index(p.mobile),
            mobile_masked=mask_mobile(p.mobile),
            hukou_region_id=ctx.regions[p.hukou_region] if p.hukou_region else None,
            region_id=ctx.regions[p.region],
            category=p.category,
            return_date=p.return_date,
            started_on=p.started_on,
            worked_province=p.worked_province,
            worked_city=p.worked_city,
            worked_months=p.worked_months,
            education=p.education,
            skills=p.skills,
            notes=p.notes,
            status=RecordStatus.ACTIVE if active else RecordStatus.CLOSED,
            closed_reason=p.closed_reason,
            closed_at=None if active else now,
            counted_on=p.started_on,  # _counted_on(): the start-up month, else the registration date
            created_at=now,
            updated_at=now,
            created_by_id=None,
        )
        rows.append(row)
        known.by_hash[id_hash] = (pk, active)
        report.created += 1
        group_rows.extend(
            {"entrepreneur_id": pk, "prioritygroup_id": ctx.groups[g]}
            for g in sorted(p.priority_groups)
            if g in ctx.groups  # a group the city has removed is left out, as _apply_priority does
        )
        if not active:
            # entrepreneur_create counted it, entrepreneur_close took it back: no net rollup change
            report.closed += 1
            continue
        known.pk_of_index[p.index] = pk
        ctx.deltas[
            (row["region_id"], INDICATOR_NEW_ENTREPRENEURS, p.started_on.year, p.started_on.month)
        ] += 1
        # _flag_duplicates(): same name and birth date, or same mobile, among active records
        for key, index, reason in (
            ((p.name, p.birth_date), known.by_name_birth, DuplicateReason.SAME_NAME_BIRTH),
            (row["mobile_hash"], known.by_mobile, DuplicateReason.SAME_MOBILE),
        ):
            others = index[key]
            for other in others[:20]:
                first, second = sorted((pk, other))
                duplicates.append(
                    {
                        "entrepreneur_id": first,
                        "other_id": second,
                        "reason": reason,
                        "status": ReviewStatus.OPEN,
                        "decided_by_id": None,
                        "decided_at": None,
                        "note": "",
                        "created_at": now,
                    }
                )
            others.append(pk)
    report.duplicates += len(duplicates)
    return [
        (Entrepreneur, rows),
        (Entrepreneur.priority_groups.through, group_rows),
        (DuplicateCandidate, duplicates),
        *_prepare_businesses([p for p, _h in people], ctx),
    ]


def _prepare_businesses(people: list[PersonPlan], ctx: _Context) -> Prepared:
    known, report, now = ctx.known, ctx.report, ctx.now
    defaults = _column_defaults(Business)
    plans: list[tuple[BusinessPlan, list[int]]] = []
    for p in people:
        owner = known.pk_of_index.get(p.index)
        if owner is None:
            continue
        for b in p.businesses:
            if b.credit_code and b.credit_code in known.credit_codes:
                continue  # held by a record of another run: business_create would refuse it
            founders = [owner]
            partner = known.pk_of_index.get(b.partner) if b.partner is not None else None
            if partner is not None and partner != owner:
                founders.append(partner)
            if b.credit_code:
                known.credit_codes.add(b.credit_code)
            plans.append((b, founders))
    pks = ctx.ids(Business, len(plans))
    rows, founder_rows, tag_rows, report_rows = [], [], [], []
    for (b, founders), pk in zip(plans, pks, strict=True):
        row = dict(defaults)
        row.update(
            id=pk,
            kind=b.kind,
            name=b.name,
            name_initials=_initials(b.name),
            credit_code=b.credit_code,
            credit_code_override_reason="",
            registered_on=b.registered_on,
            started_on=b.started_on,
            industry=b.industry,
            region_id=ctx.regions[b.region],
            address=b.address,
            registered_capital=b.registered_capital,
            employees=b.employees,
            jobs_created=b.jobs_created,
            poor_workers_employed=b.poor_workers_employed,
            status=RecordStatus.ACTIVE,
            closed_reason="",
            created_at=now,
            updated_at=now,
        )
        rows.append(row)
        report.businesses += 1
        report.partnerships += len(founders) > 1
        for i, person_pk in enumerate(founders):
            founder_rows.append({"business_id": pk, "entrepreneur_id": person_pk, "is_primary": i == 0})
        tag_rows.extend({"business_id": pk, "industrytag_id": ctx.tags[t]} for t in b.tags if t in ctx.tags)
        for r in b.reports:  # business_report_jobs(): a dated report, its delta counted in that month
            report_rows.append(
                {
                    "business_id": pk,
                    "report_date": r.date,
                    "jobs_created": r.jobs,
                    "poor_workers_employed": r.poor,
                    "delta": r.delta,
                    "reported_by_id": None,
                    "created_at": now,
                }
            )
            if r.delta:
                key = (row["region_id"], INDICATOR_JOBS_CREATED, r.date.year, r.date.month)
                ctx.deltas[key] += r.delta
    report.job_reports += len(report_rows)
    return [
        (Business, rows),
        (BusinessFounder, founder_rows),
        (Business.tags.through, tag_rows),
        (JobReport, report_rows),
    ]
