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
        raise validation_problem(schema, body or {}, error.messages) from None


def validation_problem(schema: Schema, body: object, messages: dict) -> errors.AppError:
    """400.2 for the first required field the body lacks, else 400.11 for the first field marshmallow refused.
    Missing is read from the schema and the body, not from marshmallow's wording."""
    for name, field in schema.fields.items():
        key = field.data_key or name
        if field.required and key in messages and not (isinstance(body, dict) and key in body):
            return errors.missing_parameter(field=key)
    field, problems = next(iter(messages.items()))
    expected = " ".join(map(str, problems)) if isinstance(problems, list) else str(problems)
    return errors.invalid_data_type(field=field, expected=expected, errors=messages)
