"""OData's $filter and $orderby as ODK Central accepts them on submissions (lib/data/odata-filter.js): on __id and
the __system fields submitterId, submissionDate, updatedAt, reviewState and deletedAt (also as
$root/Submissions/__system/… from a repeat table); operators eq ne lt le gt ge and or not, parentheses, the
functions now() year() month() day() hour() minute() second(); literals null, true, false, numbers, 'text' and
ISO dates or timestamps. A small recursive-descent parser that turns the text into a SQLAlchemy condition on the
submissions table; anything else is a 400.18 that says where.
"""

import datetime as dt
import re

import sqlalchemy as sa

from .. import errors
from ..submissions.models import Submission

FIELDS = {name: attribute.expression for name, attribute in (
    ("__id", Submission.instance_id), ("__system/submitterId", Submission.submitter_id),
    ("__system/submissionDate", Submission.created_at), ("__system/updatedAt", Submission.updated_at),
    ("__system/reviewState", Submission.review_state), ("__system/deletedAt", Submission.deleted_at))}
COMPARISONS = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__", "gt": "__gt__", "ge": "__ge__"}
PARTS = ("year", "month", "day", "hour", "minute", "second")
TOKEN = re.compile(r"""\s*(?:
    (?P<string>'(?:[^']|'')*')
  | (?P<time>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<name>\$root/Submissions/__system/\w+|__system/\w+|__id|\w+)
  | (?P<punct>[(),])
)""", re.X)
MAX_LENGTH = 2000


def parse_filter(text: str, fields: dict = FIELDS):
    """The condition `text` says over `fields` ({name: column}: a submission's by default; an entity's for
    entity lists). :raise 400.18: it cannot be read, or names what cannot be filtered on."""
    if len(text) > MAX_LENGTH:
        raise errors.unparseable_odata(reason=f"longer than {MAX_LENGTH} characters")
    parser = _Parser(_tokens(text), fields)
    condition = parser.expression()
    if parser.peek() is not None:
        raise errors.unparseable_odata(reason=f"unexpected {parser.peek()[1]!r} at character {parser.peek()[2]}")
    if not isinstance(condition, sa.ColumnElement) or condition.type._type_affinity is not sa.Boolean:
        raise errors.unparseable_odata(reason="the expression is not a condition")
    return condition


def parse_orderby(text: str, fields: dict = FIELDS) -> list:
    """ORDER BY clauses of "field [asc|desc], …" on the same fields. :raise 400.18:"""
    clauses = []
    for part in text.split(","):
        words = part.split()
        if not 1 <= len(words) <= 2 or words[0].removeprefix("$root/Submissions/") not in fields \
                or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise errors.unparseable_odata(reason=f"cannot order by {part.strip()!r}")
        column = fields[words[0].removeprefix("$root/Submissions/")]
        clauses.append(column.desc() if len(words) == 2 and words[1].lower() == "desc" else column.asc())
    return clauses


def _tokens(text):
    position, found = 0, []
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise errors.unparseable_odata(reason=f"unexpected character at {position + 1}: {text[position:][:10]!r}")
        kind = match.lastgroup
        found.append((kind, match.group(kind), match.start(kind) + 1))
        position = match.end()
    return found


class _Parser:
    def __init__(self, tokens, fields):
        self.tokens, self.position, self.fields = tokens, 0, fields

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, value=None):
        token = self.peek()
        if token is None:
            raise errors.unparseable_odata(reason="the expression ends too soon")
        if value is not None and token[1] != value:
            raise errors.unparseable_odata(reason=f"expected {value!r} at character {token[2]}, found {token[1]!r}")
        self.position += 1
        return token

    def word(self, *words):
        token = self.peek()
        return token is not None and token[0] == "name" and token[1] in words

    def expression(self):
        left = self.conjunction()
        while self.word("or"):
            self.take()
            left = sa.or_(left, self.conjunction())
        return left

    def conjunction(self):
        left = self.negation()
        while self.word("and"):
            self.take()
            left = sa.and_(left, self.negation())
        return left

    def negation(self):
        if self.word("not"):
            self.take()
            return sa.not_(self.negation())
        return self.comparison()

    def comparison(self):
        left = self.operand()
        if self.peek() is not None and self.peek()[0] == "name" and self.peek()[1] in COMPARISONS:
            operator = self.take()[1]
            right = self.operand()
            return _compare(left, operator, right)
        return left

    def operand(self):
        kind, value, where = self.take()
        if kind == "punct" and value == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if kind == "string":
            return value[1:-1].replace("''", "'")
        if kind == "number":
            return float(value) if "." in value else int(value)
        if kind == "time":
            return _moment(value, where)
        if kind == "name":
            if value in ("null", "true", "false"):
                return {"null": None, "true": True, "false": False}[value]
            field = value.removeprefix("$root/Submissions/")
            if field in self.fields:
                return self.fields[field]
            if value in PARTS or value == "now":
                self.take("(")
                if value == "now":
                    self.take(")")
                    return dt.datetime.now(dt.timezone.utc)
                argument = self.operand()
                self.take(")")
                if not isinstance(argument, sa.ColumnElement | dt.datetime):
                    raise errors.unparseable_odata(reason=f"{value}() needs a date at character {where}")
                return sa.extract(value, argument) if isinstance(argument, sa.ColumnElement) \
                    else getattr(argument, value)
            raise errors.unparseable_odata(reason=f"{value!r} at character {where} cannot be filtered on")
        raise errors.unparseable_odata(reason=f"unexpected {value!r} at character {where}")


def _compare(left, operator, right):
    if not isinstance(left, sa.ColumnElement) and isinstance(right, sa.ColumnElement):
        left, right, operator = right, left, {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}.get(operator, operator)
    if not isinstance(left, sa.ColumnElement):
        raise errors.unparseable_odata(reason="a comparison must name a field")
    if right is None:
        if operator not in ("eq", "ne"):
            raise errors.unparseable_odata(reason="null can only be compared with eq or ne")
        return left.is_(None) if operator == "eq" else left.is_not(None)
    if isinstance(right, str) and isinstance(left.type, sa.Integer):  # ids as strings, as Central writes them
        if not right.isdigit():
            return sa.false() if operator == "eq" else sa.true() if operator == "ne" else sa.false()
        right = int(right)
    if isinstance(right, dt.date) and not isinstance(right, dt.datetime):
        right = dt.datetime.combine(right, dt.time(), tzinfo=dt.timezone.utc)
    return getattr(left, COMPARISONS[operator])(right)


def _moment(text, where):
    try:
        if "T" not in text:
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise errors.unparseable_odata(reason=f"{text!r} at character {where} is not a date") from None
