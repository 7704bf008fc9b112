"""All SQL about areas and app users' area scopes."""

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..db import utcnow
from ..extensions import db
from .models import Area, FieldKeyArea, UserArea

Parent = aliased(Area)
LegacyDistrict = aliased(Area)
Commune = aliased(Area)


def is_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def area_rows_query():
    """Areas as plain rows with their parent's and legacy district's codes (what lists and exports show)."""
    return (sa.select(Area.id, Area.code, Area.name, Area.level, Area.valid_from, Area.valid_to, Area.created_at,
                      Area.updated_at, Area.boundary.is_not(None).label("has_boundary"),
                      Parent.code.label("parent_code"), LegacyDistrict.code.label("legacy_district_code"))
            .outerjoin(Parent, Parent.id == Area.parent_id)
            .outerjoin(LegacyDistrict, LegacyDistrict.id == Area.legacy_district_id))


def list_areas(level=None, parent_id=None, area_ids=None):
    """Area rows (mappings) ordered by level, then code; filtered by level, parent, or a set of ids."""
    query = area_rows_query()
    if level is not None:
        query = query.where(Area.level == level)
    if parent_id is not None:
        query = query.where(Area.parent_id == parent_id)
    if area_ids is not None:
        query = query.where(Area.id.in_(area_ids))
    level_rank = sa.case({"province": 0, "district": 1, "commune": 2, "hamlet": 3}, value=Area.level)
    return db.session.execute(query.order_by(level_rank, Area.code)).mappings().all()


def get_area_row(code):
    return db.session.execute(area_rows_query().where(Area.code == code)).mappings().one_or_none()


def get_area_by_code(code):
    return db.session.execute(sa.select(Area).where(Area.code == code)).scalar_one_or_none()


def get_areas_by_codes(codes):
    """{code: Area} for the codes that exist (asked in chunks: SQLite binds at most 32,766 parameters)."""
    codes, found = list(codes), {}
    for start in range(0, len(codes), 5000):
        query = sa.select(Area).where(Area.code.in_(codes[start:start + 5000]))
        found.update((area.code, area) for area in db.session.execute(query).scalars())
    return found


def area_index():
    """{code: (id, level, parent code, name, legacy district code, valid_from, valid_to)} for every area: what an
    import compares against (a plain-row read; 100,000 hamlets are a few megabytes)."""
    rows = db.session.execute(sa.select(Area.code, Area.id, Area.level, Parent.code, Area.name, LegacyDistrict.code,
                                        Area.valid_from, Area.valid_to)
                              .outerjoin(Parent, Parent.id == Area.parent_id)
                              .outerjoin(LegacyDistrict, LegacyDistrict.id == Area.legacy_district_id))
    return {row[0]: tuple(row[1:]) for row in rows}


def ids_by_code(level):
    return dict(db.session.execute(sa.select(Area.code, Area.id).where(Area.level == level)).all())


def insert_areas(values):
    if values:
        db.session.execute(sa.insert(Area), values)


def update_areas(values):
    """Bulk UPDATE by primary key: each dict holds `id` and the columns to set."""
    if values:
        db.session.execute(sa.update(Area), values)


def get_boundary_geojson(area_id):
    """The area's boundary as GeoJSON text, or None."""
    column = sa.func.ST_AsGeoJSON(Area.boundary, 7) if is_postgresql() else Area.boundary
    return db.session.execute(sa.select(column).where(Area.id == area_id)).scalar_one_or_none()


def set_boundary(area_id, multipolygon_geojson):
    """Store a MultiPolygon given as GeoJSON text: a PostGIS geometry (SRID 4326) or the text itself on SQLite."""
    value = multipolygon_geojson
    if is_postgresql():
        value = sa.func.ST_SetSRID(sa.func.ST_GeomFromGeoJSON(sa.literal(multipolygon_geojson, sa.Text)), 4326)
    db.session.execute(sa.update(Area).where(Area.id == area_id).values(boundary=value, updated_at=utcnow()))


def descendants_select(area_ids):
    """SELECT of `area_ids` and every area below them: children by parent, and the communes a legacy
    district held (with their hamlets). A recursive CTE, the same SQL on SQLite and PostgreSQL; use it
    inside IN (…) so that a province's thousands of hamlets never become bound parameters."""
    roots = area_ids if isinstance(area_ids, sa.Select) else list(area_ids)
    tree = sa.select(Area.id).where(Area.id.in_(roots)).cte(recursive=True)  # anonymous: one query may hold two
    child = aliased(Area)
    tree = tree.union(sa.select(child.id).join(tree, sa.or_(child.parent_id == tree.c.id,
                                                             child.legacy_district_id == tree.c.id)))
    return sa.select(tree.c.id)


def descendant_ids(area_ids):
    """The set of `area_ids` and the ids of every area below them."""
    return set(db.session.execute(descendants_select(area_ids)).scalars())


def list_hamlets(within=None, on=None):
    """(hamlet code, name, commune code, legacy district code) of the hamlets, all or those in or below the
    areas `within` (ids, or a SELECT of ids such as scope_select); with a date `on`, only hamlets valid then."""
    query = (sa.select(Area.code, Area.name, Commune.code, LegacyDistrict.code)
             .join(Commune, Commune.id == Area.parent_id)
             .outerjoin(LegacyDistrict, LegacyDistrict.id == Commune.legacy_district_id)
             .where(Area.level == "hamlet").order_by(Commune.code, Area.code))
    if within is not None:
        query = query.where(Area.id.in_(descendants_select(within)))
    if on is not None:
        query = query.where(sa.or_(Area.valid_from.is_(None), Area.valid_from <= on),
                            sa.or_(Area.valid_to.is_(None), Area.valid_to >= on))
    return db.session.execute(query).all()


def scope_select(actor_id):
    """SELECT of the ids of the areas an app user was given (not their descendants)."""
    return sa.select(FieldKeyArea.area_id).where(FieldKeyArea.actor_id == actor_id)


def has_scope(actor_id):
    return db.session.execute(scope_select(actor_id).limit(1)).first() is not None


def list_scope_rows(actor_id):
    return list_areas(area_ids=scope_select(actor_id))


def user_scope_select(project_id, actor_id):
    """SELECT of the ids of the areas a web user's work in a project is limited to (not their descendants)."""
    return sa.select(UserArea.area_id).where(UserArea.project_id == project_id, UserArea.actor_id == actor_id)


def has_user_scope(project_id, actor_id):
    return db.session.execute(user_scope_select(project_id, actor_id).limit(1)).first() is not None


def list_user_scope_rows(project_id, actor_id):
    return list_areas(area_ids=user_scope_select(project_id, actor_id))


def replace_user_scope(project_id, actor_id, area_ids):
    db.session.execute(sa.delete(UserArea).where(UserArea.project_id == project_id, UserArea.actor_id == actor_id))
    if area_ids:
        db.session.execute(sa.insert(UserArea), [{"project_id": project_id, "actor_id": actor_id, "area_id": area_id}
                                                 for area_id in area_ids])


def codes_within(area_ids):
    """SELECT of the codes of `area_ids` (ids, or a SELECT of ids) and of every area below them."""
    return sa.select(Area.code).where(Area.id.in_(descendants_select(area_ids)))


def replace_scope(actor_id, area_ids):
    db.session.execute(sa.delete(FieldKeyArea).where(FieldKeyArea.actor_id == actor_id))
    if area_ids:
        db.session.execute(sa.insert(FieldKeyArea),
                           [{"actor_id": actor_id, "area_id": area_id} for area_id in area_ids])


def area_is_within(area_id, scope):
    """Whether the area is one of `scope` (a SELECT of area ids) or below one of them."""
    return count_within({area_id}, scope) == 1


def count_within(area_ids, scope):
    """How many of `area_ids` are areas of `scope` (a SELECT of ids) or below one of them."""
    query = sa.select(sa.func.count()).select_from(Area).where(Area.id.in_(list(area_ids)),
                                                               Area.id.in_(descendants_select(scope)))
    return db.session.execute(query).scalar()


def list_boundaries(levels, within=None):
    """(code, name, level, boundary as GeoJSON text) of the areas of `levels` that have one, all or those in or
    below `within` (a SELECT of area ids): what the desk's maps draw."""
    column = sa.func.ST_AsGeoJSON(Area.boundary, 6) if is_postgresql() else Area.boundary
    query = (sa.select(Area.code, Area.name, Area.level, column)
             .where(Area.level.in_(levels), Area.boundary.is_not(None)).order_by(Area.code))
    if within is not None:
        query = query.where(Area.id.in_(descendants_select(within)))
    return db.session.execute(query).all()


def names_by_code(codes):
    """{code: name} of the areas among `codes`."""
    if not codes:
        return {}
    return dict(db.session.execute(sa.select(Area.code, Area.name).where(Area.code.in_(list(codes)))).all())
