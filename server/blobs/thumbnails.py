"""Photo thumbnails, made on the server once and kept as blobs of their own (the `thumbnails` table).

A photo from Collect is often 3–12 megapixels; the desks show it at Kobo's two sizes (SIZES). The first
request for a size decodes the original, shrinks it and stores the JPEG; every later request, from anyone
and on any server, gets the kept row and never decodes again.

The thumbnail carries no metadata at all: a phone's EXIF holds the GPS position, the time and the device,
which a gallery must not pass on. Its orientation is applied to the pixels before it is dropped.
"""

import io

from PIL import Image, ImageOps

from ..db import insert_or_nothing
from ..extensions import db
from .models import Blob, Thumbnail
from .service import open_blob, store_blob_bytes

SIZES = (240, 1280)  # the longest side in pixels: Kobo's table/gallery thumbnail and its photo viewer

# Only raster formats every browser shows; SVG (script), HEIC and video are never decoded here.
RASTER_TYPES = ("image/jpeg", "image/jpg", "image/png", "image/gif", "image/webp", "image/bmp")
PILLOW_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")

# Larger than any phone camera (a 200 MP sensor saves 50 MP photos by default), small enough that decoding
# one cannot take a worker's memory: checked from the header, before any pixel is decoded.
MAX_PIXELS = 60_000_000

JPEG_QUALITY = 80
BACKGROUND = (255, 255, 255)  # transparency is flattened on white, as the page behind it

# What bad bytes raise in Pillow: not an image, truncated, corrupt headers, too many pixels. The warning
# is here for deployments that run with warnings as errors; MAX_PIXELS refuses those images anyway.
UNREADABLE = (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning)


def thumbnail_of(blob: Blob, content_type: str | None, size: int) -> Thumbnail | None:
    """The kept thumbnail of `blob` at `size`, made and stored on the first call.

    None when the file is not a raster image we read (by its declared type or by its bytes): the caller
    then shows a plain link. :raise ValueError: `size` is not one of SIZES (the caller answers 404).
    """
    if size not in SIZES:
        raise ValueError(f"no thumbnail size {size}; sizes are {SIZES}")
    kept = db.session.get(Thumbnail, (blob.id, size))
    if kept is not None:
        return kept
    if not is_raster_type(content_type):
        return None
    with open_blob(blob) as original:
        made = shrink_image(original, size)
    if made is None:
        return None
    data, (width, height) = made
    thumb_blob = store_blob_bytes(data)
    values = {"blob_id": blob.id, "size": size, "thumb_blob_id": thumb_blob.id, "width": width, "height": height}
    # Two requests may make the same thumbnail at once: the row already there wins (same pixels either way).
    made_row = insert_or_nothing(db.session, Thumbnail, values, ["blob_id", "size"])
    return made_row if made_row is not None else db.session.get(Thumbnail, (blob.id, size))


def is_raster_type(content_type: str | None) -> bool:
    """Whether the declared media type (parameters ignored) is one of the raster images we thumbnail."""
    return (content_type or "").split(";")[0].strip().lower() in RASTER_TYPES


def shrink_image(stream, size: int) -> tuple[bytes, tuple[int, int]] | None:
    """(progressive JPEG bytes, (width, height)) of the image in `stream` with its longest side at most
    `size`, upright and without metadata; None when the bytes are not an image we can safely decode."""
    try:
        with Image.open(stream, formats=PILLOW_FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            # JPEG only: decode at 1/2, 1/4 or 1/8 scale, still at least twice the target (as thumbnail() would)
            image.draft("RGB", (2 * size, 2 * size))
            upright = flatten_to_rgb(ImageOps.exif_transpose(image))
            upright.thumbnail((size, size))  # keeps the aspect ratio and never enlarges
            output = io.BytesIO()
            upright.save(output, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
            return output.getvalue(), upright.size
    except UNREADABLE:
        return None


def flatten_to_rgb(image: Image.Image) -> Image.Image:
    """The image in RGB; any transparency (alpha, or a palette's transparent colour) laid over BACKGROUND."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")
