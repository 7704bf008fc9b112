"""XPath 1.0's conversions and arithmetic over Python bool, float and str (XPath 1.0 sections 3.4, 3.5, 4).
A pure module.

- a text in numeric context: optional spaces, optional '-', digits with an optional '.'; anything else
  ('' included, and '1e3', '+1', '1,5') is NaN;
- a number as text: integers without '.0', no exponent, NaN, Infinity, -Infinity;
- a text is true when it is not empty, a number when it is neither 0 nor NaN;
- `div` by 0 gives ±Infinity (NaN for 0 div 0), `mod` keeps the dividend's sign (like Java's %);
- round() takes halves towards +Infinity.
"""

import math
from decimal import Decimal
from functools import lru_cache

NAN = math.nan
XPATH_SPACE = " \t\r\n"

Value = bool | float | str  # XPath 1.0's boolean, number and string


@lru_cache(maxsize=8192)
def string_to_number(text: str) -> float:
    """XPath number(string): the text trimmed of XPath spaces, an optional minus and digits with at most one
    point, else NaN (no exponent, no '+', no Infinity)."""
    body = text.strip(XPATH_SPACE)
    digits = body[1:] if body.startswith("-") else body
    if not digits.isascii() or not digits.replace(".", "", 1).isdigit():
        return NAN
    return float(body)


def number_to_string(number: float) -> str:
    if number != number:
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == int(number):
        return str(int(number))
    text = repr(number)
    return format(Decimal(text), "f") if "e" in text else text


def to_number(value: Value) -> float:
    if isinstance(value, float):
        return value
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    return string_to_number(value)


def to_string(value: Value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return number_to_string(value)


def to_boolean(value: Value) -> bool:
    if isinstance(value, float):
        return value == value and value != 0
    return bool(value)


def equals(left: Value, right: Value) -> bool:
    """XPath `=` when the operand types are known only at evaluation: booleans first, then numbers, then text."""
    if isinstance(left, bool) or isinstance(right, bool):
        return to_boolean(left) == to_boolean(right)
    if isinstance(left, float) or isinstance(right, float):
        return to_number(left) == to_number(right)
    return left == right


def not_equals(left: Value, right: Value) -> bool:
    return not equals(left, right)


def is_empty(value: Value) -> bool:
    """What coalesce() skips: '' and NaN, as ODK Collect does."""
    return value == "" or (isinstance(value, float) and value != value)


def divide(left: float, right: float) -> float:
    try:
        return left / right
    except ZeroDivisionError:
        if left == 0 or left != left:
            return NAN
        return math.copysign(math.inf, left) * math.copysign(1.0, right)


def modulo(left: float, right: float) -> float:
    try:
        return math.fmod(left, right)
    except ValueError:  # x mod 0, Infinity mod x
        return NAN


def xpath_round(number: float) -> float:
    if number != number or math.isinf(number):
        return number
    floor = math.floor(number)
    return float(floor + 1 if number - floor >= 0.5 else floor)
