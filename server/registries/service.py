"""Datasets, properties and entities: ODK Central's semantics. Operations flush; the request commits.

Every change is in the audit log (actions as Central names them: dataset.create, dataset.update,
entity.create, entity.update.version, entity.delete), with the entity's data, since only the current
version is kept in `entities`.
"""

from collections import Counter

from .. import errors
from ..areas import queries as area_queries
from ..areas.service import areas_within
from ..areas.tabular import code_candidates
from ..audit.service import audit_entry, log_action, record_actions
from ..db import utcnow
from ..extensions import db
from . import queries
from .models import Dataset, DatasetProperty, Entity
from .tabular import is_dataset_name, is_property_name

# Properties that tie an entity to an area, most specific first (coord/scoring-format.md registries).
AREA_PROPERTIES = (("thon", "hamlet"), ("xa", "commune"))


def create_dataset(project, name, approval_required=False, by=None):
    """:raise 400.8: not a valid name, :raise 409.3: the name is taken, :raise 409.16: taken in other case."""
    if not is_dataset_name(name):
        raise errors.unexpected_value(field="name", value=name, reason="This is not a valid dataset name.")
    existing = queries.get_dataset_any_case(project.id, name)
    if existing is not None and existing.name == name:
        raise errors.uniqueness_violation(fields="name,projectId", values=f"{name},{project.id}")
    if existing is not None:
        raise errors.dataset_name_conflict(current=existing.name, provided=name)
    dataset = Dataset(project_id=project.id, name=name, approval_required=bool(approval_required))
    db.session.add(dataset)
    db.session.flush()
    log_action(by, "dataset.create", "dataset", dataset.id, {"projectId": project.id, "name": name})
    return dataset


def add_property(dataset, name, by=None):
    """:raise 400.8: not a valid property name, :raise 409.3: the dataset has it already."""
    if not is_property_name(name):
        raise errors.unexpected_value(field="name", value=name, reason="This is not a valid property name.")
    if name in queries.property_names(dataset.id):
        raise errors.uniqueness_violation(fields="name,datasetId", values=f"{name},{dataset.id}")
    add_properties(dataset, [name], by)


def add_properties(dataset, names, by=None):
    for name in names:
        db.session.add(DatasetProperty(dataset_id=dataset.id, name=name))
    dataset.updated_at = utcnow()
    db.session.flush()
    log_action(by, "dataset.update", "dataset", dataset.id, {"name": dataset.name, "properties": list(names)})


class AreaResolver:
    """Ties entities to areas through their `thon` (hamlet code) or `xa` (commune code) property, and
    rewrites those values to the area's exact code (a number cell may have lost its leading zeros)."""

    def __init__(self):
        self.areas, self.looked_up = {}, set()

    def preload(self, datas):
        """Fetch, in one query, the areas the thon/xa values of `datas` may name (those not looked up yet)."""
        codes = {candidate for data in datas for prop, level in AREA_PROPERTIES if data.get(prop)
                 for candidate in code_candidates(data[prop], (level,)) if candidate not in self.looked_up}
        if codes:
            self.areas.update(area_queries.get_areas_by_codes(codes))
            self.looked_up |= codes

    def find(self, data, prop, level):
        area = next((self.areas[code] for code in code_candidates(data[prop], (level,)) if code in self.areas), None)
        if area is None or area.level != level:
            raise ValueError(f"Property [{prop}] holds {data[prop]!r}, which is no {level} code known here.")
        data[prop] = area.code
        return area

    def resolve(self, data):
        """The id of the entity's area (None if it names none). :raise ValueError: an unknown code, or a
        hamlet that is not in the commune given."""
        self.preload([data])
        found = {prop: self.find(data, prop, level) for prop, level in AREA_PROPERTIES if data.get(prop)}
        hamlet, commune = found.get("thon"), found.get("xa")
        if hamlet and commune and hamlet.parent_id != commune.id:
            raise ValueError(f"Hamlet {hamlet.code} is not in commune {commune.code}.")
        area = hamlet or commune
        return area.id if area else None


def area_of(data, resolver=None):
    """:raise 400.28: the thon/xa property names no such area."""
    try:
        return (resolver or AreaResolver()).resolve(data)
    except ValueError as error:
        raise errors.invalid_entity(reason=str(error)) from None


def new_entity(dataset, entity_uuid, label, data, area_id, by, user_agent):
    entity = Entity(dataset_id=dataset.id, uuid=entity_uuid, label=label, data=data, area_id=area_id, version=1,
                    creator_id=by.id if by else None, user_agent=user_agent, created_at=utcnow())
    db.session.add(entity)
    return entity


def log_entity(by, action, dataset, entity, **details):
    log_action(by, action, "entity", entity.uuid, {"dataset": dataset.name, "datasetId": dataset.id,
                                                   "uuid": entity.uuid, "version": entity.version, **details})


def create_entity(dataset, entity_uuid, label, data, by=None, user_agent=None, within=None):
    """:raise 409.3: the uuid is taken, :raise 400.28: an unknown area code, :raise 403.1: outside `within`."""
    if queries.existing_uuids([entity_uuid]):
        raise errors.uniqueness_violation(fields="uuid", values=entity_uuid)
    area_id = area_of(data)
    check_within(within, [area_id])
    entity = new_entity(dataset, entity_uuid, label, data, area_id, by, user_agent)
    db.session.flush()
    log_entity(by, "entity.create", dataset, entity, label=label, data=data)
    return entity


def check_within(within, area_ids):
    """An area-limited writer (`within`: a SELECT of her area ids) may write entities only in her areas; one
    tied to no area lies in none. :raise 403.1:"""
    area_ids = list(area_ids)
    if within is not None and (None in area_ids or not areas_within(within, set(area_ids))):
        raise errors.insufficient_rights()


def create_entities(dataset, items, source, by=None, user_agent=None, within=None):
    """Create many entities at once, all or nothing: `items` are (uuid, label, data); with `within`, only in
    those areas (check_within).

    :raise 409.3: a uuid repeated or taken, :raise 400.28: an unknown area code (with the entity's index),
    :raise 403.1: an entity outside `within`.
    """
    counts = Counter(entity_uuid for entity_uuid, _, _ in items)
    taken = sorted({entity_uuid for entity_uuid, count in counts.items() if count > 1} | queries.existing_uuids(counts))
    if taken:
        raise errors.uniqueness_violation(fields="uuid", values=", ".join(taken[:20]))
    resolver = AreaResolver()
    resolver.preload([data for _, _, data in items])
    rows = []
    for index, (entity_uuid, label, data) in enumerate(items):
        try:
            rows.append((entity_uuid, label, data, resolver.resolve(data)))
        except ValueError as error:
            raise errors.invalid_entity(reason=f"(Entity {index + 1}) {error}") from None
    check_within(within, [area_id for *_, area_id in rows])
    insert_entities(dataset, rows, by, user_agent, "entity.bulk.create", source)


def insert_entities(dataset, rows, by, user_agent, action, source=None):
    """INSERT new entities and their audit entries in bulk, without ORM objects (50,000 rows take seconds, not
    minutes). `rows`: (uuid, label, data, area id)."""
    now, actor_id = utcnow(), by.id if by else None
    queries.insert_entities([{"dataset_id": dataset.id, "uuid": entity_uuid, "label": label, "data": data,
                              "area_id": area_id, "version": 1, "creator_id": actor_id, "user_agent": user_agent,
                              "created_at": now} for entity_uuid, label, data, area_id in rows])
    record_actions(audit_entry(actor_id, action, "entity", entity_uuid, logged_at=now, details={
        "dataset": dataset.name, "datasetId": dataset.id, "uuid": entity_uuid, "version": 1, "label": label,
        "data": data, "source": source}) for entity_uuid, label, data, _ in rows)


def update_entity(dataset, entity, label=None, data=None, base_version=None, force=False, by=None, user_agent=None):
    """A new version with `label` and/or `data` merged into the current data.

    :raise 409.15: `base_version` is not the current version (and not `force`), :raise 400.28: unknown area.
    """
    if not force and str(base_version) != str(entity.version):
        raise errors.entity_version_conflict(current=str(entity.version), provided=str(base_version))
    merged = {**entity.data, **(data or {})}
    area_id = area_of(merged)
    changes = {key: value for key, value in merged.items() if entity.data.get(key) != value}
    entity.label, entity.data, entity.area_id = label or entity.label, merged, area_id
    entity.version += 1
    entity.updater_id, entity.user_agent, entity.updated_at = (by.id if by else None), user_agent, utcnow()
    db.session.flush()
    log_entity(by, "entity.update.version", dataset, entity, baseVersion=entity.version - 1, label=entity.label,
               data=changes)
    return entity


def delete_entity(dataset, entity, by=None):
    entity.deleted_at = utcnow()
    log_entity(by, "entity.delete", dataset, entity)
