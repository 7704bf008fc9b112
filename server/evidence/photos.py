"""What a photo's bytes say of themselves, for the evidence checks: when the camera says it was taken (EXIF
DateTimeOriginal, with OffsetTimeOriginal where written) and a perceptual hash that stays (nearly) the same
when the photo is resized, recompressed or slightly cropped. A pure module: bytes in, readings out; anything
Pillow cannot read gives a reading with its `error`, never an exception.

The hash is the DCT hash ("pHash"): the photo as the viewer shows it (EXIF orientation applied), grey, its
central 80 % made 32 × 32, its 2-D DCT, and one bit per coefficient of the 8 × 8 lowest frequencies: above their
median or not. A copy cropped by a few per cent has its central region a little shifted and scaled: a look-up
hashes the photo's region at each of SHIFTED (shifts, and scales of each side apart: a copy cropped on one side
is squeezed), and a near match is confirmed by the correlation of the regions' 32 × 32 grey pixels (other
photos of the same kind of scene hash close too). The hashes are indexed by 4 bands (`bands`), so those
within 3 bits of a hash are found by exact look-ups."""

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
    thumb: bytes | None = None  # the central region, 32 × 32 grey: what a near match is confirmed against


def read_photo(data: bytes) -> PhotoReading:
    """The reading of one file's bytes."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                return PhotoReading(width=width, height=height, error=f"too large to read ({width} × {height})")
            taken_at, offset = capture_time(image)
            shown = shown_grey(image)
            region = central(shown)
            return PhotoReading(taken_at, offset, dct_hash(region), width, height,
                                thumb=thumb_of(region))
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


def shown_grey(image):
    """The photo as a viewer shows it (EXIF orientation applied), grey, decoded at the smallest JPEG scale that
    keeps 256 pixels a side."""
    image.draft("L", (SIDE * 8, SIDE * 8))
    return ImageOps.exif_transpose(image).convert("L")


def central(grey, centre_x=0.5, centre_y=0.5, share_x=REGION, share_y=REGION):
    """The region of `share_x` of the width and `share_y` of the height around (centre_x, centre_y) (fractions of
    the sides), SIDE × SIDE."""
    width, height = grey.size
    half_x, half_y = width * share_x / 2, height * share_y / 2
    box = (width * centre_x - half_x, height * centre_y - half_y, width * centre_x + half_x, height * centre_y + half_y)
    return grey.resize((SIDE, SIDE), Image.Resampling.BILINEAR, box=box)


def dct_hash(region) -> int:
    """The 64-bit DCT hash of a SIDE × SIDE grey region, as a signed integer."""
    low = (DCT @ np.asarray(region, dtype=np.float64) @ DCT.T)[:8, :8].ravel()
    bits = 0
    for above in low > np.median(low):
        bits = (bits << 1) | int(above)
    return bits - (1 << 64) if bits >= 1 << 63 else bits


# Where a copy cropped by up to ~5 % (or shifted a little) has the central region: a look-up hashes each of these
SHIFTED = tuple((x, y, share_x, share_y) for x in (0.47, 0.5, 0.53) for y in (0.47, 0.5, 0.53)
                for share_x in (0.76, 0.8, 0.84) for share_y in (0.76, 0.8, 0.84))


def shifted_regions(data: bytes) -> list:
    """The SHIFTED regions of a photo (SIDE × SIDE grey images); [] when it cannot be read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.size[0] * image.size[1] > MAX_PIXELS:
                return []
            grey = shown_grey(image)
            return [central(grey, *where) for where in SHIFTED]
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return []


def likeness(first_thumb: bytes, second_thumb: bytes) -> float:
    """How alike two grey thumbnails of one size are: their normalised correlation, -1…1 (1: the same picture)."""
    first, second = (np.frombuffer(item, dtype=np.uint8).astype(np.float64) for item in (first_thumb, second_thumb))
    first, second = first - first.mean(), second - second.mean()
    norm = np.linalg.norm(first) * np.linalg.norm(second)
    return float(first @ second / norm) if norm else 0.0


def thumb_of(region) -> bytes:
    """A SIDE × SIDE region's grey bytes: what near matches are confirmed with (likeness)."""
    return region.tobytes()


BANDS = ((0, 16), (16, 32), (32, 48), (48, 64))  # bit ranges: 4 bands, so a hash within 3 bits of another
# shares at least one band with it exactly (what the index looks up; one within 4 bits most often does too)


def bands(phash: int) -> list[tuple[int, int]]:
    """(band number, its value) of a hash, for the index of hashes."""
    bits = phash & ((1 << 64) - 1)
    return [(number, (bits >> (64 - end)) & ((1 << (end - start)) - 1)) for number, (start, end) in enumerate(BANDS)]


def nearest_bits(hashes: list[int], others: list[int]):
    """For each of `others`, how many bits it differs in from the nearest of `hashes` (a numpy array)."""
    ours = np.array(hashes, dtype=np.int64).view(np.uint64)
    theirs = np.array(others, dtype=np.int64).view(np.uint64)
    return np.bitwise_count(ours[:, None] ^ theirs[None, :]).min(axis=0)


def hamming(first: int, second: int) -> int:
    """How many of the 64 bits two hashes differ in."""
    return ((first ^ second) & ((1 << 64) - 1)).bit_count()


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value if isinstance(value, str) else ""
