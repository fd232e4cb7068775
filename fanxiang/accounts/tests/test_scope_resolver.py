"""The one scope rule: role says what, region says where."""

import pytest

from fanxiang.accounts.models import RoleAssignment, User
from fanxiang.core.errors import Forbidden
from fanxiang.core.scope import ADD, CHANGE, EXPORT, VIEW, ensure_in_scope, resolve
from fanxiang.regions.models import Region
from fanxiang.targets.models import Target

pytestmark = pytest.mark.django_db


def test_city_admin_holds_the_whole_city(demo):
    scope = resolve(demo["city_admin"], Target, CHANGE)
    assert scope.region_paths == (Region.objects.get(code="411600").tree_path,)


def test_leader_reads_everything_but_writes_nothing(demo):
    leader = demo["leader"]
    assert not resolve(leader, Target, VIEW).empty
    assert not resolve(leader, Target, EXPORT).empty
    assert resolve(leader, Target, CHANGE).empty
    assert resolve(leader, Target, ADD).empty


def test_county_officer_holds_only_the_county_subtree(demo):
    officer = demo["officer_411625"]
    qs = Region.objects.for_user(officer)
    assert qs.filter(code="411625").exists()
    assert qs.filter(code="411625101").exists()
    assert not qs.filter(code="411628").exists()
    assert not qs.filter(code="411600").exists()
    assert not qs.filter(parent__code="411628").exists()


def test_anonymous_and_inactive_users_see_nothing(demo):
    from django.contrib.auth.models import AnonymousUser

    assert Target.objects.for_user(AnonymousUser()).count() == 0
    officer = demo["officer_411625"]
    officer.is_active = False
    assert Target.objects.for_user(officer).count() == 0


def test_user_without_roles_sees_nothing(db):
    user = User.objects.create(username="nobody")
    assert Region.objects.for_user(user).count() == 0
    assert Target.objects.for_user(user).count() == 0


def test_superuser_sees_everything(db):
    user = User.objects.create(username="root", is_superuser=True)
    assert Region.objects.for_user(user).count() == Region.objects.count()


def test_nested_assignments_collapse_to_the_wider_path(demo):
    officer = demo["officer_411625"]
    RoleAssignment.objects.create(
        user=officer, role="county_officer", region=Region.objects.get(code="411625101")
    )
    officer._fx_assignments = None
    assert resolve(officer, Target, VIEW).region_paths == (Region.objects.get(code="411625").tree_path,)


def test_write_recheck_refuses_a_record_moved_out_of_scope(demo):
    officer = demo["officer_411625"]
    target = Target(year=2040, indicator="jobs_created", region=Region.objects.get(code="411628"), value=1)
    with pytest.raises(Forbidden) as exc:
        ensure_in_scope(officer, target, CHANGE)
    assert exc.value.code == "scope.region_forbidden"
    target.region = Region.objects.get(code="411625")
    ensure_in_scope(officer, target, CHANGE)
