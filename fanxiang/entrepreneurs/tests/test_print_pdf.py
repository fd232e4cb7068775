"""The registry record card (登记表): GET /entrepreneurs/<id>/print.pdf answers a PDF with the person's
record and businesses, the ID number and mobile masked (never the clear values, whatever the role), one
audit event per print; another county's officer gets 404, an anonymous visitor the login page."""

from __future__ import annotations

import io

import pypdf
import pytest
from auditlog.models import LogEntry

from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.models import Entrepreneur, PriorityGroup
from fanxiang.entrepreneurs.tests.factories import business_data, make_id, person_data

pytestmark = pytest.mark.django_db


def print_url(pk: int) -> str:
    return f"/entrepreneurs/{pk}/print.pdf"


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def person(demo) -> Entrepreneur:
    person = services.entrepreneur_create(
        actor=demo["officer_411625"],
        data=person_data(
            name="李返乡", id_number=make_id(), mobile="13912345678", skills="冷链<物流> & 电商"
        ),
    )
    group = PriorityGroup.objects.filter(is_active=True).order_by("sort_order").first()
    if group is not None:
        person.priority_groups.add(group)
    services.business_create(actor=demo["officer_411625"], data=business_data(), founders=[person.pk])
    return person


def test_the_card_prints_the_record_masked(demo, web, person):
    response = web("officer_411625").get(print_url(person.pk))
    text = pdf_text(response)
    assert response["Cache-Control"] == "no-store"
    assert "返乡入乡创业人员登记表" in text and "李返乡" in text
    assert "周口市郸城县" in text and person.get_category_display() in text and "广东省深圳市" in text
    assert "冷链<物流> & 电商" in text  # typed text printed as typed, not read as markup
    # a long name may wrap inside its cell
    assert "郸城县示例农业科技有限公司" in text.replace("\n", "") and "91110000600037341L" in text
    for group in person.priority_groups.all():
        assert group.name in text
    # masked on paper, even for a role that may reveal on screen
    assert person.id_number not in text and person.id_number_masked in text
    assert "13912345678" not in text and "139****5678" in text
    assert "本人（签字/盖章）" in text and "第 1 页" in text


def test_each_print_is_audited_and_reveals_nothing(demo, web, person):
    before = LogEntry.objects.filter(additional_data__event="export").count()
    web("officer_411625").get(print_url(person.pk))
    assert LogEntry.objects.filter(additional_data__event="export").count() == before + 1
    entry = LogEntry.objects.filter(additional_data__event="export").latest("pk")
    assert entry.object_pk == str(person.pk) and entry.actor == demo["officer_411625"]
    assert entry.additional_data == {
        "event": "export",
        "format": "pdf",
        "document": "返乡入乡创业人员登记表",
        "reveal": False,
    }
    assert not LogEntry.objects.filter(additional_data__event="reveal", object_pk=str(person.pk)).exists()


def test_a_read_only_role_in_scope_may_print(demo, web, person):
    assert "李返乡" in pdf_text(web("leader").get(print_url(person.pk)))


def test_other_county_officer_gets_404_and_anonymous_goes_to_login(demo, web, client, person):
    assert web("officer_411628").get(print_url(person.pk)).status_code == 404
    assert web("officer_411628").get(print_url(999999)).status_code == 404
    response = client.get(print_url(person.pk))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not LogEntry.objects.filter(additional_data__event="export", object_pk=str(person.pk)).exists()


def test_the_detail_page_offers_the_print_link(demo, web, person):
    body = web("officer_411625").get(f"/entrepreneurs/{person.pk}/").content.decode()
    assert f'href="{print_url(person.pk)}"' in body and "打印登记表" in body
