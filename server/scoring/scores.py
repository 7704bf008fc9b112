"""Scoring stored submissions: the rule set of a form version, read once from its kept workbook, applied
to a submission's current version, and the scores kept per version.

Results are scored under the rules of their form's current version: publishing a new version of a criteria
form rescores its results, while the rows scored under earlier versions stay, reproducible. Scoring is
idempotent and lazy: score_pending scores whatever current submission version has no score under its form's
current version yet (new submissions, edits, a new rule set version), in batches; reading results calls it
first (results.py), so do the background rescoring after a publish (rescoring.py) and `minhchung rescore`,
which shows its progress. It looks only above each form version's scoring mark (models.ScoringMark), which it
moves up once nothing is pending. Operations flush; the request commits.
"""

from dataclasses import dataclass
from datetime import timedelta

from ..blobs.service import open_blob
from ..db import utcnow
from ..extensions import db
from ..forms.fields import fields_of
from ..forms.xlsform import XLS_CONTENT_TYPE
from ..submissions import queries as submission_queries
from ..submissions.instance import read_instance
from ..submissions.values import BadValue, check_answers, field_types
from . import queries
from .answers import answer_values, subject_area_period
from .rules import Scorer, read_rules

_SCORERS = {}
SETTLING = timedelta(minutes=10)  # a submission version is committed within this long of being created


@dataclass(frozen=True)
class SubmissionScore:
    form_def: object  # the version whose rules scored it
    scorer: Scorer
    score: object  # engine.Score, None when it cannot be scored
    reasons: tuple  # engine.Reason
    values: dict  # the answers, by field name
    subject: str | None
    area: str | None
    period: int | None
    error: dict | None = None  # {"vi": "không chấm được: …", "en": "cannot score: …"} when it cannot be scored


def cannot_score(text):
    """The kept reason of a submission that cannot be scored, from a BadValue's {"vi", "en"} text."""
    return {"vi": f"không chấm được: {text['vi']}", "en": f"cannot score: {text['en']}"}


def scorer_of_form_def(form_def):
    """The Scorer of a form version's rule set, or None when its workbook has no scoring sheets (or it was
    uploaded as XForm XML). Read once per process, keyed by the version's content."""
    key = form_def.content_key
    if key not in _SCORERS:
        if len(_SCORERS) > 256:
            _SCORERS.clear()
        _SCORERS[key] = _read_scorer(form_def)
    return _SCORERS[key]


def _read_scorer(form_def):
    if form_def.xls_blob is None:
        return None
    with open_blob(form_def.xls_blob) as handle:
        data = handle.read()
    types = {field.path[-1]: field.type for field in fields_of(form_def)}
    file_type = "xls" if form_def.xls_content_type == XLS_CONTENT_TYPE else "xlsx"
    rules = read_rules(data, file_type=file_type, field_types=types)  # checked on upload: cannot fail now
    return Scorer(rules) if rules is not None else None


def score_submission(submission, form):
    """The current version of `submission` scored under the rules of its form's current version (with the
    reasons), or None if that version has none."""
    if form.current_def is None or (scorer := scorer_of_form_def(form.current_def)) is None:
        return None
    current = submission_queries.get_current_def(submission.id)
    return score_submission_def(current, form.current_def, scorer, explain=True)


def score_submission_def(submission_def, form_def, scorer, rollups=None, explain=False):
    """A SubmissionScore of one stored version under `scorer` (reasons only when `explain`). A version whose
    answers are not values of their fields' types is kept as one that cannot be scored, with the reason: one
    bad submission never stops the others being scored, listed or summed."""
    values = answer_values(read_instance(submission_def.xml.encode("utf-8")).root, fields_of(form_def))
    rules = scorer.rules
    try:
        check_answers(values, field_types(fields_of(form_def)))
        subject, area, period = subject_area_period(rules, values, submission_def.created_at)
    except BadValue as bad:
        return SubmissionScore(form_def, scorer, None, (), values, _raw(values, rules.subject_field),
                               _raw(values, rules.area_field), _period_or_none(rules, values, submission_def),
                               cannot_score(bad.text))
    score = scorer.score(values, rollups)
    reasons = scorer.explain(score, values, rollups) if explain else ()
    return SubmissionScore(form_def, scorer, score, reasons, values, subject, area, period)


def _period_or_none(rules, values, submission_def):
    try:
        return subject_area_period(rules, values, submission_def.created_at)[2]
    except BadValue:
        return None


def _raw(values, field):
    return (values.get(field) or None) if field else None


def score_pending(project_id, batch=500, on_batch=None):
    """Score every current submission version of the project that has no score under its form's current
    version (so all of a form's after a new version is published), in batches; return how many.
    `on_batch(done)` is told the running count after each batch."""
    scorers = current_scorers(project_id)
    settled_before = utcnow() - SETTLING
    done = 0
    while scorers:
        pending = queries.list_unscored_current_defs(list(scorers), batch)
        queries.add_scores([_score_row(submission_def, *scorers[form_def_id])
                            for submission_def, form_def_id in pending])
        db.session.flush()
        done += len(pending)
        if on_batch is not None and pending:
            on_batch(done)
        if len(pending) < batch:
            queries.advance_scoring_marks(list(scorers), settled_before)
            break
    return done


def count_pending(project_id):
    """How many submission versions wait to be scored (shown while a rescoring runs)."""
    scorers = current_scorers(project_id)
    return queries.count_unscored(list(scorers)) if scorers else 0


def current_scorers(project_id):
    """{form version id: (form version, Scorer)} for the current versions that have criteria sheets."""
    return {form_def.id: (form_def, scorer) for form_def in queries.list_current_form_defs(project_id)
            if (scorer := scorer_of_form_def(form_def)) is not None}


def _score_row(submission_def, form_def, scorer):
    scored = score_submission_def(submission_def, form_def, scorer)
    score, rules = scored.score, scorer.rules
    row = {"submission_id": submission_def.submission_id, "submission_def_id": submission_def.id,
           "form_def_id": form_def.id, "ruleset_id": rules.id, "kind": rules.kind,
           "subject": _cut(scored.subject, 255), "area_code": _cut(scored.area, 64), "period": scored.period,
           "error": scored.error, "scored_at": utcnow()}
    if score is None:  # it cannot be scored: kept with the reason, recognised nowhere
        return {**row, "total": None, "result": None, "level": None, "recognised": False, "mandatory_met": False,
                "points": {}, "unmet": [], "held_back_by": []}
    return {**row, "total": score.total, "result": score.result, "level": score.level,
            "recognised": score.recognised, "mandatory_met": score.mandatory_met,
            "points": {indicator.code: points for indicator, points in zip(rules.indicators, score.points)},
            "unmet": scorer.unmet(score), "held_back_by": list(score.held_back_by)}


def _cut(text, length):
    return text[:length] if text else text
