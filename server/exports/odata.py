"""OData v4 as ODK Central serves a form (lib/formats/odata.js, lib/data/odata.js): the service document, the
EDMX $metadata built from the form's fields, and each submission as the rows of one table: `Submissions` (groups
nested, repeats as navigation links, or nested with $expand=*) or a repeat's table (`Submissions.grp.con`, rows
with a stable hashed __id and their parent's id). A pure module: fields and one submission's XML in, JSON-ready
dicts out. Names are Central's sanitised OData identifiers.
"""

import hashlib
import json
import math
import re
from functools import lru_cache
from json.encoder import encode_basestring
from typing import NamedTuple
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from ..forms.schema import REPEAT, STRUCTURE, SchemaField
from .tables import iso_millis

ROOT = "Submissions"
ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # one encoder for every row
FQDN = "org.opendatakit.user"
EDM_TYPES = {"int": "Edm.Int64", "decimal": "Edm.Decimal", "boolean": "Edm.Boolean", "geopoint": "Edm.GeographyPoint",
             "geotrace": "Edm.GeographyLineString", "geoshape": "Edm.GeographyPolygon", "date": "Edm.Date",
             "dateTime": "Edm.DateTimeOffset"}
SYSTEM_FIELDS = ("submissionDate", "updatedAt", "submitterId", "submitterName", "attachmentsPresent",
                 "attachmentsExpected", "status", "reviewState", "deviceId", "edits", "formVersion", "deletedAt")
PLAIN_TYPES = frozenset(("string", "select1", "select", "binary", "date", "time", "barcode", "unknown"))
LEADING_INTEGER = re.compile(r"\s*([+-]?\d+)")
LEADING_DECIMAL = re.compile(r"\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)")


@lru_cache(maxsize=4096)
def sanitize(name: str) -> str:
    """Central's sanitizeOdataIdentifier: a leading character that is not a letter or _ gets a _ before it, and
    each run of characters outside [A-Za-z0-9_] becomes one _."""
    name = re.sub(r"^([^A-Za-z_])", r"_\1", name)
    return re.sub(r"[^A-Za-z0-9_]+", "_", name)


def _parts(path: str) -> list[str]:
    return [sanitize(step) for step in path.strip("/").split("/")]


class Schema:
    """The fields of a form, indexed for the OData walk."""

    def __init__(self, fields: tuple):
        self.fields = fields
        self.by_path = {field.path: field for field in fields}
        self.children = {}
        for field in fields:
            self.children.setdefault(field.path.rpartition("/")[0], []).append(field)
        # the table name a field's path implies (Central's getBranchState compares it with the table asked for)
        self.implied = {field.path: ".".join([ROOT, *_parts(field.path)]) for field in fields}
        self.names = {field.path: sanitize(field.name) for field in fields}
        self.has_repeats = any(field.type == REPEAT for field in fields)
        self._frames = {}

    def tables(self) -> list[str]:
        """Submissions, then one table per repeat: Submissions.<sanitised path, dotted>."""
        return [ROOT] + [".".join([ROOT, *_parts(field.path)]) for field in self.fields if field.type == REPEAT]

    def table_path(self, table: str) -> str | None:
        """The repeat path a table name stands for ("" for Submissions); None when it names no table."""
        if table == ROOT:
            return ""
        return next((field.path for field in self.fields if field.type == REPEAT
                     and ".".join([ROOT, *_parts(field.path)]) == table), None)

    def frame(self, prefix: str = "") -> dict:
        """Central's empty record below `prefix`: fields null, groups nested, repeats left out (a fresh copy)."""
        template = self._frames.get(prefix)
        if template is None:
            template = self._frames[prefix] = self._build_frame(prefix)
        return _copy(template)

    def _build_frame(self, prefix):
        record = {}
        for field in self.children.get(prefix, ()):
            if field.type == STRUCTURE:
                record[sanitize(field.name)] = self._build_frame(field.path)
            elif field.type != REPEAT:
                record[sanitize(field.name)] = None
        return record


def _copy(template: dict) -> dict:
    return {key: _copy(value) if value.__class__ is dict else value for key, value in template.items()}


def service_document(schema: Schema, service_url: str) -> dict:
    return {"@odata.context": f"{service_url}/$metadata",
            "value": [{"name": table, "kind": "EntitySet", "url": table} for table in schema.tables()]}


class System(NamedTuple):
    """A submission's __system block (a named tuple: the feed makes one per row)."""
    submission_date: object
    updated_at: object
    submitter_id: int | None
    submitter_name: str | None
    attachments_present: int
    attachments_expected: int
    review_state: str | None
    device_id: str | None
    edits: int
    form_version: str | None
    deleted_at: object = None

    def as_json(self, only: set | None = None) -> dict:
        values = {"submissionDate": _time(self.submission_date), "updatedAt": _time(self.updated_at),
                  "submitterId": None if self.submitter_id is None else str(self.submitter_id),
                  "submitterName": self.submitter_name or None, "attachmentsPresent": self.attachments_present or 0,
                  "attachmentsExpected": self.attachments_expected or 0, "status": None,
                  "reviewState": self.review_state or None, "deviceId": self.device_id or None,
                  "edits": self.edits, "formVersion": self.form_version, "deletedAt": _time(self.deleted_at)}
        return values if only is None else {key: value for key, value in values.items() if key in only}

    def json_after_date(self) -> str:
        """ENCODE(self.as_json()) after its submissionDate value: a stored row holds what comes before it (a
        submission's date never changes), the feed writes this part for each row."""
        return (f',"updatedAt":{_json(_time(self.updated_at))},'
                f'"submitterId":{"null" if self.submitter_id is None else _json(str(self.submitter_id))},'
                f'"submitterName":{_json(self.submitter_name or None)},'
                f'"attachmentsPresent":{int(self.attachments_present or 0)},'
                f'"attachmentsExpected":{int(self.attachments_expected or 0)},"status":null,'
                f'"reviewState":{_json(self.review_state or None)},"deviceId":{_json(self.device_id or None)},'
                f'"edits":{_json_number(self.edits)},"formVersion":{_json(self.form_version)},'
                f'"deletedAt":{_json(_time(self.deleted_at))}}}')


def _json(text: str | None) -> str:
    return "null" if text is None else encode_basestring(text)


def _json_number(value) -> str:
    return "null" if value is None else str(int(value))


def _time(moment):
    return None if moment is None else iso_millis(moment)


def stored_record(schema: Schema, root, instance_id: str, submission_date) -> tuple[str, str | None]:
    """One submission's Submissions record as a stored row keeps it (stored_rows.py): (its JSON up to the value of
    __system's submissionDate: the fields, __id and the date, none of which changes; its repeats' navigation
    links as JSON members, or None). record_text completes it."""
    record = schema.frame()
    fields = len(record)
    _walk(schema, ROOT, root, "", [], {}, record, instance_id, False, False, [])
    members = list(record.items())
    head = ENCODE(dict(members[:fields]))[:-1] + ("," if fields else "")
    head += f'"__id":{encode_basestring(instance_id)},"__system":{{"submissionDate":{_json(_time(submission_date))}'
    return head, ENCODE(dict(members[fields:]))[1:-1] or None


def record_text(head: str, links: str | None, system: System) -> str:
    """The JSON of a Submissions record from its stored row (stored_record) and its __system: what
    ENCODE(submission_rows(…)[0]) gives."""
    return head + system.json_after_date() + ("," + links + "}" if links else "}")


def submission_rows(schema: Schema, table: str, root, instance_id: str, system: System, wkt: bool = False,
                    expand: bool = False, system_only: set | None = None) -> list[dict]:
    """The rows one submission (its instance root element) gives `table`."""
    record = schema.frame()
    record["__id"] = instance_id
    result = []
    if table == ROOT:
        record["__system"] = system.as_json(system_only)
        result.append(record)
    _walk(schema, table, root, "", [], {}, record, instance_id, wkt, expand, result)
    return result


def _walk(schema, table, element, path, stack, counters, data, instance_id, wkt, expand, result):
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = child.tag.rpartition("}")[2]
        field = schema.by_path.get(f"{path}/{name}")
        if field is None:
            continue  # not in the form: nothing below it is either
        out = schema.names[field.path]
        if field.type == STRUCTURE:
            inner = data.get(out) if data is not None else None
            _walk(schema, table, child, field.path, stack + [(field, None)], counters, inner, instance_id, wkt,
                  expand, result)
        elif field.type == REPEAT:
            index = counters.get(field.path, -1) + 1
            counters[field.path] = index
            here = stack + [(field, index)]
            bag = None
            if data is not None:
                data[f"{out}@odata.navigationLink"] = _navigation_link(here, instance_id)
                branch = _branch(schema.implied[field.path], table)
                if branch < 1 or expand:
                    bag = schema.frame(field.path)
                    bag["__id"] = _hash_id(here, instance_id)
                    data.setdefault(out, []).append(bag)
                    if branch == 0:
                        parent = _parent_context(here)
                        key = "-".join([ROOT, *(sanitize(item.name) for item, _ in parent)])
                        bag[f"__{key}-id"] = _hash_id(parent, instance_id)
                        result.append(bag)
            _walk(schema, table, child, field.path, here, {}, bag, instance_id, wkt, expand, result)
        elif data is not None and _branch(schema.implied[field.path], table) == 1:
            text = child.text
            if len(child):
                text = (text or "") + "".join(node.tail or "" for node in child)
            if text:  # an empty element stays null, as Central (no text event)
                data[out] = text if field.type in PLAIN_TYPES else _value(field, text, wkt)


def _branch(implied, table) -> int:
    """0: the field's path names the table itself; 1: it lies within the table; -1: elsewhere (Central's
    getBranchState, with the path's implied table name)."""
    return 0 if implied == table else 1 if implied.startswith(table) else -1


def _parent_context(stack):
    """The stack up to the repeat that holds the last one (empty for a repeat outside repeats)."""
    for position in range(len(stack) - 2, -1, -1):
        if stack[position][0].type == REPEAT:
            return stack[:position + 1]
    return []


def _hash_id(stack, instance_id) -> str:
    if not stack:
        return instance_id
    parts = [f"{ROOT}#{instance_id}"] + [f"{field.name}#" if field.type == STRUCTURE else f"{field.name}#{index}"
                                         for field, index in stack]
    return hashlib.sha1("%%".join(parts).encode("utf-8")).hexdigest()


def _navigation_link(stack, instance_id) -> str:
    parts = [f"{ROOT}('{quote(instance_id, safe='')}')"]
    for position, (field, _) in enumerate(stack):
        if field.type == REPEAT and position < len(stack) - 1:
            parts.append(f"{sanitize(field.name)}('{_hash_id(stack[:position + 1], instance_id)}')")
        else:
            parts.append(sanitize(field.name))
    return "/".join(parts)


def _value(field: SchemaField, text: str, wkt: bool):
    kind = field.type
    if kind == "int":
        match = LEADING_INTEGER.match(text)
        return int(match.group(1)) if match else None
    if kind == "decimal":
        match = LEADING_DECIMAL.match(text)
        number = float(match.group(1)) if match else math.nan
        return None if math.isnan(number) or math.isinf(number) else _js_number(number)
    if kind == "geopoint":
        return _point(text, wkt)
    if kind in ("geotrace", "geoshape"):
        return _line(text, kind, wkt)
    if kind == "dateTime":
        trimmed = text.strip()
        return f"{trimmed}:00" if re.search(r"[+-]\d\d$", trimmed) else trimmed
    return text


def _numbers(text):
    """The numbers of a space-separated ODK value, as JavaScript's parseFloat reads each (NaN when none)."""
    values = []
    for part in text.split():
        try:
            values.append(_js_number(float(part)))
        except ValueError:
            match = LEADING_DECIMAL.match(part)
            values.append(_js_number(float(match.group(1))) if match else math.nan)
    return values


def _js_number(value: float):
    """A number as JSON.stringify writes it: a whole number without ".0"."""
    if math.isfinite(value) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def _point(text, wkt):
    numbers = _numbers(text) + [math.nan] * 4
    latitude, longitude, altitude, accuracy = numbers[:4]
    if math.isnan(latitude) or math.isnan(longitude):
        return None
    coordinates = [longitude, latitude] + ([] if math.isnan(altitude) else [altitude])
    if wkt:
        return f"POINT ({' '.join(_number_text(value) for value in coordinates)})"
    point = {"type": "Point", "coordinates": coordinates}
    if not math.isnan(accuracy):
        point["properties"] = {"accuracy": accuracy}
    return point


def _line(text, kind, wkt):
    coordinates, accuracies = [], []
    for part in re.split(r"; ?", text):
        numbers = _numbers(part) + [math.nan] * 4
        latitude, longitude, altitude, accuracy = numbers[:4]
        if math.isnan(latitude) or math.isnan(longitude):
            continue
        coordinates.append([longitude, latitude] + ([] if math.isnan(altitude) else [altitude]))
        accuracies.append(None if math.isnan(accuracy) else accuracy)
    if not coordinates:
        return None
    if wkt:
        points = ",".join(" ".join(_number_text(value) for value in point) for point in coordinates)
        return f"LINESTRING ({points})" if kind == "geotrace" else f"POLYGON (({points}))"
    shape = ({"type": "LineString", "coordinates": coordinates} if kind == "geotrace"
             else {"type": "Polygon", "coordinates": [coordinates]})
    if any(value is not None for value in accuracies):
        shape["properties"] = {"accuracies": accuracies}
    return shape


def _number_text(value) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# $metadata


def edmx(schema: Schema, xml_form_id: str) -> str:
    """The EDMX document of the form, in Central's layout."""
    base = f"{FQDN}.{sanitize(xml_form_id)}"
    primary = {"name": ROOT, "path": "", "repeat": True, "primary": True, "properties": []}
    entities, complexes, stack = [primary], [], [primary]
    for field in schema.fields:
        while stack[-1]["path"] and not field.path.startswith(stack[-1]["path"] + "/"):
            stack.pop()
        out, name = stack[-1], sanitize(field.name)
        if field.type in (STRUCTURE, REPEAT):
            type_name = ".".join(_parts(field.path))
            if field.type == STRUCTURE:
                complex_type = {"name": type_name, "path": field.path, "properties": []}
                complexes.append(complex_type)
                stack.append(complex_type)
                out["properties"].append((name, f"{base}.{type_name}", False))
            else:
                context = next((item for item in reversed(stack) if item.get("repeat") and item["path"]), None)
                id_name = "-".join([ROOT, *(_parts(context["path"]) if context else [])])
                entity = {"name": f"{ROOT}.{type_name}", "path": field.path, "repeat": True,
                          "properties": [(f"__{id_name}-id", "Edm.String", False)]}
                entities.append(entity)
                stack.append(entity)
                out["properties"].append((name, f"Collection({base}.{ROOT}.{type_name})", True))
        else:
            out["properties"].append((name, EDM_TYPES.get(field.type, "Edm.String"), False))
    lines = [_EDMX_HEAD, f'    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace={quoteattr(base)}>']
    for entity in entities:
        lines += [f"      <EntityType Name={quoteattr(entity['name'])}>",
                  '        <Key><PropertyRef Name="__id"/></Key>', '        <Property Name="__id" Type="Edm.String"/>']
        if entity.get("primary"):
            lines.append('        <Property Name="__system" Type="org.opendatakit.submission.metadata"/>')
        lines += [_property(*item) for item in entity["properties"]] + ["      </EntityType>"]
    for complex_type in complexes:
        lines += [f"      <ComplexType Name={quoteattr(complex_type['name'])}>"]
        lines += [_property(*item) for item in complex_type["properties"]] + ["      </ComplexType>"]
    lines.append(f"      <EntityContainer Name={quoteattr(xml_form_id)}>")
    for entity in entities:
        lines.append(f"        <EntitySet Name={quoteattr(entity['name'])} "
                     f"EntityType={quoteattr(base + '.' + entity['name'])}>")
        if entity.get("primary"):
            paths = "".join(f"\n                  <PropertyPath>{escape(name)}</PropertyPath>"
                            for name, _, _ in entity["properties"])
            lines.append(_PRIMARY_ANNOTATIONS.replace("{paths}", paths))
        lines.append("        </EntitySet>")
    lines += ["      </EntityContainer>", "    </Schema>", "  </edmx:DataServices>", "</edmx:Edmx>"]
    return "\n".join(lines)


def _property(name, kind, navigation):
    tag = "NavigationProperty" if navigation else "Property"
    return f"        <{tag} Name={quoteattr(name)} Type={quoteattr(kind)}/>"


# Enum members carry their Value (the ordinal CSDL implies, which Central leaves out): generic OData clients such
# as python-odata need it.
_EDMX_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="org.opendatakit.submission">
      <ComplexType Name="metadata">
        <Property Name="submissionDate" Type="Edm.DateTimeOffset"/>
        <Property Name="updatedAt" Type="Edm.DateTimeOffset"/>
        <Property Name="deletedAt" Type="Edm.DateTimeOffset"/>
        <Property Name="submitterId" Type="Edm.String"/>
        <Property Name="submitterName" Type="Edm.String"/>
        <Property Name="attachmentsPresent" Type="Edm.Int64"/>
        <Property Name="attachmentsExpected" Type="Edm.Int64"/>
        <Property Name="status" Type="org.opendatakit.submission.Status"/>
        <Property Name="reviewState" Type="org.opendatakit.submission.ReviewState"/>
        <Property Name="deviceId" Type="Edm.String"/>
        <Property Name="edits" Type="Edm.Int64"/>
        <Property Name="formVersion" Type="Edm.String"/>
      </ComplexType>
      <EnumType Name="Status">
        <Member Name="notDecrypted" Value="0"/>
        <Member Name="missingEncryptedFormData" Value="1"/>
      </EnumType>
      <EnumType Name="ReviewState">
        <Member Name="hasIssues" Value="0"/>
        <Member Name="edited" Value="1"/>
        <Member Name="rejected" Value="2"/>
        <Member Name="approved" Value="3"/>
      </EnumType>
    </Schema>"""

_PRIMARY_ANNOTATIONS = """          <Annotation Term="Org.OData.Capabilities.V1.ConformanceLevel" EnumMember="Org.OData.Capabilities.V1.ConformanceLevelType/Minimal"/>
          <Annotation Term="Org.OData.Capabilities.V1.BatchSupported" Bool="false"/>
          <Annotation Term="Org.OData.Capabilities.V1.CountRestrictions">
            <Record><PropertyValue Property="Countable" Bool="true"/></Record>
          </Annotation>
          <Annotation Term="Org.OData.Capabilities.V1.FilterFunctions">
            <Record>
              <PropertyValue Property="NonCountableProperties">
                <Collection>
                  <String>eq</String>
                </Collection>
              </PropertyValue>
            </Record>
          </Annotation>
          <Annotation Term="Org.OData.Capabilities.V1.FilterFunctions">
            <Record>
              <PropertyValue Property="Filterable" Bool="true"/>
              <PropertyValue Property="RequiresFilter" Bool="false"/>
              <PropertyValue Property="NonFilterableProperties">
                <Collection>{paths}
                </Collection>
              </PropertyValue>
            </Record>
          </Annotation>
          <Annotation Term="Org.OData.Capabilities.V1.SortRestrictions">
            <Record><PropertyValue Property="Sortable" Bool="false"/></Record>
          </Annotation>
          <Annotation Term="Org.OData.Capabilities.V1.ExpandRestrictions">
            <Record><PropertyValue Property="Expandable" Bool="false"/></Record>
          </Annotation>"""  # noqa: E501 (Central's lines, kept whole)
