"""submissions.kml (Minh Chứng's): one Placemark per located submission, in a Folder per commune holding a Folder
per hamlet, so that Google Earth and QGIS open it as it is. Each Placemark has the instance name, a description
(subject, review state, score, recognised, photo links) and the same as ExtendedData. Streamed a placemark at a time.
"""

from collections.abc import Iterator
from xml.sax.saxutils import escape

from flask_babel import gettext as _

from ..safexml import parse_stored_xml
from .geojson import BATCH, _geometry, present_media_of
from .queries import batches


def kml_labels() -> dict:
    """The texts of the descriptions, in the current locale."""
    return {"no_area": _("No area"), "subject": _("Subject"), "review_state": _("Review state"),
            "score": _("Score"), "recognised": _("Recognised"), "yes": _("Yes"), "no": _("No"),
            "states": {None: _("Received"), "hasIssues": _("Has issues"), "edited": _("Edited"),
                       "approved": _("Approved"), "rejected": _("Rejected")}}


HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'


def kml_document(title: str, field, rows: Iterator, attachment_url, labels: dict) -> Iterator[bytes]:
    """The KML's bytes. `rows`: listing.Row ordered by commune and hamlet; `labels`: the texts a person reads."""
    yield f"{HEAD}<name>{escape(title)}</name>".encode()
    commune = hamlet = None
    opened = 0
    for batch in batches(rows, BATCH):
        photos = {}
        for def_id, name, _type in present_media_of(batch):
            photos.setdefault(def_id, []).append(name)
        out = []
        for row in batch:
            geometry = _geometry(field, parse_stored_xml(row.xml.encode("utf-8")))
            if geometry is None:
                continue
            if row.commune != commune or not opened:  # close the hamlet's and the commune's folders, open new ones
                out.append("</Folder>" * opened + f"<Folder><name>{escape(row.commune or labels['no_area'])}</name>"
                           f"<Folder><name>{escape(row.area or labels['no_area'])}</name>")
                opened = 2
            elif row.area != hamlet:
                out.append(f"</Folder><Folder><name>{escape(row.area or labels['no_area'])}</name>")
            commune, hamlet = row.commune, row.area
            out.append(_placemark(row, geometry, [attachment_url(row.instance_id, name)
                                                  for name in photos.get(row.def_id, [])], labels))
        yield "".join(out).encode("utf-8")
    yield ("</Folder>" * opened + "</Document></kml>").encode()


def _placemark(row, geometry, photos, labels):
    score = "" if row.total is None else _number(row.total)
    recognised = {True: labels["yes"], False: labels["no"], None: ""}[row.recognised]
    lines = [(labels["subject"], row.subject or ""), (labels["review_state"], labels["states"].get(row.review_state,
                                                                                                    row.review_state)),
             (labels["score"], score), (labels["recognised"], recognised)]
    description = "".join(f"<p>{escape(name)}: {escape(value or '')}</p>" for name, value in lines)
    description += "".join(f'<p><a href="{escape(url)}">{escape(url.rsplit("/", 1)[-1])}</a></p>' for url in photos)
    data = {"instanceId": row.instance_id, "subject": row.subject, "hamlet": row.area, "commune": row.commune,
            "reviewState": row.review_state, "score": score, "result": row.result,
            "recognised": None if row.recognised is None else str(row.recognised).lower(),
            "photos": " ".join(photos)}
    extended = "".join(f'<Data name="{name}"><value>{escape(value)}</value></Data>'
                       for name, value in data.items() if value)
    return (f"<Placemark><name>{escape(row.instance_name or row.instance_id)}</name>"
            f"<description>{escape(description)}</description><ExtendedData>{extended}</ExtendedData>"
            f"{_kml_geometry(geometry)}</Placemark>")


def _kml_geometry(geometry):
    kind = geometry["type"]
    if kind == "GeometryCollection":
        return "<MultiGeometry>" + "".join(_kml_geometry(item) for item in geometry["geometries"]) + "</MultiGeometry>"
    if kind == "Point":
        return f"<Point><coordinates>{_coordinates([geometry['coordinates']])}</coordinates></Point>"
    if kind == "LineString":
        return f"<LineString><coordinates>{_coordinates(geometry['coordinates'])}</coordinates></LineString>"
    ring = _coordinates(geometry["coordinates"][0])
    return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing>"
            "</outerBoundaryIs></Polygon>")


def _coordinates(points):
    return " ".join(",".join(_number(value) for value in point) for point in points)


def _number(value):
    return str(int(value)) if float(value).is_integer() else repr(float(value))
