"""Entity lists (datasets) and entities: ODK Central's /v1/projects/{p}/datasets endpoints as pyodk 1.3.0
calls them, plus POST …/datasets/{name}/entities/import (a CSV or XLSX registry; ours)."""

import io

from flask import Blueprint, jsonify, request, send_file

from .. import errors
from ..areas.service import is_within
from ..auth import queries as auth_queries
from ..auth import service as auth_service
from ..auth.requests import current_actor
from ..http import caller_scope, json_body, project_or_404, read_uploaded_table
from ..params import is_true, query_flag, wants_extended_metadata
from ..text import storable
from . import importing, queries, schemas, service, tabular

bp = Blueprint("registries", __name__, url_prefix="/v1/projects/<int:project_id>/datasets")

# Central's dataset and entity verbs. Until server/auth/roles.py grants them, each is also allowed by a
# verb the same Central roles hold: viewers read entity lists (submission.list), managers change them.
FALLBACK_VERBS = {"dataset.list": "submission.list", "dataset.read": "submission.list",
                  "entity.list": "submission.list", "entity.read": "submission.list",
                  "dataset.create": "project.update", "dataset.update": "project.update",
                  "entity.create": "project.update", "entity.update": "project.update",
                  "entity.delete": "project.update"}


def project_for_datasets_or_404(project_id, verb):
    """The live project, if the caller may `verb` its datasets, or holds the verb FALLBACK_VERBS lets stand in.
    :raise 401.2:, :raise 404.1:, :raise 403.1:"""
    project = project_or_404(project_id, verb=None)
    verbs = auth_service.verbs_for(current_actor(), project.id)
    if verb not in verbs and FALLBACK_VERBS[verb] not in verbs:
        raise errors.insufficient_rights()
    return project


def dataset_or_404(project_id, name, verb):
    """The project's dataset `name`, if the caller may `verb` it. :raise 404.1:, :raise 401.2:, :raise 403.1:"""
    dataset = queries.get_dataset(project_for_datasets_or_404(project_id, verb).id, name)
    if dataset is None:
        raise errors.not_found()
    return dataset


def entity_or_404(dataset, uuid, deleted=False):
    """A live (or, with `deleted`, a deleted) entity of the dataset, in the caller's areas. :raise 404.1:,
    :raise 403.1: outside the caller's area limit."""
    entity = queries.get_entity(dataset.id, uuid, deleted)
    if entity is None:
        raise errors.not_found()
    if not is_within(caller_scope(dataset.project_id), entity.area_id):
        raise errors.insufficient_rights()
    return entity


def user_agent():
    return storable(request.user_agent.string, 500) or None


def metadata(dataset):
    return schemas.dataset_metadata(dataset, queries.list_properties(dataset.id),
                                    max(filter(None, (dataset.created_at, dataset.updated_at,
                                                      queries.last_entity_change(dataset.id)))))


@bp.get("")
def list_datasets(project_id):
    datasets = queries.list_datasets(project_for_datasets_or_404(project_id, "dataset.list").id)
    body = schemas.DatasetSchema(many=True).dump(datasets)
    if wants_extended_metadata():
        stats = queries.entity_stats([dataset.id for dataset in datasets])
        for item, dataset in zip(body, datasets):
            count, last = stats.get(dataset.id, (0, None))
            item.update(entities=count, lastEntity=schemas.Timestamp().serialize("t", {"t": last}), conflicts=0)
    return jsonify(body)


@bp.post("")
def create_dataset(project_id):
    project = project_for_datasets_or_404(project_id, "dataset.create")
    body = json_body()
    name = body.get("name") if isinstance(body, dict) else None
    approval = body.get("approvalRequired", False) if isinstance(body, dict) else False
    if not isinstance(approval, bool):
        raise errors.invalid_data_type(field="approvalRequired", expected="boolean")
    return jsonify(metadata(service.create_dataset(project, name, approval, by=current_actor())))


@bp.get("/<name>")
def get_dataset(project_id, name):
    return jsonify(metadata(dataset_or_404(project_id, name, "dataset.read")))


@bp.post("/<name>/properties")
def add_property(project_id, name):
    dataset = dataset_or_404(project_id, name, "dataset.update")
    body = json_body()
    service.add_property(dataset, body.get("name") if isinstance(body, dict) else None, by=current_actor())
    return jsonify(success=True)


@bp.get("/<name>/entities")
def list_entities(project_id, name):
    dataset = dataset_or_404(project_id, name, "entity.list")
    entities = queries.list_entities(dataset.id, deleted=query_flag("deleted"), within=caller_scope(project_id))
    actors = extended_actors(entities)
    return jsonify([schemas.entity_json(entity, actors=actors) for entity in entities])


@bp.get("/<name>/entities.csv")
def export_entities(project_id, name):
    """The dataset as a spreadsheet-safe CSV in Central's export columns; it re-imports unchanged."""
    dataset = dataset_or_404(project_id, name, "entity.list")
    entities = queries.list_entities(dataset.id, within=caller_scope(project_id))
    actors = auth_queries.get_actors({entity.creator_id for entity in entities})
    rows = ((entity.uuid, entity.label, entity.data, entity.created_at, entity.creator_id,
             actors[entity.creator_id].display_name if entity.creator_id in actors else None, entity.version,
             entity.updated_at) for entity in entities)
    body = tabular.entity_export_csv(queries.property_names(dataset.id), rows)
    return send_file(io.BytesIO(body), mimetype="text/csv", as_attachment=True, download_name=f"{name}.csv")


def extended_actors(entities):
    if not wants_extended_metadata():
        return None
    return auth_queries.get_actors({actor for entity in entities for actor in (entity.creator_id, entity.updater_id)})


@bp.post("/<name>/entities")
def create_entities(project_id, name):
    """One entity {uuid?, label, data}, answered with it; or {"entities": […], "source": {name, size?}}."""
    dataset = dataset_or_404(project_id, name, "entity.create")
    body, properties = json_body(), queries.property_names(dataset.id)
    if isinstance(body, dict) and body.get("entities") is not None:
        items = bulk_items(body["entities"], properties)
        service.create_entities(dataset, items, schemas.parse_bulk_source(body.get("source")), current_actor(),
                                user_agent(), within=caller_scope(project_id))
        return jsonify(success=True)
    entity_uuid, label, data = schemas.parse_new_entity(body, properties)
    entity = service.create_entity(dataset, entity_uuid, label, data, current_actor(), user_agent(),
                                   within=caller_scope(project_id))
    return jsonify(schemas.entity_json(entity, with_data=True, data_received={**body["data"], "label": label}))


def bulk_items(entities, properties):
    """:raise 400.31: not a non-empty array, and what parse_new_entity raises."""
    if not isinstance(entities, list) or not entities:
        actual = "empty array" if isinstance(entities, list) else "not an array"
        raise errors.unexpected_attributes(expected="entities: [...]", actual=actual)
    return [schemas.parse_new_entity(item, properties) for item in entities]


@bp.post("/<name>/entities/import")
def import_entities(project_id, name):
    """Body: CSV or XLSX (label, name?, one column per property); ?key=<column>, ?addProperties=true."""
    dataset = dataset_or_404(project_id, name, "entity.create")
    table = read_uploaded_table(importing.WHAT)
    counts = importing.import_entities(dataset, table, request.args.get("key") or None, query_flag("addProperties"),
                                       current_actor(), user_agent(), {"name": request.mimetype},
                                       within=caller_scope(project_id))
    return jsonify(counts)


@bp.get("/<name>/entities/<uuid>")
def get_entity(project_id, name, uuid):
    entity = entity_or_404(dataset_or_404(project_id, name, "entity.read"), uuid)
    return jsonify(schemas.entity_json(entity, with_data=True, actors=extended_actors([entity])))


@bp.patch("/<name>/entities/<uuid>")
def update_entity(project_id, name, uuid):
    """?baseVersion=<current version> or ?force=true; body {label?, data?}."""
    dataset = dataset_or_404(project_id, name, "entity.update")
    entity = entity_or_404(dataset, uuid)
    body = json_body()
    label, data = schemas.parse_entity_update(body, queries.property_names(dataset.id))
    service.update_entity(dataset, entity, label, data, request.args.get("baseVersion"),
                          is_true(request.args.get("force")), current_actor(), user_agent())
    service.check_within(caller_scope(project_id), [entity.area_id])  # not moved out of her areas (else rolled back)
    received = {**(data or {}), **({"label": label} if label else {})}
    return jsonify(schemas.entity_json(entity, with_data=True, data_received=received))


@bp.delete("/<name>/entities/<uuid>")
def delete_entity(project_id, name, uuid):
    dataset = dataset_or_404(project_id, name, "entity.delete")
    service.delete_entity(dataset, entity_or_404(dataset, uuid), by=current_actor())
    return jsonify(success=True)
