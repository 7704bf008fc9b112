"""App users, their Collect QR codes, and form assignments: ODK Central's /v1/projects/{p}/app-users and
/v1/projects/{p}/forms/{f}/assignments endpoints (the qr.* endpoints are ours; Central draws QR codes in the
browser)."""

from flask import Blueprint, current_app, jsonify, request

from .. import errors
from ..areas.service import app_user_within, check_codes_within, scope_codes, set_app_user_areas
from ..auth import queries as auth_queries
from ..auth.requests import actor_or_404, current_actor
from ..auth.roles import find_role
from ..auth.schemas import ActorSchema
from ..http import app_user_or_404, caller_scope, form_or_404, project_or_404
from ..params import query_flag, wants_extended_metadata
from ..schemas import Timestamp, load_json
from . import qr, queries, service
from .schemas import AppUserCreateSchema, AppUserSchema, FormAssignmentSchema, ProjectFormAssignmentSchema

bp = Blueprint("appusers", __name__, url_prefix="/v1/projects/<int:project_id>")


def role_or_404(role_key):
    role = find_role(role_key)
    if role is None:
        raise errors.not_found()
    return role


@bp.get("/app-users")
def list_app_users(project_id):
    project = project_or_404(project_id, "field_key.list")
    scope = caller_scope(project.id)
    field_keys = [key for key in queries.list_field_keys(project.id) if app_user_within(scope, key.actor_id)]
    body = AppUserSchema(many=True).dump(field_keys)
    if wants_extended_metadata():
        add_extended_metadata(field_keys, body)
    return jsonify(body)


def add_extended_metadata(field_keys, body):
    """Central's extended app user: who created it, and when it last did anything (null if never)."""
    last_used = queries.last_used_by_actor([key.actor_id for key in field_keys])
    creators = auth_queries.get_actors({key.created_by for key in field_keys if key.created_by is not None})
    for key, item in zip(field_keys, body):
        creator = creators.get(key.created_by)
        item["createdBy"] = ActorSchema().dump(creator) if creator else None
        item["lastUsed"] = Timestamp().serialize("lastUsed", {"lastUsed": last_used.get(key.actor_id)})


@bp.post("/app-users")
def create_app_user(project_id):
    """Body {"displayName": …, "areas": [codes]?}. An area-limited caller's app user serves her areas, or the
    narrower ones she names (:raise 403.1: one outside hers)."""
    project = project_or_404(project_id, "field_key.create")
    body = load_json(AppUserCreateSchema())
    scope = caller_scope(project.id)
    codes = body.get("areas")
    if codes is None and scope is not None:
        codes = scope_codes(scope)
    check_codes_within(scope, codes or [])
    field_key = service.create_app_user(project, body["displayName"], by=current_actor())
    if codes:
        set_app_user_areas(field_key, codes, by=current_actor())
    return jsonify(AppUserSchema().dump(field_key))


@bp.delete("/app-users/<int:actor_id>")
def delete_app_user(project_id, actor_id):
    project = project_or_404(project_id, "field_key.delete")
    service.delete_app_user(app_user_or_404(project, actor_id), by=current_actor())
    return jsonify(success=True)


def collect_qr(project_id, actor_id):
    """(server URL, settings, payload) of an app user's Collect QR code; `?managed=true` for Central's managed QR.

    :raise 404.1: no such app user, :raise 404.51: its access was revoked (a revoked token configures nothing).
    """
    project = project_or_404(project_id, "field_key.list")
    field_key = app_user_or_404(project, actor_id)
    if field_key.token is None:
        raise errors.app_user_revoked(name=field_key.actor.display_name, id=actor_id)
    base_url = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    server_url = qr.key_server_url(base_url, field_key.token, project.id)
    settings = qr.collect_settings(server_url, project.name, managed=query_flag("managed"))
    return server_url, settings, qr.encode_settings(settings)


def no_store(response):
    """The QR code holds the app user's credential: no cache may keep it."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/app-users/<int:actor_id>/qr.json")
def get_qr_json(project_id, actor_id):
    server_url, settings, payload = collect_qr(project_id, actor_id)
    return no_store(jsonify(serverUrl=server_url, settings=settings, payload=payload))


@bp.get("/app-users/<int:actor_id>/qr.png")
def get_qr_png(project_id, actor_id):
    png = qr.qr_png(collect_qr(project_id, actor_id)[2])
    return no_store(current_app.response_class(png, mimetype="image/png"))


@bp.get("/app-users/<int:actor_id>/qr.svg")
def get_qr_svg(project_id, actor_id):
    svg = qr.qr_svg(collect_qr(project_id, actor_id)[2])
    return no_store(current_app.response_class(svg, mimetype="image/svg+xml"))


@bp.get("/forms/<xml_form_id>/assignments")
@bp.get("/forms/<xml_form_id>/assignments/<role_key>")
def list_form_assignments(project_id, xml_form_id, role_key=None):
    form = form_or_404(project_id, xml_form_id, "assignment.list")
    role_id = role_or_404(role_key).id if role_key is not None else None
    return jsonify(FormAssignmentSchema(many=True).dump(queries.list_form_assignments(form.id, role_id)))


@bp.post("/forms/<xml_form_id>/assignments/<role_key>/<int:actor_id>")
def assign_form(project_id, xml_form_id, role_key, actor_id):
    form = form_or_404(project_id, xml_form_id, "assignment.create")
    service.assign_form_role(form, actor_or_404(actor_id), role_key, by=current_actor())
    return jsonify(success=True)


@bp.delete("/forms/<xml_form_id>/assignments/<role_key>/<int:actor_id>")
def unassign_form(project_id, xml_form_id, role_key, actor_id):
    form = form_or_404(project_id, xml_form_id, "assignment.delete")
    service.unassign_form_role(form, actor_or_404(actor_id), role_key, by=current_actor())
    return jsonify(success=True)


@bp.get("/assignments/forms")
@bp.get("/assignments/forms/<role_key>")
def list_project_form_assignments(project_id, role_key=None):
    project = project_or_404(project_id, "assignment.list")
    role_id = role_or_404(role_key).id if role_key is not None else None
    rows = queries.list_project_form_assignments(project.id, role_id)
    return jsonify(ProjectFormAssignmentSchema(many=True).dump(
        [{"actor_id": assignment.actor_id, "role_id": assignment.role_id, "xml_form_id": xml_form_id}
         for assignment, xml_form_id in rows]))
