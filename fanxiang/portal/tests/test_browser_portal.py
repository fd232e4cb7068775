"""The portal in real Chromium at phone size (360×780): sign up by mobile + code, bind to the registry, start a
loan application, upload a document from the phone, submit; then the county officer signs in and finds it at
the top of their queue, with the priority reason. Plus the page-weight check: no request leaves the app's
origin and the first page stays under 300 KB transferred (the figure is printed).

With FANXIANG_SCREENSHOTS=1, screenshots go to /tmp/shots-portal/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fanxiang.conftest import DEMO_PASSWORD
from fanxiang.core.tests.browser import Watcher, launched_chromium, screenshot, settle, sms_code

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-portal")
PHONE = {
    "viewport": {"width": 360, "height": 780},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
MOBILE = "13700009900"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FIRST_PAGE_LIMIT = 300 * 1024


@pytest.fixture(scope="module")
def chromium():
    with launched_chromium("portal browser test") as browser:
        yield browser


def _shot(page, name: str) -> None:
    screenshot(page, SHOTS / f"{name}.png", full_page=True)


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url}: page is {width}px wide on a 360px screen"


def test_phone_sign_up_bind_apply_upload_submit_then_officer_queue(
    chromium, live_server, demo, sms, settings, tmp_path
):
    from fanxiang.loans import applications as loans
    from fanxiang.loans.models import LoanApplication
    from fanxiang.loans.tests.factories import make_person, ready_draft
    from fanxiang.portal.tests.factories import registry_person

    settings.MEDIA_ROOT = tmp_path / "media"
    officer = demo["officer_411625"]
    # someone without priority applied earlier (an earlier deadline): priority still comes first
    earlier = ready_draft(officer, make_person(officer))
    loans.application_submit(actor=officer, application=earlier)
    person = registry_person(officer, name="王优先", mobile=MOBILE, priority=["poor_household"])

    base = live_server.url.rstrip("/")
    context = chromium.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    watcher = Watcher(page, base)
    try:
        page.goto(f"{base}/portal/")
        _shot(page, "01-landing")
        _fits(page)
        page.click("[data-testid=start]")
        page.fill("#id_mobile", MOBILE)
        with page.expect_navigation():
            page.click("[data-testid=send-code]")
        assert "验证码已发送" in page.inner_text("main")
        assert page.is_disabled("[data-testid=send-code]")  # the cool-down counts down
        _shot(page, "02-code-sent")
        page.fill("#id_code", sms_code(sms, MOBILE))
        with page.expect_navigation():
            page.click("[data-testid=login]")
        assert page.url.endswith("/portal/bind/"), page.url
        _fits(page)
        page.fill("#id_name", "王优先")
        page.fill("#id_id_number", person.id_number)
        _shot(page, "03-bind")
        with page.expect_navigation():
            page.click("[data-testid=bind]")
        assert "王优先，您好" in page.inner_text("[data-testid=welcome]")
        _shot(page, "04-home-bound")
        _fits(page)

        page.click("nav.tabbar >> text=贷款")
        page.wait_for_load_state()
        page.click("[data-testid=loan-new]")
        page.wait_for_load_state()
        page.fill("#id_amount", "120000")
        page.fill("#id_term_months", "36")
        page.fill("#id_purpose", "扩建大棚，种植有机蔬菜")
        page.select_option("#id_bank", label="邮储银行周口分行")
        page.select_option("#id_counter_guarantee", "natural_person")
        page.fill("#id_counter_guarantee_detail", "自然人保证：王二（村医）")
        _shot(page, "05-loan-form")
        _fits(page)
        with page.expect_navigation():
            page.click("[data-testid=loan-save]")
        app = LoanApplication.objects.get(entrepreneur=person)
        assert page.url.endswith(f"/portal/loans/{app.pk}/")
        assert "提交前还需" in page.inner_text("[data-testid=still-missing]")

        photo = tmp_path / "photo.png"
        photo.write_bytes(PNG)
        for kind in ("id_card", "business_proof", "category_proof"):
            page.select_option("#id_kind", kind)
            page.set_input_files("#id_file", str(photo))
            with page.expect_navigation():
                page.click("[data-testid=upload]")
            assert "材料已上传" in page.inner_text("main")
        assert page.locator("[data-testid=documents] li").count() == 3
        _shot(page, "06-documents")
        _fits(page)
        with page.expect_navigation():
            page.click("[data-testid=submit]")
        assert page.inner_text("[data-testid=loan-status]") == "待人社资格审核"
        current = page.inner_text("ol.steps li.current")
        assert "县区人社经办人员" in current and "办理时限" in current
        _shot(page, "07-submitted")
        _fits(page)
        for path, name in (
            ("/portal/notifications/", "09-notifications"),
            ("/portal/profile/", "10-profile"),
            ("/portal/policies/", "11-policies"),
            ("/portal/businesses/new/", "12-business-new"),
        ):
            page.goto(base + path)
            settle(page)
            _shot(page, name)
            _fits(page)
        assert watcher.problems() == {}, watcher.problems()
    finally:
        context.close()

    app.refresh_from_db()
    assert app.status == "submitted" and app.priority

    # the county officer signs in on the staff login and finds it at the top of the queue
    context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    watcher = Watcher(page, base)
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "officer_411625")
        page.fill("#id_password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        page.goto(f"{base}/loans/queue/")
        rows = page.locator("[data-testid=queue-row]")
        assert rows.count() == 2
        first = rows.nth(0)
        assert first.get_attribute("data-id") == str(app.pk)
        assert "贫困家庭" in first.inner_text()
        assert rows.nth(1).get_attribute("data-id") == str(earlier.pk)
        _shot(page, "08-officer-queue")
        assert watcher.problems() == {}, watcher.problems()
    finally:
        context.close()


def test_page_weight_and_no_foreign_requests(chromium, live_server, demo, sms, capsys):
    """Every portal page loads only from the app's origin; the first page is under 300 KB transferred."""
    base = live_server.url.rstrip("/")
    context = chromium.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    watcher = Watcher(page, base)
    responses = []
    page.on("requestfinished", lambda request: responses.append(request))
    try:
        page.goto(f"{base}/portal/")
        page.wait_for_load_state("networkidle")  # the weight counts every request, the late ones too
        first = 0
        for request in responses:
            sizes = request.sizes()
            first += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        urls = [r.url for r in responses]
        with capsys.disabled():
            print(
                f"\nportal first page: {first:,} bytes transferred in {len(urls)} requests (limit {FIRST_PAGE_LIMIT:,})"
            )
        assert first < FIRST_PAGE_LIMIT, urls
        assert all(u.startswith(base) for u in urls), urls
        # the sign-in and the signed-in pages load nothing from elsewhere either
        page.goto(f"{base}/portal/login/")
        page.fill("#id_mobile", MOBILE)
        with page.expect_navigation():
            page.click("[data-testid=send-code]")
        page.fill("#id_code", sms_code(sms, MOBILE))
        with page.expect_navigation():
            page.click("[data-testid=login]")
        for path in (
            "/portal/",
            "/portal/bind/",
            "/portal/register/",
            "/portal/notifications/",
            "/portal/login/password/",
        ):
            page.goto(base + path)
            settle(page)
            _fits(page)
        _shot(page, "13-password-login")
        page.goto(base + "/portal/register/")
        _shot(page, "14-register")
        assert watcher.foreign_requests == []
        assert watcher.problems() == {}, watcher.problems()
    finally:
        context.close()


def test_assisted_session_at_the_window(chromium, live_server, demo, sms):
    """全程帮办 in the browser: the clerk opens a session, the person's phone gets the consent code, the clerk
    enters it and works on the person's loan pages under the assisted banner."""
    from fanxiang.portal.tests.factories import registry_person

    person = registry_person(demo["officer_411625"], name="吴到场", mobile="13700009901")
    base = live_server.url.rstrip("/")
    context = chromium.new_context(viewport={"width": 1024, "height": 800}, locale="zh-CN")
    page = context.new_page()
    watcher = Watcher(page, base)
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "service_clerk")
        page.fill("#id_password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        page.click("nav.sidenav >> text=全程帮办")
        page.fill("#id_id_number", person.id_number)
        page.fill("#id_purpose", "创业担保贷款申请")
        with page.expect_navigation():
            page.click("[data-testid=assist-form] button[type=submit]")
        with page.expect_navigation():
            page.click("[data-testid=send-consent]")
        _shot(page, "15-assist-consent")
        page.fill("#id_code", sms_code(sms, "13700009901"))
        with page.expect_navigation():
            page.click("[data-testid=confirm-consent]")
        banner = page.inner_text("[data-testid=assist-banner]")
        assert "吴到场" in banner and "短信验证码授权" in banner
        page.click("[data-testid=loan-new]")
        page.wait_for_load_state()
        assert page.is_visible("[data-testid=assist-banner]")
        _shot(page, "16-assist-loan-form")
        assert watcher.problems() == {}, watcher.problems()
    finally:
        context.close()
