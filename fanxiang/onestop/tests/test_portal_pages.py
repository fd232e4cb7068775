"""The entrepreneur's service-request pages on the portal: start a request online, follow it, upload
materials from the phone, resubmit after a supplement request, withdraw, rate once; only the own requests."""

from __future__ import annotations

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fanxiang.onestop import services
from fanxiang.onestop.attachments import RequestAttachment
from fanxiang.onestop.models import Rating, ServiceRequest
from fanxiang.onestop.tests.factories import centre_of, clerk, person
from fanxiang.portal import auth
from fanxiang.portal.tests.factories import bound_account

pytestmark = pytest.mark.django_db
BASE = "/portal/service-requests/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _phone(entrepreneur) -> Client:
    account = bound_account(entrepreneur, f"1371111{next(_seq):04d}")
    client = Client()
    session = client.session
    session[auth.SESSION_KEY] = account.pk
    session.save()
    return client


def _start(client, c, service_type="startup_guidance", description="想了解种植项目") -> ServiceRequest:
    response = client.post(
        f"{BASE}new/", {"centre": c.pk, "service_type": service_type, "description": description}
    )
    assert response.status_code == 302, response.content.decode()
    return ServiceRequest.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def test_start_and_follow_a_request(demo):
    c = centre_of("411625")
    me = person("411625")
    phone = _phone(me)
    assert phone.get(BASE).status_code == 200
    form = phone.get(f"{BASE}new/").content.decode()
    assert "创业指导" in form and "社保关系接续" not in form  # window-only types are not offered online
    req = _start(phone, c)
    assert (req.status, req.channel, req.entrepreneur_id, req.centre_id) == (
        "submitted",
        "online",
        me.pk,
        c.pk,
    )
    page = phone.get(f"{BASE}{req.pk}/").content.decode()
    assert 'data-testid="sr-current"' in page and c.name in page
    assert req.due_date.strftime("%Y-%m-%d") in page  # the deadline of the step open now
    listing = phone.get(BASE).content.decode()
    assert f"{BASE}{req.pk}/" in listing


def test_a_window_only_type_is_refused_with_its_code(demo):
    phone = _phone(person("411625"))
    response = phone.post(
        f"{BASE}new/", {"centre": centre_of("411625").pk, "service_type": "social_insurance_transfer"}
    )
    assert response.status_code == 422
    assert not ServiceRequest.objects.filter(service_type__code="social_insurance_transfer").exists()


def test_another_persons_request_is_not_found(demo):
    c = centre_of("411625")
    theirs = _start(_phone(person("411625")), c)
    mine = _phone(person("411625"))
    for url in (f"{BASE}{theirs.pk}/", f"{BASE}{theirs.pk}/files/1/"):
        assert mine.get(url).status_code == 404
    assert mine.post(f"{BASE}{theirs.pk}/withdraw/").status_code == 404
    assert ServiceRequest.objects.get(pk=theirs.pk).status == "submitted"


def test_signed_out_goes_to_the_portal_login(demo):
    response = Client().get(BASE)
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")


def test_supplement_upload_and_resubmit(demo):
    c = centre_of("411625")
    phone = _phone(person("411625"))
    req = _start(phone, c)
    services.service_request_request_supplement(
        actor=clerk(), service_request=req, missing=["创业项目简介", "身份证照片"]
    )
    page = phone.get(f"{BASE}{req.pk}/").content.decode()
    assert "创业项目简介" in page and "身份证照片" in page and 'data-testid="sr-resubmit"' in page
    photo = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    assert phone.post(f"{BASE}{req.pk}/upload/", {"file": photo}).status_code == 302
    doc = RequestAttachment.objects.get(request=req)
    assert doc.for_supplement and doc.content_type == "image/png" and doc.size == len(PNG)
    download = phone.get(f"{BASE}{req.pk}/files/{doc.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert phone.post(f"{BASE}{req.pk}/resubmit/", {"note": "已补齐"}).status_code == 302
    req.refresh_from_db()
    assert req.status == "resubmitted" and req.missing == []


def test_a_bad_upload_is_refused_with_its_code_and_stores_nothing(demo):
    phone = _phone(person("411625"))
    req = _start(phone, centre_of("411625"))
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00not a picture", content_type="image/png")
    response = phone.post(f"{BASE}{req.pk}/upload/", {"file": fake})
    assert response.status_code == 422
    assert 'data-code="onestop.attachment_type_invalid"' in response.content.decode()
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    assert phone.post(f"{BASE}{req.pk}/upload/", {"file": exe}).status_code == 422
    assert not RequestAttachment.objects.filter(request=req).exists()


def test_an_oversized_upload_is_refused(demo, settings):
    settings.ONESTOP_ATTACHMENT_MAX_BYTES = 32
    phone = _phone(person("411625"))
    req = _start(phone, centre_of("411625"))
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4" + b"0" * 100, content_type="application/pdf")
    response = phone.post(f"{BASE}{req.pk}/upload/", {"file": big})
    assert (
        response.status_code == 422
        and 'data-code="onestop.attachment_too_large"' in response.content.decode()
    )
    assert not RequestAttachment.objects.exists()


def test_withdraw(demo):
    phone = _phone(person("411625"))
    req = _start(phone, centre_of("411625"))
    assert phone.post(f"{BASE}{req.pk}/withdraw/").status_code == 302
    req.refresh_from_db()
    assert req.status == "withdrawn"
    page = phone.get(f"{BASE}{req.pk}/").content.decode()
    assert 'data-testid="sr-withdraw"' not in page and 'data-testid="sr-upload-form"' not in page


def test_rate_once_after_completion(demo):
    phone = _phone(person("411625"))
    req = _start(phone, centre_of("411625"))
    early = phone.post(f"{BASE}{req.pk}/rate/", {"level": "5"})
    assert early.status_code == 409 and 'data-code="onestop.not_completed"' in early.content.decode()
    services.service_request_accept(actor=clerk(), service_request=req, complete_now=True, result="已指导")
    page = phone.get(f"{BASE}{req.pk}/").content.decode()
    assert "非常满意" in page and "非常不满意" in page and 'data-testid="sr-rate-form"' in page
    missing = phone.post(f"{BASE}{req.pk}/rate/", {"comment": "好"})
    assert missing.status_code == 422 and 'data-code="onestop.level_invalid"' in missing.content.decode()
    assert phone.post(f"{BASE}{req.pk}/rate/", {"level": "2", "comment": "等太久"}).status_code == 302
    rating = Rating.objects.get(request=req)
    assert (rating.level, rating.comment, rating.source) == (2, "等太久", "portal")
    again = phone.post(f"{BASE}{req.pk}/rate/", {"level": "5"}, follow=True)
    assert 'data-code="onestop.already_rated"' in again.content.decode()
    assert Rating.objects.filter(request=req).count() == 1 and Rating.objects.get(request=req).level == 2
    assert 'data-testid="sr-rate-form"' not in again.content.decode()


def test_the_portal_home_links_the_service_requests(demo):
    phone = _phone(person("411625"))
    assert f'href="{BASE}"' in phone.get("/portal/").content.decode()


def test_the_centre_sees_the_uploaded_materials(demo):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    phone = _phone(person("411625"))
    req = _start(phone, centre_of("411625"))
    phone.post(f"{BASE}{req.pk}/upload/", {"file": SimpleUploadedFile("身份证.png", PNG, "image/png")})
    doc = RequestAttachment.objects.get(request=req)
    staff = Client()
    staff.force_login(clerk())
    response = staff.get(f"/onestop/requests/{req.pk}/files/{doc.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    request = RequestFactory().get("/")
    request.user = clerk()
    html = render_to_string("onestop/_request_files.html", {"req": req}, request=request)
    assert "身份证.png" in html and f"/files/{doc.pk}/" in html
    other = Client()
    other.force_login(clerk("411628"))
    assert other.get(f"/onestop/requests/{req.pk}/files/{doc.pk}/").status_code == 404
