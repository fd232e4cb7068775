"""Credit pages: the ledger with a page per person (events, blacklist with reason and period, blacklist and
lift by the county officer of the person's county), the blacklist in force, and the recommender register with
create / edit / delete. Other counties' people and records are invisible; wrong roles are refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from fanxiang.credit.models import CreditEntry, Recommender
from fanxiang.credit.services import loan_credit_record
from fanxiang.loans.tests.repayment_factories import loan, person
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def people(demo):
    """张三 of 郸城 (411625) with a loan repaid on time and an overdue line; 李四 of 鹿邑 (411628)."""
    zhang = person(demo["officer_411625"], name="张三")
    li = person(demo["officer_411628"], region="411628100", name="李四")
    app = loan(zhang, status="settled")
    loan_credit_record(loan=app, event="overdue", date=dt.date(2021, 5, 16), reason="第2期未按期还款")
    loan_credit_record(loan=app, event="repaid_on_time", date=dt.date(2024, 3, 15), reason="贷款按期还清")
    CreditEntry.objects.create(
        entrepreneur=li, event="blacklisted", date=dt.date(2021, 1, 1), reason="鹿邑失信记录"
    )
    return {"zhang": zhang, "li": li, "loan": app}


def test_person_page_shows_counts_entries_and_loans(people, web):
    body = text(web("officer_411625").get(f"/credit/people/{people['zhang'].pk}/"))
    assert "张三" in body and 'data-testid="clean"' in body
    counts = dict(re.findall(r'data-testid="count-(\w+)">(\d+)<', body))
    assert counts["overdue"] == "1" and counts["repaid_on_time"] == "1" and counts["blacklisted"] == "0"
    assert "第2期未按期还款" in body and people["loan"].number in body
    assert 'data-testid="blacklist-form"' in body and 'data-testid="lift-form"' not in body


def test_other_county_person_is_invisible(people, web):
    client = web("officer_411625")
    assert client.get(f"/credit/people/{people['li'].pk}/").status_code == 404
    assert client.post(f"/credit/people/{people['li'].pk}/blacklist/", {"reason": "越权"}).status_code == 404
    assert "鹿邑失信记录" not in text(client.get("/credit/ledger/"))
    assert "李四" not in text(client.get("/credit/blacklist/"))
    assert f"/credit/people/{people['li'].pk}/" not in text(client.get("/credit/people/", {"q": "李四"}))
    assert CreditEntry.objects.filter(entrepreneur=people["li"]).count() == 1


def test_blacklist_and_lift_with_reason_and_period(people, web):
    client = web("officer_411625")
    zhang = people["zhang"]
    today = dt.date.today()
    until = today + dt.timedelta(days=365)
    response = client.post(
        f"/credit/people/{zhang.pk}/blacklist/",
        {"reason": "恶意拖欠贷款", "start": today.isoformat(), "until": until.isoformat()},
    )
    assert response.status_code == 302
    entry = CreditEntry.objects.get(entrepreneur=zhang, event="blacklisted")
    assert (entry.reason, entry.until, entry.recorded_by.username) == (
        "恶意拖欠贷款",
        until,
        "officer_411625",
    )
    body = text(client.get(f"/credit/people/{zhang.pk}/"))
    assert 'data-testid="blacklisted"' in body and "恶意拖欠贷款" in body and until.isoformat() in body
    assert 'data-testid="lift-form"' in body and 'data-testid="blacklist-form"' not in body
    listed = text(client.get("/credit/blacklist/"))
    assert "张三" in listed and "恶意拖欠贷款" in listed
    officer = entry.recorded_by  # the recorder by name and Chinese role, never the login name
    assert (
        f"<td>{officer.real_name}（{officer.role_label}）</td>" in listed
        and "（officer_411625）" not in listed
    )
    # twice: refused with its code
    again = client.post(f"/credit/people/{zhang.pk}/blacklist/", {"reason": "再次"})
    assert again.status_code == 422 and "credit.already_blacklisted" in text(again)
    # lift needs a reason
    missing = client.post(f"/credit/people/{zhang.pk}/lift/", {"reason": ""})
    assert missing.status_code == 422 and "credit.reason_required" in text(missing)
    assert client.post(f"/credit/people/{zhang.pk}/lift/", {"reason": "已结清欠款"}).status_code == 302
    assert CreditEntry.objects.filter(
        entrepreneur=zhang, event="blacklist_lifted", reason="已结清欠款"
    ).exists()
    assert f"/credit/people/{zhang.pk}/" not in text(client.get("/credit/blacklist/"))
    assert 'data-testid="clean"' in text(client.get(f"/credit/people/{zhang.pk}/"))


def test_blacklist_form_errors_show_codes_and_write_nothing(people, web):
    client = web("officer_411625")
    zhang = people["zhang"]
    response = client.post(
        f"/credit/people/{zhang.pk}/blacklist/", {"reason": "x", "start": "2025-06-01", "until": "2025-01-01"}
    )
    assert response.status_code == 422 and "credit.period_invalid" in text(response)
    response = client.post(f"/credit/people/{zhang.pk}/blacklist/", {"reason": ""})
    assert response.status_code == 422 and "credit.reason_required" in text(response)
    assert not CreditEntry.objects.filter(entrepreneur=zhang, event="blacklisted").exists()


def test_bank_reads_the_ledger_but_may_not_blacklist(people, web):
    client = web("bank_officer")
    body = text(client.get(f"/credit/people/{people['zhang'].pk}/"))
    assert "第2期未按期还款" in body and 'data-testid="blacklist-form"' not in body
    response = client.post(f"/credit/people/{people['zhang'].pk}/blacklist/", {"reason": "银行越权"})
    assert response.status_code == 403
    assert not CreditEntry.objects.filter(event="blacklisted", entrepreneur=people["zhang"]).exists()
    # no registry search for banks
    assert 'data-testid="search"' not in text(client.get("/credit/people/"))


def test_ledger_list_filters_and_links(people, web):
    client = web("city_admin")
    body = text(client.get("/credit/ledger/", {"event": "blacklisted"}))
    assert "鹿邑失信记录" in body and "第2期未按期还款" not in body
    body = text(client.get("/credit/ledger/", {"q": "张三"}))
    assert f"/credit/people/{people['zhang'].pk}/" in body and "鹿邑失信记录" not in body
    entry = CreditEntry.objects.get(reason="第2期未按期还款")
    detail = text(client.get(f"/credit/ledger/{entry.pk}/"))
    assert f"/credit/people/{people['zhang'].pk}/" in detail
    title = re.search(r"<h1[^>]*>(.*?)</h1>", detail, re.S).group(1)
    assert entry.get_event_display() in title and entry.event not in title  # the label, not the code
    found = text(client.get("/credit/people/", {"q": "张三"}))
    assert f"/credit/people/{people['zhang'].pk}/" in found


@pytest.mark.parametrize("username", ["expert", "unit_liaison"])
def test_ledger_pages_refused_without_a_ledger_role(people, web, username):
    client = web(username)
    for url in (
        "/credit/people/",
        f"/credit/people/{people['zhang'].pk}/",
        "/credit/blacklist/",
        "/credit/ledger/",
    ):
        assert client.get(url).status_code == 403, url


# --------------------------------------------------------------------------- recommenders


def township(county: str) -> Region:
    return Region.objects.filter(parent__code=county).order_by("code").first()


def test_recommender_create_edit_and_validity(demo, web):
    client = web("officer_411625")
    form = text(client.get("/credit/recommenders/new/"))
    assert f'value="{township("411625").code}"' in form
    assert f'value="{township("411628").code}"' not in form  # the region dropdown is the officer's county
    data = {
        "kind": "credit_village",
        "name": "张庄信用村",
        "region": township("411625").code,
        "valid_from": "2020-01-01",
        "valid_to": "2022-12-31",
        "certificate": "郸信用〔2020〕1号",
        "is_active": "on",
    }
    response = client.post("/credit/recommenders/new/", data)
    assert response.status_code == 302
    rec = Recommender.objects.get(name="张庄信用村")
    detail = text(client.get(response["Location"]))
    assert "张庄信用村" in detail and 'data-testid="invalid"' in detail  # expired by today
    listing = text(client.get("/credit/recommenders/"))
    assert "张庄信用村" in listing and "不在有效期" in listing
    # edit: extend the validity; a period ending before it starts is refused with its code
    bad = client.post(f"/credit/recommenders/{rec.pk}/edit/", {**data, "valid_to": "2019-12-31"})
    assert bad.status_code == 422 and "recommender.validity_invalid" in text(bad)
    rec.refresh_from_db()
    assert rec.valid_to == dt.date(2022, 12, 31)
    assert client.post(f"/credit/recommenders/{rec.pk}/edit/", {**data, "valid_to": ""}).status_code == 302
    rec.refresh_from_db()
    assert rec.valid_to is None
    assert 'data-testid="valid"' in text(client.get(f"/credit/recommenders/{rec.pk}/"))
    valid_now = text(client.get("/credit/recommenders/", {"valid_on": dt.date.today().isoformat()}))
    assert "张庄信用村" in valid_now


def test_recommender_refusals(demo, web):
    other = Recommender.objects.create(
        kind="credit_park", name="鹿邑信用园区", region=township("411628"), valid_from=dt.date(2020, 1, 1)
    )
    client = web("officer_411625")
    # another county's region in the form: not offered, so refused by the form; nothing written
    response = client.post(
        "/credit/recommenders/new/",
        {
            "kind": "credit_park",
            "name": "越权园区",
            "region": township("411628").code,
            "valid_from": "2020-01-01",
        },
    )
    assert response.status_code == 422 and not Recommender.objects.filter(name="越权园区").exists()
    assert client.get(f"/credit/recommenders/{other.pk}/edit/").status_code == 404
    assert client.post(f"/credit/recommenders/{other.pk}/delete/").status_code == 404
    # a bank reads the register but may not add
    bank = web("bank_officer")
    assert "鹿邑信用园区" in text(bank.get("/credit/recommenders/"))
    assert bank.get("/credit/recommenders/new/").status_code == 403
    assert Recommender.objects.filter(pk=other.pk).exists()


def test_recommender_in_use_cannot_be_deleted(demo, web):
    rec = Recommender.objects.create(
        kind="credit_village", name="引用村", region=township("411625"), valid_from=dt.date(2020, 1, 1)
    )
    app = loan(person(demo["officer_411625"]))
    app.recommender = rec
    app.save(update_fields=["recommender"])
    client = web("officer_411625")
    response = client.post(f"/credit/recommenders/{rec.pk}/delete/", follow=True)
    assert "recommender.in_use" in text(response) and Recommender.objects.filter(pk=rec.pk).exists()
    free = Recommender.objects.create(
        kind="credit_village", name="未引用村", region=township("411625"), valid_from=dt.date(2020, 1, 1)
    )
    assert client.post(f"/credit/recommenders/{free.pk}/delete/").status_code == 302
    assert not Recommender.objects.filter(pk=free.pk).exists()
