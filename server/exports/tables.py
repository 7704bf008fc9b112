"""Submissions as ODK Central's CSV tables (lib/data/briefcase.js): the root table and one table per repeat, with
Central's headers, keys and cell rules. A pure module: a form's schema fields in, table layouts out; one
submission's XML and metadata in, its rows out.

Root header: SubmissionDate, the form's fields outside repeats in form order (group paths joined by "-" unless
group_paths is off; a geopoint as -Latitude, -Longitude, -Altitude, -Accuracy; a select_multiple followed by one
"name/value" column per known value when split), then KEY, SubmitterID, SubmitterName, AttachmentsPresent,
AttachmentsExpected, Status, ReviewState, DeviceID, Edits, FormVersion. A repeat's table: its fields (paths below
the repeat), then PARENT_KEY and KEY; KEY is "{instanceID}/{group}/{repeat}[n]" along the path.
"""

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from ..forms.schema import REPEAT, STRUCTURE

ROOT_METADATA = ("KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status",
                 "ReviewState", "DeviceID", "Edits", "FormVersion")
GEOPOINT_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
UNSAFE_FILE_NAME = re.compile(r'[\x00-\x1f\x80-\x9f/\\?<>:*|"]')  # as sanitize-filename drops


@dataclass
class TableLayout:
    """One CSV file: its name, header, and where each field's value goes."""
    file_name: str
    path: str  # "" for the root table, else the repeat's path
    header: list = field(default_factory=list)
    columns: dict = field(default_factory=dict)  # {field path: first column index}
    select_values: dict = field(default_factory=dict)  # {field path: [known values]}, when split

    def blank_row(self) -> list:
        """Central's empty row: None everywhere, 0 under each "name/value" select column."""
        return [0 if "/" in name else None for name in self.header]


@dataclass(frozen=True)
class Layout:
    root: TableLayout
    repeats: tuple  # TableLayout per repeat, in form order
    fields: dict  # {path: SchemaField}


class SubmissionMeta(NamedTuple):
    """What the root row says about a submission besides its answers (a named tuple: exports make one per row)."""
    instance_id: str
    created_at: dt.datetime
    submitter_id: int | None
    submitter_name: str | None
    attachments_present: int
    attachments_expected: int
    review_state: str | None
    device_id: str | None
    edits: int
    form_version: str | None
    status: str | None = None


def layout_of(fields: tuple, xml_form_id: str, group_paths: bool = True, root_only: bool = False,
              select_values: dict | None = None) -> Layout:
    """The tables of a form. `select_values`: {select_multiple path: [values]} to split into 0/1 columns (Central's
    splitSelectMultiples); None: not split."""
    root = TableLayout(safe_file_name(f"{xml_form_id}.csv"), "", ["SubmissionDate"])
    repeats = []
    stack = [root]
    skipping = None
    for schema_field in fields:
        if skipping is not None:
            if schema_field.path.startswith(skipping + "/"):
                continue
            skipping = None
        while len(stack) > 1 and not schema_field.path.startswith(stack[-1].path + "/"):
            _close(stack.pop())
        if schema_field.type == REPEAT:
            if root_only:
                skipping = schema_field.path
                continue
            table = TableLayout("", schema_field.path)
            repeats.append((schema_field.name, table))
            stack.append(table)
        elif schema_field.type != STRUCTURE:
            table = stack[-1]
            name = (schema_field.path[len(table.path) + 1:].replace("/", "-") if group_paths
                    else schema_field.name)
            table.columns[schema_field.path] = len(table.header)
            if schema_field.type == "geopoint":
                table.header.extend(f"{name}-{part}" for part in GEOPOINT_PARTS)
            else:
                table.header.append(name)
                known = (select_values or {}).get(schema_field.path) if schema_field.select_multiple else None
                if known:
                    table.select_values[schema_field.path] = list(known)
                    table.header.extend(f"{name}/{value}" for value in known)
    while len(stack) > 1:
        _close(stack.pop())
    root.header.extend(ROOT_METADATA)
    totals, seen = Counter(name for name, _ in repeats), Counter()
    for name, table in repeats:
        seen[name] += 1
        suffix = f"~{seen[name]}" if totals[name] > 1 else ""
        table.file_name = safe_file_name(f"{xml_form_id}-{name}{suffix}.csv")
    return Layout(root, tuple(table for _, table in repeats), {item.path: item for item in fields})


def _close(table):
    table.header.extend(("PARENT_KEY", "KEY"))


def safe_file_name(name: str) -> str:
    """A zip member or download name without path separators, control or reserved characters."""
    name = UNSAFE_FILE_NAME.sub("", name).strip()
    return "_" if name in ("", ".", "..") else name[:255]


def submission_rows(layout: Layout, root, meta: SubmissionMeta) -> tuple[list, dict]:
    """The root row of one submission (its instance root element, lxml) and {repeat path: [rows]}."""
    row = layout.root.blank_row()
    repeats = {table.path: [] for table in layout.repeats}
    tables = {table.path: table for table in layout.repeats}
    _fill(layout, tables, root, "", row, layout.root, [meta.instance_id], meta.instance_id, repeats)
    _metadata(row, layout.root, meta)
    return row, repeats


def _fill(layout, tables, element, path, row, table, key_steps, parent_key, repeats):
    counts = None
    fields = layout.fields
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        name = tag.rpartition("}")[2]
        child_path = f"{path}/{name}"
        schema_field = fields.get(child_path)
        if schema_field is None:
            continue  # not in the form: Central navigates into nothing
        kind = schema_field.type
        if kind != REPEAT and kind != STRUCTURE:
            index = table.columns.get(child_path)
            if index is not None:
                text = child.text
                if len(child):  # text around child elements
                    text = (text or "") + "".join(node.tail or "" for node in child)
                if text:
                    if kind == "geopoint" or table.select_values:
                        _cell(table, schema_field, text, index, row)
                    else:
                        row[index] = text
        elif kind == REPEAT:
            counts = counts if counts is not None else Counter()
            counts[child_path] += 1
            steps = key_steps + [f"{name}[{counts[child_path]}]"]
            sub_table = tables.get(child_path)
            if sub_table is None:  # root only
                continue
            sub_row = sub_table.blank_row()
            sub_row[-1], sub_row[-2] = "/".join(steps), parent_key
            _fill(layout, tables, child, child_path, sub_row, sub_table, steps, "/".join(steps), repeats)
            repeats[child_path].append(sub_row)
        else:
            _fill(layout, tables, child, child_path, row, table, key_steps + [name], parent_key, repeats)


def _cell(table, schema_field, text, index, row):
    if schema_field.type == "geopoint":
        for offset, part in enumerate(re.split(r"\s+", text)[:4]):
            row[index + offset] = part
        return
    row[index] = text
    known = table.select_values.get(schema_field.path)
    if known:
        for value in text.split():
            if value in known:
                row[index + 1 + known.index(value)] = 1


def _metadata(row, table, meta):
    row[0] = iso_millis(meta.created_at)
    row[len(table.header) - len(ROOT_METADATA):] = metadata_cells(meta)


def metadata_cells(meta: SubmissionMeta) -> tuple:
    """The root row's last cells, under ROOT_METADATA."""
    return (meta.instance_id, meta.submitter_id, meta.submitter_name, meta.attachments_present,
            meta.attachments_expected, meta.status, meta.review_state, meta.device_id, meta.edits, meta.form_version)


def iso_millis(moment: dt.datetime) -> str:
    """2026-11-22T06:54:02.326Z, as JavaScript's toISOString."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
