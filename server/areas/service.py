"""Area operations: importing the tree, boundaries, and app users' area scopes. Operations flush; the
request boundary (or the CLI) commits."""

import sqlalchemy as sa

from .. import errors
from ..audit.service import log_action
from ..db import utcnow
from ..extensions import db
from ..tables import problem
from . import geojson, queries, tabular
from .models import Area

AUDIT_CODES = 1000  # an import's audit entry lists at most this many changed codes


def import_areas(table, by=None, source=None):
    """Create or update areas from a Table (server/tables/), idempotent by code; all or nothing.

    Returns {"created", "updated", "unchanged", "ignoredColumns"}.
    :raise 400.54: missing columns, or rows with problems (each with its row number); nothing is written.
    """
    missing = tabular.missing_columns(table.headers)
    if missing:
        raise errors.table_problems([problem(1, None, f"missing column {column}") for column in missing])
    rows, problems = tabular.parse_rows(table.rows, table.headers)
    index = queries.area_index()
    problems += resolve_parents(rows, index)
    if problems:
        raise errors.table_problems(problems)
    created, updated = write_areas(rows, index)
    ignored = tabular.column_map(table.headers)[1]
    log_action(by, "area.import", "area", None, {"source": source, "created": len(created), "updated": len(updated),
                                                 "createdCodes": created[:AUDIT_CODES],
                                                 "updatedCodes": updated[:AUDIT_CODES]})
    return {"created": len(created), "updated": len(updated), "unchanged": len(rows) - len(created) - len(updated),
            "ignoredColumns": ignored}


def resolve_parents(rows, index):
    """Check each row's parent and legacy district against the file and the database; rewrite their codes
    to the canonical ones. Rows are taken province first, so a parent in the same file is seen before its
    children. Returns the problems."""
    planned = {}
    problems = []
    for row in sorted(rows, key=lambda row: tabular.RANK[row.level]):
        existing = index.get(row.code)
        if existing and existing[1] != row.level:
            problems.append(problem(row.row, "level", f"{row.code} is already a {existing[1]}; an area "
                                                      "keeps its level (give a new code instead)."))
            continue
        unresolved = resolve_row(row, lambda code: planned.get(code) or level_and_parent(index.get(code)))
        if unresolved:
            problems.append(problem(row.row, *unresolved))
            continue
        planned[row.code] = (row.level, row.parent_code)
    return problems


def level_and_parent(entry):
    return (entry[1], entry[2]) if entry else None


def resolve_row(row, lookup):
    """(column, message) of the row's problem, or None after setting its canonical parent codes."""
    allowed = tabular.PARENT_LEVELS[row.level]
    if not allowed:
        return ("parent_code", "a province has no parent code.") if row.parent_code else None
    if not row.parent_code:
        return "parent_code", f"a {row.level} needs the code of its {' or '.join(allowed)} (ma_cha)."
    parent = find(row.parent_code, allowed, lookup)
    if isinstance(parent, str):
        return "parent_code", parent
    parent_code, (parent_level, grandparent) = parent
    legacy = None
    if row.level == "commune" and parent_level == "district":  # the pre-2025 shape: commune under its district
        legacy, parent_code = parent_code, grandparent
    if row.legacy_district_code:
        if row.level != "commune":
            return "legacy_district_code", "only communes have a legacy district."
        found = find(row.legacy_district_code, ("district",), lookup)
        if isinstance(found, str):
            return "legacy_district_code", found
        if legacy and legacy != found[0]:
            return "legacy_district_code", f"the parent is district {legacy} but the legacy district is {found[0]}."
        legacy = found[0]
    row.parent_code, row.legacy_district_code = parent_code, legacy or ""
    return None


def find(code, levels, lookup):
    """(canonical code, (level, parent code)) of the area `code` names among `levels`, or a message why not."""
    for candidate in tabular.code_candidates(code, levels):
        found = lookup(candidate)
        if found and found[0] in levels:
            return candidate, found
        if found:
            return f"{candidate} is a {found[0]}; expected a {' or '.join(levels)}."
    return f"no area has the code {code!r} (neither in this file nor already imported)."


def write_areas(rows, index):
    """Insert new areas and update changed ones, level by level so that parents have ids. Returns the
    created and the updated codes."""
    id_of = {code: entry[0] for code, entry in index.items()}
    created, updated = [], []
    for level in tabular.RANK:
        inserts, updates = [], []
        for row in (row for row in rows if row.level == level):
            values = {"name": row.name, "level": row.level, "parent_id": id_of.get(row.parent_code),
                      "legacy_district_id": id_of.get(row.legacy_district_code),
                      "valid_from": row.valid_from, "valid_to": row.valid_to}
            existing = index.get(row.code)
            if existing is None:
                inserts.append({"code": row.code, **values})
                created.append(row.code)
            elif existing[2:] != (row.parent_code or None, row.name, row.legacy_district_code or None,
                                  row.valid_from, row.valid_to):
                updates.append({"id": existing[0], **values, "updated_at": utcnow()})
                updated.append(row.code)
        queries.insert_areas(inserts)
        queries.update_areas(updates)
        id_of.update(queries.ids_by_code(level) if inserts else {})
    return created, updated


def import_boundaries(text, match_property=None, by=None):
    """Set area boundaries from a GeoJSON FeatureCollection, each feature matched to an area by a property
    holding its code; all or nothing. Returns {"updated": n}.

    :raise 400.55: not a FeatureCollection, a feature without a usable Polygon/MultiPolygon or code, or a
        code no area has (details.errors lists each feature by its index).
    """
    try:
        features = geojson.parse_feature_collection(text)
    except geojson.GeometryError as error:
        raise errors.geometry_not_valid(reason=error.message) from None
    boundaries, problems = geojson.feature_boundaries(features, match_property)
    areas = queries.get_areas_by_codes({candidate for _, code, _ in boundaries
                                        for candidate in tabular.code_candidates(code, tabular.CODE_WIDTH)})
    matched = {}
    for index, code, multipolygon in boundaries:
        area = next((areas[c] for c in tabular.code_candidates(code, tabular.CODE_WIDTH) if c in areas), None)
        if area is None or area.id in matched:
            problems.append({"feature": index, "message": f"no area has the code {code!r}." if area is None
                             else f"another feature already gives the boundary of {area.code}."})
            continue
        matched[area.id] = (area.code, multipolygon)
    if problems:
        problems.sort(key=lambda item: item["feature"])
        raise errors.geometry_not_valid(reason=f"{len(problems)} feature(s) cannot be used; see details.errors.",
                                        errors=problems[:200])
    for area_id, (_, multipolygon) in matched.items():
        queries.set_boundary(area_id, multipolygon)
    log_action(by, "area.boundaries", "area", None, {"updated": len(matched),
                                                     "codes": [code for code, _ in matched.values()][:AUDIT_CODES]})
    return {"updated": len(matched)}


def set_app_user_areas(field_key, codes, by=None):
    """Replace the areas an app user serves (its registries are cut to them and what lies below).

    :raise 400.8: a code no area has.
    """
    areas = queries.get_areas_by_codes(codes)
    unknown = [code for code in codes if code not in areas]
    if unknown:
        raise errors.unexpected_value(field="areas", value=", ".join(unknown[:20]), reason="no area has these codes.")
    queries.replace_scope(field_key.actor_id, sorted({area.id for area in areas.values()}))
    log_action(by, "field_key.areas.update", "actor", field_key.actor_id,
               {"projectId": field_key.project_id, "areas": sorted(areas)})


def set_user_areas(project_id, actor, codes, by=None):
    """Replace the areas a web user's work in the project is limited to ([] lifts the limit).

    :raise 400.8: a code no area has.
    """
    areas = queries.get_areas_by_codes(codes)
    unknown = [code for code in codes if code not in areas]
    if unknown:
        raise errors.unexpected_value(field="areas", value=", ".join(unknown[:20]), reason="no area has these codes.")
    queries.replace_user_scope(project_id, actor.id, sorted({area.id for area in areas.values()}))
    log_action(by, "user.areas.update", "actor", actor.id, {"projectId": project_id, "areas": sorted(areas)})


def user_scope(project_id, actor_id):
    """Where a web user may work in a project: None (no areas set: anywhere its roles allow) or a SELECT of
    the codes of its areas and every area below them, to filter results by area code."""
    if not queries.has_user_scope(project_id, actor_id):
        return None
    return queries.codes_within(queries.user_scope_select(project_id, actor_id))


def user_scope_codes(project_id, actor_id):
    """The codes of user_scope as a set, or None."""
    scope = user_scope(project_id, actor_id)
    return None if scope is None else frozenset(db.session.execute(scope).scalars())


def app_user_scope(actor_id):
    """What an app user may download: None (no areas set: no restriction, as Central without an access
    filter) or a SELECT of its area ids, to pass as `within` to list_hamlets or registry queries, which
    add the areas below them."""
    return queries.scope_select(actor_id) if queries.has_scope(actor_id) else None


def actor_scope(project_id, actor_id, actor_type="user"):
    """The areas an actor is limited to in the project, as a SELECT of their ids (not the areas below them), or
    None when it is not limited: an app user's areas, or a web user's in that project. One answer for every
    read and write that an area limit limits (submissions, results, registries, app users)."""
    if actor_id is None:
        return None
    if actor_type == "field_key":
        return app_user_scope(actor_id)
    return queries.user_scope_select(project_id, actor_id) if queries.has_user_scope(project_id, actor_id) else None


def is_within(scope, area_id):
    """Whether `area_id` lies in `scope` (None: not limited, always true); an area that is None (a submission
    placed nowhere) lies in no limited scope."""
    if scope is None:
        return True
    return area_id is not None and queries.area_is_within(area_id, scope)


def areas_within(scope, area_ids):
    """Whether every area of `area_ids` lies in `scope` (None: not limited)."""
    if scope is None:
        return True
    wanted = set(area_ids)
    return not wanted or queries.count_within(wanted, scope) == len(wanted)


def app_user_within(scope, actor_id):
    """Whether the app user's areas all lie in `scope` (None: not limited); an app user without areas serves
    everywhere, so only a caller without a limit may see or manage it."""
    if scope is None:
        return True
    area_ids = set(db.session.execute(queries.scope_select(actor_id)).scalars())
    return bool(area_ids) and areas_within(scope, area_ids)


def check_codes_within(scope, codes):
    """The areas named by `codes` (a code no area has is left to the setter to refuse) must all lie in `scope`.
    :raise 403.1: one lies outside (a limited user cannot give more than she holds)."""
    if scope is None:
        return
    found = queries.get_areas_by_codes(codes)
    if not areas_within(scope, {area.id for area in found.values()}):
        raise errors.insufficient_rights()


def scope_codes(scope):
    """The codes of the areas of `scope` themselves (not those below them)."""
    return sorted(db.session.execute(sa.select(Area.code).where(Area.id.in_(scope))).scalars())
