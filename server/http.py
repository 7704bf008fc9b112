"""What every package's routes share: loading the thing a URL names (and checking the caller may touch it),
and reading request bodies.

One copy of each, so that a 404, 401 or 403 comes out the same wherever a project, form, submission or app
user is named, and a bad body fails with the same problem on every endpoint. No routes module is imported
here, so no package's routes need another package's routes. Paging (?limit=, ?offset=, as Central) will go
here when a list needs it.
"""

import json
from typing import Any

from flask import current_app, g, request

from . import errors
from .appusers import queries as appuser_queries
from .appusers.models import FieldKey
from .areas.service import actor_scope, app_user_within, is_within
from .auth.models import Actor
from .auth.requests import current_actor, current_actor_id, require
from .forms import queries as form_queries
from .forms.models import Form
from .projects import queries as project_queries
from .projects.models import Project
from .submissions import queries as submission_queries
from .submissions.models import Submission
from .submissions.service import Sender
from .tables import Table, TableError, is_table_content_type, read_table
from .text import UNSTORABLE, storable

TABLE_TYPES = "text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (.xlsx)"


def live_project_or_404(project_id: int) -> Project:
    """The live project, whoever asks (the caller's rights are checked by what calls this). :raise 404.1:"""
    project = project_queries.get_project(project_id)
    if project is None:
        raise errors.not_found()
    return project


def project_or_404(project_id: int, verb: str | None = "project.read") -> Project:
    """The live project, if the caller may `verb` it; with `verb=None`, for any authenticated caller (OpenRosa's
    formList and HEAD /submission answer everyone and filter by form). The caller is checked before the
    project is looked up. :raise 401.2:, :raise 404.1:, :raise 403.1:"""
    current_actor()
    project = live_project_or_404(project_id)
    if verb is not None:
        require(verb, project.id)
    return project


def project_caller_or_404(project_id: int, verb: str) -> Actor:
    """The caller, if the project exists and they may `verb` it. Unlike project_or_404 the project is looked up
    first, so an anonymous request for a missing project is 404 (as scores have always answered).
    :raise 404.1:, :raise 401.2:, :raise 403.1:"""
    return require(verb, live_project_or_404(project_id).id)


def form_or_404(project_id: int, xml_form_id: str, verb: str = "form.read") -> Form:
    """A live form of a live project, if the caller may `verb` it (project roles, or an app user's form
    assignment). :raise 401.2:, :raise 404.1:, :raise 403.1:"""
    current_actor()
    project = project_queries.get_project(project_id)
    form = form_queries.get_form_by_project_and_xml_form_id(project.id, xml_form_id) if project else None
    if form is None:
        raise errors.not_found()
    require(verb, project.id, form.id)
    return form


def submission_or_404(project_id: int, xml_form_id: str, instance_id: str, verb: str) -> tuple[Form, Submission]:
    """The form and its live submission, if the caller may `verb` it and it lies in the caller's areas.
    :raise 401.2:, :raise 403.1:, :raise 404.1:"""
    form = form_or_404(project_id, xml_form_id, verb)
    submission = live_submission_or_404(form, instance_id)
    check_submission_area(form, submission)
    return form, submission


def check_submission_area(form: Form, submission: Submission) -> None:
    """An area-limited caller may touch only submissions placed in her areas (or sent by herself); one placed
    nowhere only callers without a limit. :raise 403.1:"""
    if submission.submitter_id != current_actor_id() and not is_within(caller_scope(form.project_id),
                                                                        submission.area_id):
        raise errors.insufficient_rights()


def caller_scope(project_id: int):
    """The areas the caller is limited to in the project (areas.service.actor_scope), or None."""
    return actor_scope(project_id, current_actor_id(), g.actor_type)


def live_submission_or_404(form: Form, instance_id: str) -> Submission:
    """The form's live submission named by its first instanceID, whoever asks. :raise 404.1:"""
    submission = submission_queries.get_submission_by_instance_id(form.id, instance_id)
    if submission is None:
        raise errors.not_found()
    return submission


def app_user_or_404(project: Project, actor_id: int) -> FieldKey:
    """A live app user of the project whose areas lie in the caller's. :raise 404.1:, :raise 403.1:"""
    field_key = appuser_queries.get_field_key(project.id, actor_id)
    if field_key is None:
        raise errors.not_found()
    if not app_user_within(caller_scope(project.id), field_key.actor_id):
        raise errors.insufficient_rights()  # an area-limited caller manages only app users within her areas
    return field_key


def request_sender() -> Sender:
    """Who sends a submission, from what device and app (?deviceID=, User-Agent), as the columns keep them."""
    return Sender(current_actor_id(), storable(request.args.get("deviceID"), 255),
                  storable(request.headers.get("User-Agent"), 500), g.actor_type)


def read_body(limit: int) -> bytes:
    """The whole request body, at most `limit` bytes: :raise 413.1: when it is longer, declared or streamed."""
    if request.content_length is not None and request.content_length > limit:
        raise errors.body_too_large(limit=limit)
    data = request.stream.read(limit + 1)  # a chunked body has no length to check up front
    if len(data) > limit:
        raise errors.body_too_large(limit=limit)
    return data


def read_uploaded_table(what: str) -> Table:
    """The request body as a Table; `what` names it in problems ("area list").
    :raise 415.1: not CSV/XLSX, :raise 413.1: too big, :raise 400.54: unreadable."""
    if not is_table_content_type(request.mimetype):
        raise errors.unsupported_media_type(content_type=request.mimetype, expected=TABLE_TYPES)
    data = read_body(current_app.config["MAX_FORM_BYTES"])
    try:
        return read_table(data, request.mimetype, current_app.config["MAX_XLSX_UNZIPPED_BYTES"])
    except TableError as error:
        raise errors.table_error(error, what) from None


def json_body(required: bool = True) -> Any:
    """The request's JSON value, read within MAX_JSON_BYTES (checked before the body is read); None when absent
    or unreadable and not `required`. schemas.load_json reads through it.
    :raise 413.1: too large, :raise 400.1: not JSON (or nested too deeply), :raise 400.8: text that cannot be
    stored (NUL characters, lone surrogates)."""
    data = read_body(current_app.config["MAX_JSON_BYTES"]) if request.is_json else b""
    try:
        body = json.loads(data) if data.strip() else None
    except (ValueError, RecursionError):
        body = None
    if body is None:
        if required:
            raise errors.unparseable(length=len(data), format="json")
        return None
    problem = text_problem(body)
    if problem == "deep":
        raise errors.unparseable(length=len(data), format=f"json nested at most {MAX_JSON_DEPTH} deep")
    if problem is not None:
        raise errors.unexpected_value(field="body", value=problem, reason="text may not contain NUL characters or "
                                                                          "lone surrogates.")
    return body


MAX_JSON_DEPTH = 64


def text_problem(value: Any) -> str | None:
    """What makes a JSON value's text unstorable: "(NUL)", "(lone surrogate)", "deep" (nested deeper than
    MAX_JSON_DEPTH), or None. Walked without recursion."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return "deep"
        if isinstance(item, str):
            found = UNSTORABLE.search(item)
            if found:
                return "(NUL)" if found.group() == "\x00" else "(lone surrogate)"
        elif isinstance(item, dict):
            pending.extend((key, depth + 1) for key in item)
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return None

