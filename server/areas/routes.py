"""The administrative tree (/v1/areas) and app users' area scopes (/v1/projects/{p}/app-users/{id}/areas).

Ours, not Central's: Central has no areas. Any logged-in user may read the tree; only site
administrators change it. Project managers set which areas an app user serves.
"""

import json

from flask import Blueprint, current_app, jsonify, request

from .. import errors
from ..auth import service as auth_service
from ..auth.queries import get_user_by_actor_id
from ..auth.requests import current_actor
from ..http import app_user_or_404, caller_scope, project_or_404, read_body, read_uploaded_table
from ..params import query_flag
from ..schemas import load_json
from . import queries, service, tabular
from .models import LEVELS
from .schemas import AreaSchema, AreaScopeSchema

bp = Blueprint("areas", __name__, url_prefix="/v1")


def require_admin():
    """The actor, if a site administrator. :raise 401.2: anonymous, :raise 403.1: anyone else."""
    actor = current_actor()
    if not auth_service.is_admin(actor):
        raise errors.insufficient_rights()
    return actor


def area_or_404(code):
    """The area row with this code. :raise 404.1:"""
    row = queries.get_area_row(code)
    if row is None:
        raise errors.not_found()
    return row


@bp.get("/areas")
def list_areas():
    """?level=province|district|commune|hamlet, ?parent=<code> (its children), ?tree=true (nested `children`)."""
    current_actor()
    level = request.args.get("level")
    if level is not None and level not in LEVELS:
        raise errors.unexpected_value(field="level", value=level, reason=f"use one of {', '.join(LEVELS)}.")
    parent = area_or_404(request.args["parent"]) if "parent" in request.args else None
    rows = AreaSchema(many=True).dump(queries.list_areas(level, parent["id"] if parent else None))
    return jsonify(nest(rows) if query_flag("tree") else rows)


def nest(rows):
    """Areas as a forest: each under its parent's `children` (communes under provinces, the two-tier tree)."""
    by_code = {row["code"]: {**row, "children": []} for row in rows}
    roots = []
    for row in by_code.values():
        parent = by_code.get(row["parentCode"])
        (parent["children"] if parent else roots).append(row)
    return roots


@bp.get("/areas.csv")
def export_areas():
    current_actor()
    body = tabular.export_csv(queries.list_areas())
    return current_app.response_class(body, mimetype="text/csv", headers={
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": 'attachment; filename="areas.csv"'})


@bp.get("/areas/<code>")
def get_area(code):
    current_actor()
    row = area_or_404(code)
    boundary = queries.get_boundary_geojson(row["id"])
    return jsonify({**AreaSchema().dump(row), "boundary": json.loads(boundary) if boundary else None})


@bp.post("/areas/import")
def import_areas():
    """Body: a CSV or XLSX area list (see server/areas/tabular.py for its columns)."""
    actor = require_admin()
    table = read_uploaded_table("area list")
    return jsonify(service.import_areas(table, by=actor, source=request.mimetype))


@bp.post("/areas/boundaries")
def import_boundaries():
    """Body: a GeoJSON FeatureCollection; ?property=<name> says which feature property holds the area code."""
    actor = require_admin()
    if request.mimetype not in ("application/geo+json", "application/json"):
        raise errors.unsupported_media_type(content_type=request.mimetype, expected="application/geo+json")
    text = read_body(current_app.config["MAX_FORM_BYTES"])
    return jsonify(service.import_boundaries(text, request.args.get("property"), by=actor))


@bp.get("/projects/<int:project_id>/app-users/<int:actor_id>/areas")
def get_app_user_areas(project_id, actor_id):
    field_key = app_user_or_404(project_or_404(project_id, "field_key.list"), actor_id)
    return jsonify(areas=AreaSchema(many=True).dump(queries.list_scope_rows(field_key.actor_id)))


@bp.put("/projects/<int:project_id>/app-users/<int:actor_id>/areas")
def set_app_user_areas(project_id, actor_id):
    """Body: {"areas": ["00004", "00004-01", …]} (codes, or area objects as GET answers); [] clears the scope."""
    field_key = app_user_or_404(project_or_404(project_id, "field_key.create"), actor_id)
    codes = load_json(AreaScopeSchema())["areas"]
    scope = caller_scope(project_id)
    if scope is not None and not codes:
        raise errors.insufficient_rights()  # clearing the areas would let it serve everywhere
    service.check_codes_within(scope, codes)
    service.set_app_user_areas(field_key, codes, by=current_actor())
    return jsonify(areas=AreaSchema(many=True).dump(queries.list_scope_rows(field_key.actor_id)))


@bp.get("/projects/<int:project_id>/users/<int:actor_id>/areas")
def get_user_areas(project_id, actor_id):
    """The areas a web user's work in the project is limited to ([]: not limited)."""
    project_or_404(project_id, "assignment.list")
    actor = user_or_404(actor_id)
    return jsonify(areas=AreaSchema(many=True).dump(queries.list_user_scope_rows(project_id, actor.id)))


@bp.put("/projects/<int:project_id>/users/<int:actor_id>/areas")
def set_user_areas(project_id, actor_id):
    """Body: {"areas": ["00004", …]}: the user then sees results and decides recognition only there and below;
    [] lifts the limit. :raise 403.1: the caller is limited to areas itself (it could lift its own limit)."""
    project_or_404(project_id, "assignment.create")
    if queries.has_user_scope(project_id, current_actor().id):
        raise errors.insufficient_rights()
    actor = user_or_404(actor_id)
    codes = load_json(AreaScopeSchema())["areas"]
    service.set_user_areas(project_id, actor, codes, by=current_actor())
    return jsonify(areas=AreaSchema(many=True).dump(queries.list_user_scope_rows(project_id, actor.id)))


def user_or_404(actor_id):
    """A live web user (not an app user). :raise 404.1:"""
    user = get_user_by_actor_id(actor_id)
    if user is None:
        raise errors.not_found()
    return user.actor
