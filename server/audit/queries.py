import sqlalchemy as sa

from ..extensions import db
from .models import Audit


def list_audits(action=None, start=None, end=None, limit=100, offset=0):
    """Newest first; `action` matches exactly or as a prefix ("form" matches "form.create")."""
    query = sa.select(Audit).order_by(Audit.logged_at.desc(), Audit.id.desc())
    if action:
        query = query.where(sa.or_(Audit.action == action, Audit.action.startswith(action + ".")))
    if start:
        query = query.where(Audit.logged_at >= start)
    if end:
        query = query.where(Audit.logged_at <= end)
    return db.session.execute(query.limit(limit).offset(offset)).scalars().all()


def add_audit(values):
    """Add one audit entry (Audit's columns by name) to the session; it is inserted with the next flush."""
    entry = Audit(**values)
    db.session.add(entry)
    return entry


def insert_audits(values):
    """INSERT audit entries in bulk (Audit's columns by name)."""
    if values:
        db.session.execute(sa.insert(Audit), values)


def list_audits_of(actee_type, actee_id):
    """Every audit entry of one actee (a submission's history), oldest first."""
    query = (sa.select(Audit).where(Audit.actee_type == actee_type, Audit.actee_id == str(actee_id))
             .order_by(Audit.logged_at, Audit.id))
    return db.session.execute(query).scalars().all()
