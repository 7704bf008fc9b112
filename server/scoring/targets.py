"""Plan targets (the provinces' plans: "by 2025, 70% of households are Gia đình học tập") and progress
against them. A pure module over Tables and plain rows.

A target file has the columns of shared/data/plan-targets.csv: plan, area, area_level, year, indicator,
population, target_percent, comparison, and optionally source_seed and area_code. Indicators: GDHT, DHHT,
CDHT_COMMUNITY, DVHT (recognised households, clans, hamlets, units) and CITIZEN… (learning citizens, as a
share of some population).

Progress compares a target with the results that count in its area and year. The actual share is the
recognised share of the subjects EVALUATED there (the registries do not yet say how many households an
area has). A CITIZEN target over the people of recognised households, clans, hamlets or units ("40% of the
people in Gia đình học tập are Công dân học tập") counts the citizens evaluated who belong to one of them
(CITIZEN_GROUPS; member_rollups.py says who belongs where); workers, adults and staff are taken to be the citizens
evaluated, since the registries do not tell them apart, and the row says so. Targets over a population the
results cannot give (digital-skill shares…) are listed with no actual and say so, as are areas with no results.
"""

from typing import NamedTuple

from ..subject_kinds import CONG_DAN, CONG_DONG, DON_VI, DONG_HO, GIA_DINH, by_target_indicator
from ..tables import Table, problem

COLUMNS = ("plan", "area", "area_level", "year", "indicator", "population", "target_percent", "comparison")
COMPARISONS = (">=", ">", "=")
AREA_LEVELS = {"province": "province", "tinh": "province", "district": "district", "huyen": "district",
               "city": "district", "thanh_pho": "district", "town": "district", "commune": "commune", "xa": "commune",
               "ward": "commune", "phuong": "commune", "hamlet": "hamlet", "thon": "hamlet"}
# a CITIZEN target's population → the kinds whose recognised subjects its people belong to
CITIZEN_GROUPS = {"people_in_gdht": (GIA_DINH,), "people_in_dhht": (DONG_HO,), "people_in_cdht": (CONG_DONG,),
                  "people_in_dvht": (DON_VI,), "staff_in_dvht": (DON_VI,),
                  "workers_in_gdht_cdht": (GIA_DINH, CONG_DONG),
                  "workers_in_gdht_dhht_cdht": (GIA_DINH, DONG_HO, CONG_DONG),
                  "adults_in_gdht_dhht_cdht": (GIA_DINH, DONG_HO, CONG_DONG)}
TAKEN_AS_CITIZENS = ("workers_", "adults_", "staff_")


def counted_as(target: "Target") -> tuple[str, tuple] | None:
    """(kind, groups) whose results give the target's actual share: groups () for the subjects themselves (the
    kind whose target_indicator and target_population it has: subject_kinds.py), or the kinds whose recognised
    members the share is among (CITIZEN_GROUPS); None when none can."""
    kind = by_target_indicator(target.indicator)
    if kind is not None and target.population == kind.target_population:
        return kind.code, ()
    if kind is not None and kind.code == CONG_DAN and target.population in CITIZEN_GROUPS:
        return CONG_DAN, CITIZEN_GROUPS[target.population]
    return None


class Target(NamedTuple):
    plan: str
    area: str  # the area's name as the plan writes it
    area_level: str  # province, district (cities too), commune, hamlet
    area_code: str | None
    year: int
    indicator: str
    population: str
    target_percent: float
    comparison: str
    source: str


class Progress(NamedTuple):
    target: Target
    evaluated: int | None  # subjects whose results count, in the area and year (None: not computable)
    recognised: int | None
    actual_percent: float | None
    gap: float | None  # actual − target, in percentage points
    met: bool | None
    note: str | None  # why there is no actual figure, or how it was counted


def read_targets(table: Table) -> tuple[list[Target], list[dict]]:
    """(targets, problems) from a Table (server/tables/); problems as {row, column, message}."""
    missing = [column for column in COLUMNS if column not in table.headers]
    if missing:
        return [], [problem(1, None, f"missing column(s): {', '.join(missing)}")]
    targets, problems = [], []
    for number, row in table.rows:
        found = _row_problems(number, row)
        if found:
            problems += found
            continue
        targets.append(Target(row["plan"].strip(), row["area"].strip(), AREA_LEVELS[row["area_level"].strip().lower()],
                              row.get("area_code", "").strip() or None, int(_number(row["year"])),
                              row["indicator"].strip().upper(), row["population"].strip(),
                              _number(row["target_percent"]), row["comparison"].strip(),
                              row.get("source_seed", row.get("source", "")).strip()))
    return targets, problems


def _row_problems(number, row):
    found = [problem(number, column, "required") for column in COLUMNS if not row.get(column, "").strip()]
    level, year, percent = row.get("area_level", "").strip().lower(), _number(row.get("year")), _number(
        row.get("target_percent"))
    if level and level not in AREA_LEVELS:
        found.append(problem(number, "area_level", f"unknown level {row['area_level']!r}"))
    if row.get("year") and (year is None or not year.is_integer() or not 2000 <= year <= 2100):
        found.append(problem(number, "year", f"not a year: {row['year']!r}"))
    if row.get("target_percent") and (percent is None or not 0 <= percent <= 100):
        found.append(problem(number, "target_percent", f"not a percentage from 0 to 100: {row['target_percent']!r}"))
    if row.get("comparison") and row["comparison"].strip() not in COMPARISONS:
        found.append(problem(number, "comparison", f"expected one of {' '.join(COMPARISONS)}"))
    return found


def progress(target: Target, counts: tuple[int, int] | None) -> Progress:
    """Progress of one target; `counts` is (evaluated, recognised) of its kind in its area and year, or None
    when its area is not in the tree."""
    what = counted_as(target)
    if what is None:
        return Progress(target, None, None, None, None, None,
                        f"the results do not give the share of {target.population} for {target.indicator}")
    if counts is None:
        return Progress(target, None, None, None, None, None, "the area is not in the administrative tree")
    evaluated, recognised = counts
    if not evaluated:
        return Progress(target, 0, 0, None, None, None, "no results in this area and year")
    actual = round(100 * recognised / evaluated, 2)
    met = {">=": actual >= target.target_percent, ">": actual > target.target_percent,
           "=": actual == target.target_percent}[target.comparison]
    note = (f"{target.population.split('_')[0]} taken as the citizens evaluated"
            if target.population.startswith(TAKEN_AS_CITIZENS) else None)
    return Progress(target, evaluated, recognised, actual, round(actual - target.target_percent, 2), met, note)


def _number(text):
    try:
        return float((text or "").strip().replace(",", "."))
    except ValueError:
        return None
