"""One-stop service in real Chromium, as the people who use it:

- a visitor at the window: the service clerk types the visitor's ID number into the workbench, takes a policy
  consultation and finishes it on the spot (马上办); the visitor rates it 2 on the counter's rating pad;
- an applicant on the phone (375 px): signs in with an SMS code, starts a start-up-guidance request online,
  the clerk completes it from the request page, the applicant rates it 5 on the phone;
- the city admin sees the 差评 on the supervision page and opens its rectification.

No console errors, no request leaving the app, nothing wider than the phone. Screenshots in /tmp/shots/ with
FANXIANG_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fanxiang.conftest import DEMO_PASSWORD
from fanxiang.core.tests.browser import Watcher, launched_chromium, screenshot, sms_code

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
MOBILE = "13700007713"


@pytest.fixture(scope="module")
def browser():
    with launched_chromium("one-stop browser test") as browser:
        yield browser


def _shot(page, name: str) -> None:
    screenshot(page, SHOTS / f"onestop-{name}.png", full_page=True)


def _staff(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    watcher = Watcher(page, base)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert page.url.rstrip("/") == base, f"{username}: login failed ({page.url})"
    return context, page, watcher


def _complete_now(page, result: str) -> None:
    """马上办 on the request page: accept and complete in one step."""
    if not page.is_visible("[data-testid=form-accept] [data-testid=action-accept]"):
        page.click("[data-testid=step-accept] summary")
    form = page.locator("[data-testid=form-accept]")
    form.locator("input[name=accept-complete_now]").check()
    form.locator("textarea[name=accept-result]").fill(result)
    with page.expect_navigation():
        form.locator("[data-testid=action-accept]").click()
    assert page.locator("[data-testid=status]").get_attribute("data-status") == "completed"


def test_window_and_phone_requests_rated_and_the_city_sees_the_bad_one(browser, live_server, demo, sms):
    from fanxiang.entrepreneurs.tests.factories import make_id
    from fanxiang.onestop.models import Rating, Rectification, ServiceRequest, ServiceType
    from fanxiang.onestop.tests import factories as f
    from fanxiang.portal.tests.factories import bound_account

    centre = f.centre_of("411625")
    centre.services.set(ServiceType.objects.all())
    applicant = f.person("411625")
    bound_account(applicant, MOBILE)
    visitor_id = make_id(area="411625", birth="19900315")
    base = live_server.url.rstrip("/")

    # ---- the window: look up, take, finish on the spot, rate on the counter's pad
    context, page, watcher = _staff(browser, base, "service_clerk")
    page.goto(f"{base}/onestop/workbench/")
    page.fill("[data-testid=lookup-form] input[name=id_number]", visitor_id)
    page.press("[data-testid=lookup-form] input[name=id_number]", "Enter")  # as a scanner ends its input
    page.wait_for_selector("[data-testid=not-found]")
    assert "未找到" in page.inner_text("[data-testid=not-found]")
    _shot(page, "1-workbench-visitor")
    intake = page.locator("[data-testid=intake-form]")
    intake.locator("select[name=service_type]").select_option("policy_consultation")
    intake.locator("textarea[name=description]").fill("咨询返乡创业一次性补贴申领条件")
    with page.expect_navigation():
        intake.locator("[data-testid=intake-submit]").click()
    window_req = ServiceRequest.objects.get(visitor_id_masked__endswith=visitor_id[-4:])
    assert f"/onestop/requests/{window_req.pk}/" in page.url
    _complete_now(page, "已当场解答补贴申领条件并发放材料清单")
    _shot(page, "2-window-completed")

    page.goto(f"{base}/onestop/requests/{window_req.pk}/rating-pad/")
    page.click("[data-testid=level-2]")
    page.fill("textarea[name=comment]", "排队时间太长")
    with page.expect_navigation():
        page.click("[data-testid=submit-rating]")
    assert page.locator("[data-testid=rating-thanks]").get_attribute("data-level") == "2"
    _shot(page, "3-rating-pad")
    rating = Rating.objects.get(request=window_req)
    assert rating.level == 2
    rect = Rectification.objects.get(request=window_req)
    assert rect.due_date is not None
    assert watcher.problems() == {}, watcher.problems()

    # ---- the phone: sign in with an SMS code, start online, follow, rate
    phone_ctx = browser.new_context(
        viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    phone = phone_ctx.new_page()
    phone_watch = Watcher(phone, base)
    phone.goto(f"{base}/portal/login/")
    phone.fill("#id_mobile", MOBILE)
    with phone.expect_navigation():
        phone.click("[data-testid=send-code]")
    phone.fill("#id_code", sms_code(sms, MOBILE))
    with phone.expect_navigation():
        phone.click("[data-testid=login]")
    phone.goto(f"{base}/portal/service-requests/new/")
    form = phone.locator("[data-testid=sr-form]")
    form.locator("select[name=centre]").select_option(str(centre.pk))
    form.locator("select[name=service_type]").select_option("startup_guidance")
    form.locator("textarea[name=description]").fill("想办一个食用菌种植合作社，需要创业指导")
    with phone.expect_navigation():
        phone.click("[data-testid=sr-submit]")
    online_req = ServiceRequest.objects.get(entrepreneur=applicant)
    assert online_req.channel == "online"
    assert phone.locator("[data-testid=sr-due]").count() == 1  # the deadline is shown to the applicant
    _shot(phone, "4-phone-submitted")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    page.goto(f"{base}/onestop/requests/{online_req.pk}/")
    _complete_now(page, "已安排创业导师上门指导，提供合作社登记指引")
    context.close()

    phone.reload()
    assert phone.locator("[data-testid=sr-status]").count() >= 1
    phone.locator("[data-testid=sr-rate-form] input[name=level][value='5']").check()
    phone.fill("[data-testid=sr-rate-form] textarea[name=comment]", "指导很专业")
    with phone.expect_navigation():
        phone.click("[data-testid=sr-rate]")
    assert "非常满意" in phone.inner_text("[data-testid=sr-rating]")
    assert Rating.objects.get(request=online_req).level == 5
    assert not Rectification.objects.filter(request=online_req).exists()
    _shot(phone, "5-phone-rated")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone_watch.problems() == {}, phone_watch.problems()
    phone_ctx.close()

    # ---- the city: the 差评 and its rectification on the supervision page
    city_ctx, city, city_watch = _staff(browser, base, "city_admin")
    city.goto(f"{base}/onestop/supervision/")
    row = city.locator(f"[data-testid=bad-ratings] tr[data-rating='{rating.pk}']")
    assert row.count() == 1
    assert "排队时间太长" in row.inner_text()
    _shot(city, "6-city-supervision")
    with city.expect_navigation():
        row.locator(f"a[href$='/onestop/rectifications/{rect.pk}/']").click()
    assert "排队时间太长" in city.inner_text("main")
    _shot(city, "7-city-rectification")
    assert city_watch.problems() == {}, city_watch.problems()
    city_ctx.close()
