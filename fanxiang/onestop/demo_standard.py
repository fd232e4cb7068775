"""Demo assessments of the demo centres against the seeded construction standard (``manage.py load_demo``,
after :mod:`fanxiang.onestop.demo`): each county officer assesses its centre a couple of months after it
opened in 2020, with photo and document evidence; the city confirms most of them (grades from the bands),
郸城县's is submitted and waiting for the city, 鹿邑县's was returned with a reason.

Every row is dated on its business day (the one-stop demo's :class:`~fanxiang.onestop.demo.Clock`).
Counties without a demo officer get a stand-in assessor account (no usable password: it only signs the
demo records). Runs once: nothing when an assessment of a demo centre exists or there are no demo centres.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fanxiang.accounts.models import Organization, RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.core import calendar
from fanxiang.onestop import standard
from fanxiang.onestop.demo import MARK, Clock
from fanxiang.onestop.models import Centre
from fanxiang.onestop.standard_models import Assessment, AssessmentEvent, Evidence, EvidenceKind, ItemResult

SEED = 6
SUBMITTED_COUNTY = "411625"  # 郸城县: waiting for the city
RETURNED_COUNTY = "411628"  # 鹿邑县: returned for more evidence
PHOTO_COLOURS = [(180, 35, 42), (40, 110, 170), (60, 140, 80), (200, 150, 40)]


def png(colour: tuple[int, int, int], size: int = 16) -> bytes:
    """A small solid-colour PNG (stdlib only): the demo's stand-in for a photo of the centre."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(colour) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def pdf(title: str) -> bytes:
    return f"%PDF-1.4\n% {title}\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".encode()


class StandardClock(Clock):
    """The one-stop demo's clock for the assessment rows: events, evidence and audit dated on the business day."""

    def __init__(self) -> None:
        super().__init__()
        self.rows = ((AssessmentEvent, "at"), (Evidence, "uploaded_at"))


def _officer(centre: Centre) -> User:
    found = (
        User.objects.filter(
            role_assignments__role=Role.COUNTY_OFFICER, role_assignments__region=centre.region, is_active=True
        )
        .order_by("pk")
        .first()
    )
    if found is not None:
        return User.objects.get(pk=found.pk)
    user, made = User.objects.get_or_create(
        username=f"assessor_{centre.region.code}",
        defaults={
            "real_name": f"{centre.region.name}人社经办（演示）",
            "organization": Organization.objects.filter(code="ZK-RSJ").first(),
        },
    )
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    RoleAssignment.objects.get_or_create(user=user, role=Role.COUNTY_OFFICER, region=centre.region)
    return User.objects.get(pk=user.pk)


def _fill(rng: random.Random, clock: Clock, actor: User, a: Assessment, quality: float, day: dt.date) -> None:
    findings = []
    for f in a.items.select_related("item"):
        roll = rng.random()
        result = (
            ItemResult.MET
            if roll < quality
            else ItemResult.PARTLY
            if roll < quality + 0.12
            else ItemResult.NOT_MET
        )
        note = "" if result == ItemResult.MET else f"{f.item.title}尚未完全达到要求，正在整改{MARK}"
        findings.append({"item": f.item_id, "result": result, "note": note})
        if result != ItemResult.NOT_MET and f.item.evidence != EvidenceKind.NONE:
            if f.item.evidence == EvidenceKind.PHOTO:
                upload = SimpleUploadedFile(
                    f"{f.item.code}-现场照片.png", png(rng.choice(PHOTO_COLOURS)), content_type="image/png"
                )
            else:
                upload = SimpleUploadedFile(
                    f"{f.item.code}-{f.item.title}.pdf", pdf(f.item.title), content_type="application/pdf"
                )
            clock.run(day, standard.evidence_add, actor=actor, assessment=a, item_id=f.item_id, upload=upload)
    clock.run(day, standard.findings_record, actor=actor, assessment=a, findings=findings)


def load(today: dt.date | None = None, seed: int = SEED) -> list[str]:
    today = today or timezone.localdate()
    centres = list(
        Centre.objects.filter(staff_note__contains=MARK).select_related("region").order_by("region__code")
    )
    city = User.objects.filter(username="city_admin").first()
    if not centres or city is None or Assessment.objects.filter(centre__in=centres).exists():
        return []
    if standard.current_version(today) is None:
        return []
    rng = random.Random(seed)
    clock = StandardClock()
    for centre in centres:
        actor = _officer(centre)
        start = min(calendar.add_workdays((centre.opened_on or dt.date(2020, 3, 2)), 40), today)
        a = clock.run(start, standard.assessment_create, actor=actor, centre_id=centre.pk, today=start)
        _fill(rng, clock, actor, a, rng.uniform(0.7, 0.97), start)
        submitted = min(calendar.add_workdays(start, 3), today)
        clock.run(
            submitted,
            standard.assessment_submit,
            actor=actor,
            assessment=a,
            note=f"自评完成，请市局核查{MARK}",
            today=submitted,
        )
        code = centre.region.code
        if code == SUBMITTED_COUNTY:
            continue
        checked = min(calendar.add_workdays(submitted, 7), today)
        if code == RETURNED_COUNTY:
            clock.run(
                checked,
                standard.assessment_return,
                actor=city,
                assessment=a,
                reason="“服务制度”佐证为空白模板，请上传盖章的制度文件后重新提交。",
                today=checked,
            )
            continue
        clock.run(
            checked, standard.assessment_confirm, actor=city, assessment=a, note="现场核查属实", today=checked
        )
    return []
