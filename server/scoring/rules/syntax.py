"""The syntax of scoring expressions: tokens, a small AST and a recursive-descent parser. A pure module.

The language is the subset of XPath 1.0 that XLSForm designers write in `relevant` and `constraint`
(docs/xlsform-scoring.md), with `${field}` references and three roll-up functions. Spreadsheets are
untrusted, so the text length and the nesting depth are bounded before anything recursive runs on them.

Chains of `+ - * div mod` and of `and`/`or` are n-ary nodes rather than left-deep trees, so that a long
sum like `${a} + ${b} + … + ${z}` costs no recursion depth; comparisons do not chain at all: XPath reads
`1 < ${x} < 5` as `(1 < ${x}) < 5`, which is always true, so it is refused with the fix in the message.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

MAX_LENGTH = 2000
MAX_DEPTH = 32  # parentheses, function calls and unary minus, one level each

ROLLUP_FUNCTIONS = ("share_recognised", "count_members", "count_recognised")
FUNCTION_ARITY = {  # name: (fewest, most) arguments; None = any number
    "not": (1, 1), "if": (3, 3), "selected": (2, 2), "count-selected": (1, 1), "string-length": (1, 1),
    "number": (1, 1), "coalesce": (2, 2), "true": (0, 0), "false": (0, 0), "min": (1, None),
    "max": (1, None), "round": (1, 1),
}
BINARY_LEVELS = (("or",), ("and",), ("=", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "div", "mod"))
COMPARISONS = BINARY_LEVELS[2] + BINARY_LEVELS[3]
OPERATOR_WORDS = ("or", "and", "div", "mod")


class ExpressionError(ValueError):
    """An expression that cannot be read; `position` is the 0-based offset of the offending character."""

    def __init__(self, message, position):
        super().__init__(f"{message} (at character {position + 1})")
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class String:
    value: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Negate:
    operand: object
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """`first op1 x1 op2 x2 …`, evaluated left to right; ops are + - * div mod."""
    first: object
    rest: tuple  # ((op, node), …)
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: object
    right: object
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Logical:
    op: str  # "and" | "or"
    operands: tuple
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Rollup:
    """A roll-up over the subject's members, e.g. share_recognised('gia_dinh'); computed by the engine."""
    function: str
    kind: str
    position: int = field(default=0, compare=False)


Node = Number | String | Field | Negate | Arithmetic | Compare | Logical | Call | Rollup


def children(node: Node) -> tuple:
    """The direct sub-expressions of `node`."""
    if isinstance(node, Negate):
        return (node.operand,)
    if isinstance(node, Arithmetic):
        return (node.first,) + tuple(operand for _, operand in node.rest)
    if isinstance(node, Compare):
        return (node.left, node.right)
    if isinstance(node, Logical):
        return node.operands
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children (depth is bounded by MAX_DEPTH)."""
    yield node
    for child in children(node):
        yield from walk(child)


class Token(NamedTuple):
    kind: str  # number, string, field, name, op, end
    text: str
    position: int


TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n]+)
  | (?P<number>\d+(?:\.\d*)?|\.\d+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<field>\$\{[^\W\d][\w.-]*\})
  | (?P<name>[^\W\d][\w.-]*)
  | (?P<op><=|>=|!=|[=<>+\-*(),])
""", re.VERBOSE)
NUMBER_ASCII = re.compile(r"\d+(?:\.\d*)?|\.\d+", re.ASCII)


def tokenize(text: str) -> list:
    """Split an expression into tokens. :raise ExpressionError: a character that has no place here."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}", MAX_LENGTH)
    tokens, position = [], 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or (match.lastgroup == "number" and not NUMBER_ASCII.fullmatch(match.group())):
            raise ExpressionError(_unexpected_character(text, position), position)
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup, match.group(), position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _unexpected_character(text, position):
    char = text[position]
    if char in "'\"":
        return f"the text starting with {char} is not closed"
    if text.startswith("${", position) or char == "$":
        return "a field reference is written ${name}, with a survey field name inside the braces"
    if char == ".":
        return "'.' (the current field) cannot be used here: name the field, e.g. ${so_thanh_vien}"
    if char == "/":
        return "paths like /data/field are not supported: write ${field}"
    return f"unexpected character {char!r}"


def parse(text: str) -> "Node":
    """Parse an expression into its AST. :raise ExpressionError: with the position of the first problem."""
    return _Parser(tokenize(text)).parse()


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.index, self.depth = tokens, 0, 0

    def parse(self):
        if self.peek().kind == "end":
            raise ExpressionError("the expression is empty", 0)
        node = self.binary(0)
        self.expect_end()
        return node

    def peek(self):
        return self.tokens[self.index]

    def advance(self):
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect_end(self):
        token = self.peek()
        if token.kind != "end":
            raise ExpressionError(f"unexpected {describe(token)}: an operator such as 'and' or '+' may be missing",
                                  token.position)

    def operator(self, level):
        token = self.peek()
        return token if token.kind in ("op", "name") and token.text in BINARY_LEVELS[level] else None

    def binary(self, level):
        if level == len(BINARY_LEVELS):
            return self.unary()
        first, rest = self.binary(level + 1), []
        while (token := self.operator(level)) is not None:
            if rest and token.text in COMPARISONS:
                raise ExpressionError(f"comparisons cannot be chained: write 'a {rest[0][0]} b and b {token.text} c' "
                                      f"instead of 'a {rest[0][0]} b {token.text} c'", token.position)
            self.index += 1
            rest.append((token.text, self.binary(level + 1)))
        return _combine(BINARY_LEVELS[level], first, rest) if rest else first

    def unary(self):
        token = self.peek()
        if token.text == "-" and token.kind == "op":
            self.index += 1
            with _Nesting(self, token):
                return Negate(self.unary(), token.position)
        return self.primary()

    def primary(self):
        token = self.advance()
        if token.kind == "number":
            return Number(float(token.text), token.position)
        if token.kind == "string":
            return String(token.text[1:-1], token.position)
        if token.kind == "field":
            return Field(token.text[2:-1], token.position)
        if token.text == "(" and token.kind == "op":
            with _Nesting(self, token):
                node = self.binary(0)
            self.expect(")", f"the '(' at character {token.position + 1} is not closed")
            return node
        if token.kind == "name" and (token.text not in OPERATOR_WORDS or self.peek().text == "("):
            return self.call(token)
        raise ExpressionError(f"expected a value but found {describe(token)}", token.position)

    def expect(self, text, message):
        token = self.advance()
        if token.text != text or token.kind != "op":
            raise ExpressionError(f"{message}; found {describe(token)}", token.position)

    def call(self, name):
        if self.peek().text != "(":
            raise ExpressionError(f"'{name.text}' is not known here: write ${{{name.text}}} for a survey field "
                                  f"or '{name.text}' for text", name.position)
        if name.text not in FUNCTION_ARITY and name.text not in ROLLUP_FUNCTIONS:
            raise ExpressionError(f"unknown function {name.text}(); the functions are "
                                  + ", ".join(f"{known}()" for known in (*FUNCTION_ARITY, *ROLLUP_FUNCTIONS)),
                                  name.position)
        self.index += 1
        with _Nesting(self, name):
            args = self.arguments(name)
        if name.text in ROLLUP_FUNCTIONS:
            return _rollup(name, args)
        _check_arity(name, len(args), FUNCTION_ARITY[name.text])
        return Call(name.text, tuple(args), name.position)

    def arguments(self, name):
        args = []
        if self.peek().text == ")":
            self.index += 1
            return args
        while True:
            args.append(self.binary(0))
            token = self.advance()
            if token.text == ")" and token.kind == "op":
                return args
            if token.text != "," or token.kind != "op":
                raise ExpressionError(f"{name.text}( is not closed: expected ',' or ')' but found {describe(token)}",
                                      token.position)


class _Nesting:
    """Counts one nesting level while the parser is inside it. :raise ExpressionError: too deep."""

    def __init__(self, parser, token):
        self.parser, self.token = parser, token

    def __enter__(self):
        self.parser.depth += 1
        if self.parser.depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels of "
                                  f"parentheses, functions or signs)", self.token.position)

    def __exit__(self, *exc):
        self.parser.depth -= 1


def _combine(operators, first, rest):
    position = getattr(first, "position", 0)
    if operators[0] in ("or", "and"):
        return Logical(operators[0], (first, *(operand for _, operand in rest)), position)
    if operators[0] in COMPARISONS:
        return Compare(rest[0][0], first, rest[0][1], position)
    return Arithmetic(first, tuple(rest), position)


def _check_arity(name, count, arity):
    fewest, most = arity
    if count < fewest or (most is not None and count > most):
        expected = str(fewest) if fewest == most else f"at least {fewest}"
        raise ExpressionError(f"{name.text}() takes {expected} argument{'' if expected == '1' else 's'}, "
                              f"not {count}", name.position)


def _rollup(name, args):
    if len(args) != 1 or not isinstance(args[0], String):
        raise ExpressionError(f"{name.text}() takes one model code in quotes, e.g. {name.text}('gia_dinh')",
                              name.position)
    return Rollup(name.text, args[0].value.strip(), name.position)


def describe(token: "Token") -> str:
    if token.kind == "end":
        return "the end of the expression"
    return f"'{token.text}'" if len(token.text) <= 30 else f"'{token.text[:27]}...'"
