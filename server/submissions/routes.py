"""Submissions over REST: ODK Central's /v1/projects/{p}/forms/{f}/submissions endpoints, as pyodk uses them.

A submission is named by its first version's instanceID ("uuid:…"; pyodk sends the ":" as %3A and
Werkzeug decodes it before routing), even after edits give the current version a new one.
"""

from flask import Blueprint, current_app, jsonify, request

from .. import errors
from ..auth import queries as auth_queries
from ..auth.requests import current_actor
from ..auth.schemas import ActorSchema
from ..auth.service import verbs_for
from ..blobs.responses import blob_download
from ..http import (
    caller_scope,
    check_submission_area,
    form_or_404,
    live_submission_or_404,
    read_body,
    request_sender,
    submission_or_404,
)
from ..params import wants_extended_metadata
from ..schemas import load_json
from . import queries, service
from .schemas import (
    AttachmentSchema,
    BulkReviewSchema,
    CommentCreateSchema,
    CommentSchema,
    ReviewSchema,
    SubmissionSchema,
    VersionSchema,
)

bp = Blueprint("submissions", __name__, url_prefix="/v1/projects/<int:project_id>/forms/<xml_form_id>/submissions")
XML_TYPES = ("application/xml", "text/xml")


def own_submission_or_404(project_id, xml_form_id, instance_id, verb):
    """Like submission_or_404, but the submitter may also act with submission.create alone.

    pyodk's submissions.create() uploads the new submission's files and then lists them; Data
    Collectors and app users have only submission.create, and must be able to finish what they sent.
    """
    form = form_or_404(project_id, xml_form_id, "form.read")
    actor = current_actor()
    verbs = verbs_for(actor, form.project_id, form.id)
    if verb not in verbs and "submission.create" not in verbs:
        raise errors.insufficient_rights()
    submission = live_submission_or_404(form, instance_id)
    if verb not in verbs and submission.submitter_id != actor.id:
        raise errors.insufficient_rights()
    check_submission_area(form, submission)
    return form, submission




def with_actors(bodies, id_key, name):
    """X-Extended-Metadata: true adds the actor behind `id_key` to each body under `name`."""
    if wants_extended_metadata():
        actors = auth_queries.get_actors({body[id_key] for body in bodies if body[id_key] is not None})
        for body in bodies:
            actor = actors.get(body[id_key])
            body[name] = ActorSchema().dump(actor) if actor is not None else None
    return bodies


def submission_json(submission, current=None):
    current = current or queries.get_current_def(submission.id)
    return with_actors([SubmissionSchema().dump({"submission": submission, "current": current})],
                       "submitterId", "submitter")[0]


def read_xml():
    """The request body as submission XML. :raise 415.1: not declared XML, :raise 413.1: too large."""
    if request.mimetype not in XML_TYPES:
        raise errors.unsupported_media_type(content_type=request.content_type or None,
                                            expected="the submission XML as application/xml")
    return read_body(current_app.config["MAX_FORM_BYTES"])


def attachment_response(attachment):
    if attachment is None or attachment.blob is None:
        raise errors.not_found()
    return blob_download(attachment.blob, attachment.name, attachment.content_type)


@bp.get("")
def list_submissions(project_id, xml_form_id):
    form = form_or_404(project_id, xml_form_id, "submission.list")
    bodies = [SubmissionSchema().dump({"submission": submission, "current": current})
              for submission, current in queries.list_submissions_by_form(form.id, caller_scope(form.project_id))]
    return jsonify(with_actors(bodies, "submitterId", "submitter"))


@bp.post("")
def create_submission(project_id, xml_form_id):
    form = form_or_404(project_id, xml_form_id, "submission.create")
    xml = read_xml()
    submission = service.create_from_rest(form, service.read_submission_xml(xml), xml, request_sender())
    return jsonify(submission_json(submission))


@bp.post("/review")
def review_submissions(project_id, xml_form_id):
    """Minh Chứng's bulk review, beside Central's one-at-a-time PATCH: {"instanceIds": […], "reviewState": …,
    "comment": …}; all or nothing, audited per submission, each within the caller's areas."""
    form = form_or_404(project_id, xml_form_id, "submission.update")
    body = load_json(BulkReviewSchema())
    submissions = service.review_many(form, body["instanceIds"], body["reviewState"], body.get("comment"),
                                      current_actor(), lambda submission: check_submission_area(form, submission))
    return jsonify([submission_json(submission) for submission in submissions])


@bp.get("/<instance_id>")
def get_submission(project_id, xml_form_id, instance_id):
    return jsonify(submission_json(submission_or_404(project_id, xml_form_id, instance_id, "submission.read")[1]))


@bp.get("/<instance_id>.xml")
def get_submission_xml(project_id, xml_form_id, instance_id):
    """The current version's XML exactly as it was received."""
    _, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.read")
    return current_app.response_class(queries.get_current_def(submission.id).xml.encode("utf-8"),
                                      content_type="application/xml; charset=utf-8")


@bp.put("/<instance_id>")
def edit_submission(project_id, xml_form_id, instance_id):
    """A new version; its XML's meta/deprecatedID must name the current version (400.19 otherwise)."""
    form, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.update")
    xml = read_xml()
    service.edit_from_rest(form, submission, service.read_submission_xml(xml), xml, request_sender())
    return jsonify(submission_json(submission))


@bp.patch("/<instance_id>")
def review_submission(project_id, xml_form_id, instance_id):
    _, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.update")
    service.set_review_state(submission, load_json(ReviewSchema())["reviewState"], current_actor())
    return jsonify(submission_json(submission))


@bp.get("/<instance_id>/attachments")
def list_attachments(project_id, xml_form_id, instance_id):
    _, submission = own_submission_or_404(project_id, xml_form_id, instance_id, "submission.read")
    return jsonify(AttachmentSchema(many=True).dump(queries.get_current_def(submission.id).attachments))


@bp.get("/<instance_id>/attachments/<name>")
def get_attachment(project_id, xml_form_id, instance_id, name):
    _, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.read")
    return attachment_response(queries.get_attachment(queries.get_current_def(submission.id).id, name))


@bp.post("/<instance_id>/attachments/<name>")
def upload_attachment(project_id, xml_form_id, instance_id, name):
    """The body is the file, streamed to the blob store. :raise 404.1: the XML names no such file."""
    _, submission = own_submission_or_404(project_id, xml_form_id, instance_id, "submission.update")
    service.upload_attachment(queries.get_current_def(submission.id), name, request.stream, request.mimetype or None,
                              current_actor(), limit=current_app.config["MAX_CONTENT_LENGTH"])
    return jsonify(success=True)


@bp.delete("/<instance_id>/attachments/<name>")
def clear_attachment(project_id, xml_form_id, instance_id, name):
    _, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.update")
    service.clear_attachment(queries.get_current_def(submission.id), name, current_actor())
    return jsonify(success=True)


@bp.get("/<instance_id>/versions")
def list_versions(project_id, xml_form_id, instance_id):
    _, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.read")
    return jsonify(with_actors(VersionSchema(many=True).dump(queries.list_versions(submission.id)),
                               "submitterId", "submitter"))


@bp.get("/<instance_id>/comments")
def list_comments(project_id, xml_form_id, instance_id):
    _, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.read")
    return jsonify(with_actors(CommentSchema(many=True).dump(queries.list_comments(submission.id)), "actorId", "actor"))


@bp.post("/<instance_id>/comments")
def add_comment(project_id, xml_form_id, instance_id):
    """Central lets only those who may update a submission comment on it (viewers cannot)."""
    _, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.update")
    comment = service.add_comment(submission, load_json(CommentCreateSchema())["body"], current_actor())
    return jsonify(CommentSchema().dump(comment))
