"""Policy matching: one person against 200 items (target p95 ≤ 10 ms) and the outreach list "eligible but
not yet received" for 100k people × 200 items (target ≤ 60 s).

Data (load time printed separately): the shipped reference documents and items (8 items with published
rules) plus 192 generated items with published rules of 2–7 conditions each (working-age limits by sex with
guards, categories, jobs created, months in business, entity kinds, industries, priority groups, months since
return, "not already received X", nested any-groups; a fifth restricted to one county); the registry from
``fanxiang.demo.generator`` (the loader behind ``manage.py generate_demo``, seed 1, ~1.1 businesses a person)
at 10k people, then topped up to 100k (the same seed's first N people); 3% of the people hold a grant of a
random item. Judged on 2020-09-01.

Measured:

* match: ``selectors.match_entrepreneur`` for 300 random people (facts of one person in a few queries, the
  compiled catalogue reused while no item changed, a fast boolean pre-check per item, explanations only for
  the items that are eligible or near misses), p50 / p95; and the same through the API
  (``GET /api/v1/policies/match``, token auth, scope, serialisation). Baseline in the same run: the
  uncached path — the catalogue loaded and every rule compiled on each call and every item explained.
* outreach: ``selectors.outreach`` for the whole city as the city admin (facts read in bulk with
  ``values_list`` in chunks of 2,000 people, rules run compiled) and for one county as its officer. Baseline
  in the same run: the per-person way (``match_entrepreneur`` for each person, then "eligible minus
  received") over 2,000 people, extrapolated linearly to the population (said so in the output).

Both run with DEBUG off. Run: ``.venv/bin/python bench/bench_policies.py`` (SQLite in a temp dir;
BENCH_DATABASE_URL for PostgreSQL; BENCH_POLICY_SIZES=10000,100000 to change the sizes). Prints figures;
asserts nothing about time.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from decimal import Decimal

from _setup import percentiles, setup

ON = dt.date(2020, 9, 1)
N_ITEMS = 200
MATCH_SAMPLES = 300
BASELINE_MATCH_SAMPLES = 60
BASELINE_OUTREACH_PEOPLE = 2_000
SIZES = [int(s) for s in os.environ.get("BENCH_POLICY_SIZES", "10000,100000").split(",") if s]

CATEGORIES = ["returning_migrant_worker", "college_graduate", "veteran", "researcher", "other"]
KINDS = ["enterprise", "individual_business", "cooperative", "family_farm", "unregistered"]
INDUSTRIES = list("ACEFGHILMOR")
GROUPS = ["epidemic_contributor", "formerly_in_hubei", "poor_household"]
COUNTIES = [
    "411602",
    "411603",
    "411621",
    "411622",
    "411623",
    "411624",
    "411625",
    "411627",
    "411628",
    "411681",
]
BENEFITS = ["tax_relief", "startup_subsidy", "social_insurance_subsidy", "premises_subsidy",
            "loan_interest_subsidy", "award", "land", "training_subsidy", "other"]  # fmt: skip


def random_rule(rng: random.Random, codes: list[str]) -> dict:
    parts: list[dict] = []
    if rng.random() < 0.6:
        parts += [
            {"field": "age", "op": "gte", "value": 18},
            {"field": "age", "op": "lte", "value": 60, "when": {"field": "sex", "op": "eq", "value": "M"}},
            {"field": "age", "op": "lte", "value": 55, "when": {"field": "sex", "op": "eq", "value": "F"}},
        ]
    pool = [
        lambda: {"field": "category", "op": "in", "value": rng.sample(CATEGORIES, rng.randint(1, 3))},
        lambda: {"field": "jobs_created", "op": "gte", "value": rng.randint(1, 8)},
        lambda: {"field": "business_months", "op": "gte", "value": rng.choice([6, 12, 24, 36])},
        lambda: {"field": "entity_kind", "op": "in", "value": rng.sample(KINDS, rng.randint(1, 3))},
        lambda: {"field": "industry", "op": "in", "value": rng.sample(INDUSTRIES, rng.randint(2, 5))},
        lambda: {"field": "priority_groups", "op": "includes_any", "value": rng.sample(GROUPS, rng.randint(1, 2))},
        lambda: {"field": "return_months", "op": "lte", "value": rng.choice([12, 24, 36, 60])},
        lambda: {"field": "has_business", "op": "eq", "value": True},
        lambda: {"field": "received", "op": "excludes", "value": rng.choice(codes)} if codes else
        {"field": "has_business", "op": "eq", "value": True},
        lambda: {"any": [{"field": "jobs_created", "op": "gte", "value": rng.randint(3, 10)},
                         {"field": "priority_groups", "op": "includes", "value": rng.choice(GROUPS)}]},
    ]  # fmt: skip
    for make in rng.sample(pool, rng.randint(2, 4)):
        parts.append(make())
    return {"all": parts}


def make_items(rng: random.Random) -> float:
    from fanxiang.accounts.models import User
    from fanxiang.policies import services
    from fanxiang.policies.models import PolicyItem

    started = time.perf_counter()
    admin = User.objects.get(username="city_admin")
    have = PolicyItem.objects.filter(is_active=True).count()
    docs = [
        services.document_create(
            actor=admin,
            data={
                "number": f"基准测试〔2020〕{i}号",
                "title": f"基准测试政策文件{i}",
                "issuer": "基准测试",
                "level": rng.choice(["national", "provincial", "city", "county"]),
                "status": "in_force",
                "full_text": "返乡入乡创业扶持政策（基准测试用）",
            },
        )
        for i in range(1, 21)
    ]
    codes: list[str] = []
    for n in range(N_ITEMS - have):
        code = f"bench-{n:03d}"
        kind = rng.choice(["fixed", "range", "formula"])
        data = {"code": code, "title": f"基准测试条款{n}", "benefit_type": rng.choice(BENEFITS), "amount_kind": kind,
                "once_only": rng.random() < 0.4, "effective_from": "2020-01-01"}  # fmt: skip
        if kind == "fixed":
            data["amount_fixed"] = str(rng.choice([2000, 5000, 10000, 30000]))
        elif kind == "range":
            data.update(amount_min="1000", amount_max=str(rng.choice([20000, 50000, 100000])))
        else:
            data["amount_formula"] = {"terms": [{"field": "jobs_created", "rate": "1000"}], "max": "30000"}
        if rng.random() < 0.2:
            data["regions"] = [rng.choice(COUNTIES)]
        item = services.item_create(actor=admin, document=docs[n % len(docs)], data=data)
        version = services.rule_save(actor=admin, item=item, rule=random_rule(rng, codes[-30:]))
        services.rule_publish(actor=admin, version=version)
        codes.append(code)
    return time.perf_counter() - started


def add_grants(rng: random.Random, share: float = 0.03) -> int:
    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.policies.models import BenefitGrant, PolicyItem

    items = list(PolicyItem.objects.values_list("pk", flat=True))
    have = set(BenefitGrant.objects.values_list("entrepreneur_id", flat=True))
    rows = [
        BenefitGrant(item_id=rng.choice(items), entrepreneur_id=pid, region_id=region_id,
                     amount=Decimal("5000.00"), granted_on=dt.date(2020, 5, 1), source="import", batch="bench")
        for pid, region_id in Entrepreneur.objects.values_list("pk", "region_id").iterator(chunk_size=5000)
        if pid not in have and rng.random() < share
    ]  # fmt: skip
    BenefitGrant.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def naive_match(person, on):
    """Baseline: no catalogue cache, no fast pre-check — compile everything and explain every item."""
    from fanxiang.policies.facts import facts_for_entrepreneur
    from fanxiang.policies.matching import build_catalogue, match_facts
    from fanxiang.policies.selectors import grants_of

    catalogue = build_catalogue()
    facts = facts_for_entrepreneur(person, on=on)
    for item in catalogue.items:
        if item.rule is not None:
            item.rule.evaluate(facts)
    return match_facts(facts, catalogue, on=on, max_failed=1, grants=grants_of(person))


def bench_match(rng: random.Random, headers: dict) -> None:
    from django.test import Client

    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.policies import selectors
    from fanxiang.policies.matching import load_catalogue

    ids = list(Entrepreneur.objects.values_list("pk", flat=True))
    sample = rng.sample(ids, MATCH_SAMPLES)
    people = {
        p.pk: p for p in Entrepreneur.objects.select_related("region", "hukou_region").filter(pk__in=sample)
    }
    load_catalogue()
    for pk in sample[:10]:
        selectors.match_entrepreneur(people[pk], on=ON)
    fast, fast_cpu, eligible, near = [], [], 0, 0
    for pk in sample:
        c, t = time.process_time(), time.perf_counter()
        result = selectors.match_entrepreneur(people[pk], on=ON)
        fast.append((time.perf_counter() - t) * 1000)
        fast_cpu.append((time.process_time() - c) * 1000)
        eligible += len(result.eligible)
        near += len(result.near_misses)
    slow, slow_cpu = [], []
    for pk in sample[:BASELINE_MATCH_SAMPLES]:
        c, t = time.process_time(), time.perf_counter()
        naive_match(people[pk], ON)
        slow.append((time.perf_counter() - t) * 1000)
        slow_cpu.append((time.process_time() - c) * 1000)
    client = Client()
    api = []
    for pk in sample[:100]:
        t = time.perf_counter()
        response = client.get("/api/v1/policies/match", {"entrepreneur": pk, "on": ON.isoformat()}, **headers)
        api.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.content
    items = len(load_catalogue().items)
    f50, f95 = percentiles(fast)
    c50, c95 = percentiles(fast_cpu)
    s50, s95 = percentiles(slow)
    sc50, sc95 = percentiles(slow_cpu)
    a50, a95 = percentiles(api)
    print(
        f"match one person × {items} items ({len(fast)} people; each {eligible / len(fast):.1f} eligible, "
        f"{near / len(fast):.1f} near misses with their messages):"
    )
    print(
        f"  selectors.match_entrepreneur   wall p50 {f50:7.2f} ms  p95 {f95:7.2f} ms   (target p95 ≤ 10 ms)"
    )
    print(f"                                 cpu  p50 {c50:7.2f} ms  p95 {c95:7.2f} ms   (process CPU time)")
    print(f"  GET /api/v1/policies/match     wall p50 {a50:7.2f} ms  p95 {a95:7.2f} ms   (whole HTTP stack)")
    print(
        f"  baseline, uncached ({len(slow)})    wall p50 {s50:7.2f} ms  p95 {s95:7.2f} ms   → ratio p95 {s95 / f95:5.1f}×"
    )
    print(
        f"                                 cpu  p50 {sc50:7.2f} ms  p95 {sc95:7.2f} ms   → ratio p95 {sc95 / c95:5.1f}×"
    )


def naive_outreach(person_ids: list[int], on) -> tuple[float, int]:
    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.policies import selectors

    started = time.perf_counter()
    hits = 0
    for person in Entrepreneur.objects.select_related("region", "hukou_region").filter(pk__in=person_ids):
        result = selectors.match_entrepreneur(person, on=on)
        received = {r.code for r in result.received}
        hits += sum(1 for e in result.eligible if e.item.code not in received)
    return time.perf_counter() - started, hits


def bench_outreach(rng: random.Random, size: int) -> None:
    from fanxiang.accounts.models import User
    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.policies import selectors
    from fanxiang.regions.models import Region

    admin = User.objects.get(username="city_admin")
    officer = User.objects.get(username="officer_411625")
    city = Region.objects.get(code="411600")
    county = Region.objects.get(code="411625")
    c, t = time.process_time(), time.perf_counter()
    result = selectors.outreach(user=admin, region=city, on=ON)
    city_s, city_cpu = time.perf_counter() - t, time.process_time() - c
    hits = sum(r.count for r in result.rows)
    c, t = time.process_time(), time.perf_counter()
    ids_out = sum(len(r.person_ids) for r in result.rows)
    expand_s = time.perf_counter() - t
    c, t = time.process_time(), time.perf_counter()
    county_result = selectors.outreach(user=officer, region=county, on=ON)
    county_s, county_cpu = time.perf_counter() - t, time.process_time() - c
    ids = list(Entrepreneur.objects.filter(status="active").values_list("pk", flat=True))
    sample = rng.sample(ids, min(BASELINE_OUTREACH_PEOPLE, len(ids)))
    naive_s, naive_hits = naive_outreach(sample, ON)
    extrapolated = naive_s * result.people / len(sample)
    print(f"outreach at {size:,} registered ({result.people:,} active) × {len(result.rows)} items in force:")
    print(
        f"  city (city_admin)              {city_s:8.2f} s wall  {city_cpu:6.2f} s cpu   {hits:,} person-item pairs "
        f"eligible, not received   (target ≤ 60 s)"
    )
    print(f"    + expanding every list to person ids: {expand_s:.2f} s ({ids_out:,} ids)")
    print(
        f"  county 411625 (officer)        {county_s:8.2f} s wall  {county_cpu:6.2f} s cpu   "
        f"{county_result.people:,} people"
    )
    print(
        f"  baseline per person ({len(sample):,})    {naive_s:8.2f} s → {extrapolated:8.1f} s extrapolated to "
        f"{result.people:,} people → ratio {extrapolated / city_s:5.1f}×"
    )
    print(
        f"    (sample: {naive_hits:,} pairs for {len(sample):,} people; bulk: "
        f"{hits / max(result.people, 1) * len(sample):,.0f} expected)"
    )


def main() -> None:
    setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from fanxiang.demo.generator import generate
    from fanxiang.demo.services import load_demo_data, load_reference_data

    settings.DEBUG = False
    rng = random.Random(2020)
    t = time.perf_counter()
    load_reference_data()
    load_demo_data()
    items_s = make_items(rng)
    print(
        f"load: reference data + {N_ITEMS} items with published rules in {time.perf_counter() - t:.1f} s "
        f"(items {items_s:.1f} s); database {connection.vendor}"
    )
    client = Client()
    token = client.post(
        "/api/v1/auth/token",
        {"username": "city_admin", "password": "Demo@2020fx"},
        content_type="application/json",
    ).json()["token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for size in SIZES:
        t = time.perf_counter()
        report = generate(n=size, seed=1)
        grants = add_grants(rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"\n== {size:,} people: generated {report.created:,} people, {report.businesses:,} businesses and "
            f"{grants:,} grants in {time.perf_counter() - t:.1f} s"
        )
        bench_match(rng, headers)
        bench_outreach(rng, size)


if __name__ == "__main__":
    main()
