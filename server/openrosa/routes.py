"""The OpenRosa API as ODK Collect uses it: formList, manifest, and the submission endpoint.

Paths follow ODK Central (/v1/projects/{p}/…, and /v1/key/{token}/projects/{p}/… for app users).
Responses carry X-OpenRosa-Version and the accept length; errors are OpenRosaResponse XML, whose
message Collect shows to the volunteer.
"""

import hashlib

from flask import Blueprint, current_app, request

from .. import errors
from ..auth.requests import current_actor, require, www_authenticate_challenges
from ..forms import queries as form_queries
from ..http import project_or_404, request_sender
from ..registries.attachments import registry_csv_for_actor
from ..submissions import service as submissions
from ..urls import api_url, segment
from . import wire
from .paths import is_openrosa_request
from .upload import read_submission_upload

bp = Blueprint("openrosa", __name__, url_prefix="/v1/projects/<int:project_id>")


def openrosa_endpoint(view):
    """Mark a view as OpenRosa: it requires X-OpenRosa-Version: 1.0 (checked before authentication, as Central)."""
    view.is_openrosa = True
    return view


def check_openrosa_version():
    """App-level before_request: 400.6 when an OpenRosa endpoint is called without X-OpenRosa-Version: 1.0."""
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_openrosa", False) and request.headers.get("X-OpenRosa-Version") != "1.0":
        raise errors.invalid_header(field="X-OpenRosa-Version",
                                    value=request.headers.get("X-OpenRosa-Version") or "[nothing]")


def xml_response(body, status=200):
    response = current_app.response_class(body, status=status, content_type="text/xml; charset=utf-8")
    return response


@bp.after_request
def openrosa_headers(response):
    if "X-OpenRosa-Version" in response.headers:  # an error answered by openrosa_error has them already
        return response
    response.headers["X-OpenRosa-Version"] = "1.0"
    response.headers["X-OpenRosa-Accept-Content-Length"] = str(accept_content_length())
    response.headers["Content-Language"] = "en"
    return response


def openrosa_error(error):
    """Even a server fault answers Collect in OpenRosa XML, so the volunteer sees a message and retries."""
    response = openrosa_headers(xml_response(wire.openrosa_response(error.message, "error"), error.status))
    if error.status == 401 and not request.environ.get("minhchung.key_token"):
        for challenge in www_authenticate_challenges():  # Collect answers only a challenge
            response.headers.add("WWW-Authenticate", challenge)
    return response


# Collect reads only OpenRosa XML: every error on its paths, routing's 404 and 405 included, answers in it
errors.render_some_paths(is_openrosa_request, openrosa_error)


def accept_content_length():
    """What we tell Collect it may send in one POST: the body limit less room for the multipart framing,
    because Collect counts only the file sizes when it decides how to split an upload."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return limit - min(limit // 10, 1024 * 1024)


@bp.get("/formList")
@openrosa_endpoint
def form_list(project_id):
    """Open, published forms the caller may download (app users: those assigned to them); ?formID= filters."""
    project = project_or_404(project_id, verb=None)
    forms = visible_forms(project, current_actor())
    wanted = request.args.get("formID")
    entries = [form_list_entry(project, form) for form in forms if wanted in (None, form.xml_form_id)]
    return xml_response(wire.form_list_xml(entries))


def visible_forms(project, actor):
    forms = form_queries.list_open_published_forms(project.id)
    from ..auth.service import verbs_for
    if "form.read" in verbs_for(actor, project.id):
        return forms
    assigned = form_queries.form_ids_assigned_to(actor.id)
    return [form for form in forms if form.id in assigned]


def form_list_entry(project, form):
    definition = form.current_def
    base = f"/projects/{project.id}/forms/{segment(form.xml_form_id)}"
    manifest = api_url(base + "/manifest") if definition.attachments else None
    return wire.FormListEntry(form.xml_form_id, definition.name or form.xml_form_id, definition.version,
                              definition.hash, api_url(base + ".xml"), manifest)


@bp.get("/forms/<xml_form_id>/manifest")
@openrosa_endpoint
def manifest(project_id, xml_form_id):
    """The media files the published version has (only those uploaded), with md5 of their bytes."""
    project = project_or_404(project_id, verb=None)
    form = form_queries.get_form_by_project_and_xml_form_id(project.id, xml_form_id)
    if form is None or form.current_def is None:
        raise errors.not_found()
    actor = require("form.read", project.id, form.id)
    base = f"/projects/{project.id}/forms/{segment(form.xml_form_id)}/attachments/"
    files = [wire.MediaFile(item.name, md5, api_url(base + segment(item.name)))
             for item in form.current_def.attachments if (md5 := media_md5(project.id, item, actor)) is not None]
    return xml_response(wire.manifest_xml(files))


def media_md5(project_id, attachment, actor):
    """The md5 of the bytes `actor` will download for a media file: the uploaded file, else a registry list
    generated for them (cut to the areas an app user serves); None if neither exists (left out, as Central).
    An upload wins, as in Central, where uploading a file in place of a linked entity list unlinks it."""
    if attachment.blob is not None:
        return attachment.blob.md5
    registry = registry_csv_for_actor(project_id, attachment.name, actor)
    return hashlib.md5(registry).hexdigest() if registry is not None else None


@bp.route("/submission", methods=["GET", "HEAD"])
@openrosa_endpoint
def submission_preflight(project_id):
    """Collect's HEAD before uploading: 204 (Collect requires exactly that) with the accept length."""
    project_or_404(project_id, verb=None)
    return current_app.response_class(status=204)


@bp.post("/submission")
@openrosa_endpoint
def submit(project_id):
    sender = request_sender()
    xml, files = read_submission_upload(request.stream, request.content_type, request.content_length)
    instance = submissions.read_submission_xml(xml)
    submissions.receive_submission(project_id, instance, xml, files, sender)
    return xml_response(wire.openrosa_response("full submission upload was successful!"), 201)
