"""Shared helpers for the writing tests (editor, uploads, votes, comments, permissions)."""

from __future__ import annotations

import io

from django.utils import timezone
from PIL import Image

from tests.factories import UserFactory


def banned_user(username: str = "banned"):
    return UserFactory(username=username, banned_at=timezone.now(), ban_reason="spam")


def image_bytes(fmt: str = "PNG", size=(40, 30), color=(200, 30, 30), **save_options) -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if fmt in ("PNG", "WEBP") else "RGB"
    Image.new(mode, size, color).save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def editor_data(body: str = "A **clear** summary with $x^2$.", revision: int = 0, **extra) -> dict:
    data = {
        "body": body,
        "visibility": "public",
        "is_anonymous": "false",
        "audience": "practitioner",
        "revision_number": str(revision),
    }
    data.update(extra)
    return data
