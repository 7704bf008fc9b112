"""Submissions on the wire, in ODK Central's shapes (central-transcripts 20*), with every key pyodk requires."""

from marshmallow import Schema, fields

from ..schemas import BodySchema, Timestamp


class VersionSchema(Schema):
    """One version (a SubmissionDef): Central's currentVersion, and each item of …/versions."""

    submitterId = fields.Integer(attribute="submitter_id")
    createdAt = Timestamp(attribute="created_at")
    instanceName = fields.String(attribute="instance_name")
    instanceId = fields.String(attribute="instance_id")
    current = fields.Boolean()
    deviceId = fields.String(attribute="device_id")
    userAgent = fields.String(attribute="user_agent")


class SubmissionSchema(Schema):
    """Dumps {"submission": Submission, "current": SubmissionDef}: the submission with its current version."""

    instanceId = fields.String(attribute="submission.instance_id")
    submitterId = fields.Integer(attribute="submission.submitter_id")
    deviceId = fields.String(attribute="submission.device_id")
    createdAt = Timestamp(attribute="submission.created_at")
    updatedAt = Timestamp(attribute="submission.updated_at")
    reviewState = fields.String(attribute="submission.review_state")
    userAgent = fields.String(attribute="submission.user_agent")
    deletedAt = Timestamp(attribute="submission.deleted_at")
    currentVersion = fields.Nested(VersionSchema, attribute="current")


class AttachmentSchema(Schema):
    name = fields.String()
    exists = fields.Function(lambda attachment: attachment.blob_id is not None)


class CommentSchema(Schema):
    id = fields.Integer()
    body = fields.String()
    actorId = fields.Integer(attribute="actor_id")
    createdAt = Timestamp(attribute="created_at")


class ReviewSchema(BodySchema):
    """PATCH body. Any value is let through: the service says which states exist (400.8 otherwise)."""

    reviewState = fields.Raw(required=True, allow_none=True)


class BulkReviewSchema(BodySchema):
    """POST …/submissions/review. The service checks the ids and the state (400.8 otherwise)."""

    instanceIds = fields.Raw(required=True)
    reviewState = fields.Raw(required=True, allow_none=True)
    comment = fields.Raw(load_default=None, allow_none=True)


class CommentCreateSchema(BodySchema):
    body = fields.Raw(required=True)
