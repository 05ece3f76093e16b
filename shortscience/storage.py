"""Where uploaded media live and the headers they are served with.

Local disk is the default (``MEDIA_ROOT``, served by ``shortscience.views.media`` when ``SERVE_MEDIA`` is on).
``MEDIA_STORAGE=s3`` puts them in an S3-compatible bucket (AWS S3, MinIO) through django-storages, so every web
machine reads and writes the same files.

Every stored file has a random name (``summaries.images.store``, ``digest.models.figure_path``) and is never
rewritten, so it is served with a year-long, immutable cache lifetime. Its type comes from the name the site gave
it, never from the uploader: an image type is shown inline, anything else is offered as a download. On S3 the
headers are stored with the object at upload (S3 answers with them); ``X-Content-Type-Options: nosniff`` is not
an object header S3 can store, so the proxy in front of the bucket adds it (docker/nginx.conf).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

#: Stored extension → the only type it is served as (the formats summaries.images re-encodes to).
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
CACHE_CONTROL = "public, max-age=31536000, immutable"
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def media_headers(name: str) -> dict[str, str]:
    """Content-Type, Content-Disposition and Cache-Control for the stored file ``name``."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    extension = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    filename = _UNSAFE_IN_FILENAME.sub("_", base)[:100].strip("._") or "file"
    content_type = IMAGE_TYPES.get(extension)
    disposition = "inline" if content_type else "attachment"
    return {
        "Content-Type": content_type or "application/octet-stream",
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Cache-Control": CACHE_CONTROL,
    }


class S3MediaStorage(S3Storage):
    """django-storages' S3 backend with the site's headers on every object and the site's public media URL.

    Links are plain (unsigned) URLs starting with ``MEDIA_URL`` (settings make it ``/media/`` behind a proxy
    that forwards to the bucket, a CDN's address or the bucket's own): they end up in stored summary HTML, where
    a signed URL would expire.
    """

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        headers = media_headers(name)
        params["ContentType"] = headers["Content-Type"]
        params["ContentDisposition"] = headers["Content-Disposition"]
        params["CacheControl"] = headers["Cache-Control"]
        return params

    def url(self, name, parameters=None, expire=None, http_method=None):
        return settings.MEDIA_URL + filepath_to_uri(self._normalize_name(clean_name(name)))
