"""The trainee's 我的培训 pages on the portal: the open classes of the person's county, self-enrolment through
the same rules (refusals in Chinese, the code in data-code), my enrolments with hours, the check-in link of
today's session and the certificate download; another county's class is 404."""

from __future__ import annotations

import itertools
import re

import pytest
from django.test import Client
from django.utils import timezone

from fanxiang.portal import auth
from fanxiang.portal.tests.factories import bound_account
from fanxiang.training.models import Certificate, Enrolment
from fanxiang.training.tests.factories import MONDAY, START, class_in, enrol, person

pytestmark = pytest.mark.django_db
BASE = "/portal/training/"
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: MONDAY)


def phone(entrepreneur) -> Client:
    account = bound_account(entrepreneur, f"1372222{next(_seq):04d}")
    client = Client()
    session = client.session
    session[auth.SESSION_KEY] = account.pk
    session.save()
    return client


def test_open_classes_of_my_county_and_enrolment(demo):
    mine = class_in("approved", "411625")
    other = class_in("approved", "411628")
    draft = class_in("draft", "411625")
    me = person("411625")
    c = phone(me)
    html = c.get(BASE).content.decode()
    assert mine.name in html and other.name not in html and draft.name not in html
    assert 'name="viewport"' in html
    assert c.get(f"{BASE}classes/{other.pk}/").status_code == 404
    assert c.get(f"{BASE}classes/{draft.pk}/").status_code == 404
    assert c.post(f"{BASE}classes/{other.pk}/enrol/").status_code == 404
    r = c.post(f"{BASE}classes/{mine.pk}/enrol/")
    assert r.status_code == 302
    e = Enrolment.objects.get(training_class=mine, entrepreneur=me)
    assert e.source == "portal"
    html = c.get(BASE).content.decode()
    assert 'data-testid="my-enrolment"' in html and "已参加 0.0 课时" in html


def test_refusal_reads_in_chinese_with_its_code(demo):
    klass = class_in("approved", "411625")
    old = person("411625", birth="19500101")
    r = phone(old).post(f"{BASE}classes/{klass.pk}/enrol/")
    html = r.content.decode()
    assert r.status_code == 422 and "周岁" in html
    assert 'data-code="training.age_out_of_range"' in html
    assert "training.age_out_of_range" not in re.sub(r'data-code="[^"]*"', "", html)
    assert not Enrolment.objects.filter(training_class=klass).exists()


def test_full_class_refused(demo):
    klass = class_in("approved", "411625", capacity=1)
    enrol(klass)
    r = phone(person("411625")).post(f"{BASE}classes/{klass.pk}/enrol/")
    assert r.status_code == 422 and 'data-code="training.class_full"' in r.content.decode()


def test_checkin_link_today_and_certificate_download(demo, monkeypatch):
    klass = class_in("approved", "411625")
    e = enrol(klass)
    c = phone(e.entrepreneur)
    assert 'data-testid="checkin-link"' not in c.get(BASE).content.decode()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: START)
    html = c.get(BASE).content.decode()
    session = klass.sessions.get(date=START)
    assert f"/portal/training/checkin/{session.pk}/" in html
    cert = Certificate.objects.create(enrolment=e, number="ZK-TEST-0001", issued_on=START)
    html = c.get(BASE).content.decode()
    assert "ZK-TEST-0001" in html and f"/portal/training/certificates/{cert.pk}/pdf/" in html


def test_signed_out_goes_to_login(demo):
    r = Client().get(BASE)
    assert r.status_code == 302 and "/portal/login/" in r["Location"]
