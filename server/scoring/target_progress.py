"""Plan targets kept per project, and progress against them from the results that count (targets.py has
the pure part)."""

from .. import errors
from ..extensions import db
from . import queries
from .area_totals import counts_by_area
from .models import PlanTarget
from .results import citizens_in_recognised, outcomes_by_area
from .targets import Target, counted_as, progress, read_targets


def import_targets(project_id, table):
    """Create or update the project's plan targets from a Table, keyed by plan, area, year, indicator and
    population; {created, updated, unchanged}. :raise 400.54: with every problem (nothing is stored)."""
    targets, problems = read_targets(table)
    if problems:
        raise errors.table_problems(problems, "target table")
    existing = {_target_key(row): row for row in queries.list_targets(project_id)}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for target in targets:
        values = {"area_level": target.area_level, "area_code": target.area_code,
                  "target_percent": target.target_percent, "comparison": target.comparison, "source": target.source}
        row = existing.get(_target_key(target))
        if row is None:
            row = existing[_target_key(target)] = PlanTarget(
                project_id=project_id, plan=target.plan, area=target.area, year=target.year,
                indicator=target.indicator, population=target.population, **values)
            db.session.add(row)
            counts["created"] += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    db.session.flush()
    return counts


def _target_key(target):
    return target.plan, target.area, target.year, target.indicator, target.population


def target_progress(project_id, year=None, within=None):
    """Progress of every target of the project (of `year`), against the results that count in its area:
    the area is the file's area_code, else the area of that level and name in the tree. Only the targets of
    areas in `within` (a set of area codes) when given."""
    areas = queries.list_area_rows()
    codes = {area.code for area in areas}
    by_name = {(area.level, _plain_name(area.name)): area.code for area in areas}
    rows, counts = [], {}  # counts: (year, groups) -> {(area code, kind): (evaluated, recognised)}
    for target in queries.list_targets(project_id, year):
        code = target.area_code or by_name.get((target.area_level, _plain_name(target.area)))
        if within is not None and code not in within:
            continue
        kind, groups = counted_as(target) or (None, ())
        if (target.year, groups) not in counts:
            counts[target.year, groups] = counts_by_area(
                citizens_in_recognised(project_id, target.year, groups) if groups
                else outcomes_by_area(project_id, target.year), areas)
        found = counts[target.year, groups].get((code, kind), (0, 0)) if code in codes else None
        rows.append(progress(_as_target(target, code), found))
    return rows


def _as_target(row, code):
    return Target(row.plan, row.area, row.area_level, code, row.year, row.indicator, row.population,
                  row.target_percent, row.comparison, row.source)


def _plain_name(name):
    """'Tỉnh Thái Bình' and 'Thái Bình' alike: lower case, without the administrative prefix."""
    name = " ".join(name.lower().split())
    for prefix in ("tỉnh ", "thành phố ", "huyện ", "thị xã ", "quận ", "xã ", "phường ", "thị trấn ", "thôn ",
                   "tổ dân phố ", "ấp ", "bản "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name
