"""What a photo's bytes say of themselves, for the evidence checks: when the camera says it was taken (EXIF
DateTimeOriginal, with OffsetTimeOriginal where written) and a perceptual hash that stays (nearly) the same
when the photo is resized, recompressed or slightly cropped. A pure module: bytes in, a PhotoReading out;
anything Pillow cannot read gives a reading with its `error`, never an exception.

The hash is the DCT hash ("pHash"): the photo as the viewer shows it (EXIF orientation applied), grey, its
central 80 % (a few per cent cropped off an edge move that region little) made 32 × 32, its 2-D DCT, and one
bit per coefficient of the 8 × 8 lowest frequencies: above their median or not."""

import io
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 60_000_000  # beyond any phone's photo: not decoded
SIDE = 32
REGION = 0.8
EXIF_IFD, DATE_TIME_ORIGINAL, DATE_TIME_DIGITIZED, OFFSET_TIME_ORIGINAL = 0x8769, 0x9003, 0x9004, 0x9011
EXIF_TIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
EXIF_OFFSET = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")
_K = np.arange(SIDE)
DCT = np.cos(np.pi * np.outer(_K, 2 * _K + 1) / (2 * SIDE))  # the DCT-II basis, a row per frequency


@dataclass(frozen=True)
class PhotoReading:
    taken_at: str | None = None  # "2026-11-20T09:05:00": the camera's local time, as it wrote it
    taken_offset: str | None = None  # "+07:00"
    phash: int | None = None  # 64 bits, as a signed 64-bit integer (what a database column holds)
    width: int | None = None
    height: int | None = None
    error: str | None = None


def read_photo(data: bytes) -> PhotoReading:
    """The reading of one file's bytes."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                return PhotoReading(width=width, height=height, error=f"too large to read ({width} × {height})")
            taken_at, offset = capture_time(image)
            image.draft("L", (SIDE * 8, SIDE * 8))  # JPEG: decode at 1/2…1/8 of the size, enough for 32 × 32
            shown = ImageOps.exif_transpose(image)
            return PhotoReading(taken_at, offset, perceptual_hash(shown), width, height)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        return PhotoReading(error=f"not a readable image: {type(error).__name__}")


def capture_time(image) -> tuple[str | None, str | None]:
    """(DateTimeOriginal, or DateTimeDigitized, as "YYYY-MM-DDTHH:MM:SS"; OffsetTimeOriginal) from the EXIF,
    each None when absent or unreadable."""
    try:
        exif = image.getexif().get_ifd(EXIF_IFD)
    except Exception:  # noqa: BLE001 - a broken EXIF block is simply no EXIF
        return None, None
    found = None
    for tag in (DATE_TIME_ORIGINAL, DATE_TIME_DIGITIZED):
        match = EXIF_TIME.match(_text(exif.get(tag)))
        if match and "0000" not in match.group(1):
            year, month, day, hour, minute, second = (int(part) for part in match.groups())
            if 1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61:
                found = f"{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{min(second, 59):02}"
                break
    offset = _text(exif.get(OFFSET_TIME_ORIGINAL)).strip()
    return found, offset if found and EXIF_OFFSET.match(offset) else None


def perceptual_hash(image) -> int:
    """The 64-bit DCT hash of an image's central region, as a signed integer."""
    width, height = image.size
    margin_x, margin_y = width * (1 - REGION) / 2, height * (1 - REGION) / 2
    grey = image.convert("L").resize((SIDE, SIDE), Image.Resampling.BILINEAR,
                                     box=(margin_x, margin_y, width - margin_x, height - margin_y))
    low = (DCT @ np.asarray(grey, dtype=np.float64) @ DCT.T)[:8, :8].ravel()
    bits = 0
    for above in low > np.median(low):
        bits = (bits << 1) | int(above)
    return bits - (1 << 64) if bits >= 1 << 63 else bits


def hamming(first: int, second: int) -> int:
    """How many of the 64 bits two hashes differ in."""
    return ((first ^ second) & ((1 << 64) - 1)).bit_count()


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value if isinstance(value, str) else ""
