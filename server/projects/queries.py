import sqlalchemy as sa

from ..extensions import db
from .models import Project


def get_project(project_id):
    query = sa.select(Project).where(Project.id == project_id, Project.deleted_at.is_(None))
    return db.session.execute(query).scalar_one_or_none()


def list_projects(project_ids=None):
    """Live projects, all of them or only those in `project_ids`."""
    query = sa.select(Project).where(Project.deleted_at.is_(None)).order_by(Project.archived, Project.name)
    if project_ids is not None:
        query = query.where(Project.id.in_(project_ids))
    return db.session.execute(query).scalars().all()


def count_forms_by_project(project_ids):
    from ..forms.models import Form
    query = (sa.select(Form.project_id, sa.func.count())
             .where(Form.project_id.in_(project_ids), Form.deleted_at.is_(None))
             .group_by(Form.project_id))
    return dict(db.session.execute(query).all())
