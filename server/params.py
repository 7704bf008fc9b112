"""Query parameters, headers and path integers, read strictly: booleans as ODK Central reads them ("true" in any
case: pyodk sends "True"), integers as ASCII digits within what the database holds."""

import re

from flask import request
from werkzeug.routing import IntegerConverter

from . import errors

MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds (PostgreSQL's int4)
DIGITS = re.compile(r"[0-9]{1,10}", re.ASCII)


class DatabaseIntegerConverter(IntegerConverter):
    """`<int:…>` in a route: ASCII digits, 0 … MAX_ID. A larger number names nothing: 404, not a database error."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def int_param(name, default=None, minimum=0, maximum=MAX_ID):
    """?name= as an integer in minimum … maximum, or `default` when absent.
    :raise 400.8: not ASCII digits, or out of range."""
    value = request.args.get(name)
    if value is None or value == "":
        return default
    if not DIGITS.fullmatch(value) or not minimum <= int(value) <= maximum:
        raise errors.unexpected_value(field=name, value=repr(value[:40]),
                                      reason=f"expected a whole number from {minimum} to {maximum}.")
    return int(value)


def is_true(value):
    return (value or "").strip().lower() == "true"


def query_flag(name):
    return is_true(request.args.get(name))


def wants_extended_metadata():
    return is_true(request.headers.get("X-Extended-Metadata"))
