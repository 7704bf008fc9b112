from marshmallow import Schema, ValidationError, fields, validate

from ..schemas import BodySchema, Timestamp
from .models import LEVELS


class AreaSchema(Schema):
    """An area as the API shows it: codes, not ids, name its parent and legacy district."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parentCode = fields.String(attribute="parent_code", allow_none=True)
    legacyDistrictCode = fields.String(attribute="legacy_district_code", allow_none=True)
    validFrom = fields.Date(attribute="valid_from", allow_none=True)
    validTo = fields.Date(attribute="valid_to", allow_none=True)
    hasBoundary = fields.Boolean(attribute="has_boundary")
    createdAt = Timestamp(attribute="created_at")
    updatedAt = Timestamp(attribute="updated_at")


class AreaQuerySchema(BodySchema):
    level = fields.String(validate=validate.OneOf(LEVELS))
    parent = fields.String()
    tree = fields.String()


class CodeOrArea(fields.Field):
    """An area code, or an area object with a `code` (so a GET answer can be PUT back unchanged)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            value = value.get("code")
        if not isinstance(value, str) or not value.strip():
            raise ValidationError("must be an area code (text) or an object with a code.")
        return value.strip()


class AreaScopeSchema(BodySchema):
    areas = fields.List(CodeOrArea(), required=True, validate=validate.Length(max=5000))
