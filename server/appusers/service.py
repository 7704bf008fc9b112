"""App users and form assignments. Operations flush; the request boundary commits.

An app user is an Actor of type "field_key" whose token never expires until revoked: the token is
the URL ODK Collect is configured with, so a phone keeps working for a whole campaign.
"""

import secrets
from datetime import datetime, timezone

from .. import errors
from ..audit.service import log_action
from ..auth.models import Actor, Session
from ..auth.roles import find_role
from ..auth.service import hash_token
from ..db import utcnow
from ..extensions import db
from . import queries
from .models import FieldKey, FormAssignment

# App-user sessions do not expire; revocation (DELETE /v1/sessions/{token}) ends them.
NEVER = datetime(9999, 12, 31, tzinfo=timezone.utc)


def create_app_user(project, display_name, by=None):
    """A new app user of `project` with a working token (FieldKey.token holds it, as Central shows it again).

    :raise 400.8: a blank display name.
    """
    if not (display_name or "").strip():
        raise errors.unexpected_value(field="displayName", value=repr(display_name), reason="an app user needs a name.")
    actor = Actor(type="field_key", display_name=display_name.strip())
    db.session.add(actor)
    db.session.flush()
    token = secrets.token_urlsafe(48)
    field_key = FieldKey(actor_id=actor.id, project_id=project.id, created_by=by.id if by else None, token=token)
    field_key.actor = actor
    db.session.add_all([field_key, Session(token_hash=hash_token(token), actor_id=actor.id, expires_at=NEVER)])
    db.session.flush()
    log_action(by, "field_key.create", "actor", actor.id, {"projectId": project.id, "displayName": actor.display_name})
    return field_key


def forget_token(actor_id, by=None):
    """After an app user's session has ended: its token is gone for good (listings show null)."""
    field_key = queries.get_field_key_by_actor_id(actor_id)
    if field_key is None or field_key.token is None:
        return
    field_key.token = None
    field_key.revoked_at = utcnow()
    log_action(by, "field_key.session.end", "actor", actor_id, {"projectId": field_key.project_id})


def revoke_app_user(field_key, by=None):
    """End every session of the app user and forget its token; idempotent."""
    queries.delete_sessions_of(field_key.actor_id)
    forget_token(field_key.actor_id, by)


def delete_app_user(field_key, by=None):
    """Soft-delete the app user's actor; its sessions and form assignments go with it."""
    queries.delete_sessions_of(field_key.actor_id)
    queries.delete_form_assignments_of(field_key.actor_id)
    field_key.token = None
    field_key.revoked_at = field_key.revoked_at or utcnow()
    field_key.actor.deleted_at = utcnow()
    log_action(by, "field_key.delete", "actor", field_key.actor_id, {"projectId": field_key.project_id})


def assign_form_role(form, actor, role_key, by=None):
    """Give `actor` a role on one form; idempotent. :raise 404.1: unknown role or actor not of this project,
    :raise 400.8: a role an app user (or anyone, for admin) cannot hold on a form."""
    role = form_role_or_404(form, actor, role_key)
    if queries.get_form_assignment(actor.id, form.id, role.id) is None:
        db.session.add(FormAssignment(actor_id=actor.id, form_id=form.id, role_id=role.id))
        db.session.flush()
        log_action(by, f"{actor.type}.assignment.create", "actor", actor.id, assignment_details(form, role))
    return role


def unassign_form_role(form, actor, role_key, by=None):
    """:raise 404.1: no such assignment."""
    role = find_role(role_key)
    assignment = queries.get_form_assignment(actor.id, form.id, role.id) if role else None
    if assignment is None:
        raise errors.not_found()
    db.session.delete(assignment)
    log_action(by, f"{actor.type}.assignment.delete", "actor", actor.id, assignment_details(form, role))


def form_role_or_404(form, actor, role_key):
    """The role to grant on `form`: only users and this project's own app users; app users only as app-user."""
    role = find_role(role_key)
    if role is None:
        raise errors.not_found()
    if actor.type == "field_key":
        field_key = queries.get_field_key(form.project_id, actor.id)
        if field_key is None:  # another project's app user: it does not exist here
            raise errors.not_found()
        if role.system != "app-user":
            raise errors.unexpected_value(field="role", value=role.system,
                                          reason="an app user can only hold the app-user role (2) on a form.")
    elif role.system == "admin":
        raise errors.unexpected_value(field="role", value="admin", reason="administrators are site-wide.")
    return role


def assignment_details(form, role):
    return {"roleId": role.id, "projectId": form.project_id, "formId": form.id, "xmlFormId": form.xml_form_id}
