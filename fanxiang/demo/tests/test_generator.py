"""The demo data generator: deterministic, valid identifiers, the services' side effects, counties spread."""

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count

from fanxiang.core import pii
from fanxiang.core.validators import check_credit_code, check_id_number, mask_id_number, mask_mobile
from fanxiang.demo import generator
from fanxiang.entrepreneurs.choices import INDICATOR_JOBS_CREATED, INDICATOR_NEW_ENTREPRENEURS
from fanxiang.entrepreneurs.models import (
    Business,
    BusinessFounder,
    DuplicateCandidate,
    Entrepreneur,
    JobReport,
)
from fanxiang.entrepreneurs.validation import initials
from fanxiang.regions.data import COUNTIES
from fanxiang.regions.models import RegionMonthStat

pytestmark = pytest.mark.django_db

PROGRAMME = dt.date(2020, 12, 31)


def _plans(n: int, seed: int) -> list[generator.PersonPlan]:
    return list(generator.planner_from_db(seed=seed).people(n))


def _snapshot() -> list[tuple]:
    return sorted(
        Entrepreneur.objects.values_list(
            "id_number_hash", "name", "region__code", "category", "started_on", "status"
        )
    )


def test_plans_are_deterministic_and_prefix_stable():
    first, again, other = _plans(300, 7), _plans(300, 7), _plans(300, 8)
    assert first == again
    assert first != other
    assert _plans(100, 7) == first[:100]  # a larger N tops up the same people


def test_identifiers_are_valid_and_ages_in_range():
    plans = _plans(2000, 11)
    codes = [b.credit_code for p in plans for b in p.businesses if b.credit_code]
    assert len({p.id_number for p in plans}) == len(plans)
    assert len(set(codes)) == len(codes)
    historic = 0
    for p in plans:
        result = check_id_number(p.id_number, today=PROGRAMME)
        assert result.valid, (p.id_number, result.code)
        assert result.info["birth_date"] == p.birth_date
        assert result.info["sex"] == p.sex  # from the sequence digit
        assert 18 <= 2020 - p.birth_date.year <= 60
        assert p.id_number[:4] in ("4116", "4127")
        historic += p.id_number.startswith("4127") or p.id_number.startswith("411626")
        assert p.return_date <= p.started_on <= PROGRAMME
    assert historic > 200  # older people carry the codes in force when their number was first issued
    for code in codes:
        result = check_credit_code(code)
        assert result.valid, (code, result.code)
        assert code[2:6] == "4116"
    assert all(
        ("formerly_in_hubei" in p.priority_groups) == p.worked_province.startswith("湖北") for p in plans
    )


def test_generate_matches_service_semantics_and_rollups_recount(demo):
    report = generator.generate(n=600, seed=3, batch_size=250)
    assert report.created == 600 and report.skipped == 0
    assert Entrepreneur.objects.count() == 600
    assert Business.objects.count() == report.businesses > 500
    for person in Entrepreneur.objects.order_by("?")[:40]:
        clear = person.id_number
        assert check_id_number(clear, today=PROGRAMME).valid
        assert clear not in person.id_number_enc and person.id_number_hash == pii.index(clear)
        assert person.id_number_masked == mask_id_number(clear)
        assert person.mobile_masked == mask_mobile(person.mobile)
        assert person.mobile_hash == pii.index(person.mobile)
        assert person.name_initials == initials(person.name)
        assert person.counted_on == person.started_on
        assert person.birthplace_code == clear[:6] and person.birthplace_name
    for business in Business.objects.exclude(credit_code="")[:200]:
        assert check_credit_code(business.credit_code).valid
        assert business.name_initials == initials(business.name)
    # Business.jobs_created is the latest report, and the deltas add up to it
    for business in Business.objects.filter(jobs_created__gt=0).prefetch_related("job_reports")[:200]:
        reports = sorted(business.job_reports.all(), key=lambda r: (r.report_date, r.pk))
        assert reports[-1].jobs_created == business.jobs_created
        assert sum(r.delta for r in reports) == business.jobs_created
    assert BusinessFounder.objects.values("business").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not BusinessFounder.objects.filter(entrepreneur__status="closed").exists()
    hubei = Entrepreneur.objects.filter(worked_province__startswith="湖北")
    assert hubei.exists()
    assert not hubei.exclude(priority_groups__code="formerly_in_hubei").exists()
    assert JobReport.objects.filter(report_date__year=2020).exists()

    # rollups equal a recount of the records, per region and month
    recount: dict[tuple, Decimal] = defaultdict(Decimal)
    for region_id, day in Entrepreneur.objects.filter(status="active").values_list("region_id", "counted_on"):
        recount[(region_id, INDICATOR_NEW_ENTREPRENEURS, day.year, day.month)] += 1
    for region_id, day, delta in JobReport.objects.filter(business__status="active").values_list(
        "business__region_id", "report_date", "delta"
    ):
        recount[(region_id, INDICATOR_JOBS_CREATED, day.year, day.month)] += delta
    stats = {
        (s.region_id, s.indicator, s.year, s.month): s.value for s in RegionMonthStat.objects.all() if s.value
    }
    assert stats == {k: v for k, v in recount.items() if v}

    # counties spread roughly by population
    by_county = Counter(Entrepreneur.objects.values_list("region__parent__code", flat=True))
    assert set(by_county) == {c for c, *_ in COUNTIES}
    assert by_county["411627"] > by_county["411621"]  # 太康 (1.07M) vs 扶沟 (0.56M)


def test_rerun_adds_nothing_and_larger_n_tops_up(demo):
    generator.generate(n=200, seed=5)
    before = _snapshot()
    stats_before = sorted(
        RegionMonthStat.objects.values_list("region_id", "indicator", "year", "month", "value")
    )
    businesses = Business.objects.count()
    again = generator.generate(n=200, seed=5)
    assert again.created == 0 and again.skipped == 200
    assert _snapshot() == before and Business.objects.count() == businesses
    assert sorted(
        RegionMonthStat.objects.values_list("region_id", "indicator", "year", "month", "value")
    ) == (stats_before)
    more = generator.generate(n=260, seed=5)
    assert more.created == 60 and more.skipped == 200
    assert set(before) < set(_snapshot())


def test_same_seed_gives_the_same_records(demo):
    generator.generate(n=120, seed=9)
    first = _snapshot()
    DuplicateCandidate.objects.all().delete()
    BusinessFounder.objects.all().delete()
    JobReport.objects.all().delete()
    Business.objects.all().delete()
    Entrepreneur.objects.all().delete()
    generator.generate(n=120, seed=9)
    assert _snapshot() == first


def test_orm_writer_gives_the_same_records_as_the_default(demo):
    generator.generate(n=80, seed=4, writer=generator.OrmWriter(batch_size=50))
    assert Entrepreneur.objects.count() == 80
    assert Business.objects.filter(founder_links__is_primary=True).count() == Business.objects.count()


def test_command_twice_does_not_fail_or_duplicate(demo, capsys):
    call_command("generate_demo", entrepreneurs=50, seed=1)
    call_command("generate_demo", entrepreneurs=50, seed=1)
    call_command("generate_demo", entrepreneurs=80, seed=2, if_empty=True)
    assert Entrepreneur.objects.count() == 50
    assert "新增人员 0 人" in capsys.readouterr().out


def _schema() -> tuple[set, set]:
    from django.db import connection

    tables = [m._meta.db_table for m in generator.BULK_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s)",
            [tables],
        )
        indexes = set(cursor.fetchall())
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = ANY(%s)",
            [tables],
        )
        return indexes, set(cursor.fetchall())


def test_deferred_indexes_are_rebuilt_on_postgresql(demo):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (index and foreign-key rebuild)")
    before = _schema()
    report = generator.generate(n=150, seed=12, defer_indexes=True)
    assert report.created == 150
    assert _schema() == before
    assert Business.objects.filter(founder_links__entrepreneur__status="active").exists()
