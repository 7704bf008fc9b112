from marshmallow import Schema, fields, validate

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


# not blank, and within the column's length (marshmallow 4 validators must raise: a False return is ignored)
PROJECT_NAME = [validate.Length(max=500), validate.Predicate("strip", error="must not be blank")]


class ProjectCreateSchema(BodySchema):
    name = fields.String(required=True, validate=PROJECT_NAME)
    description = fields.String(allow_none=True)


class ProjectUpdateSchema(BodySchema):
    name = fields.String(validate=PROJECT_NAME)
    description = fields.String(allow_none=True)
    archived = fields.Boolean()
