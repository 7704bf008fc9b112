"""The desk's maps: the submissions matching the table's filters as clustered markers coloured by review state or
recognition, over our own area boundaries (no tile server needed; an operator may set MINHCHUNG_TILE_URL)."""

import json

from flask import current_app, render_template, request

from ..areas import queries as area_queries
from ..areas.models import LEVELS
from ..db import writes_on_read
from ..evidence import service as evidence
from ..http import caller_scope, form_or_404, project_or_404
from ..submissions import listing
from .blueprint import bp
from .session import signed_in
from .submissions import filter_choices

MAX_POINTS = 100_000


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/map")
@signed_in
def submission_map(project_id, xml_form_id):
    form = form_or_404(project_id, xml_form_id, "submission.list")
    scope = caller_scope(form.project_id)
    filters = listing.read_filters(request.args)
    return render_template("map.html", form=form, filters=filters, **filter_choices(form, scope),
                           tile_url=current_app.config.get("TILE_URL") or "")


@bp.get("/projects/<int:project_id>/forms/<xml_form_id>/map/points.json")
@signed_in
@writes_on_read
def map_points(project_id, xml_form_id):
    """The markers, compact: [[latitude, longitude, instance id, instance name, review state, recognised, total,
    first photo's file name, worst evidence flag ("error", "warning" or null)]]."""
    form = form_or_404(project_id, xml_form_id, "submission.list")
    evidence.check_pending(form.project_id)  # (scores what is pending first)
    points = listing.points(form, caller_scope(form.project_id), listing.read_filters(request.args), MAX_POINTS)
    worst = evidence.worst_severities(form.project_id, form.id)
    body = json.dumps({"points": [[round(point.latitude, 6), round(point.longitude, 6), point.instance_id,
                                   point.instance_name, point.review_state or listing.RECEIVED, point.recognised,
                                   point.total, point.photo, worst.get(point.def_id)] for point in points]},
                      ensure_ascii=False, separators=(",", ":"))
    return current_app.response_class(body, mimetype="application/json")


@bp.get("/projects/<int:project_id>/areas.geojson")
@signed_in
def area_boundaries(project_id):
    """The boundaries of the areas of ?level= (repeatable; default commune and hamlet) within the caller's
    areas, as a GeoJSON FeatureCollection."""
    project = project_or_404(project_id, "project.read")
    levels = [level for level in request.args.getlist("level") if level in LEVELS] or ["commune", "hamlet"]
    rows = area_queries.list_boundaries(levels, caller_scope(project.id))
    if request.args.get("code"):  # one area (a submission's hamlet)
        rows = [row for row in rows if row[0] == request.args["code"]]
    features = ",".join(
        '{"type":"Feature","properties":' + json.dumps({"code": code, "name": name, "level": level},
                                                      ensure_ascii=False) + ',"geometry":' + geometry + "}"
        for code, name, level, geometry in rows)
    return current_app.response_class('{"type":"FeatureCollection","features":[' + features + "]}",
                                      mimetype="application/geo+json")
