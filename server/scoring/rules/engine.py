"""The scoring engine: one subject's answers, scored under its form version's rule set. A pure module.

    scorer = Scorer(rules)  # once per rule set; score_subject(rules, …) does this for one subject
    score = scorer.score({"so_nguoi_lon": "3", "so_biet_chu": "2", …}, {("share_recognised", "gia_dinh"): 0.8})
    reasons = scorer.explain(score, values, rollups)  # only when a person will read them

`values` maps survey field names to the submitted text ('' or absent = unanswered), `rollups` maps
(function, kind) to what the roll-up step computed over the subject's members (absent = no data = NaN,
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

import re
from collections.abc import Mapping
from typing import NamedTuple

from .expressions import rollups_referenced
from .ruleset import RuleSet

Answers = Mapping[str, str]  # survey field name → the submitted text ('' or absent: unanswered)
RollupValues = Mapping[tuple, float | None]  # (function, kind) → what the roll-up step computed

LANGUAGES = ("vi", "en")
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")
EPSILON = 1e-9  # totals are sums of decimal points: 84.99999999 is 85


class Reason(NamedTuple):
    kind: str  # "indicator" or "requirement"
    code: str  # the indicator's code, or the requirement's name (else "recognition!<row>")
    text: dict  # {language: sentence}
    evidence: tuple  # survey field names holding the evidence (indicators only)
    blocks_recognition: bool  # a mandatory indicator, or a requirement that applies to every result


class Score(NamedTuple):
    ruleset_id: str
    kind: str
    style: str
    total: float | None  # points style
    max_total: float | None
    result: str | None  # the band or level reached (its name), None if none
    level: int | None  # levels style: 1–3 reached, else None
    recognised: bool
    mandatory_met: bool
    met: tuple  # per indicator, in rule order (RuleSet.indicators): met or not
    points: tuple  # per indicator: points earned (None without points, levels style)
    criterion_points: tuple  # per criterion (RuleSet.criteria): points earned (None in the levels style)
    held_back_by: tuple  # codes of the failed requirements that held the result back


def score_subject(rules: RuleSet, values: Answers, rollups: RollupValues | None = None) -> Score:
    """Score one subject's answers under `rules`. To score many subjects, make one Scorer and reuse it."""
    return Scorer(rules).score(values, rollups)


def explain_score(rules: RuleSet, score: Score, values: Answers, rollups: RollupValues | None = None) -> tuple:
    """The reasons behind `score` (as computed from the same values and rollups), in rule order."""
    return Scorer(rules).explain(score, values, rollups)


class Scorer:
    """A rule set laid out for scoring many subjects fast: per indicator its compiled expression and points,
    per criterion its slice of indicators, per band or level what reaching it takes."""

    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.indicators = rules.indicators
        self.plan = tuple((indicator.score or indicator.condition).evaluate for indicator in self.indicators)
        self.max_points = tuple(indicator.points for indicator in self.indicators)
        self.scored = tuple((index, indicator.points) for index, indicator in enumerate(self.indicators)
                            if indicator.score is not None)
        self.conditions_with_points = tuple(index for index, indicator in enumerate(self.indicators)
                                            if indicator.score is None and indicator.points is not None)
        self.mandatory = tuple(index for index, indicator in enumerate(self.indicators) if indicator.mandatory)
        self.criterion_slices = _criterion_slices(rules)
        self.requirements = tuple((_requirement_code(requirement), requirement) for requirement in rules.requirements)
        self.bands = tuple(reversed(rules.bands))  # highest threshold first
        self.levels = tuple((level, tuple(index for index, indicator in enumerate(self.indicators)
                                          if indicator.level is not None and indicator.level <= level.level))
                            for level in rules.levels)
        self.with_points = rules.style == "points"
        self.no_criterion_points = (None,) * len(self.criterion_slices)

    def score(self, values: Answers, rollups: RollupValues | None = None) -> Score:
        met, points = self._indicators(values, rollups)
        criterion_points = (tuple([round(sum(points[start:end]), 9) for start, end in self.criterion_slices])
                            if self.with_points else self.no_criterion_points)
        failed = [(code, requirement) for code, requirement in self.requirements
                  if not requirement.condition.evaluate(values, rollups)] if self.requirements else ()
        blocked = {requirement.applies_to for _, requirement in failed} if failed else ()
        mandatory_met = all([met[index] for index in self.mandatory])
        if self.with_points:
            total = round(sum(points), 9)
            outcome, level = next((band for band in self.bands if total + EPSILON >= band.threshold
                                   and band.name not in blocked), None), None
        else:
            total, (outcome, level) = None, self._level(met, blocked)
        recognised = outcome is not None and outcome.recognised and mandatory_met and None not in blocked
        held_back_by = tuple(code for code, requirement in failed if requirement.applies_to is None
                             or self._within_reach(requirement.applies_to, total, met)) if failed else ()
        rules = self.rules
        return _new_score((rules.id, rules.kind, rules.style, total, rules.total, outcome.name if outcome else None,
                           level, recognised, mandatory_met, met, points, criterion_points, held_back_by))

    def unmet(self, score: Score) -> list:
        """The codes of the indicators `score` does not meet, in rule order."""
        return [indicator.code for indicator, met in zip(self.indicators, score.met) if not met]

    def explain(self, score: Score, values: Answers, rollups: RollupValues | None = None) -> tuple:
        """Reasons for each indicator not met or met in part, then each requirement that held the result back."""
        reasons = [_indicator_reason(indicator, met, points, values)
                   for indicator, met, points in zip(self.indicators, score.met, score.points) if not met]
        held_back = set(score.held_back_by)
        reasons += [_requirement_reason(code, requirement, rollups)
                    for code, requirement in self.requirements if code in held_back]
        return tuple(reasons)

    def _indicators(self, values, rollups):
        """(met, points earned) per indicator: every expression evaluated, then the scores clamped to 0…points
        (an unanswered, NaN, score earns 0) and the conditions' points given or not."""
        met = [evaluate(values, rollups) for evaluate in self.plan]
        points = list(self.max_points)
        for index, maximum in self.scored:
            value = met[index]
            earned = maximum if value >= maximum else (round(value, 9) if value > 0 else 0.0)
            met[index], points[index] = earned >= maximum - EPSILON, earned
        for index in self.conditions_with_points:
            if not met[index]:
                points[index] = 0.0
        return tuple(met), tuple(points)

    def _level(self, met, blocked):
        """(Level, its number) of the highest level whose indicators (of that level and below) are all met and
        whose requirements hold; (None, None) if not even the first."""
        reached = None
        for level, needed in self.levels:  # level 1 first
            if level.name in blocked or not all(met[index] for index in needed):
                break
            reached = level
        return (reached, reached.level) if reached else (None, None)

    def _within_reach(self, name, total, met):
        """Whether the band or level `name` would be reached but for its own requirements: only then is a
        failed requirement of it a reason worth giving."""
        for band in self.bands:
            if band.name == name:
                return total + EPSILON >= band.threshold
        for level, needed in self.levels:
            if level.name == name:
                return all(met[index] for index in needed)
        return False


def _new_score(fields):
    return tuple.__new__(Score, fields)  # Score(*fields) without NamedTuple's keyword handling: hot path


def _criterion_slices(rules):
    """(start, end) of each criterion's indicators in RuleSet.indicators, which lists them criterion by criterion."""
    slices, start = [], 0
    for criterion in rules.criteria:
        slices.append((start, start + len(criterion.indicators)))
        start += len(criterion.indicators)
    return tuple(slices)


def _requirement_code(requirement):
    return requirement.name or f"recognition!{requirement.row}"


def _indicator_reason(indicator, met, points, values):
    text = {}
    for language in LANGUAGES:
        detail = _fill(_translated(indicator.reason, language) or _translated(indicator.label, language), values)
        text[language] = _indicator_sentence(language, indicator, points, detail)
    return Reason("indicator", indicator.code, text, indicator.evidence, indicator.mandatory)


def _indicator_sentence(language, indicator, points, detail):
    partial = points is not None and points > 0
    earned = f"{_number(points)}/{_number(indicator.points)}" if partial else ""
    if language == "vi":
        head = "Chỉ tiêu bắt buộc" if indicator.mandatory else "Chỉ tiêu"
        state = f"mới được {earned} điểm" if partial else "không đạt"
    else:
        head = "Mandatory indicator" if indicator.mandatory else "Indicator"
        state = f"earned {_number(points)} of {_number(indicator.points)} points" if partial else "not met"
    return f"{head} {indicator.code} {state}: {detail}"


def _requirement_reason(code, requirement, rollups):
    missing = [key for key in rollups_referenced(requirement.condition.tree) if not rollups or rollups.get(key) is None]
    text = {}
    for language in LANGUAGES:
        label = _translated(requirement.label, language) or requirement.condition.text
        if language == "vi":
            text[language] = (f"Chưa đạt điều kiện công nhận: {label}"
                              + (" (chưa có kết quả của các thành viên)" if missing else ""))
        else:
            text[language] = (f"Recognition requirement not met: {label}"
                              + (" (no results of the members yet)" if missing else ""))
    return Reason("requirement", code, text, (), requirement.applies_to is None)


def _translated(texts, language):
    """The text in `language`, else the untranslated column, else any language given."""
    return texts.get(language) or texts.get("default") or next(iter(texts.values()), "")


def _fill(template, values):
    """The reason with each ${field} replaced by the answer ('…' when unanswered)."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1)) or "…", template)


def _number(number):
    return f"{number:g}"
