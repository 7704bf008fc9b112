"""Area boundaries from a GeoJSON FeatureCollection (RFC 7946): checked and normalised to MultiPolygon (pure).

The checks are structural (types, closed rings of at least four positions, finite longitude/latitude in
range), so that SQLite and PostGIS refuse the same files; self-intersections are not looked for.
"""

import json
import math

MATCH_PROPERTIES = ("code", "ma", "ma_dvhc", "ma_xa", "ma_tinh")
MAX_POSITIONS = 2_000_000


class GeometryError(ValueError):
    """The file or one feature is not usable; `feature` is its 0-based index in `features` (or None)."""

    def __init__(self, message, feature=None):
        super().__init__(message)
        self.message = message
        self.feature = feature


def parse_feature_collection(text: str | bytes) -> list:
    """The `features` list of a FeatureCollection. :raise GeometryError:"""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise GeometryError(f"the body is not JSON ({error.__class__.__name__}).") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise GeometryError("expected a GeoJSON object with \"type\": \"FeatureCollection\".")
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise GeometryError("the FeatureCollection has no features.")
    return features


def feature_boundaries(features: list,
                       match_property: str | None = None) -> tuple[list[tuple[int, str, str]], list[dict]]:
    """[(feature index, area code, MultiPolygon GeoJSON text)], or the problems found as
    {feature, message} dicts (second value). The code is read from `match_property` or the first of
    MATCH_PROPERTIES a feature has."""
    boundaries, problems, total = [], [], 0
    for index, feature in enumerate(features):
        try:
            code = feature_code(feature, match_property)
            multipolygon = as_multipolygon(feature.get("geometry"))
            total += count_positions(multipolygon)
            if total > MAX_POSITIONS:
                raise GeometryError(f"the file holds more than {MAX_POSITIONS} positions; simplify the boundaries.")
            boundaries.append((index, code, json.dumps(multipolygon, separators=(",", ":"))))
        except GeometryError as error:
            problems.append({"feature": index, "message": error.message})
    return boundaries, problems


def feature_code(feature: object, match_property: str | None) -> str:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise GeometryError("it is not a GeoJSON Feature.")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise GeometryError("its properties are not an object.")
    names = (match_property,) if match_property else MATCH_PROPERTIES
    for name in names:
        value = properties.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    raise GeometryError(f"it has no area code in its properties (looked for {', '.join(names)}).")


def as_multipolygon(geometry: object) -> dict:
    """A Polygon or MultiPolygon geometry as a checked MultiPolygon dict. :raise GeometryError:"""
    if not isinstance(geometry, dict):
        raise GeometryError("it has no geometry.")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        return {"type": "MultiPolygon", "coordinates": [checked_polygon(coordinates)]}
    if kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise GeometryError("its MultiPolygon has no polygons.")
        return {"type": "MultiPolygon", "coordinates": [checked_polygon(polygon) for polygon in coordinates]}
    raise GeometryError(f"its geometry is a {kind!r}; a boundary must be a Polygon or MultiPolygon.")


def checked_polygon(rings: object) -> list:
    if not isinstance(rings, list) or not rings:
        raise GeometryError("a polygon has no rings.")
    return [checked_ring(ring) for ring in rings]


def checked_ring(ring: object) -> list:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeometryError("a polygon ring needs at least four positions (the first repeated last).")
    positions = [checked_position(position) for position in ring]
    if positions[0] != positions[-1]:
        raise GeometryError("a polygon ring is not closed (its last position must equal its first).")
    return positions


def checked_position(position: object) -> list[float]:
    if (not isinstance(position, list) or len(position) not in (2, 3)
            or not all(isinstance(number, (int, float)) and not isinstance(number, bool) for number in position)):
        raise GeometryError(f"{str(position)[:60]} is not a [longitude, latitude] position.")
    longitude, latitude = position[0], position[1]
    finite = math.isfinite(longitude) and math.isfinite(latitude)
    if not (finite and -180 <= longitude <= 180 and -90 <= latitude <= 90):
        raise GeometryError(f"[{longitude}, {latitude}] is outside longitude -180..180, latitude -90..90 (WGS 84).")
    return [float(longitude), float(latitude)]


def count_positions(multipolygon: dict) -> int:
    return sum(len(ring) for polygon in multipolygon["coordinates"] for ring in polygon)
