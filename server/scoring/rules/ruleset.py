"""A criteria rule set as plain data: what a workbook's `scoring` and `recognition` sheets declare.

Labels and reasons are {language: text}, keyed by the code in the column's suffix ('vi', 'en'), or
'default' for a column without one. `row` is the spreadsheet row the item was read from, so that an
explanation can point back at the workbook. Expressions are compiled (server/scoring/rules/expressions.py).
"""

from dataclasses import dataclass
from functools import cached_property

from .expressions import Expression, fields_referenced, rollups_referenced

STYLES = ("points", "levels")
LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class Indicator:
    code: str
    criterion: str
    label: dict
    points: float | None  # the maximum; None only in the levels style
    condition: Expression | None  # boolean: met earns all the points
    score: Expression | None  # number: earns clamp(score, 0, points)
    mandatory: bool
    level: int | None
    evidence: tuple  # survey field names
    reason: dict  # {language: text with ${field} placeholders}, shown when not met
    source: str
    status: str
    note: str
    row: int


@dataclass(frozen=True)
class Criterion:
    code: str
    label: dict
    points: float | None
    indicators: tuple
    source: str
    status: str
    note: str
    row: int


@dataclass(frozen=True)
class Band:
    name: str
    label: dict
    threshold: float  # the minimum total
    recognised: bool
    source: str
    status: str
    note: str
    row: int


@dataclass(frozen=True)
class Level:
    name: str
    label: dict
    level: int
    recognised: bool
    source: str
    status: str
    note: str
    row: int


@dataclass(frozen=True)
class Requirement:
    name: str  # optional code, e.g. ty_le_gdht
    condition: Expression
    applies_to: str | None  # a band or level name; None = every recognised result
    label: dict
    source: str
    status: str
    note: str
    row: int


@dataclass(frozen=True)
class RuleSet:
    id: str
    kind: str
    style: str
    total: float | None
    subject_field: str
    area_field: str | None
    period_field: str | None
    criteria: tuple
    bands: tuple  # points style, lowest threshold first
    levels: tuple  # levels style, level 1 first
    requirements: tuple
    label: dict
    source: str
    status: str
    note: str

    @cached_property  # a rule set never changes: read once
    def indicators(self) -> tuple:
        return tuple(indicator for criterion in self.criteria for indicator in criterion.indicators)

    @cached_property  # a rule set never changes: read once
    def expressions(self) -> tuple:
        found = [indicator.condition or indicator.score for indicator in self.indicators]
        return tuple(found) + tuple(requirement.condition for requirement in self.requirements)

    @cached_property  # a rule set never changes: read once
    def fields_referenced(self) -> frozenset:
        """Every survey field the expressions read (evidence and reason placeholders are not counted)."""
        return frozenset().union(*(fields_referenced(expression.tree) for expression in self.expressions))

    @cached_property  # a rule set never changes: read once
    def rollups_referenced(self) -> frozenset:
        """The (function, kind) roll-ups the engine must compute before scoring a subject."""
        return frozenset().union(*(rollups_referenced(expression.tree) for expression in self.expressions))
