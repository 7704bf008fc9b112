"""Forms on the wire, with every key pyodk's Form and FormAttachment models require."""

from marshmallow import Schema, fields

from ..schemas import BodySchema, Timestamp


class FormSchema(Schema):
    """Dumps {"form": Form, "definition": FormDef}: the form with one of its definitions."""

    projectId = fields.Integer(attribute="form.project_id")
    xmlFormId = fields.String(attribute="form.xml_form_id")
    name = fields.String(attribute="definition.name")
    version = fields.String(attribute="definition.version")
    enketoId = fields.Constant(None)
    enketoOnceId = fields.Constant(None)
    hash = fields.String(attribute="definition.hash")
    sha256 = fields.String(attribute="definition.sha256")
    draftToken = fields.Constant(None)
    keyId = fields.Constant(None)
    state = fields.String(attribute="form.state")
    publishedAt = Timestamp(attribute="definition.published_at")
    createdAt = Timestamp(attribute="form.created_at")
    updatedAt = Timestamp(attribute="form.updated_at")
    webformsEnabled = fields.Constant(False)


class FormAttachmentSchema(Schema):
    name = fields.String()
    type = fields.String()
    hash = fields.Function(lambda attachment: attachment.blob.md5 if attachment.blob else None)
    exists = fields.Function(lambda attachment: attachment.blob_id is not None)
    blobExists = fields.Function(lambda attachment: attachment.blob_id is not None)
    datasetExists = fields.Constant(False)
    updatedAt = Timestamp(attribute="updated_at")


class FormUpdateSchema(BodySchema):
    state = fields.String(required=True)
