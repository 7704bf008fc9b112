"""Photo thumbnails over the real database and blob store: made once at Kobo's sizes, upright, without
metadata, and None (never an exception) for anything that is not an image we can safely decode."""

import io
import struct
import warnings
import zlib

import pytest
import sqlalchemy as sa
from PIL import Image

from server.blobs import thumbnails
from server.blobs.models import Blob, Thumbnail
from server.blobs.service import blob_store, open_blob, store_blob_bytes
from server.blobs.thumbnails import SIZES, thumbnail_of
from server.extensions import db

ORIENTATION, MAKE, MODEL, DATE_TIME = 0x0112, 0x010F, 0x0110, 0x0132


def image_bytes(width, height, image_format="JPEG", mode="RGB", colour=(40, 120, 200), exif=None):
    """An image made with Pillow, in `image_format`, optionally carrying `exif` ({tag: value})."""
    image = Image.new(mode, (width, height), colour)
    output = io.BytesIO()
    if exif:
        tags = Image.Exif()
        tags.update(exif)
        image.save(output, image_format, exif=tags)
    else:
        image.save(output, image_format)
    return output.getvalue()


def png_claiming(width, height):
    """A 1×1 PNG whose header claims `width`×`height`: a few dozen bytes that say gigapixels."""
    data = image_bytes(1, 1, "PNG")
    ihdr = b"IHDR" + struct.pack(">II", width, height) + data[24:29]
    return data[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + data[33:]


def made(data, content_type="image/jpeg", size=240):
    """The thumbnail row of freshly stored `data`, and the decoded thumbnail image (None when none)."""
    row = thumbnail_of(store_blob_bytes(data), content_type, size)
    if row is None:
        return None, None
    return row, Image.open(io.BytesIO(thumb_bytes(row)))


def thumb_bytes(row):
    with open_blob(db.session.get(Blob, row.thumb_blob_id)) as handle:
        return handle.read()


def blob_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Blob))


@pytest.mark.parametrize("size, expected", [(240, (240, 160)), (1280, (1280, 853))])
def test_a_large_jpeg_is_shrunk_to_its_longest_side(database, size, expected):
    row, image = made(image_bytes(3000, 2000), size=size)
    assert image.format == "JPEG" and image.info.get("progressive")
    assert image.size == expected and (row.width, row.height) == expected
    assert (row.size, max(image.size)) == (size, size)


def test_a_small_photo_is_never_enlarged(database):
    row, image = made(image_bytes(100, 80), size=1280)
    assert image.size == (100, 80) and (row.width, row.height) == (100, 80)


def test_exif_orientation_is_applied_to_the_pixels(database):
    """Orientation 6: the camera was turned, the display rotates 90° clockwise. Its left side (red) becomes the top."""
    photo = Image.new("RGB", (300, 200), (0, 0, 255))
    photo.paste((255, 0, 0), (0, 0, 150, 200))
    tags = Image.Exif()
    tags[ORIENTATION] = 6
    output = io.BytesIO()
    photo.save(output, "JPEG", exif=tags)

    row, image = made(output.getvalue())
    assert image.size == (160, 240) and image.height > image.width and (row.width, row.height) == (160, 240)
    top, bottom = image.getpixel((80, 20)), image.getpixel((80, 220))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]


def test_the_thumbnail_carries_no_metadata(database):
    exif = {ORIENTATION: 1, MAKE: "Samsung", MODEL: "Galaxy A15", DATE_TIME: "2026:03:14 09:26:53"}
    row, image = made(image_bytes(800, 600, exif=exif))
    data = thumb_bytes(row)
    assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
    assert b"Exif" not in data and b"Samsung" not in data


def test_a_second_call_returns_the_kept_row_without_decoding(database):
    original = store_blob_bytes(image_bytes(640, 480, colour=(17, 34, 51)))
    first = thumbnail_of(original, "image/jpeg", 240)
    blobs = blob_count()
    blob_store().path_of(original.sha256).unlink()  # a decode would now fail: the kept row must be enough

    second = thumbnail_of(original, "image/jpeg", 240)
    assert (second.blob_id, second.size, second.thumb_blob_id) == (first.blob_id, first.size, first.thumb_blob_id)
    assert blob_count() == blobs
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Thumbnail)
                             .where(Thumbnail.blob_id == original.id)) == 1


def test_each_size_is_kept_apart(database):
    original = store_blob_bytes(image_bytes(2000, 1500, colour=(90, 10, 10)))
    small, large = (thumbnail_of(original, "image/jpeg", size) for size in SIZES)
    assert (small.width, large.width) == (240, 1280) and small.thumb_blob_id != large.thumb_blob_id


def test_transparency_is_flattened_on_white(database):
    row, image = made(image_bytes(400, 300, "PNG", mode="RGBA", colour=(0, 0, 0, 0)), "image/png")
    assert image.mode == "RGB" and image.size == (240, 180)
    assert all(channel > 245 for channel in image.getpixel((120, 90)))


@pytest.mark.parametrize("image_format, content_type", [
    ("GIF", "image/gif"), ("WEBP", "image/webp"), ("BMP", "image/bmp"), ("JPEG", "image/jpeg; name=a.jpg"),
])
def test_every_raster_format_browsers_show_is_thumbnailed(database, image_format, content_type):
    row, image = made(image_bytes(480, 360, image_format), content_type)
    assert image.format == "JPEG" and image.size == (240, 180)


@pytest.mark.parametrize("data, content_type", [
    (b"Bi\xc3\xaan b\xe1\xba\xa3n h\xe1\xbb\x8dp th\xc3\xb4n", "image/jpeg"),  # text that claims to be a photo
    (image_bytes(120, 90), "image/svg+xml"),  # may carry script: never decoded, whatever its bytes
    (image_bytes(120, 90), "video/mp4"),
    (image_bytes(120, 90), None),
    (image_bytes(120, 90, "TIFF"), "image/jpeg"),  # a format Pillow reads but browsers do not show
], ids=["text", "svg", "video", "no-type", "tiff"])
def test_what_is_not_a_raster_image_has_no_thumbnail(database, data, content_type):
    assert made(data, content_type) == (None, None)


def test_a_truncated_jpeg_has_no_thumbnail(database):
    noise = Image.effect_noise((600, 400), 64).convert("RGB")
    output = io.BytesIO()
    noise.save(output, "JPEG")
    assert made(output.getvalue()[: output.tell() // 2]) == (None, None)


@pytest.mark.parametrize("width, height", [
    (30_000, 30_000),  # past twice Pillow's own limit: it refuses to open it
    (10_000, 9_000),  # past Pillow's limit (a warning, an error here) and ours
    (8_000, 8_000),  # under Pillow's limit, over ours
])
def test_a_decompression_bomb_has_no_thumbnail(database, width, height):
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        assert made(png_claiming(width, height), "image/png") == (None, None)


def test_the_pixel_limit_is_checked_before_decoding(database, monkeypatch):
    monkeypatch.setattr(thumbnails, "MAX_PIXELS", 300 * 200 - 1)
    assert made(image_bytes(300, 200)) == (None, None)
    monkeypatch.setattr(thumbnails, "MAX_PIXELS", 300 * 200)
    assert made(image_bytes(300, 200))[1].size == (240, 160)


@pytest.mark.parametrize("size", [0, 100, 241, 4096])
def test_an_unknown_size_is_a_value_error(database, size):
    with pytest.raises(ValueError):
        thumbnail_of(store_blob_bytes(image_bytes(300, 200)), "image/jpeg", size)
