"""The scoring engine: one subject's answers, scored under its form version's rule set. A pure module.

    score = score_subject(rules, {"so_nguoi_lon": "3", "so_biet_chu": "2", …}, rollups={("share_recognised", "gia_dinh"): 0.8})

`values` maps survey field names to the submitted text ('' or absent = unanswered), `rollups` maps
(function, model) to what the roll-up step computed over the subject's members (absent = no data = NaN,
and every comparison with NaN is false: docs/xlsform-scoring.md §6–7).

Semantics (docs/xlsform-scoring.md §2–5):
- An indicator with a `condition` is met, and earns all its points, when the condition is true. One with a
  `score` earns the score clamped to 0…points (an unanswered score earns 0) and is met only with all of them.
- Points style: the total is the sum of earned points; the result is the highest band whose threshold is at
  most the total and whose `require` rows (applies_to = that band) hold.
- Levels style: level L is reached when every indicator of level ≤ L is met and the `require` rows applying
  to L hold; the result is the highest level reached, or none.
- Recognised: the result's band or level is declared recognised, every mandatory indicator is met, and every
  `require` row without applies_to holds.
- Reasons say, in Vietnamese and English, each indicator not met (or met in part) and each requirement that
  held the result back (one of a band or level out of reach anyway is not mentioned), with the workbook's
  reason text (its ${field} placeholders filled from the answers) or the indicator's label, and the evidence
  fields to look at.
"""

import math
import re
from typing import NamedTuple

from .expressions import rollups_referenced
from .ruleset import RuleSet

LANGUAGES = ("vi", "en")
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")
EPSILON = 1e-9  # totals are sums of decimal points: 84.99999999 is 85


class IndicatorScore(NamedTuple):
    code: str
    criterion: str
    met: bool
    points: float | None  # earned; None when the indicator carries no points (levels style)
    max_points: float | None
    mandatory: bool
    level: int | None


class CriterionScore(NamedTuple):
    code: str
    met: bool  # every indicator met
    points: float | None
    max_points: float | None


class Reason(NamedTuple):
    kind: str  # "indicator" or "requirement"
    code: str  # the indicator's code, or the requirement's name (or spreadsheet row)
    text: dict  # {language: sentence}
    evidence: tuple  # survey field names holding the evidence (indicators only)
    blocks_recognition: bool  # a mandatory indicator or a requirement that applies to every result


class Score(NamedTuple):
    ruleset_id: str
    model: str
    style: str
    total: float | None  # points style
    max_total: float | None
    result: str | None  # the band or level reached (its name), None if none
    level: int | None  # levels style: 1–3 reached, else None
    recognised: bool
    mandatory_met: bool
    indicators: tuple  # IndicatorScore, in rule order
    criteria: tuple  # CriterionScore
    reasons: tuple  # Reason, in rule order


def score_subject(rules: RuleSet, values, rollups=None) -> Score:
    """Score one subject's answers under `rules` (see the module docstring for the semantics)."""
    indicators = tuple(_score_indicator(indicator, values, rollups) for indicator in rules.indicators)
    criteria = _score_criteria(rules, indicators)
    failed = [requirement for requirement in rules.requirements if not requirement.condition.evaluate(values, rollups)]
    mandatory_met = all(result.met for result in indicators if result.mandatory)
    if rules.style == "points":
        total = _round(sum(result.points or 0.0 for result in indicators))
        outcome, level = _band(rules, total, failed), None
    else:
        total, (outcome, level) = None, _level(rules, indicators, failed)
    general_failed = any(requirement.applies_to is None for requirement in failed)
    recognised = outcome is not None and outcome.recognised and mandatory_met and not general_failed
    holding_back = [requirement for requirement in failed
                    if requirement.applies_to is None or _within_reach(rules, requirement.applies_to, total, indicators)]
    reasons = _indicator_reasons(rules, indicators, values) + _requirement_reasons(holding_back, rollups)
    return Score(rules.id, rules.model, rules.style, total, rules.total, outcome.name if outcome else None, level,
                 recognised, mandatory_met, indicators, criteria, reasons)


def _score_indicator(indicator, values, rollups):
    if indicator.score is not None:
        earned = indicator.score.evaluate(values, rollups)
        earned = 0.0 if math.isnan(earned) else _round(min(max(earned, 0.0), indicator.points))
        met = earned >= indicator.points - EPSILON
    else:
        met = bool(indicator.condition.evaluate(values, rollups))
        earned = None if indicator.points is None else (indicator.points if met else 0.0)
    return IndicatorScore(indicator.code, indicator.criterion, met, earned, indicator.points, indicator.mandatory,
                          indicator.level)


def _score_criteria(rules, indicators):
    by_criterion = {}
    for result in indicators:
        by_criterion.setdefault(result.criterion, []).append(result)
    scores = []
    for criterion in rules.criteria:
        results = by_criterion.get(criterion.code, [])
        points = _round(sum(result.points or 0.0 for result in results)) if rules.style == "points" else None
        scores.append(CriterionScore(criterion.code, all(result.met for result in results), points, criterion.points))
    return tuple(scores)


def _band(rules, total, failed):
    """The highest band the total reaches whose own requirements hold."""
    blocked = {requirement.applies_to for requirement in failed}
    for band in reversed(rules.bands):  # highest threshold first
        if total + EPSILON >= band.threshold and band.name not in blocked:
            return band
    return None


def _level(rules, indicators, failed):
    """(Level, its number) of the highest level whose indicators (of that level and below) are all met and
    whose requirements hold; (None, None) if not even the first."""
    blocked = {requirement.applies_to for requirement in failed}
    reached = None
    for level in rules.levels:  # level 1 first
        needed = [result for result in indicators if result.level is not None and result.level <= level.level]
        if not all(result.met for result in needed) or level.name in blocked:
            break
        reached = level
    return (reached, reached.level) if reached else (None, None)


def _within_reach(rules, name, total, indicators):
    """Whether the band or level `name` would be reached but for its own requirements: only then is a failed
    requirement of it a reason worth giving."""
    for band in rules.bands:
        if band.name == name:
            return total + EPSILON >= band.threshold
    for level in rules.levels:
        if level.name == name:
            return all(result.met for result in indicators if result.level is not None and result.level <= level.level)
    return False


def _indicator_reasons(rules, indicators, values):
    reasons = []
    for indicator, result in zip(rules.indicators, indicators):
        if result.met:
            continue
        text = {}
        for language in LANGUAGES:
            detail = _fill(_translated(indicator.reason, language) or _translated(indicator.label, language), values)
            text[language] = _indicator_sentence(language, result, detail)
        reasons.append(Reason("indicator", indicator.code, text, indicator.evidence, result.mandatory))
    return tuple(reasons)


def _indicator_sentence(language, result, detail):
    partial = result.points is not None and result.points > 0
    if language == "vi":
        head = "Chỉ tiêu bắt buộc" if result.mandatory else "Chỉ tiêu"
        state = f"mới được {_number(result.points)}/{_number(result.max_points)} điểm" if partial else "không đạt"
    else:
        head = "Mandatory indicator" if result.mandatory else "Indicator"
        state = f"earned {_number(result.points)} of {_number(result.max_points)} points" if partial else "not met"
    return f"{head} {result.code} {state}: {detail}"


def _requirement_reasons(failed, rollups):
    reasons = []
    for requirement in failed:
        missing = [key for key in rollups_referenced(requirement.condition.tree) if not rollups or rollups.get(key) is None]
        text = {}
        for language in LANGUAGES:
            label = _translated(requirement.label, language) or requirement.condition.text
            if language == "vi":
                sentence = f"Chưa đạt điều kiện công nhận: {label}"
                sentence += " (chưa có kết quả của các thành viên)" if missing else ""
            else:
                sentence = f"Recognition requirement not met: {label}"
                sentence += " (no results of the members yet)" if missing else ""
            text[language] = sentence
        code = requirement.name or f"recognition!{requirement.row}"
        reasons.append(Reason("requirement", code, text, (), requirement.applies_to is None))
    return tuple(reasons)


def _translated(texts, language):
    """The text in `language`, else the untranslated column, else any language given."""
    return texts.get(language) or texts.get("default") or next(iter(texts.values()), "")


def _fill(template, values):
    """The reason with each ${field} replaced by the answer ('…' when unanswered)."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1)) or "…", template)


def _round(number):
    return round(number, 9)


def _number(number):
    return f"{number:g}"
