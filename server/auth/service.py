"""Users, passwords, sessions and role assignments. Operations flush; the request boundary commits."""

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import errors
from ..audit.service import log_action
from ..db import utcnow
from ..extensions import db
from . import digest, queries
from .models import Actor, Assignment, Session, User
from .roles import find_role, verbs_of
from .throttling import check_not_throttled, record_failure

MIN_PASSWORD_LENGTH = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Checked against when the email is unknown, so a miss costs as long as a hit.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(email, password=None, display_name=None, by=None):
    """Create a web user; :raise 400.8: bad email, :raise 400.21: short password, :raise 409.3: email taken."""
    email = (email or "").strip()
    if not EMAIL.match(email):
        raise errors.unexpected_value(field="email", value=repr(email), reason="it is not an email address.")
    if queries.get_user_by_email(email):
        raise errors.uniqueness_violation(fields="email", values=email)
    actor = Actor(type="user", display_name=display_name or email)
    user = User(email=email, actor=actor)
    if password is not None:
        set_password(user, password)
    db.session.add_all([actor, user])
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise errors.uniqueness_violation(fields="email", values=email) from None
    log_action(by, "user.create", "actor", actor.id, {"email": email})
    return user


def update_user(user, changes, by=None):
    if "email" in changes:
        email = changes["email"].strip()
        if not EMAIL.match(email):
            raise errors.unexpected_value(field="email", value=repr(email), reason="it is not an email address.")
        other = queries.get_user_by_email(email)
        if other is not None and other.actor_id != user.actor_id:
            raise errors.uniqueness_violation(fields="email", values=email)
        if email != user.email:
            user.email, user.digest_ha1 = email, None  # the Digest hash covers the email: set a password again
    if "displayName" in changes:
        user.actor.display_name = changes["displayName"]
    user.actor.updated_at = utcnow()
    log_action(by, "user.update", "actor", user.actor_id, changes)


def set_password(user, password, by=None):
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise errors.password_too_short(minimum=MIN_PASSWORD_LENGTH)
    user.password_hash = generate_password_hash(password)
    user.digest_ha1 = digest.ha1(user.email, password)  # lets ODK Collect log in with Digest over plain HTTP
    if user.actor_id is not None:
        user.actor.updated_at = utcnow()
        log_action(by, "user.update.password", "actor", user.actor_id)


def authenticate_password(email, password):
    """The user whose email and password match, else None (in constant-ish time); a miss is kept as a failed
    login. :raise 429.51: too many failed logins for the account or the address (throttling.py)."""
    check_not_throttled(email)
    user = queries.get_user_by_email(email or "")
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        user = None
    elif not check_password_hash(user.password_hash, password or ""):
        user = None
    if user is None:
        record_failure(email)
    return user


def create_session(actor, lifetime_seconds):
    """Start a session; return (token, Session). The token itself is never stored."""
    token = secrets.token_urlsafe(48)
    now = utcnow()
    session = Session(token_hash=hash_token(token), actor_id=actor.id, created_at=now,
                      expires_at=now + timedelta(seconds=lifetime_seconds))
    db.session.add(session)
    log_action(actor, "user.session.create", "actor", actor.id)
    return token, session


def find_session(token):
    return queries.get_session_by_token_hash(hash_token(token), utcnow())


def find_token_holder(token):
    """(actor_id, actor type) for a live token, or None."""
    return queries.get_token_holder(hash_token(token), utcnow())


def end_session(session, by):
    """Log out, or revoke a token. Ending an app user's session revokes the app user for good, as in Central."""
    db.session.delete(session)
    if session.actor.type == "field_key":
        from ..appusers.service import forget_token
        forget_token(session.actor_id, by)
    else:
        log_action(by, "session.end", "actor", session.actor_id)


def assign_role(actor, role_key, project_id=None, by=None):
    """Give `actor` a role site-wide or on a project; idempotent. :raise 404.1: unknown role, or another
    project's app user (it does not exist here), :raise 400.8: an app user given a site-wide role."""
    role = find_role(role_key)
    if role is None:
        raise errors.not_found()
    if actor.type == "field_key":
        from ..appusers.queries import get_field_key  # app users are built on actors, not the other way round
        if project_id is None:
            raise errors.unexpected_value(field="actor", value=actor.id, reason="an app user belongs to one project.")
        if get_field_key(project_id, actor.id) is None:
            raise errors.not_found()
    if project_id is not None and role.system == "admin":
        raise errors.unexpected_value(field="role", value="admin", reason="administrators are site-wide; on a project "
                                      "give manager, viewer, formfill or app-user.")
    if queries.get_assignment(actor.id, role.id, project_id) is None:
        db.session.add(Assignment(actor_id=actor.id, role_id=role.id, project_id=project_id))
        db.session.flush()
        log_action(by, "assignment.create", "actor", actor.id, {"roleId": role.id, "projectId": project_id})
    return role


def unassign_role(actor, role_key, project_id=None, by=None):
    role = find_role(role_key)
    assignment = queries.get_assignment(actor.id, role.id, project_id) if role else None
    if assignment is None:
        raise errors.not_found()
    db.session.delete(assignment)
    log_action(by, "assignment.delete", "actor", actor.id, {"roleId": role.id, "projectId": project_id})


def verbs_for(actor, project_id=None, form_id=None):
    if actor is None:
        return set()
    return verbs_of_actor(actor.id, project_id, form_id)


def verbs_of_actor(actor_id, project_id=None, form_id=None):
    return verbs_of(queries.role_ids_for(actor_id, project_id, form_id))


def is_admin(actor):
    return actor is not None and "user.create" in verbs_for(actor)
