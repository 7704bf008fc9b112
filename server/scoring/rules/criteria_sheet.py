"""The `scoring` sheet: criteria and their indicators (docs/xlsform-scoring.md). A pure module.

A row with `criterion` set and `indicator` empty opens a criterion; rows with `indicator` set belong to
the criterion opened last. Problems are reported to the Context; the criteria read are returned anyway.
"""

from .rows import Context, Row, Table, check_headers
from .ruleset import Criterion, Indicator
from .xpath import number_to_string

SHEET = "scoring"
INDICATOR_ONLY = ("condition", "score", "mandatory", "level", "evidence")


def read_criteria(table: Table, context: Context, style: str | None) -> list[Criterion]:
    """The criteria of the scoring sheet, checked for `style` (points, levels, or None when unknown)."""
    required = ["criterion", "indicator", "label", "status"]
    required += {"points": ["points"], "levels": ["level"]}.get(style, [])
    headers = check_headers(SHEET, table, required, context)
    if "condition" not in headers and "score" not in headers:
        context.report(SHEET, 1, "condition", "the column is missing (each indicator needs a condition or a score)")
    reader = _Reader(style)
    for number, cells in table.rows:
        reader.read(Row(SHEET, number, cells, context))
    criteria = reader.criteria()
    if not criteria:
        context.report(SHEET, None, "criterion", "the sheet has no criterion rows")
    return criteria


class _Reader:
    def __init__(self, style):
        self.style = style
        self.opened = []  # [(criterion Row, points, (status, note), [Indicator, …]), …]
        self.indicator_rows = {}  # code → row number

    def read(self, row):
        if row.text("indicator"):
            self.read_indicator(row)
        elif row.text("criterion"):
            self.read_criterion(row)
        else:
            row.report("criterion", "the row has neither a criterion nor an indicator code")

    def read_criterion(self, row):
        code = row.text("criterion")
        for other, *_ in self.opened:
            if other.text("criterion") == code:
                row.report("criterion", f"the criterion {code} is declared twice (first on row {other.number})")
        for column in INDICATOR_ONLY:
            if row.text(column):
                row.report(column, f"{column} belongs on the indicator rows, not on the criterion row")
        _label(row)
        points = row.non_negative("points", required=self.style == "points")
        self.opened.append((row, points, row.status(), []))

    def read_indicator(self, row):
        code = row.text("indicator")
        if not self.opened:
            row.report("indicator", f"the indicator {code} comes before any criterion row")
            return
        criterion = self.opened[-1][0].text("criterion")
        if row.text("criterion") not in ("", criterion):
            row.report("criterion", f"the indicator {code} follows criterion {criterion}, not "
                                    f"{row.text('criterion')}: leave the cell empty or write {criterion}")
        if code in self.indicator_rows:
            first = self.indicator_rows[code]
            row.report("indicator", f"the indicator {code} is declared twice (first on row {first})")
        self.indicator_rows.setdefault(code, row.number)
        self.opened[-1][-1].append(self.indicator(row, criterion))

    def indicator(self, row, criterion):
        points = row.non_negative("points", required=self.style == "points")
        condition, score = _condition_or_score(row, points)
        status, note = row.status()
        return Indicator(row.text("indicator"), criterion, _label(row), points, condition, score,
                         bool(row.yes_no("mandatory", default=False)), self.level(row), _evidence(row),
                         _reasons(row), row.text("source"), status, note, row.number)

    def level(self, row):
        text = row.text("level")
        if text in ("1", "2", "3"):
            return int(text)
        if text or (self.style == "levels" and row.has_column("level")):
            row.report("level", f"the level must be 1, 2 or 3, not '{text}'" if text else
                                "the levels style needs a level (1, 2 or 3) on every indicator")
        return None

    def criteria(self):
        criteria = []
        for row, points, (status, note), indicators in self.opened:
            if not indicators:
                row.report("criterion", f"the criterion {row.text('criterion')} has no indicator rows")
            if self.style == "points":
                _check_sum(row, points, indicators)
            criteria.append(Criterion(row.text("criterion"), row.translations("label"), points, tuple(indicators),
                                      row.text("source"), status, note, row.number))
        return criteria


def _label(row):
    labels = row.translations("label")
    if not labels and row.has_column("label"):
        row.report("label", "a label is required")
    return labels


def _condition_or_score(row, points):
    has_condition, has_score = bool(row.text("condition")), bool(row.text("score"))
    if not has_condition and not has_score and not (row.has_column("condition") or row.has_column("score")):
        return None, None
    if has_condition == has_score:
        row.report("score" if has_condition else "condition",
                   "write either a condition or a score, not both" if has_condition
                   else "the indicator needs a condition (or a score)")
        return None, None
    if has_score and points is None and not row.text("points"):
        row.report("points", "an indicator with a score needs points: the most it can earn")
    if has_condition:
        return row.expression("condition", "boolean"), None
    return None, row.expression("score", "number")


def _evidence(row):
    names = tuple(row.text("evidence").split())
    for name in names:
        if name not in row.context.field_names:
            row.report("evidence", f"'{name}' is not a field of the survey (write field names without ${{}}, "
                                   f"separated by spaces)")
    return names


def _reasons(row):
    for header in row.cells:
        if header == "reason" or header.startswith("reason::"):
            row.placeholders(header)
    return row.translations("reason")


def _check_sum(row, points, indicators):
    known = [indicator.points for indicator in indicators]
    if points is None or not known or None in known:
        return
    total = sum(known)
    if abs(total - points) > 1e-9:
        row.report("points", f"the criterion {row.text('criterion')} is worth {number_to_string(points)} points "
                             f"but its indicators add up to {number_to_string(total)}")
