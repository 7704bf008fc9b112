"""Boolean query parameters and headers, read as ODK Central reads them: "true" in any case (pyodk sends "True")."""

from flask import request


def is_true(value):
    return (value or "").strip().lower() == "true"


def query_flag(name):
    return is_true(request.args.get(name))


def wants_extended_metadata():
    return is_true(request.headers.get("X-Extended-Metadata"))
