"""Criteria rules: read from a workbook's `scoring` and `recognition` sheets, checked, and evaluated. Pure.

    rules = read_rules(workbook_bytes, file_type="xlsx", field_types={"so_nguoi_lon": "int", …})
    score = Scorer(rules).score(answers, rollups)

The pipeline, one module a step (docs/xlsform-scoring.md is the designer's guide to the format):
  workbook.py            the two sheets out of an .xlsx or .xls file, as Tables of text
  rows.py                one row's cells read into values, every problem collected (Context, RulesError)
  recognition_sheet.py   the `recognition` sheet: kind, style, total, bands, levels, requirements
  criteria_sheet.py      the `scoring` sheet: criteria and their indicators
  reader.py              both sheets checked against each other into one RuleSet (ruleset.py: plain data)
  syntax.py              the expression language: tokens, AST, parser (bounded)
  expressions.py         expressions compiled to closures, over xpath.py (XPath 1.0 conversions)
  engine.py              a subject's answers scored under a RuleSet: points, result, reasons
"""

from collections.abc import Mapping

from .engine import Reason, Score, Scorer, explain_score, score_subject
from .reader import rules_of_sheets
from .rows import Problem, RulesError
from .ruleset import RuleSet
from .workbook import read_scoring_sheets

__all__ = ["Problem", "Reason", "RuleSet", "RulesError", "Score", "Scorer", "explain_score", "read_rules",
           "score_subject"]


def read_rules(workbook: bytes, *, file_type: str = "xlsx", field_types: Mapping[str, str]) -> RuleSet | None:
    """The checked rule set of an .xlsx or .xls workbook, or None when it has no scoring sheets.

    `field_types` maps the survey's field names (the last step of each bind's path) to their XForm types.
    :raise RulesError: listing every problem found (sheet, spreadsheet row, column, message).
    """
    sheets = read_scoring_sheets(workbook, file_type)
    return rules_of_sheets(sheets, field_names=field_types.keys(), field_types=field_types)
