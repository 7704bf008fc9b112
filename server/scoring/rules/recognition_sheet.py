"""The `recognition` sheet: what the points or levels mean (docs/xlsform-scoring.md). A pure module.

One declaration per row, by `type`: model, ruleset, style, total, subject, area, period (each at most
once), then any number of band (points style), level (levels style) and require rows. Problems are
reported to the Context; the values read are returned even when some are missing, so that the
`scoring` sheet can still be checked against what is known.
"""

from dataclasses import dataclass, field

from ...subject_kinds import CODES, members_of
from .rows import Context, Row, Table, check_headers
from .ruleset import STYLES, Band, Level, Requirement
from .xpath import number_to_string

SHEET = "recognition"
SINGLE = ("model", "ruleset", "style", "total", "subject", "area", "period")
REQUIRED = ("model", "ruleset", "style", "subject")
REQUIRED_COLUMNS = ("type", "name", "value")
TYPES = SINGLE + ("band", "level", "require")


@dataclass
class Declarations:
    single: dict = field(default_factory=dict)  # type → its Row
    kind: str | None = None
    style: str | None = None
    total: float | None = None
    bands: list = field(default_factory=list)
    levels: list = field(default_factory=list)
    requirements: list = field(default_factory=list)

    def row_of(self, kind: str) -> int | None:
        row = self.single.get(kind)
        return row.number if row else None


def read_recognition(table: Table, context: Context) -> Declarations:
    """Read the recognition sheet; problems go to `context` (whose `members` it sets from the kind its model row
    declares)."""
    headers = check_headers(SHEET, table, REQUIRED_COLUMNS, context)
    if not set(REQUIRED_COLUMNS) <= headers:
        return Declarations()  # every row depends on these three columns: the header problem says it all
    rows = [Row(SHEET, number, cells, context) for number, cells in table.rows]
    declared = Declarations(single=_single_rows(rows, context))
    declared.kind = _choice(declared.single.get("model"), CODES, "model")
    declared.style = _choice(declared.single.get("style"), STYLES, "style")
    context.members = members_of(declared.kind) if declared.kind else None
    declared.total = _total(declared.single.get("total"), declared.style, context)
    for row in rows:
        _read_multiple(row, declared)
    _check_declared(declared, context)
    return declared


def _single_rows(rows, context):
    single = {}
    for row in rows:
        kind = row.text("type").lower()
        if kind not in TYPES:
            row.report("type", f"'{row.text('type')}' is not a type; the types are {', '.join(TYPES)}" if kind
                       else "the type is missing")
        elif kind in SINGLE and kind in single:
            row.report("type", f"'{kind}' is declared twice (first on row {single[kind].number})")
        elif kind in SINGLE:
            single[kind] = row
    for kind in REQUIRED:
        if kind not in single:
            context.report(SHEET, None, "type", f"no '{kind}' row: the sheet must declare the {kind}")
    return single


def _choice(row, allowed, kind):
    if row is None:
        return None
    value = row.text("value").lower()
    if value not in allowed:
        row.report("value", f"'{row.text('value')}' is not a {kind}; write one of {', '.join(allowed)}")
        return None
    return value


def _total(row, style, context):
    if row is None:
        if style == "points":
            context.report(SHEET, None, "type", "no 'total' row: the points style needs the declared total")
        return None
    total = row.non_negative("value", required=True)
    if total == 0:
        row.report("value", "the total must be more than 0")
    return total or None


def _read_multiple(row, declared):
    kind = row.text("type").lower()
    if kind == "band" and _is_style(row, declared, "points"):
        declared.bands.append(_band(row, declared))
    elif kind == "level" and _is_style(row, declared, "levels"):
        declared.levels.append(_level(row, declared))
    elif kind == "require":
        declared.requirements.append(_requirement(row))
    elif kind == "ruleset":
        _ruleset(row)
    elif kind in ("subject", "area", "period"):
        row.field_reference("value")


def _is_style(row, declared, style):
    if declared.style not in (None, style):
        row.report("type", f"{row.text('type').lower()} rows belong to the {style} style; this rule set's "
                           f"style is {declared.style}")
        return False
    return True


def _ruleset(row):
    value = row.text("value")
    if not value or len(value) > 100 or any(char.isspace() for char in value):
        row.report("value", "the rule set needs an id without spaces (at most 100 characters), e.g. tt22-2020")
    row.status(required=False)


def _named(row, declared_items):
    name = row.text("name")
    if not name:
        row.report("name", "a name (a short code such as tot or muc_1) is required")
    for other in declared_items:
        if name and other.name == name:
            row.report("name", f"the name '{name}' is used twice (first on row {other.row})")
    return name


def _band(row, declared):
    name = _named(row, declared.bands)
    threshold = row.non_negative("value")
    if threshold is None and not row.text("value"):
        row.report("value", "a band needs its threshold: the minimum total, e.g. 85")
    for other in declared.bands:
        if threshold is not None and other.threshold == threshold:
            row.report("value", f"the threshold {number_to_string(threshold)} is used twice "
                                f"(first on row {other.row})")
    if threshold is not None and declared.total is not None and threshold > declared.total:
        row.report("value", f"the threshold {number_to_string(threshold)} is more than the total "
                            f"{number_to_string(declared.total)}, so no subject can reach it")
    status, note = row.status(required=False)
    return Band(name, row.translations("label"), threshold, row.yes_no("recognised"), row.text("source"),
                status, note, row.number)


def _level(row, declared):
    name = _named(row, declared.levels)
    value = row.text("value")
    level = int(value) if value in ("1", "2", "3") else None
    if level is None:
        row.report("value", f"the level must be 1, 2 or 3, not '{value}'" if value else "the level (1, 2 or 3) "
                                                                                       "is required")
    for other in declared.levels:
        if level is not None and other.level == level:
            row.report("value", f"level {level} is declared twice (first on row {other.row})")
    status, note = row.status(required=False)
    return Level(name, row.translations("label"), level, row.yes_no("recognised"), row.text("source"),
                 status, note, row.number)


def _requirement(row):
    condition = None
    if not row.text("condition"):
        row.report("condition", "a require row needs a condition, e.g. share_recognised('gia_dinh') >= 0.7")
    else:
        condition = row.expression("condition", "boolean")
    status, note = row.status(required=False)
    return Requirement(row.text("name"), condition, row.text("applies_to") or None, row.translations("label"),
                       row.text("source"), status, note, row.number)


def _check_declared(declared, context):
    """Bands or levels present for the style; applies_to names one of them."""
    if declared.style == "points" and not declared.bands:
        context.report(SHEET, None, "type", "the points style needs at least one band row")
    if declared.style == "levels" and not declared.levels:
        context.report(SHEET, None, "type", "the levels style needs at least one level row")
    names = [item.name for item in declared.bands + declared.levels]
    kinds = {"points": "band", "levels": "level"}.get(declared.style, "band or level")
    for requirement in declared.requirements:
        if requirement.applies_to is not None and requirement.applies_to not in names:
            context.report(SHEET, requirement.row, "applies_to",
                           f"'{requirement.applies_to}' is not the name of a {kinds} on this sheet")
