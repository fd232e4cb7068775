"""The shared fixtures: demo users and reference data loaded once per test database, intact after
tests that change them, reloaded after a transactional test's flush, no cache carried over.

pytest-django runs transactional tests after all the others, in file order (xdist's
``--dist loadfile`` keeps a file on one worker): the last two tests below run one after the other."""

import pytest
from django.core.cache import cache

from fanxiang.accounts.models import RoleAssignment, User
from fanxiang.demo.services import DEMO_USERS
from fanxiang.regions.models import Region

LOCK_KEY = "fx:test:fixture-data:lock"


def test_demo_fixture_reads_the_users_without_reloading_them(db, request, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        users = request.getfixturevalue("demo")
    assert set(users) >= {username for username, *_ in DEMO_USERS}


def test_a_test_may_deactivate_a_demo_user(demo):
    demo["city_admin"].is_active = False
    demo["city_admin"].set_password("Other@2020pw")
    demo["city_admin"].save()
    RoleAssignment.objects.filter(user=demo["city_admin"]).delete()


def test_the_rollback_restored_the_demo_user(demo, api):
    user = User.objects.get(username="city_admin")
    assert user.is_active
    assert user.check_password("Demo@2020fx")
    assert RoleAssignment.objects.filter(user=user, region__code="411600").exists()
    assert api("city_admin").get("/api/v1/me").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_commits_changes_and_fills_the_cache(demo):
    User.objects.filter(username="leader").update(is_active=False)
    cache.set(LOCK_KEY, 1, timeout=600)
    assert cache.get(LOCK_KEY) == 1


@pytest.mark.django_db(transaction=True)
def test_after_the_flush_demo_and_reference_data_are_back_and_the_cache_is_empty(demo, web):
    assert Region.objects.filter(code="411600").exists()
    assert set(demo) >= {username for username, *_ in DEMO_USERS}
    assert User.objects.get(username="leader").is_active
    assert cache.get(LOCK_KEY) is None
    assert web("leader").get("/").status_code == 200
