"""A scored submission as JSON (camelCase, as the rest of the API): the rule set, subject, totals, the
result, every criterion and indicator, and the reasons with links to their evidence."""

from marshmallow import fields

from ..schemas import BodySchema
from ..urls import api_url, segment
from .member_counts import counts_to_json


class DecisionSchema(BodySchema):
    """PUT …/recognition/{model}/{period}/{subject}: the officer's decision and, for an override, why."""

    recognised = fields.Boolean(required=True, truthy={True}, falsy={False})  # JSON true/false only
    reason = fields.String(load_default="")


def score_json(scored, attachment_base, binary_fields):
    """`attachment_base` is the submission's attachments path; evidence in `binary_fields` (names) links there."""
    rules, score = scored.scorer.rules, scored.score
    head = {"ruleSet": {"id": rules.id, "model": rules.kind, "style": rules.style, "label": rules.label,
                        "source": rules.source, "status": rules.status},
            "subject": scored.subject, "area": scored.area, "period": scored.period, "error": scored.error}
    if score is None:  # it cannot be scored: the error says why
        return {**head, "total": None, "maxTotal": rules.total, "level": None, "result": None, "recognised": False,
                "mandatoryMet": False, "criteria": [], "indicators": [], "reasons": []}
    outcome = next((item for item in rules.bands + rules.levels if item.name == score.result), None)
    return {
        **head,
        "total": score.total, "maxTotal": score.max_total, "level": score.level,
        "result": {"name": outcome.name, "label": outcome.label, "recognised": outcome.recognised} if outcome else None,
        "recognised": score.recognised, "mandatoryMet": score.mandatory_met,
        "criteria": [{"code": criterion.code, "label": criterion.label, "points": points, "maxPoints": criterion.points,
                      "met": all(score.met[start:end])}
                     for criterion, points, (start, end) in zip(rules.criteria, score.criterion_points,
                                                                scored.scorer.criterion_slices)],
        "indicators": [{"code": indicator.code, "criterion": indicator.criterion, "label": indicator.label, "met": met,
                        "points": points, "maxPoints": indicator.points, "mandatory": indicator.mandatory,
                        "level": indicator.level, "status": indicator.status}
                       for indicator, met, points in zip(rules.indicators, score.met, score.points)],
        "reasons": [{"kind": reason.kind, "code": reason.code, "text": reason.text,
                     "blocksRecognition": reason.blocks_recognition,
                     "evidence": [_evidence(field, scored.values.get(field, ""), attachment_base, binary_fields)
                                  for field in reason.evidence]}
                    for reason in scored.reasons],
    }


def _evidence(field, value, attachment_base, binary_fields):
    url = api_url(f"{attachment_base}/{segment(value)}") if field in binary_fields and value else None
    return {"field": field, "value": value, "url": url}


def result_json(score, instance_id, xml_form_id, review_state):
    """One counted result (a SubjectScore row and its submission)."""
    return {"model": score.kind, "subject": score.subject, "area": score.area_code, "period": score.period,
            "ruleSetId": score.ruleset_id, "total": score.total, "result": score.result, "level": score.level,
            "recognised": score.recognised, "mandatoryMet": score.mandatory_met, "unmet": score.unmet,
            "heldBackBy": score.held_back_by, "xmlFormId": xml_form_id, "instanceId": instance_id,
            "reviewState": review_state, "scoredAt": score.scored_at.isoformat(),
            "members": counts_to_json(score.members) if score.members is not None else None,
            "scoringError": score.error}


def summary_json(summary):
    """One area's counts per subject kind (rate null where nothing was evaluated)."""
    body = {"code": summary.code, "name": summary.name, "level": summary.level,
            "models": {count.kind: {"evaluated": count.evaluated, "recognised": count.recognised, "rate": count.rate}
                       for count in summary.kinds}}
    if summary.code is None:
        body = {"models": body["models"], "unplaced": summary.unplaced}
    return body


def progress_json(row):
    """One target with the actual share, the gap in percentage points, and a note: why there is no actual
    share, or how it was counted."""
    target = row.target
    return {"plan": target.plan, "area": target.area, "areaLevel": target.area_level, "areaCode": target.area_code,
            "year": target.year, "indicator": target.indicator, "population": target.population,
            "targetPercent": target.target_percent, "comparison": target.comparison, "source": target.source,
            "evaluated": row.evaluated, "recognised": row.recognised, "actualPercent": row.actual_percent,
            "gap": row.gap, "met": row.met, "note": row.note}


def decision_json(decision):
    return {"model": decision.kind, "subject": decision.subject, "period": decision.period,
            "recognised": decision.recognised, "proposed": decision.proposed, "reason": decision.reason,
            "decidedBy": decision.decided_by, "decidedAt": decision.decided_at.isoformat()}


def recognition_json(row, decision, recognised):
    """A proposal (a counted result), the decision on it if any, and the outcome."""
    return {**result_json(*row), "proposed": row[0].recognised,
            "decision": decision_json(decision) if decision else None, "recognisedInTheEnd": recognised,
            "status": "proposed" if decision is None else
            ("overridden" if decision.recognised != decision.proposed else "confirmed")}
