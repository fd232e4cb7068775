"""Big list counts are cached briefly; small ones are always exact and never touch the cache."""

import pytest
from django.core.cache import cache

from fanxiang.core import counting
from fanxiang.regions.models import Region, RegionKind, RegionLevel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean():
    counting.forget_known_counts()
    cache.clear()
    yield
    counting.forget_known_counts()


def _new_township(code: str) -> Region:
    return Region.objects.create(
        code=code,
        name="测试乡",
        level=RegionLevel.TOWNSHIP,
        kind=RegionKind.TOWNSHIP,
        parent=Region.objects.get(code="411625"),
    )


def test_small_counts_are_exact_and_skip_the_cache(monkeypatch):
    def no_cache(*args, **kwargs):
        raise AssertionError("a small count must not touch the cache")

    monkeypatch.setattr(counting.cache, "get", no_cache)
    monkeypatch.setattr(counting.cache, "set", no_cache)
    qs = Region.objects.filter(parent__code="411625")
    before = counting.count_rows(qs)
    _new_township("411625999")
    assert counting.count_rows(qs) == before + 1 == qs.count()


def test_big_counts_are_served_from_the_cache_for_a_while(monkeypatch):
    monkeypatch.setattr(counting, "BIG_COUNT", 100)
    qs = Region.objects.all()
    total = counting.count_rows(qs)
    assert total == qs.count() >= 100
    _new_township("411625998")
    assert counting.count_rows(Region.objects.all()) == total  # cached: may lag by the new record
    assert counting.count_rows(Region.objects.exclude(code="411600")) == total  # another query: exact
    cache.clear()
    assert counting.count_rows(Region.objects.all()) == total + 1


def test_empty_scope_counts_zero():
    assert counting.count_rows(Region.objects.none()) == 0
    assert counting.count_rows([1, 2, 3]) == 3
