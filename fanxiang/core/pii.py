"""Personal data at rest: AES-GCM encryption, a keyed hash for exact search, and masking.

Keys derive (HKDF-SHA256) from ``FANXIANG_PII_KEY`` when set, else from ``SECRET_KEY``: one key encrypts,
another keys the HMAC index, so the index reveals nothing without the key. Ciphertexts carry a key
version prefix (``v1:``) so keys can rotate.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = "v1"


def _derive(purpose: bytes) -> bytes:
    secret = (getattr(settings, "FANXIANG_PII_KEY", "") or settings.SECRET_KEY).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"fanxiang-pii", info=purpose).derive(secret)


@functools.cache
def _keys() -> tuple[AESGCM, bytes]:
    return AESGCM(_derive(b"encrypt-v1")), _derive(b"index-v1")


def reset_keys() -> None:
    """Forget cached keys (tests that change the settings)."""
    _keys.cache_clear()


def encrypt(value: str) -> str:
    if not value:
        return ""
    aead, _ = _keys()
    nonce = os.urandom(12)
    return f"{VERSION}:" + base64.b64encode(nonce + aead.encrypt(nonce, value.encode(), None)).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    version, _, payload = token.partition(":")
    if version != VERSION:
        raise ValueError(f"unknown key version {version!r}")
    raw = base64.b64decode(payload)
    aead, _ = _keys()
    return aead.decrypt(raw[:12], raw[12:], None).decode()


def index(value: str) -> str:
    """Keyed hash for exact-match search and uniqueness."""
    if not value:
        return ""
    _, key = _keys()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Sealed:
    encrypted: str
    hash: str
    masked: str


def seal(value: str, masker) -> Sealed:
    return Sealed(encrypt(value), index(value), masker(value))


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt a whole file (an uploaded import holding ID numbers) for storage at rest."""
    aead, _ = _keys()
    nonce = os.urandom(12)
    return f"{VERSION}:".encode() + nonce + aead.encrypt(nonce, data, None)


def decrypt_bytes(token: bytes) -> bytes:
    version, sep, payload = token.partition(b":")
    if not sep or version.decode(errors="replace") != VERSION:
        raise ValueError("unknown key version")
    aead, _ = _keys()
    return aead.decrypt(payload[:12], payload[12:], None)
