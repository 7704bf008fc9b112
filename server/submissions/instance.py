"""Read a submission instance (the XML ODK Collect sends): a pure module over bytes and fields.

What Central reads (lib/model/frames/submission.js): the root's id and version attributes, meta
instanceID / deprecatedID / instanceName. We also take, once at ingest, what maps and scoring need:
the file names in binary fields and the first geopoint.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree

from ..forms.fields import Field
from ..safexml import parse_xml
from . import values

MAX_INSTANCE_NAME = 500  # what a listing shows; longer names are cut


class InstanceError(ValueError):
    """Not a submission we can file; str() is the message for the sender."""


@dataclass(frozen=True)
class Geopoint:
    latitude: float
    longitude: float
    altitude: float | None
    accuracy: float | None

    @property
    def ewkt(self) -> str:
        return f"SRID=4326;POINT({self.longitude} {self.latitude})"


@dataclass(frozen=True)
class Instance:
    xml_form_id: str
    version: str
    instance_id: str
    deprecated_id: str | None
    instance_name: str | None
    root: object


def read_instance(xml: bytes) -> Instance:
    """Parse and identify a submission. :raise UnsafeXML: hostile or malformed, :raise InstanceError:"""
    root = parse_xml(xml)
    xml_form_id = root.get("id")
    if not xml_form_id:
        raise InstanceError("Required parameter form ID xml attribute missing.")
    meta = _child(root, "meta")
    instance_id = _text(meta, "instanceID") or root.get("instanceID") or str(uuid.uuid4())
    name = _text(meta, "instanceName")
    return Instance(xml_form_id, root.get("version") or "", instance_id, _text(meta, "deprecatedID"),
                    name[:MAX_INSTANCE_NAME] if name else None, root)


def values_at(root: etree._Element, path: Sequence[str]) -> list[str]:
    """Texts of every element at `path` (element names below the root; repeats give several)."""
    nodes = [root]
    for step in path:
        nodes = [child for node in nodes for child in node if _local(child) == step]
    return [(node.text or "").strip() for node in nodes]


def attachment_names(root: etree._Element, binary_fields: Iterable[Field]) -> list[str]:
    """File names the instance's binary fields refer to, once each, in order."""
    names = []
    for field in binary_fields:
        for value in values_at(root, field.path):
            if value and value not in names and "/" not in value and "\\" not in value and not value.startswith("."):
                names.append(value)
    return names


def read_geopoint(root: etree._Element, field: Field | None) -> Geopoint | None:
    """The first answered value of a geopoint field, "lat lon [alt [acc]]" read strictly (values.read_geopoint),
    or None if absent or invalid."""
    if field is None:
        return None
    for value in values_at(root, field.path):
        numbers = values.read_geopoint(value)
        if numbers is not None:
            return Geopoint(*numbers)
    return None


def _local(element):
    """The tag's name without its namespace ("{uri}name" → "name"); None for comments and processing
    instructions."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else None


def _child(element, name):
    if element is None:
        return None
    return next((child for child in element if _local(child) == name), None)


def _text(element, name):
    child = _child(element, name)
    text = (child.text or "").strip() if child is not None else ""
    return text or None
