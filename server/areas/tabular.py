"""Area lists as tables: reading import rows, checking them, writing exports and the `thon.csv` list (pure).

Import columns (header case, accents and spaces do not matter; Vietnamese or English):

| meaning                 | accepted headers                                             |
|-------------------------|--------------------------------------------------------------|
| code (required)         | `ma`, `ma_dvhc`, `code`                                      |
| name (required)         | `ten`, `ten_dvhc`, `name`                                    |
| level (required)        | `cap`, `level`                                               |
| parent code             | `ma_cha`, `ma_cap_tren`, `parent_code`, `parent`             |
| legacy district code    | `ma_huyen_cu`, `huyen_cu`, `legacy_district_code`            |
| valid from / to         | `hieu_luc_tu` / `hieu_luc_den`, `valid_from` / `valid_to`    |

Levels: province (`tinh`), district (`huyen`, `quan`, `thi_xa`), commune (`xa`, `phuong`, `thi_tran`,
`dac_khu`), hamlet (`thon`, `ap`, `ban`, `lang`, `xom`, `to_dan_pho`, `khu_pho`…); `thanh_pho` is a
province without a parent code and a (legacy) district with one. Other columns are ignored and reported.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..tables import header_key, problem, write_csv

COLUMNS = {
    "code": ("code", "ma", "ma_dvhc", "ma_don_vi", "area_code"),
    "name": ("name", "ten", "ten_dvhc", "ten_don_vi", "area_name"),
    "level": ("level", "cap", "cap_hanh_chinh"),
    "parent_code": ("parent_code", "parent", "ma_cha", "ma_cap_tren"),
    "legacy_district_code": ("legacy_district_code", "legacy_district", "ma_huyen_cu", "huyen_cu"),
    "valid_from": ("valid_from", "hieu_luc_tu", "tu_ngay"),
    "valid_to": ("valid_to", "hieu_luc_den", "den_ngay"),
}
HEADER_TO_COLUMN = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
LEVEL_WORDS = {
    "province": ("province", "tinh", "thanh_pho_trung_uong", "thanh_pho_truc_thuoc_trung_uong"),
    "district": ("district", "huyen", "quan", "thi_xa"),
    "commune": ("commune", "ward", "xa", "phuong", "thi_tran", "dac_khu"),
    "hamlet": ("hamlet", "village", "thon", "ap", "ban", "lang", "xom", "buon", "soc", "khom", "to",
               "to_dan_pho", "khu_pho", "khu", "to_dan_cu"),
}
WORD_TO_LEVEL = {word: level for level, words in LEVEL_WORDS.items() for word in words}
RANK = {"province": 0, "district": 1, "commune": 2, "hamlet": 3}
# Digit-only national codes lose their leading zeros in a number cell; these widths put them back.
CODE_WIDTH = {"province": 2, "district": 3, "commune": 5}
# Which levels a parent (or legacy district) of each level may be.
PARENT_LEVELS = {"province": (), "district": ("province",), "commune": ("province", "district"), "hamlet": ("commune",)}
EXPORT_HEADERS = ["ma", "ten", "cap", "ma_cha", "ma_huyen_cu", "hieu_luc_tu", "hieu_luc_den"]


@dataclass
class AreaRow:
    row: int
    code: str
    name: str
    level: str
    parent_code: str
    legacy_district_code: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None


def column_map(headers: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """({header: column}, [ignored headers]) for a table's normalised headers."""
    mapped = {header: HEADER_TO_COLUMN[header] for header in headers if header in HEADER_TO_COLUMN}
    return mapped, [header for header in headers if header not in mapped]


def missing_columns(headers: Sequence[str]) -> list[str]:
    present = set(column_map(headers)[0].values())
    return [f"{column} ({' / '.join(COLUMNS[column][:3])})" for column in ("code", "name", "level")
            if column not in present]


def parse_rows(table_rows: Iterable[tuple[int, Mapping[str, str]]],
               headers: Sequence[str]) -> tuple[list[AreaRow], list[dict]]:
    """(AreaRow list, problems) from (row number, {header: text}) pairs; a problem is {row, column, message}."""
    mapping = column_map(headers)[0]
    rows, problems, seen = [], [], {}
    for number, cells in table_rows:
        values = {column: cells.get(header, "") for header, column in mapping.items()}
        row, row_problems = parse_row(number, values)
        if row is not None and row.code in seen:
            row_problems.append(problem(number, "code", f"the code {row.code!r} is already on row {seen[row.code]}."))
        problems.extend(row_problems)
        if row is not None and not row_problems:
            seen[row.code] = number
            rows.append(row)
    return rows, problems


def parse_row(number: int, values: Mapping[str, str]) -> tuple[AreaRow | None, list[dict]]:
    problems = []
    level = parse_level(values.get("level", ""), bool(values.get("parent_code")))
    if level is None:
        problems.append(problem(number, "level", f"{values.get('level', '')!r} is not a level; use tinh, xa, thon "
                                                 "(or province, district, commune, hamlet)."))
    for column in ("code", "name"):
        if not values.get(column):
            problems.append(problem(number, column, f"the {column} is empty."))
    dates = {}
    for column in ("valid_from", "valid_to"):
        dates[column] = parse_date(values.get(column, ""))
        if dates[column] is False:
            problems.append(problem(number, column, f"{values[column]!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)."))
    if problems:
        return None, problems
    if dates["valid_from"] and dates["valid_to"] and dates["valid_from"] > dates["valid_to"]:
        return None, [problem(number, "valid_to", "the validity ends before it starts.")]
    return AreaRow(number, pad_code(values["code"], level), values["name"], level, values.get("parent_code", ""),
                   values.get("legacy_district_code", ""), dates["valid_from"], dates["valid_to"]), []


def parse_level(text: str, has_parent: bool) -> str | None:
    key = header_key(text)
    if key == "thanh_pho":  # a province-level city has no parent; a (legacy) district-level city has one
        return "district" if has_parent else "province"
    return WORD_TO_LEVEL.get(key)


def parse_date(text: str) -> datetime.date | bool | None:
    """A date, None for empty, False when unreadable."""
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return False


def pad_code(code: str, level: str) -> str:
    width = CODE_WIDTH.get(level)
    return code.zfill(width) if width and code.isdigit() else code


def code_candidates(code: str, levels: Iterable[str]) -> list[str]:
    """The codes `code` may stand for as an area of one of `levels` (zero-padding lost leading zeros)."""
    candidates = [code]
    for level in levels:
        padded = pad_code(code, level)
        if padded not in candidates:
            candidates.append(padded)
    return candidates



def export_csv(areas: Iterable[Mapping]) -> bytes:
    """The area list as CSV in the import's own columns (re-importable), safe to open in Excel.

    `areas`: dicts with code, name, level, parent_code, legacy_district_code, valid_from, valid_to.
    """
    rows = ([area["code"], area["name"], area["level"], area["parent_code"] or "", area["legacy_district_code"] or "",
             iso(area["valid_from"]), iso(area["valid_to"])] for area in areas)
    return write_csv(EXPORT_HEADERS, rows, formula_safe=True, bom=True)


def iso(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def hamlet_list_csv(hamlets: Iterable[tuple]) -> bytes:
    """`thon.csv` as forms read it (coord/scoring-format.md): name = hamlet code, label, xa, huyen.

    `hamlets`: (code, name, commune code, legacy district code or None) tuples. Values go out unaltered
    (no formula escaping): Collect compares them with choice_filter, and no spreadsheet runs them.
    """
    rows = ([code, name, commune or "", district or ""] for code, name, commune, district in hamlets)
    return write_csv(["name", "label", "xa", "huyen"], rows, formula_safe=False)
