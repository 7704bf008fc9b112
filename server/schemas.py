"""Shared marshmallow pieces: Central's timestamp format and JSON body loading."""

from flask import request
from marshmallow import Schema, ValidationError, fields

from . import errors


class Timestamp(fields.DateTime):
    """ISO 8601 in UTC with milliseconds and a Z, as Central writes it: 2026-11-22T07:46:56.123Z."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class BodySchema(Schema):
    """Input schemas reject unknown keys loudly only when they matter; unknown ones are ignored (Central does)."""

    class Meta:
        unknown = "exclude"


def load_json(schema: Schema, partial=False):
    """Parse the request's JSON body with `schema`; problems become catalogue errors."""
    body = request.get_json(silent=True)
    if body is None and not partial:
        raw = request.get_data(cache=True)
        raise errors.unparseable(length=len(raw), format="json")
    if contains_nul(body):
        raise errors.unexpected_value(field="body", value="(NUL)", reason="text may not contain NUL characters.")
    try:
        return schema.load(body or {}, partial=partial)
    except ValidationError as error:
        raise validation_problem(error.messages) from None


def validation_problem(messages):
    for field, problems in messages.items():
        if any("Missing data" in str(problem) for problem in problems):
            return errors.missing_parameter(field=field)
    field, problems = next(iter(messages.items()))
    return errors.AppError(400.11, f"Invalid input data type for '{field}': {' '.join(map(str, problems))}",
                           {"field": field, "errors": messages})


def contains_nul(value):
    """True if any string in a JSON value holds a NUL character (PostgreSQL text cannot store one)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(contains_nul(item) for item in value)
    return False
