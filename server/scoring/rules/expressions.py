"""Scoring expressions compiled to Python closures. A pure module.

`compile_expression("${so_nguoi_biet_chu} >= 0.9 * ${so_nguoi_lon}", "boolean")` parses the text once
(server/scoring/rules/syntax.py) and returns an Expression whose `evaluate(values, rollups)` runs in a few
microseconds: no eval, no XPath engine. `values` maps survey field names to the submitted text
('' or absent = unanswered); `rollups` maps (function, kind), e.g. ("share_recognised", "gia_dinh"),
to a number the engine computed (absent = NaN).

Semantics are XPath 1.0's (server/scoring/rules/xpath.py), as ODK Collect applies them to one answer: a field
is its text; NaN compares false with `=`, `<`, `<=`, `>`, `>=` and true with `!=`; `=`/`!=` compare
booleans if either side is one, else numbers if either side is one, else texts; `<`… compare numbers.
Every operand's type is known when compiling (only `if()`/`coalesce()` with mixed branches are not), so
the conversions are chosen once, here, rather than on each evaluation.
"""

import operator
from dataclasses import dataclass
from typing import Callable

from . import xpath
from .syntax import (
    Arithmetic,
    Call,
    Compare,
    ExpressionError,
    Field,
    Logical,
    Negate,
    Node,
    Number,
    Rollup,
    String,
    parse,
    walk,
)

__all__ = ["Expression", "ExpressionError", "compile_expression", "compile_tree", "fields_referenced", "kind_of",
           "parse", "rollups_referenced"]

KINDS = ("boolean", "number", "string", "any")
CONVERT = {"boolean": xpath.to_boolean, "number": xpath.to_number, "string": xpath.to_string}
BOOLEAN_FUNCTIONS = ("not", "selected", "true", "false")
NUMBER_FUNCTIONS = ("count-selected", "string-length", "number", "min", "max", "round")


@dataclass(frozen=True)
class Expression:
    text: str
    tree: object
    kind: str  # what evaluate returns: boolean (bool), number (float), string (str) or any
    evaluate: Callable  # (values: Mapping[str, str], rollups: Mapping | None) -> bool | float | str


def compile_expression(text: str, kind: str = "any") -> Expression:
    """Parse and compile `text`; kind boolean/number/string converts the result as XPath's functions do.

    :raise ExpressionError: the text is not a valid expression (message and 0-based position).
    """
    tree = parse(text)
    return Expression(text, tree, kind, compile_tree(tree, kind))


def compile_tree(tree: Node, kind: str = "any") -> Callable:
    """A closure (values, rollups) -> value computing `tree`, converted to `kind`. :raise ValueError: bad kind."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    return _compiled(tree, kind)


def fields_referenced(tree: Node) -> frozenset:
    """The survey field names an expression reads."""
    return frozenset(node.name for node in walk(tree) if isinstance(node, Field))


def rollups_referenced(tree: Node) -> frozenset:
    """The (function, kind) roll-ups an expression needs, e.g. {("share_recognised", "gia_dinh")}."""
    return frozenset((node.function, node.kind) for node in walk(tree) if isinstance(node, Rollup))


def kind_of(node: Node) -> str:
    """The type an expression yields before any conversion: boolean, number, string or any."""
    if isinstance(node, (Compare, Logical)):
        return "boolean"
    if isinstance(node, (String, Field)):
        return "string"
    if not isinstance(node, Call):
        return "number"  # Number, Negate, Arithmetic, Rollup
    if node.name in BOOLEAN_FUNCTIONS:
        return "boolean"
    if node.name in NUMBER_FUNCTIONS:
        return "number"
    return _common_kind(*node.args[-2:])  # if(c, a, b), coalesce(a, b)


def _common_kind(first, second):
    kinds = (kind_of(first), kind_of(second))
    return kinds[0] if kinds[0] == kinds[1] else "any"


def _compiled(node, to):
    """`node` as a closure converted to `to`; a field read as a number skips the intermediate closure."""
    if isinstance(node, Field) and to == "number":
        name, number = node.name, xpath.string_to_number
        return lambda values, rollups: number(values.get(name) or "")
    function, kind = _COMPILERS[type(node)](node), kind_of(node)
    if kind == to or to == "any":
        return function
    convert = CONVERT[to]
    return lambda values, rollups: convert(function(values, rollups))


def _constant(value):
    return lambda values, rollups: value


def _field(node):
    name = node.name
    return lambda values, rollups: values.get(name) or ""


def _rollup(node):
    key = (node.function, node.kind)

    def rollup(values, rollups):
        value = rollups.get(key) if rollups else None
        return xpath.NAN if value is None else float(value)
    return rollup


def _negate(node):
    operand = _compiled(node.operand, "number")
    return lambda values, rollups: -operand(values, rollups)


ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "div": xpath.divide, "mod": xpath.modulo}


def _arithmetic(node):
    first = _compiled(node.first, "number")
    steps = tuple((ARITHMETIC[op], _compiled(operand, "number")) for op, operand in node.rest)
    if len(steps) == 1:
        (apply, second), = steps
        return lambda values, rollups: apply(first(values, rollups), second(values, rollups))

    def chain(values, rollups):
        result = first(values, rollups)
        for apply, operand in steps:
            result = apply(result, operand(values, rollups))
        return result
    return chain


COMPARE = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
           ">=": operator.ge}


def _compare(node):
    common = _comparison_kind(node.op, kind_of(node.left), kind_of(node.right))
    if common == "any":
        test = xpath.equals if node.op == "=" else xpath.not_equals
    else:
        test = COMPARE[node.op]
    left, right = _compiled(node.left, common), _compiled(node.right, common)
    if isinstance(node.right, (Number, String)):
        constant = right(None, None)
        if isinstance(node.left, Field) and common in ("string", "number"):
            return _field_against_constant(node.left.name, common, test, constant)
        return lambda values, rollups: test(left(values, rollups), constant)
    if isinstance(node.left, Field) and isinstance(node.right, Field) and common == "number":
        first, second, number = node.left.name, node.right.name, xpath.string_to_number
        return lambda values, rollups: test(number(values.get(first) or ""), number(values.get(second) or ""))
    return lambda values, rollups: test(left(values, rollups), right(values, rollups))


def _field_against_constant(name, kind, test, constant):
    """`${field} = 'co'`, `${so_nguoi} >= 2`: the commonest conditions, read and compared in one step."""
    if kind == "string":
        return lambda values, rollups: test(values.get(name) or "", constant)
    number = xpath.string_to_number
    return lambda values, rollups: test(number(values.get(name) or ""), constant)


def _comparison_kind(op, left, right):
    if op not in ("=", "!="):
        return "number"
    kinds = (left, right)
    if "boolean" in kinds:
        return "boolean"
    if "any" in kinds:
        return "any"
    return "number" if "number" in kinds else "string"


def _logical(node):
    operands = tuple(_compiled(operand, "boolean") for operand in node.operands)
    if len(operands) == 2:
        first, second = operands
        if node.op == "and":
            return lambda values, rollups: first(values, rollups) and second(values, rollups)
        return lambda values, rollups: first(values, rollups) or second(values, rollups)
    if node.op == "and":
        return lambda values, rollups: all(operand(values, rollups) for operand in operands)
    return lambda values, rollups: any(operand(values, rollups) for operand in operands)


def _call(node):
    return _FUNCTIONS[node.name](*node.args)


def _not(argument):
    test = _compiled(argument, "boolean")
    return lambda values, rollups: not test(values, rollups)


def _if(condition, then, otherwise):
    table = _answer_table(Call("if", (condition, then, otherwise)))
    if table is not None:  # if(${x} = 'a', 10, if(${x} = 'b', 5, 0)): one lookup of the answer
        name, branches, default = table
        return lambda values, rollups: branches.get(values.get(name) or "", default)
    kind = _common_kind(then, otherwise)
    test, first, second = _compiled(condition, "boolean"), _compiled(then, kind), _compiled(otherwise, kind)
    if isinstance(then, (Number, String)):  # if(${x} = 'co', 10, …): no call for the constant branch
        constant = first(None, None)
        return lambda values, rollups: constant if test(values, rollups) else second(values, rollups)
    return lambda values, rollups: first(values, rollups) if test(values, rollups) else second(values, rollups)


def _answer_table(node):
    """(field name, {answer: value}, default) when `node` is a chain of if()s whose conditions only test one
    field for equality with texts (joined by `or`) and whose branches are constants of one type, else None.
    The first branch an answer reaches wins, as in the chain."""
    name, branches, constant_type = None, {}, None
    while isinstance(node, Call) and node.name == "if" and len(node.args) == 3:
        condition, then, node = node.args
        answers = _answers_tested(condition)
        if answers is None or not isinstance(then, (Number, String)) or constant_type not in (None, type(then)):
            return None
        constant_type = type(then)
        for field_name, answer in answers:
            if name not in (None, field_name):
                return None
            name = field_name
            branches.setdefault(answer, then.value if constant_type is String else float(then.value))
    if name is None or type(node) is not constant_type:
        return None
    return name, branches, node.value if constant_type is String else float(node.value)


def _answers_tested(condition):
    """[(field name, text)] when `condition` is ${f} = 'text', or several joined by `or`; else None."""
    if isinstance(condition, Logical) and condition.op == "or":
        found = [_answers_tested(operand) for operand in condition.operands]
        return None if None in found else [pair for pairs in found for pair in pairs]
    if (isinstance(condition, Compare) and condition.op == "=" and isinstance(condition.left, Field)
            and isinstance(condition.right, String)):
        return [(condition.left.name, condition.right.value)]
    return None


def _selected(choices, choice):
    """ODK selected(): is the trimmed `choice` one of the space-separated values in `choices`."""
    listed, wanted = _compiled(choices, "string"), _compiled(choice, "string")
    if isinstance(choice, (String, Number)):
        constant = wanted(None, None).strip()
        return lambda values, rollups: constant in listed(values, rollups).split()
    return lambda values, rollups: wanted(values, rollups).strip() in listed(values, rollups).split()


def _count_selected(choices):
    listed = _compiled(choices, "string")
    return lambda values, rollups: float(len(listed(values, rollups).split()))


def _string_length(argument):
    text = _compiled(argument, "string")
    return lambda values, rollups: float(len(text(values, rollups)))


def _number(argument):
    return _compiled(argument, "number")


def _coalesce(first, second):
    kind = _common_kind(first, second)
    primary, fallback, is_empty = _compiled(first, kind), _compiled(second, kind), xpath.is_empty

    def coalesce(values, rollups):
        value = primary(values, rollups)
        return fallback(values, rollups) if is_empty(value) else value
    return coalesce


def _extreme(pick):
    """min()/max() as ODK computes them: NaN as soon as one argument is not a number."""
    def compile_extreme(*arguments):
        numbers = tuple(_compiled(argument, "number") for argument in arguments)

        def extreme(values, rollups):
            found = [number(values, rollups) for number in numbers]
            return xpath.NAN if any(value != value for value in found) else pick(found)
        return extreme
    return compile_extreme


def _round(argument):
    number, rounded = _compiled(argument, "number"), xpath.xpath_round
    return lambda values, rollups: rounded(number(values, rollups))


_FUNCTIONS = {
    "not": _not, "if": _if, "selected": _selected, "count-selected": _count_selected,
    "string-length": _string_length, "number": _number, "coalesce": _coalesce,
    "true": lambda: _constant(True), "false": lambda: _constant(False),
    "min": _extreme(min), "max": _extreme(max), "round": _round,
}
_COMPILERS = {
    Number: lambda node: _constant(node.value), String: lambda node: _constant(node.value), Field: _field,
    Rollup: _rollup, Negate: _negate, Arithmetic: _arithmetic, Compare: _compare, Logical: _logical, Call: _call,
}
