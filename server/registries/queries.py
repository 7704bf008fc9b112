"""All SQL about datasets (entity lists), their properties and entities."""

import sqlalchemy as sa

from ..areas.queries import descendants_select
from ..auth.models import Actor, Assignment
from ..extensions import db
from .models import Dataset, DatasetProperty, Entity


def list_datasets(project_id):
    query = sa.select(Dataset).where(Dataset.project_id == project_id).order_by(Dataset.name)
    return db.session.execute(query).scalars().all()


def get_dataset(project_id, name):
    query = sa.select(Dataset).where(Dataset.project_id == project_id, Dataset.name == name)
    return db.session.execute(query).scalar_one_or_none()


def get_dataset_any_case(project_id, name):
    """The dataset whose name equals `name` ignoring case (Central allows only one of 'Trees' and 'trees')."""
    query = sa.select(Dataset).where(Dataset.project_id == project_id, sa.func.lower(Dataset.name) == name.lower())
    return db.session.execute(query).scalars().first()


def entity_stats(dataset_ids):
    """{dataset id: (live entity count, latest entity creation time)}."""
    query = (sa.select(Entity.dataset_id, sa.func.count(), sa.func.max(Entity.created_at))
             .where(Entity.dataset_id.in_(dataset_ids), Entity.deleted_at.is_(None)).group_by(Entity.dataset_id))
    return {row[0]: (row[1], row[2]) for row in db.session.execute(query)}


def last_entity_change(dataset_id):
    """When an entity of the dataset was last created, changed or deleted, or None."""
    latest = sa.func.max(sa.func.coalesce(Entity.deleted_at, Entity.updated_at, Entity.created_at))
    return db.session.execute(sa.select(latest).where(Entity.dataset_id == dataset_id)).scalar()


def list_properties(dataset_id):
    query = (sa.select(DatasetProperty).where(DatasetProperty.dataset_id == dataset_id)
             .order_by(DatasetProperty.published_at, DatasetProperty.id))
    return db.session.execute(query).scalars().all()


def property_names(dataset_id):
    return [prop.name for prop in list_properties(dataset_id)]


def get_entity(dataset_id, uuid, deleted=False):
    query = sa.select(Entity).where(Entity.dataset_id == dataset_id, Entity.uuid == (uuid or "").lower(),
                                    Entity.deleted_at.is_not(None) if deleted else Entity.deleted_at.is_(None))
    return db.session.execute(query).scalar_one_or_none()


def list_entities(dataset_id, deleted=False, within=None):
    """The dataset's live (or deleted) entities, oldest first; with `within` (a SELECT of area ids: the
    caller's area limit) only those tied to those areas or below them."""
    query = (sa.select(Entity).where(Entity.dataset_id == dataset_id,
                                     Entity.deleted_at.is_not(None) if deleted else Entity.deleted_at.is_(None))
             .order_by(Entity.created_at, Entity.id))
    if within is not None:
        query = query.where(Entity.area_id.in_(descendants_select(within)))
    return db.session.execute(query).scalars().all()


def existing_uuids(uuids):
    """The subset of `uuids` some entity (in any dataset, deleted or not) already has."""
    found = set()
    uuids = list(uuids)
    for start in range(0, len(uuids), 5000):  # stay below SQLite's bound-parameter limit
        chunk = uuids[start:start + 5000]
        found.update(db.session.execute(sa.select(Entity.uuid).where(Entity.uuid.in_(chunk))).scalars())
    return found


def entities_by_uuid(uuids):
    """{uuid: Entity} for entities (any dataset, deleted or not) with these uuids."""
    found = {}
    uuids = list(uuids)
    for start in range(0, len(uuids), 5000):
        query = sa.select(Entity).where(Entity.uuid.in_(uuids[start:start + 5000]))
        found.update((entity.uuid, entity) for entity in db.session.execute(query).scalars())
    return found


def insert_entities(values):
    if values:
        db.session.execute(sa.insert(Entity), values)


def entities_in_areas(dataset_id, within=None):
    """(uuid, label, version, data) of the live entities of a dataset, oldest first; with `within` (area ids,
    or a SELECT of them such as areas.queries.scope_select) only those tied to one of those areas or an
    area below them (a commune covers its hamlets). Entities tied to no area are left out then."""
    query = (sa.select(Entity.uuid, Entity.label, Entity.version, Entity.data)
             .where(Entity.dataset_id == dataset_id, Entity.deleted_at.is_(None))
             .order_by(Entity.created_at, Entity.id))
    if within is not None:
        query = query.where(Entity.area_id.in_(descendants_select(within)))
    return db.session.execute(query).all()



def first_administrator():
    """The earliest live site administrator's actor, or None."""
    query = (sa.select(Actor).join(Assignment, Assignment.actor_id == Actor.id)
             .where(Assignment.role_id == 1, Assignment.project_id.is_(None), Actor.deleted_at.is_(None))
             .order_by(Actor.id).limit(1))
    return db.session.execute(query).scalar_one_or_none()


def area_of_entity(project_id, uuid):
    """The area the project's live entity `uuid` is tied to, or None (no such entity, or tied to none)."""
    query = (sa.select(Entity.area_id).join(Dataset, Dataset.id == Entity.dataset_id)
             .where(Dataset.project_id == project_id, Entity.uuid == uuid.lower(), Entity.deleted_at.is_(None),
                    Entity.area_id.is_not(None)))
    return db.session.execute(query.limit(1)).scalar()


def labels_by_uuid(project_id, uuids):
    """{uuid: label} of the project's live entities among `uuids` (what a select from a registry list answered)."""
    if not uuids:
        return {}
    query = (sa.select(Entity.uuid, Entity.label).join(Dataset, Dataset.id == Entity.dataset_id)
             .where(Dataset.project_id == project_id, Entity.uuid.in_(list(uuids)), Entity.deleted_at.is_(None)))
    return dict(db.session.execute(query).all())
