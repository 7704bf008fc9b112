from ..audit.service import log_action
from ..db import utcnow
from ..extensions import db
from .models import Project


def create_project(name, description=None, by=None):
    project = Project(name=name.strip(), description=description)
    db.session.add(project)
    db.session.flush()
    log_action(by, "project.create", "project", project.id, {"name": project.name})
    return project


def update_project(project, changes, by=None):
    for key, attribute in (("name", "name"), ("description", "description"), ("archived", "archived")):
        if key in changes:
            setattr(project, attribute, changes[key])
    project.updated_at = utcnow()
    log_action(by, "project.update", "project", project.id, changes)
    return project


def delete_project(project, by=None):
    project.deleted_at = utcnow()
    log_action(by, "project.delete", "project", project.id)
