"""The fields of an XForm, from its <bind> elements: path and type. A pure module.

Submissions need them to know which answers name files (type binary) and which is the geopoint.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ..safexml import parse_xml
from .xform import NS

if TYPE_CHECKING:
    from .models import FormDef


@dataclass(frozen=True)
class Field:
    path: tuple  # element names below the instance root, e.g. ("grp", "photo")
    type: str  # ODK bind type without prefix: string, int, binary, geopoint, …


@lru_cache(maxsize=256)
def read_fields(xml: bytes) -> tuple:
    """Fields in document order. Cached: a form version's XML never changes once stored."""
    root = parse_xml(xml)
    fields = []
    for bind in root.iterfind("h:head/xf:model/xf:bind", NS):
        nodeset, kind = bind.get("nodeset") or "", bind.get("type") or "string"
        steps = tuple(step for step in nodeset.split("/") if step)
        if len(steps) >= 2:
            fields.append(Field(tuple(step.split(":")[-1] for step in steps[1:]), kind.split(":")[-1]))
    return tuple(fields)


JAVAROSA = "http://openrosa.org/javarosa"


@lru_cache(maxsize=256)
def read_timestamps(xml: bytes) -> dict:
    """{"start": path, "end": path} of the fields Collect fills with the instance's start and end times (binds
    with jr:preload="timestamp"), those the form has."""
    found = {}
    for bind in parse_xml(xml).iterfind("h:head/xf:model/xf:bind", NS):
        which = bind.get(f"{{{JAVAROSA}}}preloadParams")
        steps = tuple(step.split(":")[-1] for step in (bind.get("nodeset") or "").split("/") if step)
        if bind.get(f"{{{JAVAROSA}}}preload") == "timestamp" and which in ("start", "end") and len(steps) >= 2:
            found.setdefault(which, steps[1:])
    return found


def binary_fields(fields: Iterable[Field]) -> list[Field]:
    return [field for field in fields if field.type == "binary"]


def first_geopoint(fields: Iterable[Field]) -> Field | None:
    return next((field for field in fields if field.type == "geopoint"), None)


_FIELDS_BY_VERSION = {}


def fields_of(form_def: "FormDef") -> tuple:
    """The fields of a stored form version, parsed once per process."""
    return fields_of_version(form_def.id, form_def.sha256, lambda: form_def.xml)


def fields_of_version(form_def_id: int, sha256: str, load_xml: Callable[[], str]) -> tuple:
    """The fields of form version `form_def_id`; `load_xml()` is called only the first time (keyed by id and
    content hash, so a version is parsed once per process)."""
    key = (form_def_id, sha256)
    fields = _FIELDS_BY_VERSION.get(key)
    if fields is None:
        fields = _FIELDS_BY_VERSION[key] = read_fields(load_xml().encode("utf-8"))
        if len(_FIELDS_BY_VERSION) > 1024:
            _FIELDS_BY_VERSION.clear()
    return fields
