"""Scores over REST: what a submission scores under its form version's criteria and why, the results that
count for each subject of a project, their sums per area, and progress against the plans' targets."""

from flask import Blueprint, jsonify, request

from .. import errors
from ..auth.requests import require
from ..forms.fields import binary_fields, fields_of
from ..areas.models import LEVELS
from ..areas.routes import read_uploaded_table
from ..audit.service import log_action
from ..projects import queries as project_queries
from ..submissions.routes import submission_or_404
from ..urls import segment
from . import service
from .ruleset import MODELS
from .schemas import progress_json, result_json, score_json, summary_json

bp = Blueprint("scores", __name__, url_prefix="/v1/projects/<int:project_id>")


@bp.get("/forms/<xml_form_id>/submissions/<instance_id>/score")
def get_submission_score(project_id, xml_form_id, instance_id):
    """The current version scored: points, band or level, recognised or not, and the reasons (vi, en) with
    links to the evidence. :raise 404.1: no such submission, or its form version has no criteria sheets."""
    form, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.read")
    scored = service.score_submission(submission)
    if scored is None:
        raise errors.not_found()
    base = f"/projects/{project_id}/forms/{segment(form.xml_form_id)}/submissions/{segment(instance_id)}/attachments"
    return jsonify(score_json(scored, base, {field.path[-1] for field in binary_fields(fields_of(scored.form_def))}))


@bp.get("/results")
def list_results(project_id):
    """The result that counts for each subject and period (?model=, ?period=, ?area= with the areas below it).
    :raise 400.8: an unknown model or a period that is not a year."""
    if project_queries.get_project(project_id) is None:
        raise errors.not_found()
    require("submission.list", project_id)
    model, period = request.args.get("model"), request.args.get("period")
    if model is not None and model not in MODELS:
        raise errors.unexpected_value(field="model", value=repr(model), reason=f"expected one of {', '.join(MODELS)}.")
    if period is not None and not period.isdigit():
        raise errors.unexpected_value(field="period", value=repr(period), reason="expected a year, e.g. 2026.")
    rows = service.counted_results(project_id, model, int(period) if period else None, request.args.get("area"))
    return jsonify([result_json(*row) for row in rows])


@bp.get("/results/summary")
def summarise_results(project_id):
    """Per area of ?level= (default province) and per model: subjects evaluated, recognised, and the rate
    (null where nothing was evaluated), from the results that count (?period=), plus a total over everything.
    :raise 400.8: an unknown level, or a period that is not a year."""
    if project_queries.get_project(project_id) is None:
        raise errors.not_found()
    require("submission.list", project_id)
    level, period = request.args.get("level", "province"), request.args.get("period")
    if level not in LEVELS:
        raise errors.unexpected_value(field="level", value=repr(level), reason=f"expected one of {', '.join(LEVELS)}.")
    if period is not None and not period.isdigit():
        raise errors.unexpected_value(field="period", value=repr(period), reason="expected a year, e.g. 2026.")
    areas, total = service.summarise_results(project_id, level, int(period) if period else None)
    return jsonify({"level": level, "period": int(period) if period else None, "total": summary_json(total),
                    "areas": [summary_json(area) for area in areas]})


@bp.post("/targets/import")
def import_targets(project_id):
    """Create or update plan targets from CSV or XLSX in the shape of plan-targets.csv (see scoring/targets.py).
    :raise 415.1:, :raise 413.1:, :raise 400.54: with every problem."""
    if project_queries.get_project(project_id) is None:
        raise errors.not_found()
    actor = require("project.update", project_id)
    counts = service.import_targets(project_id, read_uploaded_table("target table"))
    log_action(actor, "targets.import", "project", project_id, counts)
    return jsonify(counts)


@bp.get("/targets/progress")
def list_target_progress(project_id):
    """Every target (of ?year=) with the actual recognised share in its area, the gap, and whether it is met."""
    if project_queries.get_project(project_id) is None:
        raise errors.not_found()
    require("submission.list", project_id)
    year = request.args.get("year")
    if year is not None and not year.isdigit():
        raise errors.unexpected_value(field="year", value=repr(year), reason="expected a year, e.g. 2025.")
    return jsonify([progress_json(row) for row in service.target_progress(project_id, int(year) if year else None)])
