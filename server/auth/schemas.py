from marshmallow import Schema, fields, validate

from ..schemas import BodySchema, Timestamp


class SessionCreateSchema(BodySchema):
    email = fields.String(required=True)
    password = fields.String(required=True)


class SessionSchema(Schema):
    token = fields.String()
    expiresAt = Timestamp(attribute="expires_at")
    createdAt = Timestamp(attribute="created_at")


class ActorSchema(Schema):
    id = fields.Integer()
    type = fields.String()
    displayName = fields.String(attribute="display_name")
    createdAt = Timestamp(attribute="created_at")
    updatedAt = Timestamp(attribute="updated_at")
    deletedAt = Timestamp(attribute="deleted_at")


class UserSchema(Schema):
    """Central's user: the actor's fields plus email."""

    id = fields.Integer(attribute="actor.id")
    type = fields.String(attribute="actor.type")
    displayName = fields.String(attribute="actor.display_name")
    email = fields.String()
    createdAt = Timestamp(attribute="actor.created_at")
    updatedAt = Timestamp(attribute="actor.updated_at")
    deletedAt = Timestamp(attribute="actor.deleted_at")


EMAIL_LENGTH = validate.Length(max=320)  # the columns' lengths
NAME_LENGTH = validate.Length(max=200)


class UserCreateSchema(BodySchema):
    email = fields.String(required=True, validate=EMAIL_LENGTH)
    password = fields.String(validate=validate.Length(max=1024))
    displayName = fields.String(validate=NAME_LENGTH)


class UserUpdateSchema(BodySchema):
    displayName = fields.String(validate=NAME_LENGTH)
    email = fields.String(validate=EMAIL_LENGTH)


class PasswordChangeSchema(BodySchema):
    old = fields.String(required=True)
    new = fields.String(required=True)


class RoleSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    system = fields.String()
    verbs = fields.Function(lambda role: sorted(role.verbs))


class AssignmentSchema(Schema):
    actorId = fields.Integer(attribute="actor_id")
    roleId = fields.Integer(attribute="role_id")
