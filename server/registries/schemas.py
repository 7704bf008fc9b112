"""Datasets and entities on the wire, in ODK Central's shapes (docs/api.yaml Dataset, DatasetMetadata,
EntitySummary, Entity; pyodk 1.3.0's EntityList and Entity models read them), and entity request bodies
checked as Central checks them (lib/data/entity.js extractEntity, extractBulkSource)."""

import uuid as uuid_module

from marshmallow import Schema, fields

from .. import errors
from ..auth.schemas import ActorSchema
from ..schemas import Timestamp
from .tabular import normalize_uuid, odata_name

BODY_KEYS = ("label", "uuid", "data")


class DatasetSchema(Schema):
    name = fields.String()
    createdAt = Timestamp(attribute="created_at")
    projectId = fields.Integer(attribute="project_id")
    approvalRequired = fields.Boolean(attribute="approval_required")
    ownerOnly = fields.Constant(False)


class PropertySchema(Schema):
    name = fields.String()
    publishedAt = Timestamp(attribute="published_at")
    odataName = fields.Function(lambda prop: odata_name(prop.name))
    forms = fields.Constant([])


def dataset_metadata(dataset, properties, last_update):
    """DatasetMetadata: forms that fill or use the dataset are not tracked here, so those lists are empty."""
    return {**DatasetSchema().dump(dataset), "lastUpdate": Timestamp().serialize("t", {"t": last_update}),
            "linkedForms": [], "sourceForms": [], "draftLinkedForms": [], "draftSourceForms": [],
            "properties": PropertySchema(many=True).dump(properties)}


class EntityVersionSchema(Schema):
    """The current version, made from the entity row (only the current version is stored)."""

    current = fields.Constant(True)
    label = fields.String()
    creatorId = fields.Function(lambda entity: entity.updater_id or entity.creator_id)
    userAgent = fields.String(attribute="user_agent", allow_none=True)
    version = fields.Integer()
    baseVersion = fields.Function(lambda entity: entity.version - 1 if entity.version > 1 else None)
    conflictingProperties = fields.Constant(None)
    createdAt = fields.Function(
        lambda entity: Timestamp()._serialize(entity.updated_at or entity.created_at, None, None))
    branchId = fields.Constant(None)
    trunkVersion = fields.Constant(None)
    branchBaseVersion = fields.Constant(None)


class EntitySchema(Schema):
    uuid = fields.String()
    creatorId = fields.Integer(attribute="creator_id", allow_none=True)
    conflict = fields.Constant(None)
    createdAt = Timestamp(attribute="created_at")
    updatedAt = Timestamp(attribute="updated_at")
    deletedAt = Timestamp(attribute="deleted_at")


def entity_json(entity, with_data=False, data_received=None, actors=None):
    """An entity as Central answers: EntitySummary (lists) or Entity with data (one entity).

    `actors` ({id: Actor}) adds the extended `creator` objects; `data_received` is what this request sent.
    """
    body = EntitySchema().dump(entity)
    version = EntityVersionSchema().dump(entity)
    if with_data:
        version["data"] = dict(entity.data)
        version["dataReceived"] = data_received if data_received is not None else {**entity.data, "label": entity.label}
    if actors is not None:
        body["creator"] = actor_json(actors.get(entity.creator_id))
        version["creator"] = actor_json(actors.get(entity.updater_id or entity.creator_id))
    body["currentVersion"] = version
    return body


def actor_json(actor):
    return ActorSchema().dump(actor) if actor is not None else None


def parse_new_entity(body, property_names):
    """(uuid, label, data) of a new entity's JSON body; a missing uuid gets a fresh one.

    :raise 400.31: keys other than label, uuid, data; :raise 400.2: no label; :raise 400.11: a non-string
        uuid, label or value, or a uuid that is not a version 4 UUID; :raise 400.8: a blank label;
        :raise 400.28: no data, or a property the dataset does not have.
    """
    check_keys(body)
    raw_uuid = body.get("uuid")
    if raw_uuid is not None and not isinstance(raw_uuid, str):
        raise errors.invalid_data_type(field="uuid", expected="string")
    entity_uuid = normalize_uuid(raw_uuid) if raw_uuid else str(uuid_module.uuid4())
    if entity_uuid is None:
        raise errors.invalid_data_type(field="uuid", expected="valid version 4 UUID")
    if body.get("label") is None:
        raise errors.missing_parameter(field="label")
    label = checked_label(body["label"])
    if body.get("data") is None:
        raise errors.invalid_entity(reason="No entity data provided.")
    return entity_uuid, label, checked_data(body["data"], property_names)


def parse_entity_update(body, property_names):
    """(label or None, data or None) of a PATCH body. :raise: as parse_new_entity."""
    check_keys(body)
    label = checked_label(body["label"]) if body.get("label") is not None else None
    if body.get("data") is None and label is None:
        raise errors.invalid_entity(reason="No entity data or label provided.")
    data = checked_data(body["data"], property_names) if body.get("data") is not None else None
    return label, data


def check_keys(body):
    if not isinstance(body, dict):
        raise errors.invalid_entity(reason="The entity must be a JSON object.")
    if any(key not in BODY_KEYS for key in body):
        raise errors.unexpected_attributes(expected=", ".join(BODY_KEYS), actual=", ".join(map(str, body)))


def checked_label(label):
    if not isinstance(label, str):
        raise errors.invalid_data_type(field="label", expected="string")
    if not label.strip():
        raise errors.unexpected_value(field="label", value="(empty string)", reason="Label cannot be blank.")
    return label


def checked_data(data, property_names):
    if not isinstance(data, dict):
        raise errors.invalid_entity(reason="The entity data must be a JSON object.")
    for key, value in data.items():
        if not isinstance(value, str):
            raise errors.invalid_data_type(field=key, expected="string")
        if key not in property_names:
            raise errors.invalid_entity(reason=f"You specified the dataset property [{key}] which does not exist.")
    return dict(data)


def parse_bulk_source(source):
    """The bulk `source` ({name, size?}). :raise 400.2: no source or name, :raise 400.11: wrong types."""
    if not isinstance(source, dict):
        raise errors.missing_parameter(field="source")
    if not source.get("name"):
        raise errors.missing_parameter(field="source.name")
    if not isinstance(source["name"], str):
        raise errors.invalid_data_type(field="name", expected="string")
    size = source.get("size")
    if size is not None and (not isinstance(size, (int, float)) or isinstance(size, bool)):
        raise errors.invalid_data_type(field="size", expected="number")
    return {"name": source["name"][:255], **({"size": size} if size else {})}
