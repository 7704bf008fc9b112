from marshmallow import Schema, fields, validate

from ..schemas import BodySchema, Timestamp


class AppUserSchema(Schema):
    """Central's app user (pyodk's ProjectAppUser): the actor's fields, its project and its token (null once
    revoked)."""

    projectId = fields.Integer(attribute="project_id")
    id = fields.Integer(attribute="actor.id")
    type = fields.String(attribute="actor.type")
    displayName = fields.String(attribute="actor.display_name")
    token = fields.String(allow_none=True)
    createdAt = Timestamp(attribute="actor.created_at")
    updatedAt = Timestamp(attribute="actor.updated_at")
    deletedAt = Timestamp(attribute="actor.deleted_at")


class AppUserCreateSchema(BodySchema):
    displayName = fields.String(required=True, validate=[validate.Length(max=200),
                                                         validate.Predicate("strip", error="must not be blank")])
    areas = fields.List(fields.String(validate=validate.Length(min=1, max=32)), validate=validate.Length(max=5000))


class FormAssignmentSchema(Schema):
    actorId = fields.Integer(attribute="actor_id")
    roleId = fields.Integer(attribute="role_id")


class ProjectFormAssignmentSchema(FormAssignmentSchema):
    xmlFormId = fields.String(attribute="xml_form_id")
