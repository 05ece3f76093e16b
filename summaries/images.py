"""Images uploaded from the summary editor: verified by decoding, re-encoded, stored under a random name.

Only PNG, JPEG, GIF and WebP are accepted. The file's own bytes decide the format (never its name or the
browser's content type); the image is decoded in full with Pillow and written out again, which drops
metadata (EXIF, GPS, ICC, comments) and anything appended or smuggled inside the original file. SVG is
refused outright: it is a document that can carry scripts, not a picture.

Decoding is bounded before it starts. A few kilobytes can declare a huge canvas, and Pillow expands every
frame of an animation to that full canvas, so the bound is on the decoded total, canvas × frames, read from
the header and the frame count (neither decodes pixel data). Frames are then decoded one at a time, and a
GIF frame that reaches outside its canvas (Pillow grows the canvas for it) still counts against the bound.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

#: Pillow format → stored extension.
FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
ALLOWED_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "webp"})
MAX_PIXELS = 40_000_000  # decoded pixels of the whole image, every frame counted (a small file can decode to GBs)
MAX_FRAMES = 300
# Pillow's own guard (on open, and on every GIF canvas or disposal area grown while seeking) warns past this;
# validate_and_reencode turns the warning into a refusal. Nothing else in the project decodes images.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
DEFAULT_MAX_SIDE = 1600
ALLOWED_MESSAGE = "Only PNG, JPEG, GIF and WebP images can be uploaded."


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    extension: str
    width: int
    height: int


def _max_side() -> int:
    size = getattr(settings, "MARKDOWNX_IMAGE_MAX_SIZE", {}).get("size") or (DEFAULT_MAX_SIDE, DEFAULT_MAX_SIDE)
    return int(max(size))


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def validate_and_reencode(upload) -> CleanImage:
    """Decode ``upload`` (a Django UploadedFile) and return it re-encoded; ValidationError when refused."""
    limit = settings.IMAGE_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(f"The image is too large: at most {limit // (1024 * 1024) or 1} MB.")
    extension = _extension(upload.name or "")
    if extension == "svg":
        raise ValidationError(f"SVG images are not accepted. {ALLOWED_MESSAGE}")
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(ALLOWED_MESSAGE)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(f"The image is too large: at most {limit // (1024 * 1024) or 1} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _reencode(data)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_too_many_pixels()) from None
    except UnidentifiedImageError:
        raise ValidationError(f"This file is not an image we can read. {ALLOWED_MESSAGE}") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ValidationError("This image is damaged or incomplete and could not be read.") from None


def _too_many_pixels(frames: int = 1, width: int = 0, height: int = 0) -> str:
    limit = f"{MAX_PIXELS // 1_000_000} million"
    if frames > 1:
        return (
            f"The animation has too many pixels: {frames} frames of {width}×{height} come to more than {limit} "
            "in all. Use fewer frames or a smaller canvas."
        )
    return f"The image has too many pixels: at most {limit}."


def _check_decoded_size(image: Image.Image) -> int:
    """Refuse ``image`` (opened, not decoded) if all its frames at full canvas exceed MAX_PIXELS; return frames."""
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ValidationError(_too_many_pixels())
    # PNG (APNG) and WebP: read from the header. GIF: one pass over the frame headers, skipping the pixel data
    # (measured: ~1 s for the worst 2 MB file, 90,000 frames of 1×1; done once per upload).
    frames = getattr(image, "n_frames", 1)
    if frames > MAX_FRAMES:
        raise ValidationError(f"Animated images may have at most {MAX_FRAMES} frames.")
    if width * height * frames > MAX_PIXELS:
        raise ValidationError(_too_many_pixels(frames, width, height))
    return frames


def _frames(image: Image.Image, frames: int):
    """Yield each frame, decoded lazily, refusing once the canvases decoded so far pass MAX_PIXELS."""
    decoded = 0
    for frame in ImageSequence.Iterator(image):
        # Seeking reads the frame's header (and may grow a GIF canvas) before its pixels are decoded.
        decoded += frame.width * frame.height
        if decoded > MAX_PIXELS:
            raise ValidationError(_too_many_pixels(frames, frame.width, frame.height))
        yield frame


def _reencode(data: bytes) -> CleanImage:
    # formats= limits which decoders Pillow even tries: nothing but the four we accept.
    probe = Image.open(io.BytesIO(data), formats=list(FORMATS))
    if probe.format not in FORMATS:
        raise ValidationError(ALLOWED_MESSAGE)
    frames = _check_decoded_size(probe)
    probe.verify()  # structural check (CRCs, truncation); the image must be reopened afterwards
    image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    fmt = image.format
    max_side = _max_side()
    out = io.BytesIO()
    if frames > 1 and fmt in ("GIF", "WEBP"):
        sequence = []
        durations = []
        for frame in _frames(image, frames):
            copy = frame.convert("RGBA")
            copy.thumbnail((max_side, max_side))
            sequence.append(copy)
            durations.append(frame.info.get("duration", 100))
        first, rest = sequence[0], sequence[1:]
        options = {"save_all": True, "append_images": rest, "duration": durations, "loop": image.info.get("loop", 0)}
        if fmt == "GIF":
            options["disposal"] = 2
        first.save(out, format=fmt, **options)
        width, height = first.size
    else:
        image.load()
        image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF data asked for, then drop EXIF
        image.thumbnail((max_side, max_side))
        if fmt == "JPEG":
            image = image.convert("L" if image.mode in ("L", "1") else "RGB")
            image.save(out, format="JPEG", quality=90, optimize=True)
        elif fmt == "PNG":
            if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
                image = image.convert("RGBA")
            image.save(out, format="PNG", optimize=True)
        elif fmt == "GIF":
            image.save(out, format="GIF")
        else:
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            image.save(out, format="WEBP", quality=90)
        width, height = image.size
    return CleanImage(content=out.getvalue(), extension=FORMATS[fmt], width=width, height=height)


# Anything but letters and digits (in any script) separates words in a file name: "fig_2-attention.png".
_NOT_A_WORD = re.compile(r"[\W_]+")
ALT_TEXT_MAX_LENGTH = 100


def alt_text(file_name: str) -> str:
    """A starting alt text from an upload's file name: "fig_2-attention.png" → "Fig 2 attention".

    The editor selects it so the writer types a real description over it. Only letters, digits and
    single spaces are kept, so the result is inert inside Markdown's ``![…](…)``.
    """
    stem = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
    words = _NOT_A_WORD.sub(" ", stem).strip()[:ALT_TEXT_MAX_LENGTH].strip()
    return words[:1].upper() + words[1:] if words else "Image"


def store(image: CleanImage) -> str:
    """Save through Django's default storage under a random name; return the public URL."""
    folder = getattr(settings, "MARKDOWNX_MEDIA_PATH", "summary-images/").rstrip("/")
    name = default_storage.save(f"{folder}/{secrets.token_hex(16)}.{image.extension}", ContentFile(image.content))
    return default_storage.url(name)
