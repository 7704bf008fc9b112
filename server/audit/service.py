"""Every change is written to the audit log in the same transaction as the change itself."""

from flask import has_request_context, request

from ..extensions import db
from .models import Audit


def log_action(actor, action, actee_type=None, actee_id=None, details=None):
    """Record that `actor` (an Actor or None for the system) did `action` to an actee."""
    notes = request.headers.get("X-Action-Notes") if has_request_context() else None
    entry = Audit(actor_id=actor.id if actor is not None else None, action=action, actee_type=actee_type,
                  actee_id=None if actee_id is None else str(actee_id), details=details, notes=notes)
    db.session.add(entry)
    return entry
