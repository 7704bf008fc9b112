"""Projects and project role assignments: ODK Central's /v1/projects endpoints."""

from flask import Blueprint, jsonify

from ..auth import queries as auth_queries
from ..auth import service as auth_service
from ..auth.requests import actor_or_404, current_actor, require
from ..auth.schemas import AssignmentSchema
from ..http import project_or_404
from ..params import wants_extended_metadata
from ..schemas import load_json
from . import queries, service
from .schemas import ProjectCreateSchema, ProjectSchema, ProjectUpdateSchema

bp = Blueprint("projects", __name__, url_prefix="/v1/projects")


@bp.get("")
def list_projects():
    actor = current_actor()
    visible = None if auth_service.is_admin(actor) else auth_queries.project_ids_with_roles(actor.id)
    projects = queries.list_projects(visible)
    body = ProjectSchema(many=True).dump(projects)
    if wants_extended_metadata():
        counts = queries.count_forms_by_project([project.id for project in projects])
        for item in body:
            item["forms"] = counts.get(item["id"], 0)
            item["verbs"] = sorted(auth_service.verbs_for(actor, item["id"]))
    return jsonify(body)


@bp.post("")
def create_project():
    actor = require("project.create")
    body = load_json(ProjectCreateSchema())
    return jsonify(ProjectSchema().dump(service.create_project(body["name"], body.get("description"), by=actor)))


@bp.get("/<int:project_id>")
def get_project(project_id):
    project = project_or_404(project_id)
    body = ProjectSchema().dump(project)
    if wants_extended_metadata():
        body["forms"] = queries.count_forms_by_project([project.id]).get(project.id, 0)
        body["verbs"] = sorted(auth_service.verbs_for(current_actor(), project.id))
    return jsonify(body)


@bp.patch("/<int:project_id>")
def update_project(project_id):
    project = project_or_404(project_id, "project.update")
    changes = load_json(ProjectUpdateSchema(), partial=True)
    return jsonify(ProjectSchema().dump(service.update_project(project, changes, by=current_actor())))


@bp.delete("/<int:project_id>")
def delete_project(project_id):
    project = project_or_404(project_id, "project.delete")
    service.delete_project(project, by=current_actor())
    return jsonify(success=True)


@bp.get("/<int:project_id>/assignments")
def list_assignments(project_id):
    project = project_or_404(project_id, "assignment.list")
    return jsonify(AssignmentSchema(many=True).dump(auth_queries.list_assignments(project.id)))


@bp.post("/<int:project_id>/assignments/<role_key>/<int:actor_id>")
def assign(project_id, role_key, actor_id):
    project = project_or_404(project_id, "assignment.create")
    auth_service.assign_role(actor_or_404(actor_id), role_key, project.id, by=current_actor())
    return jsonify(success=True)


@bp.delete("/<int:project_id>/assignments/<role_key>/<int:actor_id>")
def unassign(project_id, role_key, actor_id):
    project = project_or_404(project_id, "assignment.delete")
    auth_service.unassign_role(actor_or_404(actor_id), role_key, project.id, by=current_actor())
    return jsonify(success=True)
