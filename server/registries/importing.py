"""Registry import from a CSV or XLSX table: create or update a dataset's entities, all or nothing.

Which row is which entity:
- `key=<property>`: the entity of the dataset whose property has the row's value (a household code,
  a citizen's ID number…), so importing the same file twice changes nothing;
- `key=name` (or no key and a `name`/`__id` column): the entity with the row's UUID;
- no key and no UUID column: every row is a new entity.
A matched entity gets a new version only if its label or data change.
"""

import uuid as uuid_module

from .. import errors
from ..db import utcnow
from ..extensions import db
from ..tables import header_key, problem
from . import queries, service, tabular

WHAT = "registry"


def import_entities(dataset, table, key=None, add_properties=False, by=None, user_agent=None, source=None,
                    within=None):
    """Returns {"created", "updated", "unchanged", "propertiesAdded"}; with `within` (an area-limited
    importer's areas), every row and every entity it updates must lie in them (:raise 403.1:).

    :raise 400.54: header or row problems (unknown columns without `add_properties`, bad UUIDs, empty
        labels or keys, repeated keys, unknown hamlet/commune codes, UUIDs of other datasets); nothing written.
    """
    key = header_key(key) if key else None  # as the file's headers are read
    rows, problems = tabular.import_rows(table, key)
    known = queries.property_names(dataset.id)
    columns = tabular.import_columns(table.headers, key)[1]
    new_properties = [name for name in columns if name not in known]
    if new_properties and not add_properties:
        problems.append(problem(1, None, f"the dataset has no properties {', '.join(new_properties)}: add them "
                                                 "(POST …/properties) or import with addProperties=true."))
    area_ids = resolve_areas(rows, problems)
    matches = match_rows(dataset, rows, key, problems)
    if problems:
        raise errors.table_problems(problems, WHAT)
    service.check_within(within, [*area_ids.values(), *(entity.area_id for entity in matches.values())])
    if new_properties:
        service.add_properties(dataset, new_properties, by)
    counts = write_rows(dataset, rows, matches, area_ids, by, user_agent, source)
    return {**counts, "propertiesAdded": new_properties}


def resolve_areas(rows, problems):
    """{row number: area id} from each row's thon/xa; unknown codes become problems."""
    resolver = service.AreaResolver()
    resolver.preload([row.data for row in rows])
    area_ids = {}
    for row in rows:
        try:
            area_ids[row.row] = resolver.resolve(row.data)
        except ValueError as error:
            problems.append(problem(row.row, None, str(error)))
    return area_ids


def match_rows(dataset, rows, key, problems):
    """{row number: existing Entity} for rows that name an entity of this dataset."""
    if key and key not in tabular.UUID_COLUMNS:
        by_key = {}
        for entity in queries.list_entities(dataset.id):
            by_key.setdefault(entity.data.get(key), entity)
        matches = {row.row: by_key[row.key] for row in rows if row.key in by_key}
        taken = queries.existing_uuids(row.uuid for row in rows if row.uuid and row.row not in matches)
        problems.extend(problem(row.row, "name", f"the UUID {row.uuid} is already used by another entity.")
                        for row in rows if row.uuid in taken and row.row not in matches)
        return matches
    existing = queries.entities_by_uuid(row.uuid for row in rows if row.uuid)
    matches = {}
    for row in (row for row in rows if row.uuid in existing):
        entity = existing[row.uuid]
        if entity.dataset_id != dataset.id or entity.deleted_at is not None:
            where = "was deleted" if entity.dataset_id == dataset.id else "belongs to another entity list"
            problems.append(problem(row.row, "name", f"the entity {row.uuid} {where}."))
        else:
            matches[row.row] = entity
    return matches


def write_rows(dataset, rows, matches, area_ids, by, user_agent, source):
    created, updated = [], []
    for row in rows:
        entity = matches.get(row.row)
        if entity is None:
            created.append((row.uuid or str(uuid_module.uuid4()), row.label, row.data, area_ids[row.row]))
        elif entity.label != row.label or {**entity.data, **row.data} != entity.data:
            changes = {name: value for name, value in row.data.items() if entity.data.get(name) != value}
            entity.label, entity.data, entity.area_id = row.label, {**entity.data, **row.data}, area_ids[row.row]
            entity.version += 1
            entity.updater_id, entity.user_agent, entity.updated_at = (by.id if by else None), user_agent, utcnow()
            updated.append((entity, changes))
    db.session.flush()
    service.insert_entities(dataset, created, by, user_agent, "entity.create", source)
    for entity, changes in updated:
        service.log_entity(by, "entity.update.version", dataset, entity, baseVersion=entity.version - 1,
                           label=entity.label, data=changes, source=source)
    return {"created": len(created), "updated": len(updated), "unchanged": len(rows) - len(created) - len(updated)}
