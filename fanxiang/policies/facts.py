"""The facts a rule is evaluated on, for one person or for many in bulk.

Facts are a plain dict keyed by the field catalogue (``fanxiang.policies.rules.FIELDS``); regions are
materialised tree paths (``/411600/411625/411625101/``) with their name beside (``region_name``). A fact
the registry does not hold is absent (unknown), never guessed.

The bulk loader reads the registry with ``values_list`` in chunks of people (one query per table per chunk,
and only the tables the rules need), never per person."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection

from fanxiang.entrepreneurs.choices import RecordStatus
from fanxiang.entrepreneurs.models import Business, BusinessFounder, Entrepreneur, PriorityGroup
from fanxiang.policies.models import BenefitGrant, PolicyItem

BUSINESS_FIELDS = {
    "has_business", "entity_kind", "industry", "business_started_on", "business_months", "jobs_created",
    "employees", "poor_workers_employed",
}  # fmt: skip


def months_between(start: dt.date | None, end: dt.date) -> int | None:
    """Whole months from ``start`` to ``end`` (None when ``start`` is unknown; 0 when in the future)."""
    if start is None:
        return None
    months = (end.year - start.year) * 12 + (end.month - start.month) - (1 if end.day < start.day else 0)
    return max(0, months)


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class BusinessRow:
    id: int
    is_primary: bool
    kind: str
    industry: str
    started_on: dt.date | None
    registered_on: dt.date | None
    jobs_created: int
    employees: int
    poor_workers_employed: int


def person_facts(
    *,
    on: dt.date,
    birth_date: dt.date | None,
    sex: str | None,
    category: str | None,
    region_path: str | None,
    region_name: str = "",
    hukou_path: str | None = None,
    hukou_name: str = "",
    return_date: dt.date | None = None,
    started_on: dt.date | None = None,
    worked_months: int | None = None,
    education: str = "",
    groups: Iterable[str] = (),
    businesses: list[BusinessRow] | None = None,
    tags: Iterable[str] = (),
    received: Iterable[str] = (),
) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "age": age_on(birth_date, on),
        "sex": sex or None,
        "category": category or None,
        "priority_groups": frozenset(groups),
        "education": education or None,
        "region": region_path,
        "region_name": region_name,
        "hukou_region": hukou_path,
        "hukou_region_name": hukou_name,
        "return_date": return_date,
        "return_months": months_between(return_date, on),
        "started_on": started_on,
        "worked_months": worked_months,
        "received": frozenset(received),
        "industry_tags": frozenset(tags),
    }
    if businesses is not None:
        facts.update(business_facts(businesses, on))
    return facts


def business_facts(businesses: list[BusinessRow], on: dt.date) -> dict[str, Any]:
    if not businesses:
        return {"has_business": False, "jobs_created": 0, "employees": 0, "poor_workers_employed": 0}
    if len(businesses) == 1:
        primary = businesses[0]
    else:
        primary = min(businesses, key=lambda b: (not b.is_primary, b.started_on or dt.date.max, b.id))
    start = primary.started_on or primary.registered_on
    return {
        "has_business": True,
        "entity_kind": primary.kind,
        "industry": primary.industry or None,
        "business_started_on": start,
        "business_months": months_between(start, on),
        "jobs_created": sum(b.jobs_created for b in businesses),
        "employees": sum(b.employees for b in businesses),
        "poor_workers_employed": sum(b.poor_workers_employed for b in businesses),
    }


_BUSINESS_COLUMNS = (
    "entrepreneur_id", "business_id", "is_primary", "business__kind", "business__industry",
    "business__started_on", "business__registered_on", "business__jobs_created", "business__employees",
    "business__poor_workers_employed",
)  # fmt: skip


def facts_for_entrepreneur(person: Entrepreneur, *, on: dt.date) -> dict[str, Any]:
    """Facts of one registered person (a handful of queries)."""
    return facts_and_grants(person, on=on)[0]


def _date(v: Any) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


@functools.lru_cache(maxsize=1)
def _person_sql() -> tuple[str, str, str]:
    """The three look-ups of one person's facts as plain SQL (table and column names from the models):
    matching one person is on a hot path, and building three ORM querysets per call costs more than
    running them. Only table names are interpolated; values are parameters."""
    bf, b = BusinessFounder._meta.db_table, Business._meta.db_table
    through = Entrepreneur.priority_groups.through._meta.db_table
    pg = PriorityGroup._meta.db_table
    grant, item = BenefitGrant._meta.db_table, PolicyItem._meta.db_table
    businesses = (
        f"SELECT bf.business_id, bf.is_primary, b.kind, b.industry, b.started_on, b.registered_on, "  # noqa: S608
        f"b.jobs_created, b.employees, b.poor_workers_employed FROM {bf} bf INNER JOIN {b} b ON b.id = bf.business_id "
        f"WHERE bf.entrepreneur_id = %s AND b.status = %s"
    )
    groups = (
        f"SELECT pg.code FROM {through} t INNER JOIN {pg} pg ON pg.id = t.prioritygroup_id "  # noqa: S608
        "WHERE t.entrepreneur_id = %s"
    )
    grants = (
        f"SELECT i.code, g.amount, g.granted_on FROM {grant} g INNER JOIN {item} i ON i.id = g.item_id "  # noqa: S608
        f"WHERE g.revoked_at IS NULL AND (g.entrepreneur_id = %s OR g.business_id IN "
        f"(SELECT f.business_id FROM {bf} f INNER JOIN {b} fb ON fb.id = f.business_id "
        f"WHERE f.entrepreneur_id = %s AND fb.status = %s))"
    )
    return businesses, groups, grants


def facts_and_grants(
    person: Entrepreneur, *, on: dt.date, fields: set[str] | None = None
) -> tuple[dict[str, Any], list[tuple[str, Any, dt.date]]]:
    """Facts of one registered person and their non-revoked grants ``(item code, amount, date)`` — to the
    person or to an active business they founded — in three queries (four when a rule reads industry
    tags)."""
    from decimal import Decimal

    sql_businesses, sql_groups, sql_grants = _person_sql()
    active = RecordStatus.ACTIVE.value
    with connection.cursor() as cursor:
        cursor.execute(sql_businesses, [person.pk, active])
        businesses = [
            BusinessRow(bid, bool(primary), kind, industry, _date(started), _date(registered), jobs or 0,
                        employees or 0, poor or 0)
            for bid, primary, kind, industry, started, registered, jobs, employees, poor in cursor.fetchall()
        ]  # fmt: skip
        cursor.execute(sql_groups, [person.pk])
        groups = [row[0] for row in cursor.fetchall()]
        cursor.execute(sql_grants, [person.pk, person.pk, active])
        grants = [(code, Decimal(str(amount)), _date(day)) for code, amount, day in cursor.fetchall()]
    tags: Iterable[str] = ()
    business_ids = [b.id for b in businesses]
    if business_ids and (fields is None or "industry_tags" in fields):
        tags = Business.tags.through.objects.filter(business_id__in=business_ids).values_list(
            "industrytag__code", flat=True
        )
    region = person.region
    hukou = person.hukou_region
    facts = person_facts(
        on=on,
        birth_date=person.birth_date,
        sex=person.sex,
        category=person.category,
        region_path=region.tree_path,
        region_name=region.name,
        hukou_path=hukou.tree_path if hukou else None,
        hukou_name=hukou.name if hukou else "",
        return_date=person.return_date,
        started_on=person.started_on,
        worked_months=person.worked_months,
        education=person.education,
        groups=groups,
        businesses=businesses,
        tags=tags,
        received=[g[0] for g in grants],
    )
    return facts, grants


_PERSON_COLUMNS = (
    "id", "birth_date", "sex", "category", "region_id", "hukou_region_id", "return_date", "started_on",
    "worked_months", "education",
)  # fmt: skip


def iter_bulk_facts(queryset, *, on: dt.date, **kwargs: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(entrepreneur id, facts)`` for every person of ``queryset`` (see :func:`iter_fact_chunks`)."""
    for ids, facts in iter_fact_chunks(queryset, on=on, **kwargs):
        yield from zip(ids, facts, strict=True)


def iter_fact_chunks(
    queryset,
    *,
    on: dt.date,
    fields: set[str] | None = None,
    chunk_size: int = 2000,
    region_info: dict[int, tuple[str, str]] | None = None,
) -> Iterator[tuple[list[int], list[dict[str, Any]]]]:
    """``(ids, facts)`` per chunk of people of ``queryset`` (already scoped and filtered), read in chunks by
    primary key with one query per table. ``fields``: the catalogue fields the caller's rules use (None:
    all); tables no rule needs are not read. ``received`` is always loaded."""
    from fanxiang.regions.models import Region

    need = set(fields) if fields is not None else None

    def wants(*names: str) -> bool:
        return need is None or any(n in need for n in names)

    if region_info is None:
        region_info = {
            pk: (path, name) for pk, path, name in Region.objects.values_list("id", "tree_path", "name")
        }
    want_groups = wants("priority_groups")
    want_business = wants(*BUSINESS_FIELDS, "industry_tags")
    want_tags = wants("industry_tags")
    base = queryset.order_by("pk").values_list(*_PERSON_COLUMNS)
    last = 0
    while True:
        chunk = list(base.filter(pk__gt=last)[:chunk_size])
        if not chunk:
            return
        first, last = chunk[0][0], chunk[-1][0]
        ids = [r[0] for r in chunk]
        # the chunk again, as a subquery: the related tables are read for exactly these people without
        # sending 2,000 ids as parameters
        in_chunk = queryset.filter(pk__gte=first, pk__lte=last).values("pk")
        chunk_businesses = BusinessFounder.objects.filter(
            entrepreneur_id__in=in_chunk, business__status=RecordStatus.ACTIVE
        ).values("business_id")
        groups: dict[int, list[str]] = defaultdict(list)
        if want_groups:
            through = Entrepreneur.priority_groups.through.objects
            for pid, code in through.filter(entrepreneur_id__in=in_chunk).values_list(
                "entrepreneur_id", "prioritygroup__code"
            ):
                groups[pid].append(code)
        businesses: dict[int, list[BusinessRow]] = defaultdict(list)
        owners: dict[int, list[int]] = defaultdict(list)
        # business ids are read even when no rule needs business facts: grants may be made to a business
        for row in BusinessFounder.objects.filter(
            entrepreneur_id__in=in_chunk, business__status=RecordStatus.ACTIVE
        ).values_list(*_BUSINESS_COLUMNS):
            businesses[row[0]].append(BusinessRow(*row[1:]))
            owners[row[1]].append(row[0])
        tags: dict[int, list[str]] = defaultdict(list)
        if want_tags and owners:
            for bid, code in Business.tags.through.objects.filter(
                business_id__in=chunk_businesses
            ).values_list("business_id", "industrytag__code"):
                for pid in owners[bid]:
                    tags[pid].append(code)
        received: dict[int, set[str]] = defaultdict(set)
        for pid, code in BenefitGrant.objects.filter(
            entrepreneur_id__in=in_chunk, revoked_at__isnull=True
        ).values_list("entrepreneur_id", "item__code"):
            received[pid].add(code)
        if owners:
            for bid, code in BenefitGrant.objects.filter(
                business_id__in=chunk_businesses, revoked_at__isnull=True
            ).values_list("business_id", "item__code"):
                for pid in owners[bid]:
                    received[pid].add(code)
        facts_list = []
        for pid, birth, sex, category, region_id, hukou_id, ret, started, worked, edu in chunk:
            rpath, rname = region_info.get(region_id, (None, ""))
            hpath, hname = region_info.get(hukou_id, (None, "")) if hukou_id else (None, "")
            facts_list.append(
                person_facts(
                    on=on,
                    birth_date=birth,
                    sex=sex,
                    category=category,
                    region_path=rpath,
                    region_name=rname,
                    hukou_path=hpath,
                    hukou_name=hname,
                    return_date=ret,
                    started_on=started,
                    worked_months=worked,
                    education=edu,
                    groups=groups.get(pid, ()),
                    businesses=businesses.get(pid, []) if want_business else None,
                    tags=tags.get(pid, ()),
                    received=received.get(pid, ()),
                )
            )
        yield ids, facts_list


def declared_facts(data: dict[str, Any], *, on: dt.date) -> dict[str, Any]:
    """Facts typed by a person on the public self-check form (or a clerk trying a rule): whatever is not
    given stays unknown. ``data`` keys: age or birth_date, sex, category, priority_groups, region (code),
    entity_kind ("none" for no business), industry, business_started_on, jobs_created, employees,
    return_date, worked_months, education, received, in_startup_park, national_rd_platform."""
    from fanxiang.regions.models import Region

    facts: dict[str, Any] = {"priority_groups": frozenset(data.get("priority_groups") or ()),
                             "received": frozenset(data.get("received") or ()),
                             "industry_tags": frozenset(data.get("industry_tags") or ())}  # fmt: skip
    age = data.get("age")
    if age is None and data.get("birth_date"):
        age = age_on(data["birth_date"], on)
    facts["age"] = age
    for key in ("sex", "category", "education", "industry"):
        facts[key] = data.get(key) or None
    for key in ("region", "hukou_region"):
        code = data.get(key)
        if code:
            region = Region.objects.filter(code=code).values_list("tree_path", "name").first()
            if region:
                facts[key], facts[f"{key}_name"] = region
    kind = data.get("entity_kind")
    if kind == "none":
        facts.update(has_business=False, jobs_created=0, employees=0, poor_workers_employed=0)
    elif kind:
        facts.update(has_business=True, entity_kind=kind)
    start = data.get("business_started_on")
    if start:
        facts["business_started_on"] = start
        facts["business_months"] = months_between(start, on)
    for key in ("jobs_created", "employees", "poor_workers_employed", "worked_months"):
        if data.get(key) is not None:
            facts[key] = data[key]
    if data.get("return_date"):
        facts["return_date"] = data["return_date"]
        facts["return_months"] = months_between(data["return_date"], on)
    elif data.get("return_months") is not None:
        facts["return_months"] = data["return_months"]
    if data.get("started_on"):
        facts["started_on"] = data["started_on"]
    for key in ("in_startup_park", "national_rd_platform"):
        if data.get(key) is not None:
            facts[key] = bool(data[key])
    return facts


DECLARED_KEYS = {
    "age": "int", "birth_date": "date", "sex": "choice", "category": "choice", "priority_groups": "list",
    "education": "choice", "region": "str", "hukou_region": "str", "entity_kind": "str", "industry": "choice",
    "industry_tags": "list", "business_started_on": "date", "jobs_created": "int", "employees": "int",
    "poor_workers_employed": "int", "return_date": "date", "return_months": "int", "started_on": "date",
    "worked_months": "int", "received": "list", "in_startup_park": "bool", "national_rd_platform": "bool",
}  # fmt: skip


def parse_declared(raw: dict[str, Any]) -> dict[str, Any]:
    """Type-check facts typed by hand (API or form): unknown keys and wrong types are refused by key."""
    from fanxiang.core.errors import ErrorCollector

    errors = ErrorCollector()
    out: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        kind = DECLARED_KEYS.get(key)
        if kind is None:
            errors.add(f"facts.{key}", "policy.fact_unknown", f"未知的情况项“{key}”。")
            continue
        if value in (None, ""):
            continue
        if kind == "int":
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, str))
                or not str(value).strip().isdigit()
            ):
                errors.add(f"facts.{key}", "policy.fact_type", "应为非负整数。")
                continue
            value = int(value)
            if value > 10**7:
                errors.add(f"facts.{key}", "policy.fact_type", "数值过大。")
                continue
        elif kind == "date":
            if isinstance(value, dt.date):
                pass
            else:
                try:
                    value = dt.date.fromisoformat(str(value))
                except ValueError:
                    errors.add(f"facts.{key}", "policy.fact_type", "日期格式应为 YYYY-MM-DD。")
                    continue
        elif kind == "bool":
            if not isinstance(value, bool):
                errors.add(f"facts.{key}", "policy.fact_type", "应为 true 或 false。")
                continue
        elif kind == "list":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors.add(f"facts.{key}", "policy.fact_type", "应为字符串列表。")
                continue
        elif not isinstance(value, str):
            errors.add(f"facts.{key}", "policy.fact_type", "应为字符串。")
            continue
        out[key] = value
    errors.raise_if_any()
    return out
