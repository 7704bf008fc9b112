from marshmallow import Schema, fields

from ..schemas import BodySchema, Timestamp


class ProjectSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String(allow_none=True)
    archived = fields.Boolean()
    keyId = fields.Constant(None)
    createdAt = Timestamp(attribute="created_at")
    updatedAt = Timestamp(attribute="updated_at")
    deletedAt = Timestamp(attribute="deleted_at")


class ProjectCreateSchema(BodySchema):
    name = fields.String(required=True, validate=lambda name: bool(name.strip()))
    description = fields.String(allow_none=True)


class ProjectUpdateSchema(BodySchema):
    name = fields.String(validate=lambda name: bool(name.strip()))
    description = fields.String(allow_none=True)
    archived = fields.Boolean()
