"""Scoring stored submissions: the rule set of a form version, read once from its kept workbook, applied
to a submission's current version."""

from dataclasses import dataclass

from ..blobs.service import open_blob
from ..forms import queries as form_queries
from ..forms.fields import fields_of
from ..forms.xlsform import XLS_CONTENT_TYPE
from ..submissions import queries as submission_queries
from ..submissions.instance import read_instance
from .answers import answer_values, subject_area_period
from .engine import Scorer
from .rules import read_rules
from .sheets import read_scoring_sheets

_SCORERS = {}


@dataclass(frozen=True)
class SubmissionScore:
    form_def: object  # the version whose rules scored it
    scorer: Scorer
    score: object  # engine.Score
    reasons: tuple  # engine.Reason
    values: dict  # the answers, by field name
    subject: str | None
    area: str | None
    period: int | None


def scorer_of_form_def(form_def):
    """The Scorer of a form version's rule set, or None when its workbook has no scoring sheets (or it was
    uploaded as XForm XML). Read once per process: a stored version never changes."""
    key = (form_def.id, form_def.sha256)
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
    sheets = read_scoring_sheets(data, "xls" if form_def.xls_content_type == XLS_CONTENT_TYPE else "xlsx")
    types = {field.path[-1]: field.type for field in fields_of(form_def)}
    rules = read_rules(sheets, types, types)  # checked on upload: cannot fail for a stored version
    return Scorer(rules) if rules is not None else None


def score_submission(submission, rollups=None):
    """The current version of `submission` scored under its own form version's rules, or None if that
    version has none."""
    current = submission_queries.get_current_def(submission.id)
    form_def = form_queries.get_def(current.form_def_id)
    scorer = scorer_of_form_def(form_def)
    if scorer is None:
        return None
    values = answer_values(read_instance(current.xml.encode("utf-8")).root, fields_of(form_def))
    score = scorer.score(values, rollups)
    subject, area, period = subject_area_period(scorer.rules, values, current.created_at)
    return SubmissionScore(form_def, scorer, score, scorer.explain(score, values, rollups), values, subject, area, period)
