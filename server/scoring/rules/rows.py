"""Reading the cells of the scoring sheets, with every problem collected rather than raised. A pure module.

A sheet arrives as a Table: its header texts as written, and its non-empty rows as (row number, {header:
text}) with the spreadsheet's row numbers (header = row 1). Headers are case-insensitive and translations
use pyxform's suffix (`label::Tiếng Việt (vi)`), so each row is re-keyed by a canonical header: the
base name in lower case, plus `::` and the language as written.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ...subject_kinds import CODES
from ...tables import Problem, Table
from .expressions import Expression, compile_tree
from .syntax import Call, ExpressionError, Field, Rollup, parse, walk
from .xpath import string_to_number

STATUSES = ("official", "provisional")
YES, NO = ("yes", "true", "true()"), ("no", "false", "false()")
FIELD_VALUE = re.compile(r"\$\{([^\W\d][\w.-]*)\}")
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
LANGUAGE_CODE = re.compile(r"\(([^()]+)\)\s*$")


class RulesError(ValueError):
    """The scoring sheets are not valid: `problems` lists them all, sheet by sheet, row by row."""

    def __init__(self, problems):
        self.problems = sorted(problems, key=lambda p: (p.sheet != "scoring", p.row or 0))
        first = self.problems[0]
        self.sheet, self.row, self.column, self.message = first.sheet, first.row, first.column, first.message
        super().__init__(str(first) + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))


@dataclass
class Context:
    """What expressions are checked against, and where problems go."""
    field_names: frozenset
    field_types: dict | None = None
    members: tuple | None = None  # member kinds roll-ups may name; None while the kind is unknown
    problems: list = field(default_factory=list)

    def report(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(sheet, row, column, message))


def canonical_header(header: str) -> str:
    base, separator, language = str(header).partition("::")
    return base.strip().lower() + (f"::{language.strip()}" if separator else "")


def language_key(language: str) -> str:
    """'Tiếng Việt (vi)' → 'vi'; a language without a code keeps its name; '' (a plain column) → 'default'."""
    match = LANGUAGE_CODE.search(language)
    return match.group(1).strip() if match else (language or "default")


def check_headers(sheet: str, table: Table, required: Iterable[str], context: Context) -> set[str]:
    """Report duplicated and missing columns (on the header row); return the canonical headers present."""
    headers = [canonical_header(header) for header in table.headers]
    for index, header in enumerate(headers):
        if header in headers[:index]:
            context.report(sheet, 1, header, "the column appears twice")
    for column in required:
        if not any(header == column or header.startswith(column + "::") for header in headers):
            context.report(sheet, 1, column, "the column is missing")
    return set(headers)


class Row:
    """One row's cells by canonical header; each reader returns None and reports when a cell is wrong."""

    def __init__(self, sheet, number, cells, context):
        self.sheet, self.number, self.context = sheet, number, context
        self.cells = {}
        for header, value in cells.items():  # a duplicated column is reported on row 1; the first one is read
            self.cells.setdefault(canonical_header(header), str(value).strip())

    def report(self, column: str, message: str) -> None:
        self.context.report(self.sheet, self.number, column, message)

    def text(self, column: str) -> str:
        return self.cells.get(column, "")

    def has_column(self, base: str) -> bool:
        """Whether the sheet has the column (or a translation of it); a missing one is reported on row 1 only."""
        return any(header == base or header.startswith(base + "::") for header in self.cells)

    def translations(self, base: str) -> dict:
        """{language: text} from `base` and `base::Language (code)` columns."""
        found = {}
        for header, value in self.cells.items():
            name, _, language = header.partition("::")
            if name == base and value:
                found[language_key(language)] = value
        return found

    def non_negative(self, column: str, required: bool = False) -> float | None:
        text = self.text(column)
        if not text:
            if required and self.has_column(column):
                self.report(column, "a number is required here")
            return None
        value = string_to_number(text)
        if value != value or value < 0:
            self.report(column, f"'{text}' is not a number of 0 or more")
            return None
        return value

    def yes_no(self, column: str, default: bool | None = None) -> bool | None:
        text = self.text(column).lower()
        if text in YES or text in NO:
            return text in YES
        if text or default is None:
            self.report(column, f"write yes or no, not '{self.text(column)}'" if text else "write yes or no")
            return None
        return default

    def status(self, required: bool = True) -> tuple[str, str]:
        """(status, note): official or provisional; a provisional rule says why in `note`."""
        status, note = self.text("status").lower(), self.text("note")
        if not status and not (required and self.has_column("status")):
            return "", note
        if status not in STATUSES:
            self.report("status", f"write official or provisional, not '{self.text('status')}'" if status
                        else "the status is required: official or provisional")
        elif status == "provisional" and not note:
            self.report("note", "a provisional rule needs a note saying why it is provisional")
        return status, note

    def field_reference(self, column: str) -> str | None:
        """The field named by a `${field}` cell, reported when malformed or not in the survey."""
        text = self.text(column)
        match = FIELD_VALUE.fullmatch(text)
        if match is None:
            self.report(column, f"write the survey field as ${{name}}, not '{text}'" if text else
                        "write the survey field as ${name}")
            return None
        if match.group(1) not in self.context.field_names:
            self.report(column, f"${{{match.group(1)}}} is not a field of the survey")
            return None
        return match.group(1)

    def placeholders(self, column: str) -> None:
        """Report `${…}` placeholders in a text that name no survey field."""
        for match in PLACEHOLDER.finditer(self.text(column)):
            if match.group(1) not in self.context.field_names:
                self.report(column, f"the placeholder ${{{match.group(1)}}} names no field of the survey")

    def expression(self, column: str, kind: str) -> Expression | None:
        """Parse, check and compile the expression in `column`; None (reported) when it is not valid."""
        text = self.text(column)
        try:
            tree = parse(text)
        except ExpressionError as error:
            self.report(column, f"{error.message} (at character {error.position + 1} of the expression)")
            return None
        if not self._check_tree(column, tree):
            return None
        return Expression(text, tree, kind, compile_tree(tree, kind))

    def _check_tree(self, column, tree):
        before = len(self.context.problems)
        for node in walk(tree):
            if isinstance(node, Field):
                self._check_field(column, node)
            elif isinstance(node, Rollup):
                self._check_rollup(column, node)
            elif isinstance(node, Call) and node.name in ("selected", "count-selected"):
                self._check_choices(column, node)
        return len(self.context.problems) == before

    def _check_field(self, column, node):
        if node.name not in self.context.field_names:
            self.report(column, f"${{{node.name}}} is not a field of the survey (at character {node.position + 1} "
                                f"of the expression)")

    def _check_rollup(self, column, node):
        at = f"(at character {node.position + 1} of the expression)"
        members = self.context.members
        if node.kind not in CODES:
            self.report(column, f"'{node.kind}' is not a model code; the codes are {', '.join(CODES)} {at}")
        elif members is not None and node.kind not in members:
            allowed = ", ".join(members) or "none: it has no members to roll up"
            self.report(column, f"{node.function}('{node.kind}') cannot be used here: the members of this "
                                f"model are {allowed} {at}")

    def _check_choices(self, column, node):
        """selected()/count-selected() read the answer of a select question, which XForms types as string."""
        argument, types = node.args[0], self.context.field_types or {}
        kind = types.get(argument.name) if isinstance(argument, Field) else None
        if kind not in (None, "string"):
            self.report(column, f"{node.name}() reads a select question, but ${{{argument.name}}} is of type "
                                f"{kind} (at character {node.position + 1} of the expression)")
