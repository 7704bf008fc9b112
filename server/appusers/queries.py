"""All SQL about app users and form assignments."""

import sqlalchemy as sa

from ..audit.models import Audit
from ..auth.models import Actor, Session
from ..extensions import db
from ..forms.models import Form
from .models import FieldKey, FormAssignment


def get_field_key(project_id, actor_id):
    """A live app user of the project, or None."""
    query = (sa.select(FieldKey).join(FieldKey.actor)
             .where(FieldKey.project_id == project_id, FieldKey.actor_id == actor_id, Actor.deleted_at.is_(None)))
    return db.session.execute(query).scalar_one_or_none()


def get_field_key_by_actor_id(actor_id):
    return db.session.get(FieldKey, actor_id)


def list_field_keys(project_id):
    """Live app users of the project: those with access first, then newest first (Central's order)."""
    query = (sa.select(FieldKey).join(FieldKey.actor)
             .where(FieldKey.project_id == project_id, Actor.deleted_at.is_(None))
             .order_by(FieldKey.token.is_(None), Actor.created_at.desc(), Actor.id.desc()))
    return db.session.execute(query).scalars().all()


def last_used_by_actor(actor_ids):
    """{actor id: time of its latest audited action}; Central's `lastUsed` for app users."""
    query = (sa.select(Audit.actor_id, sa.func.max(Audit.logged_at))
             .where(Audit.actor_id.in_(actor_ids)).group_by(Audit.actor_id))
    return dict(db.session.execute(query).all())



def delete_sessions_of(actor_id):
    db.session.execute(sa.delete(Session).where(Session.actor_id == actor_id))


def get_form_assignment(actor_id, form_id, role_id):
    query = sa.select(FormAssignment).where(FormAssignment.actor_id == actor_id, FormAssignment.form_id == form_id,
                                            FormAssignment.role_id == role_id)
    return db.session.execute(query).scalar_one_or_none()


def list_form_assignments(form_id, role_id=None):
    """Assignments on one form, of live actors, in the order they were made."""
    query = (sa.select(FormAssignment).join(Actor, Actor.id == FormAssignment.actor_id)
             .where(FormAssignment.form_id == form_id, Actor.deleted_at.is_(None)).order_by(FormAssignment.id))
    if role_id is not None:
        query = query.where(FormAssignment.role_id == role_id)
    return db.session.execute(query).scalars().all()


def list_project_form_assignments(project_id, role_id=None):
    """(FormAssignment, xmlFormId) for every live form of the project and live actor."""
    query = (sa.select(FormAssignment, Form.xml_form_id).join(Form, Form.id == FormAssignment.form_id)
             .join(Actor, Actor.id == FormAssignment.actor_id)
             .where(Form.project_id == project_id, Form.deleted_at.is_(None), Actor.deleted_at.is_(None))
             .order_by(FormAssignment.id))
    if role_id is not None:
        query = query.where(FormAssignment.role_id == role_id)
    return db.session.execute(query).all()


def delete_form_assignments_of(actor_id):
    db.session.execute(sa.delete(FormAssignment).where(FormAssignment.actor_id == actor_id))
