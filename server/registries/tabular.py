"""Entity lists as tables (pure: no Flask, no database).

Out: `entity_list_csv` writes what ODK Collect downloads as a form attachment, in ODK Central's own
entity-list CSV shape (central-backend lib/data/entity.js streamEntityCsvAttachment):
`name,label,__version,<properties in dataset order>`, `name` being the entity's UUID.

In: `import_rows` reads an uploaded registry (server/tables/ Table): a `label` column, an
optional `name` (or `__id`) column of entity UUIDs, one column per property; other `__…` columns
(Central's export adds `__createdAt`, `__version`, …) are ignored, so Central's exports re-import.
"""

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..tables import Table, problem, write_csv

UUID_PATTERN = re.compile(r"^(uuid:)?([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$", re.I)
# Central's rules (lib/data/dataset.js): XML-name-like, not starting with "__"; properties not "name"/"label".
DATASET_NAME = re.compile(r"^(?!__)(?:[^\W\d]|:)[\w:-]*$")
PROPERTY_NAME = re.compile(r"^(?!__)(?!name$)(?!label$)[^\W\d][\w.-]*$")
UUID_COLUMNS = ("name", "__id")


def entity_list_csv(properties: Sequence[str], rows: Iterable[tuple]) -> bytes:
    """The CSV bytes Collect reads for an entity list (select_one_from_file, choice_filter on properties).

    :param properties: property names in dataset order, e.g. ["thon", "chu_ho", "so_thanh_vien"].
    :param rows: iterable of (uuid, label, version, data dict); a property missing from data is ''.

    Values go out unaltered: Collect matches them in choice_filter, and formula-escaping would change them.
    """
    lines = ([uuid, label, version, *(data.get(name, "") for name in properties)]
             for uuid, label, version, data in rows)
    return write_csv(["name", "label", "__version", *properties], lines, formula_safe=False)


def entity_export_csv(properties: Sequence[str], rows: Iterable[tuple]) -> bytes:
    """A dataset for people, in Central's export columns (GET …/datasets/{name}/entities.csv): `__id, label,
    <properties>, __createdAt, __creatorId, __creatorName, __updates, __updatedAt, __version`.

    :param rows: (uuid, label, data, created_at, creator_id, creator_name, version, updated_at) tuples.

    Formula-safe (a cell starting with = + - @ gets a '), since people open it in Excel; the registry
    import takes that ' off again, so the file re-imports unchanged.
    """
    headers = ["__id", "label", *properties, "__createdAt", "__creatorId", "__creatorName", "__updates",
               "__updatedAt", "__version"]
    lines = ([uuid, label, *(data.get(name, "") for name in properties), iso_time(created_at), creator_id or "",
              creator_name or "", version - 1, iso_time(updated_at), version]
             for uuid, label, data, created_at, creator_id, creator_name, version, updated_at in rows)
    return write_csv(headers, lines, formula_safe=True, bom=True)


def iso_time(value: datetime.datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z" if value else ""


def normalize_uuid(text: str | None) -> str | None:
    """The bare lower-case UUID of a (uuid:-prefixed) version 4 UUID, or None if it is not one."""
    match = UUID_PATTERN.match(text or "")
    return match.group(2).lower() if match else None


MAX_NAME = 255  # the columns' length


def is_dataset_name(name: object) -> bool:
    return isinstance(name, str) and len(name) <= MAX_NAME and bool(DATASET_NAME.match(name))


def is_property_name(name: object) -> bool:
    return isinstance(name, str) and len(name) <= MAX_NAME and bool(PROPERTY_NAME.match(name.lower()))


def odata_name(name: str) -> str:
    """Central's sanitizeOdataIdentifier: a leading non-letter gets '_', other characters become '_'."""
    return re.sub(r"[^a-zA-Z0-9_]+", "_", re.sub(r"^([^a-zA-Z_])", r"_\1", name))


@dataclass
class ImportRow:
    row: int
    uuid: str | None
    label: str
    data: dict
    key: str | None  # the natural key's value, when importing by a key column


def import_columns(headers: Sequence[str], key: str | None = None) -> tuple[str | None, list[str], list[dict]]:
    """(uuid column or None, property columns, problems about the header row)."""
    uuid_column = next((column for column in UUID_COLUMNS if column in headers), None)
    properties = [header for header in headers
                  if header not in ("label", *UUID_COLUMNS) and not header.startswith("__")]
    problems = []
    if "label" not in headers:
        problems.append(problem(1, "label", "a registry needs a label column (what Collect shows)."))
    for name in properties:
        if not is_property_name(name):
            problems.append(problem(1, name, f"{name!r} is not a valid property name (letters, digits, _ . -)."))
    if key and key not in properties and key not in UUID_COLUMNS:
        problems.append(problem(1, key, f"the key column {key!r} is not in the file."))
    return uuid_column, properties, problems


def import_rows(table: Table, key: str | None = None) -> tuple[list[ImportRow], list[dict]]:
    """(ImportRow list, problems): each row checked alone; a problem is {row, column, message}."""
    uuid_column, properties, problems = import_columns(table.headers, key)
    if problems:
        return [], problems
    key_column = uuid_column if key in UUID_COLUMNS else key
    rows, seen = [], {}
    for number, cells in table.rows:
        item, row_problems = import_row(number, cells, uuid_column, properties, key_column)
        identity = item.key if key_column else item.uuid
        if identity and identity in seen:
            row_problems.append(problem(number, key_column or uuid_column,
                                        f"{identity!r} is already on row {seen[identity]}."))
        if row_problems:
            problems.extend(row_problems)
            continue
        if identity:
            seen[identity] = number
        rows.append(item)
    return rows, problems


def import_row(number: int, cells: Mapping[str, str], uuid_column: str | None, properties: Sequence[str],
               key_column: str | None) -> tuple[ImportRow, list[dict]]:
    problems = []
    raw_uuid = cells.get(uuid_column, "") if uuid_column else ""
    uuid = normalize_uuid(raw_uuid) if raw_uuid else None
    if raw_uuid and uuid is None:
        problems.append(problem(number, uuid_column, f"{raw_uuid!r} is not a version 4 UUID."))
    label = cells.get("label", "")
    if not label:
        problems.append(problem(number, "label", "the label is empty."))
    key_value = (uuid if key_column in UUID_COLUMNS else cells.get(key_column, "")) if key_column else None
    if key_column and not key_value and not problems:
        problems.append(problem(number, key_column, "the key is empty."))
    return ImportRow(number, uuid, label, {name: cells.get(name, "") for name in properties}, key_value), problems

