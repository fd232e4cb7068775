"""Checking an uploaded file before it is stored: size, extension and the file's own leading bytes.

One place for the rule the loan documents, the assisted-service consent form and the one-stop evidence
follow: the extension must be one of the allowed types *and* the content must start with that type's
signature (a renamed file is refused), the size is bounded, and the digest is computed over the upload's
chunks (Django spools large uploads to a temporary file, so memory stays bounded).

``check_upload(upload, allowed=("jpg", "png"), code="onestop.evidence_type_invalid", ...)`` returns a
:class:`Checked` (kind, content type, clean file name, size, sha256) or raises
:class:`~fanxiang.core.errors.InvalidInput` on the field with the caller's codes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from fanxiang.core.errors import InvalidInput

# kind -> (extensions, content type, leading bytes)
FILE_TYPES: dict[str, tuple[tuple[str, ...], str, tuple[bytes, ...]]] = {
    "pdf": ((".pdf",), "application/pdf", (b"%PDF-",)),
    "jpg": ((".jpg", ".jpeg"), "image/jpeg", (b"\xff\xd8\xff",)),
    "png": ((".png",), "image/png", (b"\x89PNG\r\n\x1a\n",)),
}
TYPE_LABELS = {"pdf": "PDF", "jpg": "JPG", "png": "PNG"}
IMAGE_KINDS = frozenset({"jpg", "png"})


@dataclass(frozen=True)
class Checked:
    kind: str
    content_type: str
    name: str
    size: int
    sha256: str


def kind_of_name(name: str) -> str | None:
    suffix = PurePath(name or "").suffix.lower()
    return next((kind for kind, (exts, _, _) in FILE_TYPES.items() if suffix in exts), None)


def check_upload(
    upload: Any,
    *,
    allowed: tuple[str, ...],
    max_bytes: int,
    field: str = "file",
    type_code: str,
    size_code: str,
    required_code: str | None = None,
) -> Checked:
    """Refuse an empty, oversized or mistyped upload (see the module docstring)."""
    if upload is None:
        raise InvalidInput.field(field, required_code or type_code, "请选择要上传的文件。")
    name = PurePath(getattr(upload, "name", "") or "").name[:255]
    size = int(getattr(upload, "size", None) or 0)
    if size > max_bytes:
        raise InvalidInput.field(field, size_code, f"文件不能超过{max_bytes // (1024 * 1024)}MB。")
    kind = kind_of_name(name)
    head = b""
    if kind in allowed and size > 0:
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
    if kind not in allowed or size == 0 or not any(head.startswith(sig) for sig in FILE_TYPES[kind][2]):
        labels = "、".join(TYPE_LABELS[k] for k in allowed)
        raise InvalidInput.field(field, type_code, f"只能上传 {labels} 文件（扩展名与内容须一致）。")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return Checked(kind, FILE_TYPES[kind][1], name, size, digest.hexdigest())
