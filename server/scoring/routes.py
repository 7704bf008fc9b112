"""Scores over REST: what a submission scores under its form version's criteria and why, the results that
count for each subject of a project, their sums per area, progress against the plans' targets, and the
officers' recognition decisions with the annex they sign."""

from flask import Blueprint, current_app, jsonify, request

from .. import errors
from ..areas.models import LEVELS
from ..areas.service import user_scope, user_scope_codes
from ..audit.service import log_action
from ..db import writes_on_read
from ..evidence import service as evidence
from ..forms.fields import binary_fields, fields_of
from ..forms.xlsform import XLSX_CONTENT_TYPE
from ..http import project_caller_or_404, read_uploaded_table, submission_or_404
from ..params import int_param
from ..schemas import load_json
from ..subject_kinds import CODES as KIND_CODES
from ..urls import segment
from . import recognition, results, scores, target_progress
from .schemas import (
    DecisionSchema,
    decision_json,
    progress_json,
    recognition_json,
    result_json,
    score_json,
    summary_json,
)

bp = Blueprint("scores", __name__, url_prefix="/v1/projects/<int:project_id>")


@bp.get("/forms/<xml_form_id>/submissions/<instance_id>/score")
def get_submission_score(project_id, xml_form_id, instance_id):
    """The current version scored under the rules of the form's current version: points, band or level,
    recognised or not, and the reasons (vi, en) with links to the evidence. :raise 404.1: no such submission,
    or the form's current version has no criteria sheets."""
    form, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.read")
    scored = scores.score_submission(submission, form)
    if scored is None:
        raise errors.not_found()
    base = f"/projects/{project_id}/forms/{segment(form.xml_form_id)}/submissions/{segment(instance_id)}/attachments"
    score = score_json(scored, base, {field.path[-1] for field in binary_fields(fields_of(scored.form_def))})
    return jsonify(evidence.explained(form.project_id, submission, score))


@bp.get("/results")
@writes_on_read
def list_results(project_id):
    """The result that counts for each subject and period (?model=, ?period=, ?area= with the areas below it)."""
    kind, period = kind_and_period()
    actor = project_caller_or_404(project_id, "submission.list")
    rows = results.counted_results(project_id, kind, period, request.args.get("area"),
                                   user_scope(project_id, actor.id))
    return jsonify([result_json(*row) for row in rows])


@bp.get("/results/pending")
def count_pending_results(project_id):
    """How many submission versions wait to be scored (after a new rule set version, while it is rescored)."""
    project_caller_or_404(project_id, "submission.list")
    return jsonify({"pending": scores.count_pending(project_id)})


@bp.get("/results/summary")
@writes_on_read
def summarise_results(project_id):
    """Per area of ?level= (default province) and per subject kind: subjects evaluated, recognised, and the rate
    (null where nothing was evaluated), from the results that count (?period=), plus a total over everything.
    :raise 400.8: an unknown level."""
    _, period = kind_and_period()
    level = request.args.get("level", "province")
    if level not in LEVELS:
        raise errors.unexpected_value(field="level", value=repr(level), reason=f"expected one of {', '.join(LEVELS)}.")
    actor = project_caller_or_404(project_id, "submission.list")
    areas, total = results.summarise_results(project_id, level, period, user_scope_codes(project_id, actor.id))
    return jsonify({"level": level, "period": period, "total": summary_json(total),
                    "areas": [summary_json(area) for area in areas]})


@bp.post("/targets/import")
def import_targets(project_id):
    """Create or update plan targets from CSV or XLSX in the shape of plan-targets.csv (see scoring/targets.py).
    :raise 415.1:, :raise 413.1:, :raise 400.54: with every problem."""
    actor = project_caller_or_404(project_id, "project.update")
    counts = target_progress.import_targets(project_id, read_uploaded_table("target table"))
    log_action(actor, "targets.import", "project", project_id, counts)
    return jsonify(counts)


@bp.get("/targets/progress")
@writes_on_read
def list_target_progress(project_id):
    """Every target (of ?year=) with the actual recognised share in its area, the gap, and whether it is met."""
    year = year_param("year")
    actor = project_caller_or_404(project_id, "submission.list")
    return jsonify([progress_json(row) for row in target_progress.target_progress(project_id, year,
                                                                         user_scope_codes(project_id, actor.id))])


@bp.get("/recognition")
@writes_on_read
def list_recognition(project_id):
    """Each subject's proposal (the result that counts), the officer's decision if any, and the outcome."""
    kind, period = kind_and_period()
    actor = project_caller_or_404(project_id, "submission.list")
    rows = recognition.recognition_list(project_id, kind, period, request.args.get("area"),
                                                  user_scope(project_id, actor.id))
    return jsonify([recognition_json(*row) for row in rows])


@bp.put("/recognition/<kind>/<int:period>/<subject>")
def decide_recognition(project_id, kind, period, subject):
    """Confirm or override one proposal: {"recognised": true|false, "reason": "…"} (a reason is required when
    the decision differs from the proposal). :raise 404.1: no result counts for that subject and period."""
    actor = project_caller_or_404(project_id, "project.update")
    if kind not in KIND_CODES:
        raise errors.not_found()
    body = load_json(DecisionSchema())
    decision = recognition.decide(project_id, kind, period, subject, body["recognised"], body["reason"],
                                            actor, user_scope_codes(project_id, actor.id))
    return jsonify(decision_json(decision))


@bp.get("/recognition.xlsx")
@writes_on_read
def recognition_annex(project_id):
    """The annex of the recognition decision for ?model= and ?period= (both required), as XLSX."""
    kind, period = kind_and_period()
    if kind is None or period is None:
        raise errors.missing_parameter(field="model and period")
    actor = project_caller_or_404(project_id, "submission.list")
    return current_app.response_class(
        recognition.annex_xlsx(project_id, kind, period, user_scope(project_id, actor.id)),
        mimetype=XLSX_CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="cong-nhan-{kind}-{period}.xlsx"'})


def kind_and_period():
    """?model= and ?period= when given. :raise 400.8: an unknown model, or a period that is not a year."""
    kind = request.args.get("model")
    if kind is not None and kind not in KIND_CODES:
        raise errors.unexpected_value(field="model", value=repr(kind),
                                      reason=f"expected one of {', '.join(KIND_CODES)}.")
    return kind, year_param("period")


def year_param(name):
    """?name= as a year (1900–2100), or None. :raise 400.8:"""
    return int_param(name, minimum=1900, maximum=2100)
