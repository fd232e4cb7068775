"""User management pages (city admin) and the region switcher."""

import pytest

from fanxiang.accounts.models import RoleAssignment, User
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db

GOOD = "Zhoukou#2020ok"


def test_admin_creates_user_with_role_and_first_login_forces_password_change(web):
    admin = web("city_admin")
    region = Region.objects.get(code="411628")
    response = admin.post(
        "/accounts/users/new/",
        {
            "username": "luyi_clerk",
            "real_name": "鹿邑新人",
            "mobile": "+86 139-0000-1111",
            "password": GOOD,
            "role": "county_officer",
            "region": region.pk,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="luyi_clerk")
    assert user.mobile == "13900001111"
    assert user.must_change_password
    assert RoleAssignment.objects.filter(user=user, role="county_officer", region=region).exists()


def test_create_user_with_weak_password_shows_the_reason_and_writes_nothing(web):
    response = web("city_admin").post(
        "/accounts/users/new/",
        {
            "username": "weak",
            "real_name": "弱",
            "password": "abc",
            "role": "leader",
            "region": Region.objects.get(code="411600").pk,
        },
    )
    assert response.status_code == 422
    assert "密码" in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_duplicate_username_refused(web):
    response = web("city_admin").post(
        "/accounts/users/new/",
        {
            "username": "leader",
            "real_name": "重名",
            "password": GOOD,
            "role": "leader",
            "region": Region.objects.get(code="411600").pk,
        },
    )
    assert response.status_code == 422
    assert "已被使用" in response.content.decode()
    assert User.objects.filter(username="leader").count() == 1


def test_detail_page_assign_revoke_reset_lock_unlock(web, demo):
    admin = web("city_admin")
    target = demo["officer_411602"]
    url = f"/accounts/users/{target.pk}/"
    assert admin.get(url).status_code == 200
    town = Region.objects.filter(parent__code="411602").first()
    assert admin.post(url, {"op": "assign", "role": "service_clerk", "region": town.pk}).status_code == 302
    assignment = RoleAssignment.objects.get(user=target, role="service_clerk")
    assert admin.post(url, {"op": "revoke", "assignment": assignment.pk}).status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert admin.post(url, {"op": "reset", "password": GOOD}).status_code == 302
    target.refresh_from_db()
    assert target.must_change_password and target.check_password(GOOD)
    assert admin.post(url, {"op": "lock", "reason": "离职"}).status_code == 302
    target.refresh_from_db()
    assert not target.is_active and target.locked_reason == "离职"
    assert admin.post(url, {"op": "unlock"}).status_code == 302
    target.refresh_from_db()
    assert target.is_active


def test_lock_without_reason_is_refused(web, demo):
    target = demo["officer_411602"]
    response = web("city_admin").post(f"/accounts/users/{target.pk}/", {"op": "lock", "reason": ""})
    assert response.status_code == 422
    target.refresh_from_db()
    assert target.is_active


def test_non_admins_cannot_reach_user_management(web, demo):
    for username in ("officer_411625", "leader", "bank_officer"):
        client = web(username)
        assert client.get("/accounts/users/").status_code == 403
        assert client.get(f"/accounts/users/{demo['city_admin'].pk}/").status_code == 403
        assert client.post("/accounts/users/new/", {"username": "x"}).status_code == 403


def test_region_switcher_narrows_the_scope(web, demo):
    user = demo["officer_411625"]
    RoleAssignment.objects.create(user=user, role="county_officer", region=Region.objects.get(code="411628"))
    client = web("officer_411625")
    home = client.get("/").content.decode()
    assert 'name="region_path"' in home  # the switcher shows for several regions
    both = client.get("/api/v1/regions/", {"level": "county"}).json()
    assert {i["code"] for i in both["items"]} == {"411625", "411628"}
    luyi = Region.objects.get(code="411628")
    assert client.post("/accounts/switch-region/", {"region_path": luyi.tree_path}).status_code == 302
    narrowed = client.get("/api/v1/regions/", {"level": "county"}).json()
    assert {i["code"] for i in narrowed["items"]} == {"411628"}
    # a region the user does not hold is refused
    other = Region.objects.get(code="411602")
    client.post("/accounts/switch-region/", {"region_path": other.tree_path})
    assert client.session.get("active_region_path") == luyi.tree_path


def test_single_region_user_sees_no_switcher(web):
    assert 'name="region_path"' not in web("officer_411625").get("/").content.decode()
