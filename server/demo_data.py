"""A synthetic province for the demo: areas, their boundaries and registries, made up from a fixed seed (a pure
module).

Nothing here is a real place, household or person. Codes start with 99, which no Vietnamese province
has; names say "(mẫu)" (sample). The shape is real: a province, a legacy district still named on one
commune (districts were abolished on 1 July 2025), communes, hamlets, and per hamlet about 36 households
with two adult citizens each, plus clans and units per commune.

The boundaries lie in the Red River delta around 20.45°N 106.33°E: a province of about 40 km across, and in it
the three communes side by side, each about 4 × 4 km with wavy shared borders, each cut into its three hamlets
by two wavy lines. Neighbours are built from the very same vertices, so the hamlets tile their commune exactly
(no gap, no overlap) and a geopoint falls in one hamlet only.
"""

import json
import math
import random
import uuid
from dataclasses import dataclass

from .subject_kinds import BY_CODE, CONG_DAN, DON_VI, DONG_HO, GIA_DINH, HOUSEHOLD_LINK

PROVINCE = ("99", "Tỉnh Mẫu (dữ liệu tổng hợp)")
LEGACY_DISTRICT = ("999", "Huyện Mẫu cũ (trước 1/7/2025)")
COMMUNES = [("99001", "Xã Hòa Bình (mẫu)", "xa"), ("99002", "Xã Tân Lập (mẫu)", "xa"),
            ("99003", "Phường Đông Hưng (mẫu)", "phuong")]
HAMLETS = ["Thôn Đông", "Thôn Đoài", "Thôn Trung"]
FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE_NAMES = {"nam": ["Văn", "Đức", "Minh", "Quang", "Hữu"], "nu": ["Thị", "Ngọc", "Thu", "Thanh", "Kim"]}
GIVEN_NAMES = {"nam": ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phong", "Sơn", "Tuấn"],
               "nu": ["Anh", "Bích", "Chi", "Dung", "Hà", "Hoa", "Lan", "Mai", "Nga", "Oanh", "Thảo", "Yến"]}
CITIZEN_GROUPS = ["nong_dan", "cong_nhan", "tri_thuc"]
UNITS = [("UBND {commune}", "co_quan"), ("Trường Tiểu học {commune}", "truong_hoc")]
HOUSEHOLDS_PER_HAMLET = 36


@dataclass(frozen=True)
class Entity:
    uuid: str
    label: str
    data: dict


@dataclass(frozen=True)
class Province:
    areas_csv: str
    hamlets: list  # [(code, name)]
    registries: dict  # dataset name → (property names, [Entity])
    boundaries: dict  # area code → exterior ring [[longitude, latitude], …], counter-clockwise and closed


def synthetic_province(seed=2026) -> Province:
    rng = random.Random(seed)
    rows, hamlets = ["ma,ten,cap,ma_cha,ma_huyen_cu", f"{PROVINCE[0]},{PROVINCE[1]},tinh,,",
                     f"{LEGACY_DISTRICT[0]},{LEGACY_DISTRICT[1]},huyen,{PROVINCE[0]},"], []
    households, citizens, clans, units = [], [], [], []
    for number, (commune_code, commune_name, level) in enumerate(COMMUNES):
        legacy = LEGACY_DISTRICT[0] if number == 0 else ""
        rows.append(f"{commune_code},{commune_name},{level},{PROVINCE[0]},{legacy}")
        for index, hamlet_name in enumerate(HAMLETS, start=1):
            code, name = f"{commune_code}-{index:02d}", f"{hamlet_name} – {commune_name}"
            rows.append(f"{code},{name},thon,{commune_code},")
            hamlets.append((code, name))
            for _ in range(HOUSEHOLDS_PER_HAMLET):
                household, members = make_household(rng, code, hamlet_name)
                households.append(household)
                citizens.extend(members)
        clans += [Entity(new_uuid(rng), f"Dòng họ {family} – {commune_name}",
                         {"xa": commune_code, "thon": f"{commune_code}-01" if k == 0 else ""})
                  for k, family in enumerate(rng.sample(FAMILY_NAMES, 2))]
        units += [Entity(new_uuid(rng), label.format(commune=commune_name), {"xa": commune_code, "loai": kind})
                  for label, kind in UNITS]
    registries = {BY_CODE[GIA_DINH].registry: (["thon", "chu_ho", "so_thanh_vien"], households),
                  BY_CODE[CONG_DAN].registry: (["thon", HOUSEHOLD_LINK, "nhom"], citizens),
                  BY_CODE[DONG_HO].registry: (["xa", "thon"], clans), BY_CODE[DON_VI].registry: (["xa", "loai"], units)}
    return Province("\n".join(rows) + "\n", hamlets, registries, synthetic_boundaries(seed))


def make_household(rng, hamlet_code, hamlet_name):
    """A household and its two adult citizens (a head and a spouse)."""
    family = rng.choice(FAMILY_NAMES)
    head, spouse = person(rng, family, "nam"), person(rng, rng.choice(FAMILY_NAMES), "nu")
    if rng.random() < 0.3:
        head, spouse = spouse, head
    size = rng.randint(2, 7)
    household = Entity(new_uuid(rng), f"Hộ {head} – {hamlet_name}",
                       {"thon": hamlet_code, "chu_ho": head, "so_thanh_vien": str(size)})
    members = [Entity(new_uuid(rng), name, {"thon": hamlet_code, HOUSEHOLD_LINK: household.uuid,
                                            "nhom": rng.choice(CITIZEN_GROUPS)}) for name in (head, spouse)]
    return household, members


def person(rng, family, sex):
    return f"{family} {rng.choice(MIDDLE_NAMES[sex])} {rng.choice(GIVEN_NAMES[sex])}"


def new_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# The boundaries. Lengths are worked out in kilometres on a local grid (x east, y north) whose origin is the south-west
# corner of the communes' block, then turned into degrees; vertices are rounded once, so shared ones stay equal.
CENTRE = (106.33, 20.45)  # longitude, latitude of the block's centre
KM_PER_DEGREE = (111.32 * math.cos(math.radians(CENTRE[1])), 110.57)  # east-west, north-south
COMMUNE_KM = 4.0
HAMLET_ROWS = len(HAMLETS)
STATION_KM = 0.45  # about how far apart the vertices along a commune border are


def synthetic_boundaries(seed=2026) -> dict:
    """{area code: exterior ring} for the province, its communes and their hamlets (see the module docstring)."""
    rng = random.Random(f"{seed}:boundaries")
    columns = len(COMMUNES)
    dividers = [[(row * COMMUNE_KM / HAMLET_ROWS + rng.uniform(-0.25, 0.25),
                  row * COMMUNE_KM / HAMLET_ROWS + rng.uniform(-0.25, 0.25)) for row in range(1, HAMLET_ROWS)]
                for _ in range(columns)]  # per commune: (height on its west border, on its east border)
    ends = [(rng.uniform(-0.15, 0.15), COMMUNE_KM + rng.uniform(-0.15, 0.15)) for _ in range(columns + 1)]
    borders = []
    for number in range(columns + 1):
        heights = [west for west, _ in dividers[number]] if number < columns else []
        heights += [east for _, east in dividers[number - 1]] if number > 0 else []
        borders.append(border_line(rng, number * COMMUNE_KM, ends[number], heights))
    rings = {}
    for number, (code, _, _) in enumerate(COMMUNES):
        west, east = borders[number], borders[number + 1]
        edges = [cross_line(rng, west[0], east[0])]
        edges += [cross_line(rng, point_at(west, a), point_at(east, b)) for a, b in dividers[number]]
        edges.append(cross_line(rng, west[-1], east[-1]))
        rings[code] = to_degrees(strip_ring(west, east, edges[0], edges[-1]))
        for row in range(HAMLET_ROWS):
            rings[f"{code}-{row + 1:02d}"] = to_degrees(strip_ring(west, east, edges[row], edges[row + 1]))
    rings[PROVINCE[0]] = to_degrees(province_ring(rng, columns * COMMUNE_KM))
    return rings


def border_line(rng, x, ends, heights):
    """A wavy south-north border near `x`: its vertices from `ends[0]` to `ends[1]` (heights in km), including
    one at each of `heights` (where a hamlet divider meets it)."""
    south, north = ends
    phase, wobble = rng.uniform(0, 2 * math.pi), rng.uniform(0.15, 0.3)
    stations = {round(y, 6) for y in (south, north, *heights)}
    y = south + STATION_KM * rng.uniform(0.5, 1.0)
    while y < north - 0.15:
        if all(abs(y - other) > 0.12 for other in stations):
            stations.add(round(y, 6))
        y += STATION_KM * rng.uniform(0.6, 1.4)
    return [(x + wobble * math.sin(phase + y * 1.3) + 0.08 * math.sin(phase * 2 + y * 4.1), y)
            for y in sorted(stations)]


def point_at(border, height):
    return next(point for point in border if point[1] == round(height, 6))


def cross_line(rng, start, end):
    """A wavy west-east line from `start` to `end` (both vertices of commune borders)."""
    steps = max(2, round((end[0] - start[0]) / 0.5))
    amplitude, phase = rng.uniform(0.04, 0.12), rng.uniform(0, 2 * math.pi)
    inner = [(start[0] + (end[0] - start[0]) * k / steps + rng.uniform(-0.06, 0.06),
              start[1] + (end[1] - start[1]) * k / steps + amplitude * math.sin(phase + k * 1.7))
             for k in range(1, steps)]
    return [start, *inner, end]


def strip_ring(west, east, lower, upper):
    """The ring between two west-east lines and two borders, counter-clockwise (RFC 7946), closed."""
    east_side = [point for point in east if lower[-1][1] < point[1] < upper[-1][1]]
    west_side = [point for point in west if lower[0][1] < point[1] < upper[0][1]]
    ring = [*lower, *east_side, *reversed(upper), *reversed(west_side)]
    return ring + [ring[0]]


def province_ring(rng, block_width):
    """An irregular outline about 40 km across around the communes' block."""
    centre, ring = (block_width / 2, COMMUNE_KM / 2), []
    for step in range(24):
        angle = 2 * math.pi * step / 24
        radius = 20 + 3 * math.sin(angle * 2 + 0.7) + rng.uniform(-1.2, 1.2)
        ring.append((centre[0] + radius * math.cos(angle), centre[1] + radius * 0.85 * math.sin(angle)))
    return ring + [ring[0]]


def to_degrees(ring):
    """Local kilometres → [longitude, latitude], rounded to 6 decimals (about 0.1 m)."""
    west = CENTRE[0] - len(COMMUNES) * COMMUNE_KM / 2 / KM_PER_DEGREE[0]
    south = CENTRE[1] - COMMUNE_KM / 2 / KM_PER_DEGREE[1]
    return [[round(west + x / KM_PER_DEGREE[0], 6), round(south + y / KM_PER_DEGREE[1], 6)] for x, y in ring]


def boundaries_geojson(province: Province) -> str:
    """The boundaries as a GeoJSON FeatureCollection, each feature naming its area in `code` (areas/geojson.py)."""
    names = {code: name for code, name in [PROVINCE] + [(code, name) for code, name, _ in COMMUNES] + province.hamlets}
    features = [{"type": "Feature", "properties": {"code": code, "ten": names[code]},
                 "geometry": {"type": "Polygon", "coordinates": [ring]}} for code, ring in province.boundaries.items()]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
