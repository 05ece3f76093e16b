import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.writing_helpers import banned_user, image_bytes

pytestmark = pytest.mark.django_db

UPLOAD = reverse("summaries:upload")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_files(media):
    return [path for path in media.rglob("*") if path.is_file()]


def post_image(client, name, content, content_type="image/png"):
    return client.post(
        UPLOAD,
        {"image": SimpleUploadedFile(name, content, content_type=content_type)},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )


def test_png_is_accepted_reencoded_and_stored_under_a_random_name(client, member, media):
    client.force_login(member)
    original = image_bytes("PNG") + b"<script>alert(1)</script>"  # trailing junk after IEND
    response = post_image(client, "my-holiday-photo.png", original)
    assert response.status_code == 200
    data = response.json()
    assert data["image_code"].startswith("![My holiday photo](/media/summary-images/")
    assert data["image_code"].endswith(".png)") and data["alt"] == "My holiday photo"
    files = stored_files(media)
    assert len(files) == 1
    assert "holiday" not in files[0].name
    assert len(files[0].stem) == 32  # secrets.token_hex(16)
    stored = files[0].read_bytes()
    assert stored != original and b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).format == "PNG"


def test_jpeg_metadata_is_stripped(client, member, media):
    client.force_login(member)
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    exif[0x8825] = {1: "N"}  # GPS IFD
    response = post_image(client, "photo.jpeg", image_bytes("JPEG", exif=exif.tobytes()), "image/jpeg")
    assert response.status_code == 200
    stored = stored_files(media)[0].read_bytes()
    assert b"secret description" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


@pytest.mark.parametrize("fmt,name", [("GIF", "a.gif"), ("WEBP", "a.webp")])
def test_gif_and_webp_are_accepted(client, member, media, fmt, name):
    client.force_login(member)
    response = post_image(client, name, image_bytes(fmt), f"image/{fmt.lower()}")
    assert response.status_code == 200
    assert stored_files(media)[0].suffix == "." + name.rsplit(".", 1)[1]


def test_animated_gif_stays_animated(client, member, media):
    client.force_login(member)
    frames = [Image.new("RGB", (20, 20), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert post_image(client, "anim.gif", buffer.getvalue(), "image/gif").status_code == 200
    assert Image.open(stored_files(media)[0]).n_frames == 3


def test_large_images_are_scaled_down(client, member, media):
    client.force_login(member)
    assert post_image(client, "wide.png", image_bytes("PNG", size=(3200, 100))).status_code == 200
    assert Image.open(stored_files(media)[0]).size == (1600, 50)


def test_svg_is_rejected_with_a_clear_message(client, member, media):
    client.force_login(member)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = post_image(client, "drawing.svg", svg, "image/svg+xml")
    assert response.status_code == 400
    assert "SVG images are not accepted" in response.json()["error"]
    assert stored_files(media) == []


def test_html_disguised_as_png_is_rejected(client, member, media):
    client.force_login(member)
    response = post_image(client, "innocent.png", b"<html><script>alert(1)</script></html>")
    assert response.status_code == 400
    assert "not an image" in response.json()["error"]
    assert stored_files(media) == []


def test_svg_disguised_as_png_is_rejected(client, member, media):
    client.force_login(member)
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'
    assert post_image(client, "drawing.png", svg).status_code == 400
    assert stored_files(media) == []


def test_truncated_png_is_rejected(client, member, media):
    client.force_login(member)
    assert post_image(client, "broken.png", image_bytes("PNG", size=(300, 300))[:120]).status_code == 400
    assert stored_files(media) == []


def test_oversize_file_is_rejected(client, member, media, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1000
    client.force_login(member)
    big = image_bytes("PNG", size=(200, 200)) + os.urandom(2000)
    response = post_image(client, "big.png", big)
    assert response.status_code == 400
    assert "too large" in response.json()["error"]
    assert stored_files(media) == []


@pytest.mark.parametrize("name", ["image.exe", "image.html", "image", "image.png.php", "image.bmp"])
def test_wrong_extension_is_rejected(client, member, media, name):
    client.force_login(member)
    response = post_image(client, name, image_bytes("PNG"))
    assert response.status_code == 400
    assert "Only PNG, JPEG, GIF and WebP" in response.json()["error"]
    assert stored_files(media) == []


def test_other_image_formats_with_an_image_name_are_rejected(client, member, media):
    client.force_login(member)
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="BMP")
    assert post_image(client, "bitmap.png", buffer.getvalue()).status_code == 400
    assert stored_files(media) == []


def test_missing_file_is_a_clear_error(client, member, media):
    client.force_login(member)
    response = client.post(UPLOAD, {})
    assert response.status_code == 400
    assert response.json()["error"] == "No image received."


def test_anonymous_upload_is_refused_and_stores_nothing(client, media):
    response = post_image(client, "a.png", image_bytes("PNG"))
    assert response.status_code == 403
    assert stored_files(media) == []


def test_banned_upload_is_refused_and_stores_nothing(client, media):
    client.force_login(banned_user())
    assert post_image(client, "a.png", image_bytes("PNG")).status_code == 403
    assert stored_files(media) == []


def test_get_is_not_allowed(client, member):
    client.force_login(member)
    assert client.get(UPLOAD).status_code == 405


def test_uploads_are_rate_limited(client, member, media, monkeypatch):
    from accounts import ratelimit

    monkeypatch.setitem(ratelimit.RATES, "upload", ratelimit.Rate(per_member=8, per_ip=100, window=3600, label="u"))
    client.force_login(member)
    statuses = [post_image(client, "a.png", image_bytes("PNG")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "limit" in post_image(client, "a.png", image_bytes("PNG")).json()["error"]
    assert len(stored_files(media)) == 2


def test_uploaded_image_renders_in_a_summary(client, member, media):
    from shortscience.lib.markdown import render_markdown

    client.force_login(member)
    code = post_image(client, "a.png", image_bytes("PNG")).json()["image_code"]
    assert "<img" in render_markdown(code)


@pytest.mark.parametrize(
    ("file_name", "alt"),
    [
        ("fig_2-attention.png", "Fig 2 attention"),
        ("attention heads.final.jpeg", "Attention heads final"),
        ("Résumé-Ω.webp", "Résumé Ω"),
        ("C:\\Users\\ada\\plot.png", "Plot"),
        ("[evil](javascript:alert(1)).png", "Evil javascript alert 1"),
        ("image.png", "Image"),
        ("___.png", "Image"),
        (".png", "Png"),
        ("a" * 300 + ".png", "A" + "a" * 99),
    ],
)
def test_alt_text_is_the_file_name_made_readable_and_inert_in_markdown(file_name, alt):
    from summaries.images import alt_text

    assert alt_text(file_name) == alt


def test_uploaded_image_code_carries_the_file_name_as_alt_text(client, member, media):
    from shortscience.lib.markdown import render_markdown

    client.force_login(member)
    code = post_image(client, "loss_curve-v2.png", image_bytes("PNG")).json()["image_code"]
    assert code.startswith("![Loss curve v2](/media/summary-images/")
    assert 'alt="Loss curve v2"' in render_markdown(code)


# Decompression bombs: a few kilobytes that decode to gigabytes. The decoded size of an animation is its
# canvas times its frames (Pillow expands every frame to the full canvas), so that product is what is bounded.


def hostile_gif(canvas=(6000, 6000), frames=300, extents=()):
    """A GIF of ``frames`` 1×1 frames on a huge logical screen, written by hand so it stays a few KB.

    ``extents`` optionally gives, per frame, ``(left, top, width, height)`` of its image descriptor; a frame may
    claim an area outside the logical screen (Pillow then grows the canvas while decoding).
    """
    import struct

    width, height = canvas
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff")
    out += b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for index in range(frames):
        left, top, frame_width, frame_height = extents[index] if index < len(extents) else (index % 2, 0, 1, 1)
        out += b"!\xf9\x04\x08\x0a\x00\x00\x00"  # graphic control: restore to background, 100 ms
        out += b"," + struct.pack("<HHHHB", left, top, frame_width, frame_height, 0)
        # LZW, minimum code size 2: clear (4), index 0, end (5) in 3-bit codes.
        out += b"\x02\x02\x44\x01\x00"
    out += b";"
    return bytes(out)


def animation_bytes(fmt, size, frames):
    images = [Image.new("RGB", size, (index * 20 % 256, 40, 200 - index * 10)) for index in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format=fmt, save_all=True, append_images=images[1:], duration=100, loop=0)
    return buffer.getvalue()


def png_declaring(width, height):
    """A tiny PNG whose header declares ``width``×``height`` (Pillow reads the header without decoding)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def assert_refused_as_too_many_pixels(response, media):
    assert response.status_code == 400
    assert "too many pixels" in response.json()["error"]
    assert stored_files(media) == []


def test_gif_with_a_huge_canvas_and_many_tiny_frames_is_refused_before_decoding(client, member, media, monkeypatch):
    client.force_login(member)
    data = hostile_gif(frames=300)
    assert len(data) < 8 * 1024  # the whole bomb is a few kilobytes
    from PIL import ImageFile

    decoded = []
    original_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image) or original_load(image))
    assert_refused_as_too_many_pixels(post_image(client, "bomb.gif", data, "image/gif"), media)
    assert decoded == []  # refused from the header and the frame count alone


def test_gif_whose_frames_together_decode_past_the_bound_is_refused(client, member, media):
    client.force_login(member)
    # Three frames on a 6000×6000 canvas: each under the per-image bound, together 108 M pixels.
    response = post_image(client, "bomb.gif", hostile_gif(frames=3), "image/gif")
    assert_refused_as_too_many_pixels(response, media)
    assert "frames" in response.json()["error"]


@pytest.mark.parametrize(
    "extents",
    [
        [(0, 0, 1, 1), (6999, 6999, 1, 1)],  # one frame reaching 7000×7000: past the bound by itself
        [(0, 0, 1, 1), *[(5999, 5999, 1, 1)] * 3],  # 6000×6000 canvases, each under the bound, not together
    ],
)
def test_gif_frames_that_grow_the_canvas_past_the_bound_are_refused(client, member, media, extents):
    client.force_login(member)
    # A 100×100 screen whose later frames reach far outside it: Pillow grows the canvas when decoding them.
    data = hostile_gif(canvas=(100, 100), frames=len(extents), extents=extents)
    assert_refused_as_too_many_pixels(post_image(client, "grow.gif", data, "image/gif"), media)


@pytest.mark.parametrize("fmt,name", [("PNG", "anim.png"), ("WEBP", "anim.webp")])
def test_apng_and_animated_webp_past_the_pixel_bound_are_refused(client, member, media, fmt, name):
    client.force_login(member)
    data = animation_bytes(fmt, (2000, 2000), frames=11)  # 44 M pixels in all
    assert_refused_as_too_many_pixels(post_image(client, name, data, f"image/{fmt.lower()}"), media)


@pytest.mark.parametrize("size", [(7000, 7000), (20000, 20000)])
def test_png_declaring_too_many_pixels_is_refused_as_too_many_pixels(client, member, media, size):
    # 49 M pixels is past our bound; 400 M is past Pillow's own MAX_IMAGE_PIXELS (a DecompressionBombError).
    client.force_login(member)
    assert_refused_as_too_many_pixels(post_image(client, "huge.png", png_declaring(*size)), media)


def test_small_animation_within_the_bound_is_accepted(client, member, media):
    client.force_login(member)
    data = animation_bytes("GIF", (400, 300), frames=30)  # 3.6 M pixels in all
    assert post_image(client, "ok.gif", data, "image/gif").status_code == 200
    assert Image.open(stored_files(media)[0]).n_frames == 30
