"""Materials of a service request (工单材料): photos or PDFs the applicant uploads from the phone (and the
clerk for a window request), above all the ones a supplement request (一次性告知补正) asks for.

Files are checked by :func:`fanxiang.core.uploads.check_upload` (extension and leading bytes must agree,
size bounded, digest over the chunks: Django spools an upload above ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a
temporary file, so memory stays bounded; the portal page also refuses a body larger than the limit before
it is parsed). Stored under MEDIA_ROOT with a random name; the client's file name is kept only as data.
An attachment belongs to its request's region(s), like the request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import models, transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _

from fanxiang.accounts.roles import APPLICANT
from fanxiang.core.audit import acting_as
from fanxiang.core.errors import Conflict, NotFound
from fanxiang.core.fields import user_ref
from fanxiang.core.models import StoredFile, stored_name
from fanxiang.core.scope import CHANGE, VIEW, RegionScopedModel, ensure_in_scope
from fanxiang.core.uploads import check_upload
from fanxiang.onestop.choices import OPEN_STATUSES
from fanxiang.onestop.models import REQUEST_REGIONS, ServiceRequest
from fanxiang.onestop.workflows import REQUESTS

ALLOWED = ("jpg", "png", "pdf")
MAX_PER_REQUEST = 20
ACCEPT = "image/jpeg,image/png,application/pdf"


def max_attachment_bytes() -> int:
    return int(getattr(settings, "ONESTOP_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def attachment_path(instance: RequestAttachment, filename: str) -> str:
    return stored_name("onestop_attachments", instance.request_id, filename)


class RequestAttachment(RegionScopedModel, StoredFile):
    """One uploaded file of a service request."""

    scope_region = tuple(f"request__{p}" for p in REQUEST_REGIONS)

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("服务工单"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)
    # uploaded while the request waited for a supplement (the materials the centre asked for)
    for_supplement = models.BooleanField(_("补正材料"), default=False)
    uploaded_by = user_ref(_("上传人"))

    class Meta:
        app_label = "onestop"
        verbose_name = _("工单材料")
        verbose_name_plural = _("工单材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def _may_attach(actor: Any, req: ServiceRequest) -> bool:
    """The applicant themself, or the staff holding the request (for a window or assisted request)."""
    roles = REQUESTS.actor_roles(actor, req)
    if APPLICANT in roles:
        return True
    return bool(roles & {"service_clerk", "county_officer"}) and req.channel != "online"


def attachment_add(*, actor: Any, service_request: ServiceRequest, upload: Any) -> RequestAttachment:
    """Attach a JPG/PNG/PDF (at most ``ONESTOP_ATTACHMENT_MAX_BYTES``) to an open request."""
    checked = check_upload(
        upload,
        allowed=ALLOWED,
        max_bytes=max_attachment_bytes(),
        type_code="onestop.attachment_type_invalid",
        size_code="onestop.attachment_too_large",
        required_code="onestop.attachment_required",
    )
    with transaction.atomic(), acting_as(actor):
        req = ServiceRequest.objects.select_for_update().filter(pk=service_request.pk).first()
        if req is None or not _may_attach(actor, req):
            raise NotFound("not_found", "记录不存在或无权访问。")
        if req.status not in OPEN_STATUSES:
            raise Conflict(
                "onestop.wrong_state",
                f"工单当前状态为“{REQUESTS.status_label(req.status)}”，不能再上传材料。",
                details={"status": req.status},
            )
        if RequestAttachment.objects.filter(request=req).count() >= MAX_PER_REQUEST:
            raise Conflict("onestop.attachment_limit", f"每个工单最多上传{MAX_PER_REQUEST}份材料。")
        doc = RequestAttachment(
            request=req,
            original_name=checked.name or f"材料.{checked.kind}",
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            for_supplement=req.status == "supplement_requested",
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        doc.file.save(checked.name or f"file.{checked.kind}", upload, save=False)
        try:
            doc.save()
            if APPLICANT not in REQUESTS.actor_roles(actor, req):
                ensure_in_scope(actor, doc, CHANGE)
        except BaseException:
            doc.file.delete(save=False)  # never leave a file the database does not know
            raise
    return doc


def attachment_remove(*, actor: Any, service_request: ServiceRequest, attachment_id: int) -> None:
    """Delete an attachment the actor uploaded, while the request is still open."""
    with transaction.atomic(), acting_as(actor):
        req = ServiceRequest.objects.select_for_update().filter(pk=service_request.pk).first()
        if req is None or not _may_attach(actor, req):
            raise NotFound("not_found", "记录不存在或无权访问。")
        doc = RequestAttachment.objects.filter(request=req, pk=attachment_id).first()
        if doc is None or (doc.uploaded_by_id is not None and doc.uploaded_by_id != actor.pk):
            raise NotFound("not_found", "材料不存在。")
        if req.status not in OPEN_STATUSES:
            raise Conflict("onestop.wrong_state", "工单已办结或终止，材料不能删除。")
        storage, path = doc.file.storage, doc.file.name
        doc.delete()
        transaction.on_commit(lambda: storage.delete(path))


def attachments_of(req: ServiceRequest) -> models.QuerySet[RequestAttachment]:
    """The attachments of a request the caller already holds through a scoped or own-request read."""
    return RequestAttachment.objects.filter(request=req).order_by("uploaded_at", "id")


# --------------------------------------------------------------------------- staff side


def attachments_for_user(user: Any, req: ServiceRequest) -> models.QuerySet[RequestAttachment]:
    """The attachments of a request within the staff user's scope."""
    return RequestAttachment.objects.for_user(user, VIEW).filter(request=req).order_by("uploaded_at", "id")


@login_required
def staff_attachment(request, pk: int, aid: int):
    """Download (images: show) one attachment of a request in the user's scope; else 404."""
    doc = RequestAttachment.objects.for_user(request.user, VIEW).filter(request_id=pk, pk=aid).first()
    if doc is None:
        raise Http404
    return FileResponse(doc.file.open("rb"), as_attachment=not doc.is_image, filename=doc.original_name)
