"""Every change is written to the audit log in the same transaction as the change itself.

One writer: audit_entry() gives the row of one audit entry (who did what to which thing, the caller's
X-Action-Notes, when), and every path writes exactly that row: log_action/record_action one at a time through
the ORM, record_actions in bulk (registries' imports), and the ingest fast path of server/submissions/filing.py,
which puts the same values into its single SQL statement.
"""

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import unquote

from flask import has_request_context, request

from ..db import utcnow
from ..text import UNSTORABLE
from . import queries
from .models import Audit


def audit_entry(actor_id: int | None, action: str, actee_type: str | None = None, actee_id: object = None,
                details: dict | None = None, logged_at: datetime | None = None) -> dict:
    """The values of one audit row (Audit's columns by name); the actor None is the system."""
    return {"actor_id": actor_id, "action": action, "actee_type": actee_type,
            "actee_id": None if actee_id is None else str(actee_id), "details": details, "notes": action_notes(),
            "logged_at": logged_at or utcnow()}


def log_action(actor, action: str, actee_type: str | None = None, actee_id: object = None,
               details: dict | None = None) -> Audit:
    """Record that `actor` (an Actor or None for the system) did `action` to an actee."""
    return record_action(actor.id if actor is not None else None, action, actee_type, actee_id, details)


def record_action(actor_id: int | None, action: str, actee_type: str | None = None, actee_id: object = None,
                  details: dict | None = None) -> Audit:
    """Record that the actor with `actor_id` (None: the system) did `action` to an actee."""
    return queries.add_audit(audit_entry(actor_id, action, actee_type, actee_id, details))


def record_actions(entries: Iterable[dict]) -> None:
    """Record many audit entries (audit_entry's values) at once, without ORM objects."""
    queries.insert_audits(list(entries))


def action_notes() -> str | None:
    """The caller's X-Action-Notes header (Central's way to say why), kept with the audit entry; percent-escapes
    are decoded as Central does, and what cannot be stored (NUL, lone surrogates) becomes U+FFFD."""
    notes = request.headers.get("X-Action-Notes") if has_request_context() else None
    return UNSTORABLE.sub("\ufffd", unquote(notes))[:10_000] if notes else notes
