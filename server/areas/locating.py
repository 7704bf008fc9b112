"""Which hamlet a point lies in, on SQLite, where boundaries are GeoJSON text: shapely over an index of them.
On PostgreSQL the same question is asked in SQL (PostGIS ST_Covers over the GIST-indexed boundaries) inside
the statement that places a submission (submissions/queries.py PLACE_ON_POSTGRESQL). On both, a point on a
shared edge belongs to the hamlet with the lowest id."""

import json
import math
import threading

import sqlalchemy as sa
from shapely import STRtree, from_geojson, points, transform

from ..extensions import db
from .models import Area

_INDEX = {"stamp": None, "tree": None, "ids": ()}
_LOCK = threading.Lock()


def hamlet_at_on_sqlite(latitude: float, longitude: float) -> int | None:
    """The id of the hamlet whose boundary covers the point, or None."""
    tree, ids = _sqlite_index()
    if tree is None:
        return None
    found = tree.query(points(longitude, latitude), predicate="covered_by")
    return min((ids[index] for index in found), default=None)


def _sqlite_index():
    """An STRtree of the hamlets' boundaries, rebuilt when they change (told by their count, ids, total length
    and the last time one was set: queries.set_boundary stamps it)."""
    hamlets = sa.and_(Area.level == "hamlet", Area.boundary.is_not(None))
    stamp = tuple(db.session.execute(sa.select(sa.func.count(), sa.func.sum(Area.id),
                                               sa.func.sum(sa.func.length(Area.boundary)),
                                               sa.func.max(Area.updated_at)).where(hamlets)).one())
    with _LOCK:
        if _INDEX["stamp"] != stamp:
            rows = db.session.execute(sa.select(Area.id, Area.boundary).where(hamlets).order_by(Area.id)).all()
            shapes = [from_geojson(text if isinstance(text, str) else json.dumps(text)) for _, text in rows]
            _INDEX.update(stamp=stamp, tree=STRtree(shapes) if shapes else None, ids=tuple(row[0] for row in rows))
        return _INDEX["tree"], _INDEX["ids"]


METRES_PER_DEGREE = 111_195.0  # of latitude, on a sphere of the Earth's mean radius
DISTANCE_ON_POSTGRESQL = sa.text("""
SELECT ST_Distance(a.boundary::geography,
                   ST_SetSRID(ST_MakePoint(CAST(:longitude AS double precision),
                                           CAST(:latitude AS double precision)), 4326)::geography)
FROM areas a WHERE a.id = :area_id AND a.boundary IS NOT NULL
""")


def metres_outside(area_id: int, latitude: float, longitude: float) -> float | None:
    """How far (metres) the point lies outside the area's boundary: 0 inside or on it; None when the area has no
    boundary. PostGIS's geography distance on PostgreSQL; on SQLite shapely's, in a plane scaled to metres
    around the point (within a fraction of a per cent of PostGIS at a hamlet's distances)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.execute(DISTANCE_ON_POSTGRESQL, {"area_id": area_id, "latitude": latitude,
                                                           "longitude": longitude}).scalar()
    text = db.session.execute(sa.select(Area.boundary).where(Area.id == area_id)).scalar()
    if text is None:
        return None
    shape = from_geojson(text if isinstance(text, str) else json.dumps(text))
    scale = math.cos(math.radians(latitude))
    flat = transform(shape, lambda coordinates: coordinates * (scale, 1.0))
    return float(flat.distance(points(longitude * scale, latitude))) * METRES_PER_DEGREE
