"""The training institution as a user (``training_provider``): bound to its organization through the models'
``scope_organization`` (a path ``…provider__organization``), inside its region subtree. It reads and works
only its own classes, files the subsidy claim and never approves it; its teachers open the roll."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from fanxiang.accounts.models import Organization, RoleAssignment, User
from fanxiang.accounts.navigation import nav_for
from fanxiang.accounts.roles import Role
from fanxiang.core.scope import VIEW, OrgGrant, Scope, org_id_of, resolve
from fanxiang.regions.models import Region
from fanxiang.training import attendance as att
from fanxiang.training import demo_staff, teachers
from fanxiang.training.choices import ClaimStatus, ClassStatus
from fanxiang.training.models import (
    Attendance,
    Certificate,
    ClassSession,
    Enrolment,
    Provider,
    SubsidyClaim,
    SubsidyClaimLine,
    TrainingClass,
)
from fanxiang.training.tests import factories_attendance as fa
from fanxiang.training.tests.factories_claims import finished_class

pytestmark = pytest.mark.django_db

PROVIDER = "provider_411625"
TEACHER = "teacher_411625"


def demo_provider() -> Provider:
    org = Organization.objects.get(code="DEMO-TRN-01")
    provider, _ = Provider.objects.get_or_create(
        organization=org, defaults={"valid_from": dt.date(2019, 1, 1)}
    )
    return provider


def ours(klass: TrainingClass) -> TrainingClass:
    """The class, now run by the demo provider's institution."""
    TrainingClass.objects.filter(pk=klass.pk).update(provider=demo_provider())
    return TrainingClass.objects.select_related("provider__organization", "region").get(pk=klass.pk)


@pytest.fixture
def world(demo):
    """In 郸城县: a finished class of the demo institution and one of another institution, each with
    trainees, attendance and certificates; in 鹿邑县 a class of the demo institution."""
    mine, mine_people = finished_class("411625")
    mine = ours(mine)
    theirs, their_people = finished_class("411625")
    elsewhere = ours(fa.make_class("411628", status=ClassStatus.RUNNING))
    for klass, people in ((mine, mine_people), (theirs, their_people)):
        s = fa.session(klass, day=fa.DAY)
        Attendance.objects.create(
            session=s,
            enrolment=people[0],
            source="teacher",
            hours=s.hours,
            reason="补签",
            at=fa.at(fa.DAY, 9),
        )
    return {"mine": mine, "theirs": theirs, "elsewhere": elsewhere, "users": demo}


def _web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --------------------------------------------------------------------------- the scope rule


def test_org_path_resolves_through_foreign_keys(world):
    klass = world["mine"]
    line_path = SubsidyClaimLine.scope_organization[Role.TRAINING_PROVIDER]
    assert line_path == "claim__training_class__provider__organization"
    enrolment = Enrolment.objects.filter(training_class=klass).first()
    assert org_id_of(enrolment, "training_class__provider__organization") == klass.provider.organization_id
    org = klass.provider.organization_id
    county = klass.region.tree_path
    scope = Scope(org_grants=(OrgGrant(county, "training_class__provider__organization", org),))
    assert scope.covers(enrolment)
    other = Enrolment.objects.filter(training_class=world["theirs"]).first()
    assert not scope.covers(other)
    lu_yi = Region.objects.get(code="411628").tree_path
    assert scope.covers_org(county, org) and not scope.covers_org(lu_yi, org)
    assert not scope.covers_org(county, world["theirs"].provider.organization_id)


def test_the_provider_is_bound_to_its_organization(world):
    user = world["users"][PROVIDER]
    scope = resolve(user, TrainingClass, VIEW)
    assert scope.region_paths == () and len(scope.org_grants) == 1
    assert scope.org_grants[0].field == "provider__organization"


@pytest.mark.parametrize(
    "model, path",
    [
        (TrainingClass, "pk"),
        (ClassSession, "training_class"),
        (Enrolment, "training_class"),
        (Attendance, "enrolment__training_class"),
        (Certificate, "enrolment__training_class"),
    ],
)
def test_provider_reads_only_its_own_classes_records(world, model, path):
    user = world["users"][PROVIDER]
    seen = model.objects.for_user(user, VIEW)
    class_ids = set(seen.values_list(path if path != "pk" else "pk", flat=True))
    assert class_ids == {world["mine"].pk}
    # the county officer sees both classes of the county
    officer = world["users"]["officer_411625"]
    both = set(model.objects.for_user(officer, VIEW).values_list(path, flat=True))
    assert {world["mine"].pk, world["theirs"].pk} <= both


def test_provider_class_list_and_api(world, api):
    user = world["users"][PROVIDER]
    html = _web(user).get("/training/classes/").content.decode()
    assert world["mine"].name in html
    assert world["theirs"].name not in html and world["elsewhere"].name not in html
    rows = api(PROVIDER).get("/api/v1/training/classes/").json()["items"]
    assert [r["id"] for r in rows] == [world["mine"].pk]


def test_another_providers_class_is_404_without_a_hint(world, api):
    user = world["users"][PROVIDER]
    theirs = world["theirs"]
    client = _web(user)
    assert client.get(f"/training/classes/{world['mine'].pk}/").status_code == 200
    for url in (
        f"/training/classes/{theirs.pk}/",
        f"/training/classes/{world['elsewhere'].pk}/",
        f"/training/classes/{theirs.pk}/certificates/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert theirs.name not in response.content.decode()
    response = api(PROVIDER).get(f"/api/v1/training/classes/{theirs.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and theirs.name not in response.content.decode()
    session = theirs.sessions.first()
    assert client.get(f"/training/sessions/{session.pk}/roll/").status_code == 404
    response = api(PROVIDER).post("/api/v1/training/claims/", {"class": theirs.pk})
    assert response.status_code == 404
    assert not SubsidyClaim.objects.filter(training_class=theirs).exists()


def test_provider_sees_the_training_menu_only(world):
    nav = {s["section"]: [i["label"] for i in s["items"]] for s in nav_for(world["users"][PROVIDER])}
    # beside the training menu only the personal inbox every staff user has
    assert set(nav) == {"创业培训", "消息通知"} and nav["消息通知"] == ["我的消息"]
    assert {"培训班", "培训日历"} <= set(nav["创业培训"])


# --------------------------------------------------------------------------- the claim


def test_provider_files_and_submits_the_claim_and_may_not_approve_it(world, api):
    mine = world["mine"]
    client = api(PROVIDER)
    response = client.post("/api/v1/training/claims/", {"class": mine.pk})
    assert response.status_code == 201, response.content
    cid = response.json()["id"]
    claim = SubsidyClaim.objects.get(pk=cid)
    assert claim.created_by.username == PROVIDER
    assert TrainingClass.objects.get(pk=mine.pk).status == ClassStatus.CLAIMED
    response = client.post(f"/api/v1/training/claims/{cid}/actions/submit", {})
    assert response.status_code == 200, response.content
    assert SubsidyClaim.objects.get(pk=cid).status == ClaimStatus.SUBMITTED
    for action in ("review", "approve"):
        response = client.post(f"/api/v1/training/claims/{cid}/actions/{action}", {})
        assert response.status_code == 403, (action, response.content)
        assert response.json()["code"] == "training.wrong_role"
    assert SubsidyClaim.objects.get(pk=cid).status == ClaimStatus.SUBMITTED
    # the county reviews what the institution filed
    response = api("officer_411625").post(f"/api/v1/training/claims/{cid}/actions/review", {})
    assert response.status_code == 200, response.content


def test_provider_files_the_claim_from_the_class_page(world):
    mine = world["mine"]
    client = _web(world["users"][PROVIDER])
    html = client.get(f"/training/classes/{mine.pk}/").content.decode()
    assert 'data-testid="claim-file"' in html
    assert "/entrepreneurs/" not in html  # no links to registry pages the institution cannot open
    response = client.post(f"/training/classes/{mine.pk}/claim/")
    assert response.status_code == 302, response.content
    assert SubsidyClaim.objects.filter(training_class=mine).exists()


# --------------------------------------------------------------------------- attendance and certificates


def test_provider_marks_attendance_and_issues_certificates_of_its_class(world):
    user = world["users"][PROVIDER]
    mine = world["mine"]
    session = mine.sessions.first()
    assert att.may_mark(user, session)
    assert not att.may_mark(user, world["theirs"].sessions.first())
    client = _web(user)
    assert client.get(f"/training/sessions/{session.pk}/roll/").status_code == 200
    page = client.get(f"/training/classes/{mine.pk}/certificates/").content.decode()
    assert 'data-testid="issue-certificates"' in page


def test_the_teacher_opens_the_roll_and_marks(world):
    teacher = world["users"][TEACHER]
    mine = world["mine"]
    mine.teachers.add(teacher)
    session = mine.sessions.first()
    client = _web(teacher)
    response = client.get(f"/training/sessions/{session.pk}/roll/")
    assert response.status_code == 200
    assert 'name="enrolment"' in response.content.decode()
    enrolment = Enrolment.objects.filter(training_class=mine).order_by("id")[1]
    response = client.post(
        f"/training/sessions/{session.pk}/marks/",
        {"enrolment": enrolment.pk, "present": "1", "reason": "忘带手机"},
    )
    assert response.status_code == 302
    mark = Attendance.objects.get(session=session, enrolment=enrolment)
    assert mark.marked_by == teacher and mark.source == "teacher"


# --------------------------------------------------------------------------- teachers


def test_teacher_options_are_the_institutions_users_only(world):
    mine, theirs = world["mine"], world["theirs"]
    names = set(teachers.teacher_options(mine).values_list("username", flat=True))
    assert names == {PROVIDER, TEACHER}
    assert not teachers.teacher_options(theirs).exists()
    # a user of the institution without the role in a region covering the class is no option
    outsider = User.objects.create(username="trn_outsider", organization=mine.provider.organization)
    RoleAssignment.objects.create(
        user=outsider, role=Role.TRAINING_PROVIDER, region=Region.objects.get(code="411628")
    )
    assert "trn_outsider" not in set(teachers.teacher_options(mine).values_list("username", flat=True))


@pytest.mark.parametrize("username", ["officer_411625", PROVIDER])
def test_county_officer_or_provider_picks_the_teachers(world, username):
    mine = world["mine"]
    TrainingClass.objects.filter(pk=mine.pk).update(status=ClassStatus.APPROVED)
    client = _web(world["users"][username])
    html = client.get(f"/training/classes/{mine.pk}/").content.decode()
    assert 'data-testid="teachers-form"' in html and TEACHER in html
    teacher = world["users"][TEACHER]
    response = client.post(f"/training/classes/{mine.pk}/teachers/", {"teachers": [teacher.pk]})
    assert response.status_code == 302
    assert list(mine.teachers.all()) == [teacher]
    # someone of another organization is refused, nothing changes
    stranger = world["users"]["bank_officer"]
    response = client.post(f"/training/classes/{mine.pk}/teachers/", {"teachers": [stranger.pk]}, follow=True)
    assert "training.teacher_invalid" in response.content.decode()
    assert list(mine.teachers.all()) == [teacher]


def test_provider_cannot_set_teachers_of_another_providers_class(world):
    theirs = world["theirs"]
    client = _web(world["users"][PROVIDER])
    teacher = world["users"][TEACHER]
    response = client.post(f"/training/classes/{theirs.pk}/teachers/", {"teachers": [teacher.pk]})
    assert response.status_code == 404
    assert not theirs.teachers.exists()


def test_the_demo_loader_links_the_teacher_to_its_institutions_classes(world):
    assert demo_staff.load() == ["training.staff: teacher_411625 on 1 classes"]
    teacher = world["users"][TEACHER]
    assert set(teacher.training_classes.values_list("pk", flat=True)) == {world["mine"].pk}
    assert demo_staff.load() == []  # idempotent
