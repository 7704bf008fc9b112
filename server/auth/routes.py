"""Sessions, users, roles and site-wide assignments: ODK Central's /v1 endpoints."""

from flask import Blueprint, current_app, jsonify, request

from .. import errors
from ..params import wants_extended_metadata
from ..schemas import load_json
from . import queries, service
from .requests import actor_or_404, current_actor, current_session, require
from .roles import ROLES, find_role
from .schemas import (
    AssignmentSchema,
    PasswordChangeSchema,
    RoleSchema,
    SessionCreateSchema,
    SessionSchema,
    UserCreateSchema,
    UserSchema,
    UserUpdateSchema,
)

bp = Blueprint("auth", __name__, url_prefix="/v1")


@bp.post("/sessions")
def create_session():
    body = load_json(SessionCreateSchema())
    user = service.authenticate_password(body["email"], body["password"])
    if user is None:
        raise errors.authentication_failed()
    token, session = service.create_session(user.actor, current_app.config["SESSION_LIFETIME_SECONDS"])
    return jsonify({**SessionSchema().dump(session), "token": token})


@bp.delete("/sessions/<token>")
def delete_session(token):
    """Log out, or revoke a token: anyone's for an administrator, an app user's for its project's managers.

    :raise 404.1: unknown token, :raise 403.1: someone else's token the caller may not end.
    """
    actor = current_actor()
    session = current_session() if token == "current" else service.find_session(token)
    if session is None:
        raise errors.not_found()
    if session.actor_id != actor.id:
        require_may_end(session)
    service.end_session(session, by=actor)
    return jsonify(success=True)


def require_may_end(session):
    if session.actor.type == "field_key":
        from ..appusers.queries import get_field_key_by_actor_id
        from ..areas.service import actor_scope, app_user_within
        field_key = get_field_key_by_actor_id(session.actor_id)
        by = require("session.end", field_key.project_id if field_key else None)
        if field_key is not None and not app_user_within(actor_scope(field_key.project_id, by.id), field_key.actor_id):
            raise errors.insufficient_rights()  # an area-limited manager revokes only her areas' app users
    else:
        require("user.update")


@bp.get("/users/current")
def current_user():
    actor = current_actor()
    user = queries.get_user_by_actor_id(actor.id)
    if user is None:
        raise errors.not_found()
    body = UserSchema().dump(user)
    if wants_extended_metadata():
        body["verbs"] = sorted(service.verbs_for(actor))
    return jsonify(body)


@bp.get("/users")
def list_users():
    require("user.list")
    return jsonify(UserSchema(many=True).dump(queries.list_users(request.args.get("q"))))


@bp.post("/users")
def create_user():
    actor = require("user.create")
    body = load_json(UserCreateSchema())
    user = service.create_user(body["email"], body.get("password"), body.get("displayName"), by=actor)
    return jsonify(UserSchema().dump(user))


@bp.get("/users/<int:actor_id>")
def get_user(actor_id):
    user = user_visible_to_caller(actor_id)
    return jsonify(UserSchema().dump(user))


@bp.patch("/users/<int:actor_id>")
def update_user(actor_id):
    user = user_visible_to_caller(actor_id)
    body = load_json(UserUpdateSchema(), partial=True)
    service.update_user(user, body, by=current_actor())
    return jsonify(UserSchema().dump(user))


@bp.put("/users/<int:actor_id>/password")
def change_password(actor_id):
    user = user_visible_to_caller(actor_id, self_only=True)
    body = load_json(PasswordChangeSchema())
    if service.authenticate_password(user.email, body["old"]) is None:
        raise errors.authentication_failed()
    service.set_password(user, body["new"], by=current_actor())
    return jsonify(success=True)


def user_visible_to_caller(actor_id, self_only=False):
    """Users see themselves; administrators see everyone. :raise 403.1:, :raise 404.1:"""
    actor = current_actor()
    if actor.id != actor_id:
        if self_only:
            raise errors.insufficient_rights()
        require("user.read")
    user = queries.get_user_by_actor_id(actor_id)
    if user is None:
        raise errors.not_found()
    return user


@bp.get("/roles")
def list_roles():
    current_actor()
    return jsonify(RoleSchema(many=True).dump(ROLES))


@bp.get("/roles/<role_key>")
def get_role(role_key):
    current_actor()
    role = find_role(role_key)
    if role is None:
        raise errors.not_found()
    return jsonify(RoleSchema().dump(role))


@bp.get("/assignments")
def list_sitewide_assignments():
    require("user.list")
    return jsonify(AssignmentSchema(many=True).dump(queries.list_assignments()))


@bp.post("/assignments/<role_key>/<int:actor_id>")
def assign_sitewide(role_key, actor_id):
    by = require("assignment.create.sitewide")
    service.assign_role(actor_or_404(actor_id), role_key, None, by=by)
    return jsonify(success=True)


@bp.delete("/assignments/<role_key>/<int:actor_id>")
def unassign_sitewide(role_key, actor_id):
    by = require("assignment.create.sitewide")
    service.unassign_role(actor_or_404(actor_id), role_key, None, by=by)
    return jsonify(success=True)



