"""A synthetic province for the demo: areas and registries, made up from a fixed seed (a pure module).

Nothing here is a real place, household or person. Codes start with 99, which no Vietnamese province
has; names say "(mẫu)" (sample). The shape is real: a province, a legacy district still named on one
commune (districts were abolished on 1 July 2025), communes, hamlets, and per hamlet about 36 households
with two adult citizens each, plus clans and units per commune.
"""

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
    return Province("\n".join(rows) + "\n", hamlets, registries)


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
