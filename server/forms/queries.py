import sqlalchemy as sa

from ..extensions import db
from .models import Form, FormAttachment, FormDef


def get_form_by_project_and_xml_form_id(project_id, xml_form_id):
    query = sa.select(Form).where(Form.project_id == project_id, Form.xml_form_id == xml_form_id,
                                  Form.deleted_at.is_(None))
    return db.session.execute(query).scalar_one_or_none()


def get_form(form_id):
    return db.session.get(Form, form_id)


def get_def(form_def_id):
    return db.session.get(FormDef, form_def_id)


def get_def_xml(form_def_id):
    return db.session.execute(sa.select(FormDef.xml).where(FormDef.id == form_def_id)).scalar_one()


def list_forms_by_project(project_id):
    query = sa.select(Form).where(Form.project_id == project_id, Form.deleted_at.is_(None)).order_by(Form.xml_form_id)
    return db.session.execute(query).scalars().all()


def list_published_defs(form_id):
    query = (sa.select(FormDef).where(FormDef.form_id == form_id, FormDef.published_at.is_not(None))
             .order_by(FormDef.published_at.desc(), FormDef.id.desc()))
    return db.session.execute(query).scalars().all()


def get_published_def_by_version(form_id, version):
    query = sa.select(FormDef).where(FormDef.form_id == form_id, FormDef.version == version,
                                     FormDef.published_at.is_not(None))
    return db.session.execute(query).scalar_one_or_none()


def get_attachment(form_def_id, name):
    query = sa.select(FormAttachment).where(FormAttachment.form_def_id == form_def_id, FormAttachment.name == name)
    return db.session.execute(query).scalar_one_or_none()


def list_open_published_forms(project_id):
    """What ODK Collect may download: published and open (closing forms take submissions but are not listed)."""
    query = (sa.select(Form).where(Form.project_id == project_id, Form.deleted_at.is_(None), Form.state == "open",
                                   Form.current_def_id.is_not(None)).order_by(Form.xml_form_id))
    return db.session.execute(query).scalars().all()


def form_ids_assigned_to(actor_id):
    from ..appusers.models import FormAssignment
    query = sa.select(FormAssignment.form_id).where(FormAssignment.actor_id == actor_id)
    return set(db.session.execute(query).scalars())
