"""Photos for the demo's submissions, drawn with Pillow from a seed (a pure module: no clock, no files).

They should look like what a volunteer's phone sends, so that thumbnails, the gallery and evidence checks have
something real to work on: about 1024 × 768 (Collect's max-pixels=1024), JPEG quality 85, grain and a vignette
so that no area is flat, and EXIF as a phone writes it: Make/Model, DateTimeOriginal (local time, with its
+07:00 offset) and, for a photo taken with the phone upright, Orientation 6 over pixels stored on their side.

Four scenes: a study corner with a bookshelf and a desk, a certificate with a red stamp, an open school report
book, and a notice board. Every photo takes a few milliseconds: the demo makes several hundred at start-up.
"""

import io
import math
import random
from datetime import datetime
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw

KINDS = ("goc_hoc_tap", "giay_chung_nhan", "hoc_ba", "bang_tin")
SIZE = (1024, 768)
QUALITY = 85
EXIF_IFD, MAKE, MODEL, ORIENTATION, DATE_TIME = 0x8769, 0x010F, 0x0110, 0x0112, 0x0132
DATE_TIME_ORIGINAL, DATE_TIME_DIGITIZED, OFFSET_TIME_ORIGINAL = 0x9003, 0x9004, 0x9011
BOOK_COLOURS = [(150, 30, 35), (30, 60, 120), (25, 100, 60), (200, 150, 40), (90, 40, 100), (220, 220, 210),
                (40, 40, 45), (180, 80, 30), (60, 130, 160), (120, 90, 60), (200, 60, 90), (230, 190, 120)]
WALLS = [(236, 228, 205), (214, 229, 214), (222, 230, 240), (240, 222, 200), (228, 228, 228)]
WOODS = [(120, 80, 45), (150, 105, 60), (95, 60, 35), (170, 130, 85)]
INK_BLUE, INK_BLACK, STAMP_RED = (35, 50, 140), (40, 40, 40), (200, 30, 35)


def photo_jpeg(seed: int, kind: str, taken_at: datetime, make: str = "samsung", model: str = "SM-A125F",
               portrait: bool = False) -> bytes:
    """JPEG bytes of a `kind` scene (one of KINDS), the same for the same arguments. `taken_at` is the phone's
    local time; `portrait` stores the pixels on their side with EXIF Orientation 6, as a phone held upright does."""
    rng = random.Random(f"{kind}:{seed}")
    width, height = (SIZE[1], SIZE[0]) if portrait else SIZE
    image = draw_scene(kind, rng, width, height)
    if portrait:
        image = image.transpose(Image.Transpose.ROTATE_90)  # a viewer turns it 90° clockwise (Orientation 6)
    output = io.BytesIO()
    image.save(output, "JPEG", quality=QUALITY, exif=phone_exif(taken_at, make, model, 6 if portrait else 1))
    return output.getvalue()


def document_pdf(seed: int) -> bytes:
    """A one-page PDF of a scanned document (a certificate scene, flat on the page), for a form's file question."""
    image = draw_scene("giay_chung_nhan", random.Random(f"pdf:{seed}"), 620, 877, flat=True)
    output = io.BytesIO()
    image.save(output, "PDF", resolution=75.0)
    return output.getvalue()


def draw_scene(kind: str, rng: random.Random, width: int, height: int, flat: bool = False) -> Image.Image:
    """The scene as an RGB image; unless `flat`, shaded with grain and a vignette."""
    if kind not in SCENES:
        raise ValueError(f"no demo photo of kind {kind!r}; kinds are {KINDS}")
    image = SCENES[kind](rng, width, height, flat)
    if flat:
        return image
    return ImageChops.multiply(image, shading(width, height))


def phone_exif(taken_at: datetime, make: str, model: str, orientation: int) -> bytes:
    exif = Image.Exif()
    stamp = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    exif.update({MAKE: make, MODEL: model, ORIENTATION: orientation, DATE_TIME: stamp})
    exif.get_ifd(EXIF_IFD).update({DATE_TIME_ORIGINAL: stamp, DATE_TIME_DIGITIZED: stamp,
                                    OFFSET_TIME_ORIGINAL: "+07:00"})
    return exif.tobytes()


@lru_cache(maxsize=4)
def shading(width: int, height: int) -> Image.Image:
    """A multiply layer: sensor grain times a lens vignette, the same in every process (made once per size; the
    grain comes from a seeded random source, not Pillow's effect_noise, whose C rand() nobody seeds)."""
    size = (width, height)
    grain = Image.frombytes("L", size, random.Random(f"grain:{width}x{height}").randbytes(width * height))
    vignette = Image.radial_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return ImageChops.multiply(grain.point(lambda value: 234 + value * 21 // 255),
                               vignette.point(lambda value: 255 - value * 70 // 255)).convert("RGB")


def vertical_gradient(width: int, height: int, top: tuple, bottom: tuple, bands: int = 48) -> Image.Image:
    """A wall or a table lit from above: bands too fine to see once grain and JPEG are over them."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for band in range(bands):
        colour = tuple(a + (b - a) * band // (bands - 1) for a, b in zip(top, bottom))
        draw.rectangle((0, height * band // bands, width, height * (band + 1) // bands), fill=colour)
    return image


def shade(colour: tuple, factor: float) -> tuple:
    return tuple(max(0, min(255, int(channel * factor))) for channel in colour)


def jitter(colour: tuple, rng: random.Random, spread: int = 12) -> tuple:
    return tuple(max(0, min(255, channel + rng.randint(-spread, spread))) for channel in colour)


def quad_mapper(quad):
    """(u, v) in the unit square → the point of the quadrilateral `quad` (top-left, top-right, bottom-right,
    bottom-left), bilinearly: a sheet of paper seen at a slant."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad

    def at(u, v):
        top = (x0 + (x1 - x0) * u, y0 + (y1 - y0) * u)
        bottom = (x3 + (x2 - x3) * u, y3 + (y2 - y3) * u)
        return top[0] + (bottom[0] - top[0]) * v, top[1] + (bottom[1] - top[1]) * v
    return at


def slanted_quad(rng, left, top, right, bottom, slant=0.04):
    """The corners of a box, each moved a little: the sheet is not quite square to the camera."""
    dx, dy = (right - left) * slant, (bottom - top) * slant
    return [(left + rng.uniform(-dx, dx), top + rng.uniform(-dy, dy)),
            (right + rng.uniform(-dx, dx), top + rng.uniform(-dy, dy)),
            (right + rng.uniform(-dx, dx), bottom + rng.uniform(-dy, dy)),
            (left + rng.uniform(-dx, dx), bottom + rng.uniform(-dy, dy))]


def box_on(at, u0, v0, u1, v1):
    return [at(u0, v0), at(u1, v0), at(u1, v1), at(u0, v1)]


def text_lines(draw, at, rng, box, rows, colour, thickness=0.45, centred=False):
    """Lines of word-like strokes inside `box` (u0, v0, u1, v1) of the sheet mapped by `at`."""
    u0, v0, u1, v1 = box
    pitch = (v1 - v0) / rows
    for row in range(rows):
        v, line_end = v0 + row * pitch, u1 - (rng.uniform(0, (u1 - u0) * 0.5) if row == rows - 1 else 0)
        words, u = [], u0
        while u < line_end:
            length = rng.uniform(0.04, 0.15) * (u1 - u0)
            words.append((u, min(u + length, line_end)))
            u += length + 0.025 * (u1 - u0)
        shift = (u1 - words[-1][1]) / 2 if centred else 0
        for start, end in words:
            draw.polygon(box_on(at, start + shift, v, end + shift, v + pitch * thickness), fill=colour)


def handwriting(draw, at, rng, u0, u1, v, height, colour):
    """A line of joined-up writing: a wavy stroke with small loops, in ballpoint ink."""
    points, u = [], u0
    while u < u1:
        points.append(at(u, v + rng.uniform(-height, height) * 0.6))
        u += rng.uniform(0.004, 0.012)
    draw.line(points, fill=colour, width=2, joint="curve")


def stamp(draw, rng, centre, radius, colour=STAMP_RED):
    """A round red seal: two rings, a star and a band of strokes, slightly faded."""
    x, y = centre
    faded = jitter(colour, rng, 20)
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=faded, width=max(3, radius // 14))
    inner = radius * 0.72
    draw.ellipse((x - inner, y - inner, x + inner, y + inner), outline=faded, width=max(2, radius // 25))
    star = [(x + (radius * (0.3 if k % 2 == 0 else 0.12)) * cos, y + (radius * (0.3 if k % 2 == 0 else 0.12)) * sin)
            for k, (cos, sin) in enumerate(STAR_DIRECTIONS)]
    draw.polygon(star, fill=faded)
    draw.rectangle((x - inner * 0.7, y + inner * 0.38, x + inner * 0.7, y + inner * 0.5), fill=faded)


STAR_DIRECTIONS = [(math.cos(math.radians(-90 + 36 * k)), math.sin(math.radians(-90 + 36 * k))) for k in range(10)]


def study_corner(rng, width, height, flat):
    """A wall, a bookcase full of spines of many colours, a desk with a lamp and an open notebook."""
    wall = rng.choice(WALLS)
    image = vertical_gradient(width, height, jitter(wall, rng), shade(wall, 0.8))
    draw = ImageDraw.Draw(image)
    floor_y = int(height * rng.uniform(0.78, 0.84))
    draw.rectangle((0, floor_y, width, height), fill=jitter((150, 120, 95), rng, 20))
    wood = rng.choice(WOODS)
    left, right = int(width * rng.uniform(0.04, 0.12)), int(width * rng.uniform(0.48, 0.6))
    top = int(height * rng.uniform(0.08, 0.16))
    draw.rectangle((left, top, right, floor_y + 6), fill=shade(wood, 0.75))
    shelves = rng.randint(3, 4)
    pitch = (floor_y - top - 20) / shelves
    for shelf in range(shelves):
        y_top, y_bottom = top + 10 + shelf * pitch, top + 10 + (shelf + 1) * pitch - 12
        draw.rectangle((left + 10, y_top, right - 10, y_bottom), fill=shade(wood, 0.45))
        x = left + 14 + rng.randint(0, 20)
        while x < right - 40:
            spine, tall = rng.randint(12, 30), (y_bottom - y_top) * rng.uniform(0.62, 0.95)
            colour = jitter(rng.choice(BOOK_COLOURS), rng)
            if rng.random() < 0.08:  # a book leaning on its neighbour
                draw.polygon([(x, y_bottom), (x + spine, y_bottom), (x + spine + tall * 0.35, y_bottom - tall * 0.93),
                              (x + tall * 0.35, y_bottom - tall * 0.93)], fill=colour)
                x += int(spine + tall * 0.35) + 2
                continue
            draw.rectangle((x, y_bottom - tall, x + spine, y_bottom), fill=colour)
            if spine > 16 and rng.random() < 0.6:
                band = y_bottom - tall * rng.uniform(0.55, 0.8)
                draw.rectangle((x + 3, band, x + spine - 3, band + 8), fill=shade(colour, 1.6))
            x += spine + rng.randint(0, 3)
            if rng.random() < 0.05:
                x += rng.randint(20, 60)  # a gap where books were taken out
        draw.rectangle((left + 6, y_bottom, right - 6, y_bottom + 12), fill=wood)
    desk_top = int(height * rng.uniform(0.55, 0.6))
    desk_left = right + int(width * rng.uniform(0.04, 0.08))
    draw.polygon([(desk_left, desk_top), (width - 10, desk_top - 8), (width, desk_top + 30),
                  (desk_left - 20, desk_top + 34)], fill=jitter(wood, rng))
    for leg_x in (desk_left, width - 60):
        draw.rectangle((leg_x, desk_top + 34, leg_x + 18, floor_y + 30), fill=shade(wood, 0.6))
    book = slanted_quad(rng, desk_left + 40, desk_top - 30, desk_left + 260, desk_top + 20, 0.08)
    draw.polygon(book, fill=(245, 243, 235))
    text_lines(draw, quad_mapper(book), rng, (0.08, 0.15, 0.92, 0.9), 5, (120, 120, 140))
    lamp_x = width - int(width * rng.uniform(0.12, 0.2))
    draw.rectangle((lamp_x, desk_top - 170, lamp_x + 8, desk_top), fill=(60, 60, 60))
    draw.polygon([(lamp_x - 60, desk_top - 160), (lamp_x + 60, desk_top - 160), (lamp_x + 28, desk_top - 220),
                  (lamp_x - 24, desk_top - 220)], fill=jitter((40, 110, 170), rng, 30))
    poster = slanted_quad(rng, desk_left + 20, top + 10, desk_left + 230, top + 180, 0.03)
    draw.polygon(poster, fill=(250, 250, 245))
    at = quad_mapper(poster)
    draw.polygon(box_on(at, 0, 0, 1, 0.22), fill=STAMP_RED)
    text_lines(draw, at, rng, (0.1, 0.32, 0.9, 0.92), 6, (90, 90, 90))
    return image


def certificate(rng, width, height, flat):
    """A certificate (giấy chứng nhận / giấy khen) on a table: border, title, lines of text, seal, signature."""
    if flat:
        image, quad = Image.new("RGB", (width, height), (252, 250, 242)), [(0, 0), (width, 0), (width, height),
                                                                           (0, height)]
    else:
        wood = rng.choice(WOODS)
        image = vertical_gradient(width, height, shade(wood, 1.15), shade(wood, 0.85))
        quad = slanted_quad(rng, width * 0.1, height * 0.07, width * 0.9, height * 0.93, 0.05)
    draw = ImageDraw.Draw(image)
    paper = jitter((250, 246, 232), rng, 6)
    draw.polygon(quad, fill=paper)
    at = quad_mapper(quad)
    border = rng.choice([(170, 30, 35), (30, 70, 150), (180, 140, 40)])
    for inset, width_px in ((0.03, 6), (0.05, 2)):
        draw.line(box_on(at, inset, inset, 1 - inset, 1 - inset) + [at(inset, inset)], fill=border, width=width_px)
    text_lines(draw, at, rng, (0.25, 0.09, 0.75, 0.17), 2, INK_BLACK, 0.3, centred=True)
    text_lines(draw, at, rng, (0.2, 0.24, 0.8, 0.33), 1, shade(border, 0.9), 0.7, centred=True)
    text_lines(draw, at, rng, (0.12, 0.48, 0.88, 0.74), rng.randint(6, 8), (60, 60, 70), 0.3)
    handwriting(draw, at, rng, 0.3, 0.7, 0.41, 0.015, INK_BLUE)
    seal_x, seal_y = at(rng.uniform(0.62, 0.72), rng.uniform(0.78, 0.84))
    stamp(draw, rng, (seal_x, seal_y), int(min(width, height) * rng.uniform(0.09, 0.12)))
    handwriting(draw, at, rng, 0.6, 0.82, 0.84, 0.03, INK_BLUE)
    text_lines(draw, at, rng, (0.6, 0.9, 0.84, 0.93), 1, INK_BLACK, 0.6)
    return image


def report_book(rng, width, height, flat):
    """An open học bạ (school report book): ruled table of marks written in blue ink, a pen across it."""
    table = rng.choice(WOODS)
    image = vertical_gradient(width, height, shade(table, 1.1), shade(table, 0.8))
    draw = ImageDraw.Draw(image)
    pages = slanted_quad(rng, width * 0.05, height * 0.08, width * 0.95, height * 0.94, 0.03)
    at = quad_mapper(pages)
    cover = rng.choice([(30, 70, 130), (120, 30, 40), (40, 100, 70)])
    draw.polygon([(x + (6 if k in (1, 2) else -6), y + (8 if k in (2, 3) else -6)) for k, (x, y) in enumerate(pages)],
                 fill=cover)
    draw.polygon(pages, fill=jitter((248, 246, 238), rng, 5))
    draw.polygon(box_on(at, 0.485, 0, 0.515, 1), fill=(215, 210, 198))  # the gutter's shadow
    text_lines(draw, at, rng, (0.06, 0.08, 0.44, 0.14), 1, INK_BLACK, 0.6, centred=True)
    for row in range(rng.randint(9, 12)):
        handwriting(draw, at, rng, 0.07, rng.uniform(0.3, 0.44), 0.22 + row * 0.06, 0.012, INK_BLUE)
    columns, rows = rng.randint(4, 6), rng.randint(10, 14)
    left, right, top, bottom = 0.55, 0.95, 0.12, 0.9
    grid = (120, 120, 130)
    for column in range(columns + 1):
        u = left + (right - left) * column / columns
        draw.line([at(u, top), at(u, bottom)], fill=grid, width=1)
    for row in range(rows + 1):
        v = top + (bottom - top) * row / rows
        draw.line([at(left, v), at(right, v)], fill=grid, width=2 if row == 1 else 1)
    cell_w, cell_h = (right - left) / columns, (bottom - top) / rows
    for row in range(1, rows):
        for column in range(columns):
            if rng.random() < 0.85:
                u = left + column * cell_w
                handwriting(draw, at, rng, u + cell_w * 0.25, u + cell_w * 0.7, top + (row + 0.5) * cell_h, 0.01,
                            INK_BLUE if column else INK_BLACK)
    pen = (rng.uniform(0.1, 0.6) * width, height * rng.uniform(0.75, 0.9))
    draw.line([pen, (pen[0] + width * 0.3, pen[1] - height * 0.12)], fill=jitter((30, 40, 110), rng, 20), width=12)
    return image


def notice_board(rng, width, height, flat):
    """The hamlet's notice board (bảng tin): a framed board with notices pinned on it, one with a red title."""
    wall = rng.choice(WALLS)
    image = vertical_gradient(width, height, jitter(wall, rng), shade(wall, 0.78))
    draw = ImageDraw.Draw(image)
    board = slanted_quad(rng, width * 0.08, height * 0.1, width * 0.92, height * 0.85, 0.02)
    draw.polygon(board, fill=(170, 170, 175))
    at = quad_mapper(board)
    surface = rng.choice([(40, 90, 60), (160, 120, 80), (30, 60, 110)])
    draw.polygon(box_on(at, 0.015, 0.02, 0.985, 0.98), fill=jitter(surface, rng, 10))
    draw.polygon(box_on(at, 0.3, 0.04, 0.7, 0.12), fill=STAMP_RED)
    text_lines(draw, at, rng, (0.34, 0.06, 0.66, 0.1), 1, (250, 240, 200), 0.9, centred=True)
    count = rng.randint(3, 6)
    for number in range(count):
        u0 = 0.05 + number * 0.9 / count + rng.uniform(0, 0.02)
        u1, v0 = u0 + 0.9 / count - 0.04, rng.uniform(0.18, 0.3)
        sheet = slanted_quad(rng, 0, 0, 1, 1, 0.04)
        corners = [at(u0 + (u1 - u0) * x, v0 + (rng.uniform(0.75, 0.92) - v0) * y) for x, y in sheet]
        draw.polygon(corners, fill=rng.choice([(250, 250, 245), (250, 240, 170), (235, 240, 250)]))
        inner = quad_mapper(corners)
        if number == 0 or rng.random() < 0.3:
            text_lines(draw, inner, rng, (0.15, 0.06, 0.85, 0.14), 1, STAMP_RED, 0.8, centred=True)
        text_lines(draw, inner, rng, (0.1, 0.2, 0.9, 0.9), rng.randint(7, 11), (70, 70, 80))
        x, y = inner(0.5, 0.02)
        draw.ellipse((x - 7, y - 7, x + 7, y + 7), fill=jitter((210, 40, 40), rng, 30))
    return image


SCENES = {"goc_hoc_tap": study_corner, "giay_chung_nhan": certificate, "hoc_ba": report_book,
          "bang_tin": notice_board}
