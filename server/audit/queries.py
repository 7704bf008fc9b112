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
