"""The evidence flags over REST: a submission's (…/submissions/{instanceId}/flags), a project's list
(…/flags?kind=&area=&form=), both limited to the caller's areas, and the project's thresholds and severities
(…/evidence-settings, GET and PATCH). A read checks what is still pending first, as results are scored when
read, so a flag is there as soon as the submission is."""

from flask import Blueprint, jsonify, request

from .. import errors
from ..audit.service import log_action
from ..db import utcnow, writes_on_read
from ..exports.tables import iso_millis
from ..http import caller_scope, form_or_404, json_body, project_caller_or_404, submission_or_404
from . import queries, service
from .settings import KINDS, check_changes, merged, settings_of

bp = Blueprint("evidence", __name__, url_prefix="/v1/projects/<int:project_id>")


def _wire(flags: list[dict], with_submission: bool) -> list[dict]:
    shown = []
    for flag in flags:
        item = {"kind": flag["kind"], "severity": flag["severity"], "message": flag["message"],
                "evidence": flag["evidence"], "createdAt": iso_millis(flag["createdAt"])}
        if with_submission:
            item = {"instanceId": flag["instanceId"], "xmlFormId": flag["xmlFormId"], "area": flag["area"], **item}
        shown.append(item)
    return shown


@bp.get("/forms/<xml_form_id>/submissions/<instance_id>/flags")
@writes_on_read  # checks what is pending first
def submission_flags(project_id, xml_form_id, instance_id):
    form, submission = submission_or_404(project_id, xml_form_id, instance_id, "submission.read")
    service.check_pending(form.project_id)  # in order: a version is compared with those before it
    settings = service.project_settings(form.project_id)
    return jsonify(_wire(service.flags(form.project_id, settings, submission_ids=[submission.id]), False))


@bp.get("/flags")
@writes_on_read
def project_flags(project_id):
    """?kind= (one of settings.KINDS), ?area= (an area code: it and below), ?form= (an xmlFormId)."""
    kind, area, xml_form_id = request.args.get("kind"), request.args.get("area"), request.args.get("form")
    if kind not in (None, "") and kind not in KINDS:
        raise errors.unexpected_value(field="kind", value=repr(kind[:60]),
                                      reason=f"expected one of {', '.join(KINDS)}.")
    if area is not None and not 0 < len(area) <= 32:
        raise errors.unexpected_value(field="area", value=repr(area[:60]), reason="expected an area code.")
    project_caller_or_404(project_id, "submission.list")
    if xml_form_id:
        form_or_404(project_id, xml_form_id, "submission.list")
    service.check_pending(project_id)
    settings = service.project_settings(project_id)
    found = service.flags(project_id, settings, scope=caller_scope(project_id), area_code=area or None,
                          xml_form_id=xml_form_id or None)
    return jsonify(_wire([flag for flag in found if not kind or flag["kind"] == kind], True))


@bp.get("/flags/pending")
def count_pending(project_id):
    """How many submission versions wait to be checked (the background keeps it near 0)."""
    project_caller_or_404(project_id, "submission.list")
    return jsonify({"pending": queries.count_pending(project_id)})


@bp.get("/evidence-settings")
def get_settings(project_id):
    project_caller_or_404(project_id, "submission.list")
    return jsonify(service.project_settings(project_id).as_json())


@bp.patch("/evidence-settings")
def patch_settings(project_id):
    """Some of the settings (severity per kind: error, warning or off; the thresholds; hold_recognition); the
    rest stays. :raise 400.8: a name that is not a setting, a value out of range."""
    actor = project_caller_or_404(project_id, "project.update")
    body = json_body()
    problems = check_changes(body)
    if problems:
        raise errors.unexpected_value(field="evidence settings", value="", reason="; ".join(problems))
    stored = merged(queries.stored_settings(project_id), body)
    queries.store_settings(project_id, stored, utcnow())
    log_action(actor, "project.evidence_settings.update", "project", project_id, body)
    return jsonify(settings_of(stored).as_json())
