"""Start-up training in real Chromium, as the people in the classroom use it:

- the class's teacher (a user on the class's ``teachers``) opens today's session roll: the rotating QR (an SVG
  encoding the portal check-in link with the code shown beside it) and the live roll of the trainees;
- a trainee on a 375 px phone signs in to the portal with an SMS code, opens 我的培训 and today's check-in:
  the code the screen showed before it rotated is refused as expired, a wrong code as wrong (Chinese
  messages, codes in ``data-code``), the code on the screen now checks in, and the teacher's live roll
  turns the trainee present without a reload;
- the class finishes, certificates are issued; the trainee downloads the PDF from 我的培训, the verification
  URL printed under its QR (the QR image is that URL's QR) opens the public ``/verify/<code>`` page
  without login: the masked name, 证书有效.

No console errors, no request leaving the app, nothing wider than the phone. Screenshots in /tmp/shots/.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path

import pytest

from fanxiang.conftest import DEMO_PASSWORD
from fanxiang.core.tests.browser import Watcher, launched_chromium, screenshot, sms_code

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
MOBILE = "13700007714"
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
ROW = "[data-testid=roll-live] [data-testid=roll-row]"
SAFE_SECONDS = 8
WINDOW_SECONDS = 15  # the check-in code window in this test (the default is 30 s)
# whether an element is shown in the portal's success colour (its --ok), not the red of a refusal
IN_OK_COLOUR = """(sel) => { const probe = document.createElement('span'); probe.style.color = 'var(--ok)';
  document.body.appendChild(probe); const ok = getComputedStyle(probe).color; probe.remove();
  return getComputedStyle(document.querySelector(sel)).color === ok; }"""  # a code is typed only while at least this much of its window is left


@pytest.fixture(scope="module")
def browser():
    with launched_chromium("training browser test") as browser:
        yield browser


def _shot(page, name: str) -> None:
    screenshot(page, SHOTS / f"training-{name}.png", full_page=True)


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url}: page is {width}px wide on a 375px screen"


def _running_class(today: dt.date):
    """A GYB class of county 411625 through the services: filed and approved a month ago, started today,
    one session today covering the whole day (so that it is open whenever the test runs)."""
    from fanxiang.training import services
    from fanxiang.training.tests import factories as f

    before = today - dt.timedelta(days=30)
    klass = f.make_class("411625", today=before, sessions=0, start_date=today, end_date=today)
    hours = klass.programme.hours_required
    session = services.session_add(
        actor=f.officer(),
        training_class=klass,
        data={
            "date": today,
            "start_time": "00:00",
            "end_time": "23:59",
            "hours": str(hours),
            "topic": "创业想法",
        },
    )
    for action, day in (("file", before), ("approve", before), ("start", today)):
        klass = services.class_action(actor=f.officer(), training_class=klass, action=action, today=day)
    return klass, session


def _screen_code(page, session) -> str:
    """The code on the teacher's screen, once at least SAFE_SECONDS of its window are left (else the next
    one, after the screen rotates); checked against the attendance module's code of the current window."""
    from fanxiang.training import attendance as att

    shown = page.inner_text("[data-testid=checkin-code]").strip()
    current = att.current_code(session)
    if shown != current.code or current.seconds_left < SAFE_SECONDS:
        _wait_rotation(page, shown)
        shown = page.inner_text("[data-testid=checkin-code]").strip()
        current = att.current_code(session)
    assert shown == current.code and current.seconds_left >= SAFE_SECONDS
    return shown


def _wait_rotation(page, old: str) -> None:
    page.wait_for_function(
        "(old) => { const c = document.querySelector('[data-testid=checkin-code]');"
        " return c && c.textContent.trim() !== old; }",
        arg=old,
        timeout=45_000,
    )


def _wrong_code(session) -> str:
    """Six digits that are no code of this session now or in the windows it recognises as expired."""
    from fanxiang.training import attendance as att

    window = att.current_code(session).window
    recent = {att.code_for(session, w) for w in range(window - att.LOOKBACK_WINDOWS - 2, window + 3)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 10**6)) if c not in recent)


def test_teacher_roll_qr_phone_checkin_certificate_and_public_verification(browser, live_server, demo, sms):
    import segno
    from django.utils import timezone
    from PIL import Image
    from pypdf import PdfReader

    from fanxiang.core.validators import mask_name
    from fanxiang.portal.tests.factories import bound_account
    from fanxiang.training import attendance as att
    from fanxiang.training import certificates as certs
    from fanxiang.training import services
    from fanxiang.training.completion import assessment_record
    from fanxiang.training.models import Attendance, Certificate, Parameters
    from fanxiang.training.tests import factories as f
    from fanxiang.training.tests import factories_attendance as fa

    today = timezone.localdate()
    # the window is an effective-dated parameter: a short one from before the class keeps the waits for
    # the screen to rotate short (the code, its expiry and the redraw all follow the parameter)
    Parameters.objects.create(valid_from=today - dt.timedelta(days=60), checkin_window_seconds=WINDOW_SECONDS)
    klass, session = _running_class(today)
    session.refresh_from_db()
    teacher = fa.teacher(klass)
    teacher.set_password(DEMO_PASSWORD)
    teacher.save()
    trainees = [f.person("411625") for _ in range(3)]
    enrolments = [
        services.enrolment_create(
            actor=f.officer(), training_class=klass, data={"entrepreneur": p.pk}, today=today
        )
        for p in trainees
    ]
    me, mine = trainees[0], enrolments[0]
    bound_account(me, MOBILE)
    base = live_server.url.rstrip("/")

    # ---- the teacher: the roll page with the rotating QR and the live roll
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    teacher_page = desk.new_page()
    teacher_watch = Watcher(teacher_page, base)
    teacher_page.goto(f"{base}/accounts/login/")
    teacher_page.fill("#id_username", teacher.username)
    teacher_page.fill("#id_password", DEMO_PASSWORD)
    with teacher_page.expect_navigation():
        teacher_page.click("form button[type=submit]")
    assert "/accounts/login/" not in teacher_page.url, "teacher login failed"
    response = teacher_page.goto(f"{base}/training/sessions/{session.pk}/roll/")
    assert response.status == 200
    assert klass.name in teacher_page.inner_text("h1") and "课堂签到" in teacher_page.inner_text("h1")
    first_code = teacher_page.inner_text("[data-testid=checkin-code]").strip()
    assert re.fullmatch(r"\d{6}", first_code)
    qr = teacher_page.locator("[data-testid=checkin-qr] svg")
    assert qr.count() == 1
    # the QR is the portal check-in link carrying the code shown beside it
    link = f"{base}{att.checkin_url(session, first_code)}"
    expected = segno.make(link, error="m").svg_inline(scale=6, dark="#111", title="扫码签到")
    assert qr.locator("path").get_attribute("d") == re.search(r'\sd="([^"]+)"', expected).group(1)
    rows = teacher_page.locator(ROW)
    assert rows.count() == 3
    roll_text = teacher_page.inner_text("[data-testid=roll-live]")
    for p in trainees:
        assert p.name in roll_text
    assert teacher_page.inner_text("[data-testid=present-count]") == "0"
    assert teacher_page.locator(f"{ROW}[data-present='1']").count() == 0
    assert "未签到" in roll_text
    # the whole roll is readable beside the QR on the classroom screen (no scrolling inside its card)
    assert teacher_page.evaluate(
        "(() => { const w = document.querySelector('[data-testid=roll-live] .table-wrap');"
        " return w.scrollWidth <= w.clientWidth; })()"
    )
    _shot(teacher_page, "1-teacher-roll")

    # ---- the trainee's phone: SMS sign-in, 我的培训, today's check-in
    phone_ctx = browser.new_context(**PHONE)
    phone = phone_ctx.new_page()
    phone_watch = Watcher(phone, base)
    phone.goto(f"{base}/portal/login/")
    _fits(phone)
    phone.fill("#id_mobile", MOBILE)
    with phone.expect_navigation():
        phone.click("[data-testid=send-code]")
    phone.fill("#id_code", sms_code(sms, MOBILE))
    with phone.expect_navigation():
        phone.click("[data-testid=login]")
    with phone.expect_navigation():
        phone.click("[data-testid=tile-training]")
    assert phone.url.endswith("/portal/training/"), phone.url
    assert "我的培训" in phone.inner_text("h1")
    card = phone.locator(f"[data-testid=my-enrolment][data-id='{mine.pk}']")
    assert klass.name in card.inner_text()
    assert "已参加 0.0 课时" in card.locator("[data-testid=hours]").inner_text()
    _fits(phone)
    _shot(phone, "2-phone-my-training")
    with phone.expect_navigation():
        card.locator("[data-testid=checkin-link]").click()
    assert f"/portal/training/checkin/{session.pk}/" in phone.url
    assert "课堂签到" in phone.inner_text("h1") and klass.name in phone.inner_text("main")
    assert phone.locator("#checkin-code").bounding_box()["height"] >= 44  # a touch-sized field
    _fits(phone)

    # the screen rotates; the code it showed before is refused as expired
    _wait_rotation(teacher_page, first_code)
    assert teacher_page.locator("[data-testid=checkin-qr] svg path").get_attribute("d") != (
        re.search(r'\sd="([^"]+)"', expected).group(1)
    )
    phone.fill("#checkin-code", first_code)
    with phone.expect_navigation():
        phone.click("[data-testid=checkin-submit]")
    error = phone.locator("[data-testid=checkin-error]")
    assert error.get_attribute("data-code") == "training.checkin_code_expired"
    assert "签到码已过期" in error.inner_text()
    assert not phone.evaluate(IN_OK_COLOUR, "[data-testid=checkin-error]")
    assert "training." not in phone.inner_text("main")  # the code only in data-code
    _fits(phone)
    _shot(phone, "3-phone-expired")
    phone.fill("#checkin-code", _wrong_code(session))
    with phone.expect_navigation():
        phone.click("[data-testid=checkin-submit]")
    error = phone.locator("[data-testid=checkin-error]")
    assert error.get_attribute("data-code") == "training.checkin_code_invalid"
    assert "签到码不正确" in error.inner_text()
    assert not Attendance.objects.filter(enrolment=mine).exists()
    # the two refusals were answered 422 (Chromium logs each as a failed load); nothing else went wrong
    refusals = phone_watch.console_errors
    assert len(refusals) == 2 and all("422" in e and "/portal/training/checkin/" in e for e in refusals)
    assert not phone_watch.page_errors and not phone_watch.foreign_requests
    phone_watch.reset()

    # the code on the screen now checks in; the teacher's roll turns present by itself
    phone.fill("#checkin-code", _screen_code(teacher_page, session))
    with phone.expect_navigation():
        phone.click("[data-testid=checkin-submit]")
    done = phone.inner_text("[data-testid=checkin-done]")
    assert "签到成功" in done and f"计 {session.hours} 学时" in done
    assert phone.evaluate(IN_OK_COLOUR, "[data-testid=checkin-done]")
    _fits(phone)
    _shot(phone, "4-phone-checked-in")
    teacher_page.wait_for_selector(
        f"[data-testid=roll-row][data-enrolment='{mine.pk}'][data-present='1']", timeout=12_000
    )
    assert teacher_page.inner_text("[data-testid=present-count]") == "1"
    row = teacher_page.inner_text(f"[data-testid=roll-row][data-enrolment='{mine.pk}']")
    assert me.name in row and "已签到" in row
    assert teacher_page.locator(f"{ROW}[data-present='1']").count() == 1
    _shot(teacher_page, "5-teacher-roll-present")
    phone.goto(f"{base}/portal/training/")
    card = phone.locator(f"[data-testid=my-enrolment][data-id='{mine.pk}']")
    assert f"已参加 {session.hours} 课时" in card.locator("[data-testid=hours]").inner_text()
    assert card.locator("[data-testid=checked-in][data-present='1']").inner_text().endswith("已签到")
    assert card.locator("[data-testid=checkin-link]").count() == 0
    assert phone.locator("header.bar").bounding_box()["height"] >= 40  # the page's styles leave the bar be
    _fits(phone)
    assert teacher_watch.problems() == {}, teacher_watch.problems()
    desk.close()

    # ---- the class finishes; certificates are issued to those who completed
    assessment_record(enrolment=mine, passed=True, actor=f.officer())
    klass = services.class_action(actor=f.officer(), training_class=klass, action="finish", today=today)
    result = certs.certificates_issue(training_class=klass, actor=f.officer(), today=today)
    assert [c.enrolment_id for c in result.issued] == [mine.pk]
    cert = Certificate.objects.get(enrolment=mine)

    # ---- the trainee downloads the certificate PDF from 我的培训
    phone.goto(f"{base}/portal/training/")
    card = phone.locator(f"[data-testid=my-enrolment][data-id='{mine.pk}']")
    assert cert.number in card.inner_text()
    assert "已结业" in card.locator("[data-testid=hours]").inner_text()
    assert card.locator("[data-testid=checkin-link], [data-testid=checked-in]").count() == 0  # class over
    _fits(phone)
    _shot(phone, "6-phone-certificate")
    href = card.locator("[data-testid=certificate-link]").get_attribute("href")
    pdf = phone_ctx.request.get(f"{base}{href}")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    body = pdf.body()
    assert body.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(body))
    text = "".join(page.extract_text() for page in reader.pages)
    assert cert.number in text
    # the URL printed under the QR (the narrow column may wrap it: the code's letters are joined again)
    found = re.search(r"扫码核验证书真伪\s*(https?://\S+/verify/)([A-Za-z0-9_\-\n]+)", text)
    assert found, text
    verify_url = found.group(1) + found.group(2).replace("\n", "")
    assert verify_url == f"{base}/verify/{cert.verify_code}"
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1
    qr_image = images[0].image.convert("L")
    printed = Image.open(io.BytesIO(certs.qr_png(verify_url))).convert("L")
    assert qr_image.size == printed.size and qr_image.tobytes() == printed.tobytes()
    assert phone_watch.problems() == {}, phone_watch.problems()
    phone_ctx.close()

    # ---- anyone (no login) opens the verification URL on a phone
    public_ctx = browser.new_context(**PHONE)
    public = public_ctx.new_page()
    public_watch = Watcher(public, base)
    response = public.goto(verify_url)
    assert response.status == 200
    status = public.locator("[data-testid=verify-status]")
    assert status.get_attribute("data-code") == "training.certificate_valid"
    assert "证书有效" in status.inner_text()
    assert public.evaluate(IN_OK_COLOUR, "[data-testid=verify-status]")
    assert public.inner_text("[data-testid=verify-name]") == mask_name(me.name)
    facts = public.inner_text("[data-testid=verify-facts]")
    assert cert.number in facts and klass.name in facts and klass.programme.name in facts
    assert me.name not in public.inner_text("body")
    assert public.locator("a[href='/portal/login/']").count() == 0
    _fits(public)
    _shot(public, "7-public-verify")
    assert public_watch.problems() == {}, public_watch.problems()
    public_ctx.close()
