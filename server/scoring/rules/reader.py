"""A workbook's scoring sheets as a checked RuleSet, or one RulesError listing every problem. A pure module.

    rules = rules_of_sheets(read_scoring_sheets(data, "xlsx"), field_names={"thon", "ho", …})

Everything the format (docs/xlsform-scoring.md) says is checked before a form is accepted, so that the
engine can trust a RuleSet: fields exist, expressions parse, points add up, bands and levels are
consistent, every rule says whether it is official or provisional.
"""

from collections.abc import Iterable, Mapping

from .criteria_sheet import read_criteria
from .recognition_sheet import read_recognition
from .rows import Context, Problem, RulesError, Table
from .ruleset import Band, Criterion, Indicator, Level, Requirement, RuleSet
from .xpath import number_to_string

__all__ = ["Band", "Criterion", "Indicator", "Level", "Problem", "Requirement", "RuleSet", "RulesError",
           "Table", "rules_of_sheets"]

SHEETS = ("scoring", "recognition")


def rules_of_sheets(sheets: Mapping[str, Table], field_names: Iterable[str],
                    field_types: Mapping[str, str] | None = None) -> RuleSet | None:
    """The rule set of a workbook, or None when it has neither a scoring nor a recognition sheet.

    `sheets` maps sheet names (any case) to Tables; `field_names` are the survey's field names (the last
    step of each bind's path) and `field_types` optionally their XForm types.
    :raise RulesError: with every problem found (sheet, spreadsheet row, column, message).
    """
    tables = {str(name).strip().lower(): table for name, table in sheets.items()}
    present = [name for name in SHEETS if name in tables]
    if not present:
        return None
    if len(present) == 1:
        missing = next(name for name in SHEETS if name not in present)
        raise RulesError([Problem(missing, None, None, f"the workbook has a '{present[0]}' sheet but no "
                                                       f"'{missing}' sheet: a criteria workbook needs both")])
    context = Context(frozenset(field_names), dict(field_types) if field_types is not None else None)
    declared = read_recognition(tables["recognition"], context)
    criteria = read_criteria(tables["scoring"], context, declared.style)
    _check_total(criteria, declared, context)
    _check_levels(criteria, declared, context)
    if context.problems:
        raise RulesError(context.problems)
    return _rule_set(declared, criteria)


def _check_total(criteria, declared, context):
    """Points style: the criteria's points add up to the declared total."""
    points = [criterion.points for criterion in criteria]
    if declared.style != "points" or declared.total is None or not points or None in points:
        return
    if abs(sum(points) - declared.total) > 1e-9:
        context.report("recognition", declared.row_of("total"), "value",
                       f"the criteria on the scoring sheet add up to {number_to_string(sum(points))} points, "
                       f"but the total is {number_to_string(declared.total)}")


def _check_levels(criteria, declared, context):
    """Levels style: every indicator's level is declared by a level row."""
    declared_levels = {level.level for level in declared.levels}
    if declared.style != "levels" or not declared_levels or None in declared_levels:
        return  # no level rows, or a broken one: reported already
    declared_levels = sorted(declared_levels)
    for criterion in criteria:
        for indicator in criterion.indicators:
            if indicator.level is not None and indicator.level not in declared_levels:
                context.report("scoring", indicator.row, "level",
                               f"level {indicator.level} is not declared on the recognition sheet (declared: "
                               f"{', '.join(map(str, declared_levels))})")


def _rule_set(declared, criteria):
    def field_of(kind):
        row = declared.single.get(kind)
        return row.text("value")[2:-1] if row else None

    ruleset = declared.single["ruleset"]
    return RuleSet(
        id=ruleset.text("value"), kind=declared.kind, style=declared.style, total=declared.total,
        subject_field=field_of("subject"), area_field=field_of("area"), period_field=field_of("period"),
        criteria=tuple(criteria), bands=tuple(sorted(declared.bands, key=lambda band: band.threshold)),
        levels=tuple(sorted(declared.levels, key=lambda level: level.level)),
        requirements=tuple(declared.requirements), label=ruleset.translations("label"),
        source=ruleset.text("source"), status=ruleset.text("status").lower(), note=ruleset.text("note"))
