"""Shared marshmallow pieces: Central's timestamp format and JSON body loading."""

from marshmallow import Schema, ValidationError, fields

from . import errors
from .http import json_body


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
    """Parse the request's JSON body (server/http.py json_body) with `schema`; problems become catalogue errors."""
    body = json_body(required=not partial)
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
