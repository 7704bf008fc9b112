from marshmallow import Schema, fields

from ..schemas import Timestamp


class AuditSchema(Schema):
    actorId = fields.Integer(attribute="actor_id", allow_none=True)
    action = fields.String()
    acteeType = fields.String(attribute="actee_type")
    acteeId = fields.String(attribute="actee_id")
    details = fields.Raw()
    notes = fields.String(allow_none=True)
    loggedAt = Timestamp(attribute="logged_at")
