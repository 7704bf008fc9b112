"""Where a submission was made, given once at ingest: the area of the subject's registry entry (the field the
form's scoring rules name as the subject), else the hamlet whose boundary holds its geopoint, else none.

Area limits then limit every read and write of it (http.py): a submission placed nowhere is seen only by users
without an area limit. An app user limited to some areas who sends a subject outside them is still answered
201 (nothing is ever lost on a phone), but the submission is marked `outside_areas` and counts in no result
until a supervisor of its area approves it.
"""

from ..areas import service as area_service
from ..areas.locating import hamlet_at_on_sqlite
from ..areas.queries import is_postgresql
from ..extensions import db
from ..forms.fields import fields_of
from ..forms.models import FormDef
from ..registries import queries as registry_queries
from . import queries
from .instance import Geopoint, values_at

_SUBJECT_PATHS = {}  # version (version_of) → the path of the field holding the subject, or None


def version_of(form_def) -> tuple:
    """How placing names a form version: (id, *FormDef.content_key), plain values that ingest reads in its one
    query (SUBMISSION_TARGET)."""
    return form_def.id, *form_def.content_key


def place(project_id: int, version: tuple, root, point: Geopoint | None) -> int | None:
    """The id of the area the submission belongs to, or None; `version` as version_of gives it."""
    path = subject_path(version)
    subject = next((value for value in values_at(root, path) if value), None) if path is not None else None
    subject = subject.lower() if subject and len(subject) <= 255 else None
    if subject is None and point is None:
        return None
    if is_postgresql():
        return queries.place_on_postgresql(project_id, subject, point.latitude if point else None,
                                           point.longitude if point else None)
    area_id = registry_queries.area_of_entity(project_id, subject) if subject else None
    if area_id is None and point is not None:
        area_id = hamlet_at_on_sqlite(point.latitude, point.longitude)
    return area_id


def is_outside(project_id: int, actor_id: int | None, actor_type: str | None, area_id: int | None) -> bool:
    """Whether a sender limited to areas (an app user's, or a web user's in the project) sent a submission placed
    outside them; one placed nowhere is not known to be outside."""
    if area_id is None:
        return False
    return not area_service.is_within(area_service.actor_scope(project_id, actor_id, actor_type), area_id)


def subject_path(version: tuple) -> tuple | None:
    """The path of the field the form version's scoring rules take the subject from (None without rules;
    rules name a field by the last step of its path). Read once per process, keyed by the version's content
    too, as the scorers are."""
    if version not in _SUBJECT_PATHS:
        from ..scoring.scores import scorer_of_form_def  # scoring reads submissions, not the other way round
        form_def = db.session.get(FormDef, version[0])
        scorer = scorer_of_form_def(form_def)
        name = scorer.rules.subject_field if scorer is not None else None
        if len(_SUBJECT_PATHS) > 1024:
            _SUBJECT_PATHS.clear()
        _SUBJECT_PATHS[version] = next((field.path for field in fields_of(form_def) if field.path[-1] == name),
                                       None)
    return _SUBJECT_PATHS[version]
