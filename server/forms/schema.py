"""A form version's fields as ODK Central lists them (its `form_fields`, lib/data/schema.js getFormFields): every
node of the primary instance in document order, typed by its <bind type>, with groups as "structure" and the body's
<repeat nodeset>s as "repeat". The exports (CSV, XLSX, GeoJSON, KML) and the OData feed are built from it, so their
columns are the same everywhere. A pure module.
"""

from dataclasses import dataclass
from functools import lru_cache

from ..safexml import parse_xml
from .xform import NS, primary_instance_root

STRUCTURE, REPEAT, UNKNOWN = "structure", "repeat", "unknown"


@dataclass(frozen=True)
class SchemaField:
    path: str  # "/grp/name", below the instance root, namespaces left out (Central's form_fields.path)
    name: str
    type: str  # the bind's type without prefix (string, int, geopoint, binary, …), structure, repeat or unknown
    order: int  # depth-first position
    select_multiple: bool = False
    binary: bool = False  # a file: binary fields, and the client audit (/meta/audit)

    @property
    def steps(self) -> tuple:
        return tuple(self.path.strip("/").split("/"))


@lru_cache(maxsize=256)
def schema_fields(xml: bytes) -> tuple:
    """The form's fields in depth-first order. Cached: a stored form version never changes.
    :raise UnsafeXML: hostile or not well-formed; :raise XFormError: not an XForm."""
    root = parse_xml(xml)
    instance = primary_instance_root(root)
    envelope = _local(instance.tag)
    binds = {}
    for bind in root.iterfind("h:head/xf:model/xf:bind", NS):
        kind, nodeset = bind.get("type"), bind.get("nodeset") or ""
        if kind:  # Central reads the binds that have a type
            binds.setdefault(_absolute(nodeset, envelope), kind.split(":")[-1])
    body = root.find("h:body", NS)
    repeats, multiples = set(), set()
    if body is not None:
        for element in body.iter():
            name = _local(element.tag) if isinstance(element.tag, str) else None
            if name == "repeat" and element.get("nodeset"):
                repeats.add(_strip_prefixes(element.get("nodeset")))
            elif name == "select" and (element.get("nodeset") or element.get("ref")):
                multiples.add(_strip_prefixes(element.get("nodeset") or element.get("ref")))
    fields = []
    _walk(instance, f"/{envelope}", "", binds, repeats, multiples, fields)
    return tuple(fields)


def _walk(element, binding_prefix, path_prefix, binds, repeats, multiples, fields):
    seen_repeats = set()
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        path, binding = f"{path_prefix}/{name}", f"{binding_prefix}/{name}"
        has_children = any(isinstance(node.tag, str) for node in child)
        if binding in repeats:
            if binding in seen_repeats:  # a second instance of the repeat (a jr:template beside it)
                continue
            seen_repeats.add(binding)
            kind = REPEAT
        elif binding in binds:
            kind = binds[binding]
        elif has_children or (name == "entity" and "/meta/entity" in path):
            kind = STRUCTURE
        else:
            kind = UNKNOWN
        fields.append(SchemaField(path, name, kind, len(fields), select_multiple=binding in multiples,
                                  binary=kind == "binary" or path == "/meta/audit"))
        if kind in (REPEAT, STRUCTURE) and has_children:
            _walk(child, binding, path, binds, repeats, multiples, fields)


def _absolute(nodeset, envelope):
    nodeset = _strip_prefixes(nodeset.strip())
    return nodeset if nodeset.startswith("/") else f"/{envelope}/{nodeset}"


def _strip_prefixes(path):
    """'/data/orx:meta/orx:instanceID' → '/data/meta/instanceID' (Central's stripNamespacesFromPath)."""
    return "/".join(step.split(":")[-1] for step in path.strip().split("/"))


def _local(tag):
    return tag.rpartition("}")[2]
