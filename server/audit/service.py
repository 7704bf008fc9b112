"""Every change is written to the audit log in the same transaction as the change itself."""

from flask import has_request_context, request

from ..extensions import db
from .models import Audit


def log_action(actor, action, actee_type=None, actee_id=None, details=None):
    """Record that `actor` (an Actor or None for the system) did `action` to an actee."""
    return record_action(actor.id if actor is not None else None, action, actee_type, actee_id, details)


def record_action(actor_id, action, actee_type=None, actee_id=None, details=None):
    """Record that the actor with `actor_id` (None: the system) did `action` to an actee."""
    entry = Audit(actor_id=actor_id, action=action, actee_type=actee_type,
                  actee_id=None if actee_id is None else str(actee_id), details=details, notes=action_notes())
    db.session.add(entry)
    return entry


def action_notes():
    """The caller's X-Action-Notes header (Central's way to say why), kept with the audit entry."""
    return request.headers.get("X-Action-Notes") if has_request_context() else None
