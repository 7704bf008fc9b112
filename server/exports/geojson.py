"""submissions.geojson as ODK Central gives it (lib/model/query/geo-extracts.js): a FeatureCollection with one
Feature per submission that has a location: `id` the instanceID, `geometry` the form's first geopoint, geotrace or
geoshape outside repeats (or the field ?fieldpath= names; a field inside a repeat gives a GeometryCollection of
every instance's), `properties` {"fieldpath": …} when no fieldpath was asked for, else null.

Minh Chứng's ?properties=all puts what a map user wants in `properties` instead: instance name, subject, hamlet and
commune, review state, score, result, recognised, and links to the photos. Streamed a feature at a time."""

import json
from collections.abc import Iterator

from ..evidence import queries as evidence_queries
from ..evidence.service import shown_kinds
from ..forms.schema import REPEAT
from ..safexml import parse_stored_xml
from ..submissions import listing
from .odata import _line, _point
from .queries import FormRef, batches, present_media

GEO_TYPES = ("geopoint", "geotrace", "geoshape")
IMAGE_TYPES = listing.IMAGE_TYPES
BATCH = 500


def geo_fields(fields: tuple) -> tuple[list, set]:
    """(geo fields in form order, the paths of repeats) of a form."""
    return [field for field in fields if field.type in GEO_TYPES], {f.path for f in fields if f.type == REPEAT}


def default_geo_field(fields: tuple):
    """Central's default: the first geo field outside repeats (None when the form has none)."""
    found, repeats = geo_fields(fields)
    return next((field for field in found if not any(field.path.startswith(path + "/") for path in repeats)), None)


def _geometry(field, root):
    values = [element.text or "" for element in _find_all(root, field.path.strip("/").split("/"))]
    shapes = [_point(text, False) if field.type == "geopoint" else _line(text, field.type, False)
              for text in values if text.strip()]
    shapes = [shape for shape in shapes if shape is not None]
    for shape in shapes:
        shape.pop("properties", None)  # Central's geometry carries coordinates only
    if not shapes:
        return None
    return shapes[0] if len(shapes) == 1 else {"type": "GeometryCollection", "geometries": shapes}


def _find_all(element, steps):
    level = [element]
    for step in steps:
        level = [child for parent in level for child in parent.iterchildren("{*}" + step)]
    return level


def feature_collection(form: FormRef, field, fieldpath_asked: bool, rows: Iterator, all_properties: bool,
                       attachment_url) -> Iterator[bytes]:
    """The FeatureCollection's bytes. `rows`: listing.Row (XML included), in export order."""
    yield b'{"type":"FeatureCollection","features":['
    first, kinds = True, shown_kinds(form.project_id) if all_properties else []
    for batch in batches(rows, BATCH):
        photos, flagged = {}, {}
        if all_properties:
            for def_id, name, content_type in present_media_of(batch):
                photos.setdefault(def_id, []).append(name)
            flagged = evidence_queries.kinds_by_def([row.def_id for row in batch], kinds)
        for row in batch:
            geometry = _geometry(field, parse_stored_xml(row.xml.encode("utf-8")))
            if geometry is None:
                continue
            if all_properties:
                properties = {"instanceName": row.instance_name, "subject": row.subject, "hamlet": row.area,
                              "hamletCode": row.area_code, "commune": row.commune,
                              "reviewState": row.review_state, "score": row.total, "result": row.result,
                              "recognised": row.recognised, "submittedAt": row.created_at.isoformat(),
                              "submitterName": row.submitter, "fieldpath": field.path,
                              "photos": [attachment_url(row.instance_id, name) for name in photos.get(row.def_id, [])],
                              "flags": flagged.get(row.def_id, [])}
            else:
                properties = None if fieldpath_asked else {"fieldpath": field.path}
            feature = {"type": "Feature", "id": row.instance_id, "geometry": geometry, "properties": properties}
            yield (b"" if first else b",") + json.dumps(feature, ensure_ascii=False, separators=(",", ":")).encode()
            first = False
    yield b"]}"


def present_media_of(rows):
    """(version id, file name, content type) of the received images of these rows' versions."""
    found = []
    for row in rows:
        found.append(row.def_id)
    return [(def_id, name, content_type) for def_id, name, _, content_type in present_media(found, with_def=True)
            if content_type in IMAGE_TYPES]

