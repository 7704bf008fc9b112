"""Scores over REST: what a submission scores under its form version's criteria, and why."""

from flask import Blueprint, jsonify

from .. import errors
from ..forms.fields import binary_fields, fields_of
from ..submissions.routes import submission_or_404
from ..urls import segment
from . import service
from .schemas import score_json

bp = Blueprint("scores", __name__, url_prefix="/v1/projects/<int:project_id>/forms/<xml_form_id>/submissions")


@bp.get("/<instance_id>/score")
def get_submission_score(project_id, xml_form_id, instance_id):
    """The current version scored: points, band or level, recognised or not, and the reasons (vi, en) with
    links to the evidence. :raise 404.1: no such submission, or its form version has no criteria sheets."""
    form, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.read")
    scored = service.score_submission(submission)
    if scored is None:
        raise errors.not_found()
    base = f"/projects/{project_id}/forms/{segment(form.xml_form_id)}/submissions/{segment(instance_id)}/attachments"
    return jsonify(score_json(scored, base, {field.path[-1] for field in binary_fields(fields_of(scored.form_def))}))
