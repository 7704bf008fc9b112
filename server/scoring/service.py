"""Scoring stored submissions: the rule set of a form version, read once from its kept workbook, applied
to a submission's current version; scores kept per version, and the ones that count for each subject.

Scoring is idempotent and lazy: score_pending scores whatever current version has no score under its own
form version yet (new submissions, edits), in batches; reading results calls it first, and so does
`minhchung rescore`. Which score counts is decided when reading, so a review (rejected or not) or an edit
changes the results at once. Operations flush; the request commits.
"""

from dataclasses import dataclass
from typing import NamedTuple

from ..areas.service import table_problems
from ..blobs.service import open_blob
from ..db import utcnow
from ..extensions import db
from ..forms import queries as form_queries
from ..forms.fields import fields_of
from ..forms.xlsform import XLS_CONTENT_TYPE
from ..submissions import queries as submission_queries
from ..submissions.instance import read_instance
from . import queries
from .answers import answer_values, subject_area_period
from .engine import Scorer
from .models import PlanTarget
from .rollup import HAMLET_MODEL, member_rollups, summarise, summarise_all
from .targets import MODELS as TARGET_MODELS
from .targets import Target, progress, read_targets
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
    return _scored(current, form_def, scorer, rollups, explain=True)


def _scored(submission_def, form_def, scorer, rollups=None, explain=False):
    values = answer_values(read_instance(submission_def.xml.encode("utf-8")).root, fields_of(form_def))
    score = scorer.score(values, rollups)
    subject, area, period = subject_area_period(scorer.rules, values, submission_def.created_at)
    reasons = scorer.explain(score, values, rollups) if explain else ()
    return SubmissionScore(form_def, scorer, score, reasons, values, subject, area, period)


def score_pending(project_id, batch=500):
    """Score every current submission version of the project that has no score under its own form version;
    return how many were scored."""
    scorers = {form_def.id: (form_def, scorer) for form_def in queries.list_form_defs_of_project(project_id)
               if (scorer := scorer_of_form_def(form_def)) is not None}
    done = 0
    while scorers:
        pending = queries.list_unscored_current_defs(list(scorers), batch)
        queries.add_scores([_score_row(submission_def, *scorers[submission_def.form_def_id])
                            for submission_def in pending])
        db.session.flush()
        done += len(pending)
        if len(pending) < batch:
            break
    return done


def _score_row(submission_def, form_def, scorer):
    scored = _scored(submission_def, form_def, scorer)
    score, rules = scored.score, scorer.rules
    return {"submission_id": submission_def.submission_id, "submission_def_id": submission_def.id,
            "form_def_id": form_def.id, "ruleset_id": score.ruleset_id, "model": score.model,
            "subject": _cut(scored.subject, 255), "area_code": _cut(scored.area, 64), "period": scored.period,
            "total": score.total, "result": score.result, "level": score.level, "recognised": score.recognised,
            "mandatory_met": score.mandatory_met,
            "points": {indicator.code: points for indicator, points in zip(rules.indicators, score.points)},
            "unmet": [indicator.code for indicator, met in zip(rules.indicators, score.met) if not met],
            "held_back_by": list(score.held_back_by), "scored_at": utcnow()}


def counted_results(project_id, model=None, period=None, area_code=None):
    """What counts for each subject and period, after scoring what is pending (see module docstring):
    rows of (Counted, instance id, xml form id, review state). A hamlet whose rules read its members'
    results (share_recognised('gia_dinh')…) is scored again here with them, since they change."""
    score_pending(project_id)
    rows = [(Counted.of(score), *rest) for score, *rest in queries.counted_results(project_id, model, period,
                                                                                    area_code)]
    return [(_with_member_rollups(project_id, counted), *rest) if counted.model == HAMLET_MODEL else (counted, *rest)
            for counted, *rest in rows]


class Counted(NamedTuple):
    """A counted result: a score row's values (rescored with member roll-ups for a hamlet)."""
    id: int
    submission_def_id: int
    form_def_id: int
    ruleset_id: str
    model: str
    subject: str
    area_code: str | None
    period: int | None
    total: float | None
    result: str | None
    level: int | None
    recognised: bool
    mandatory_met: bool
    unmet: list
    held_back_by: list
    scored_at: object

    @classmethod
    def of(cls, score):
        return cls(*(getattr(score, name) for name in cls._fields))


def _with_member_rollups(project_id, counted):
    """The hamlet's result rescored with the roll-ups its rules read, over the results that count for the
    subjects evaluated in that hamlet (area = the hamlet) in the same period; unchanged if it reads none."""
    form_def = form_queries.get_def(counted.form_def_id)
    scorer = scorer_of_form_def(form_def)
    if scorer is None or not scorer.rules.rollups_referenced:
        return counted
    members = {}
    for function, model in scorer.rules.rollups_referenced:
        if model not in members:
            members[model] = _member_counts(project_id, model, counted.period)
    rollups = member_rollups(scorer.rules.rollups_referenced,
                             {model: found.get(counted.subject, (0, 0)) for model, found in members.items()})
    submission_def = submission_queries.get_def(counted.submission_def_id)
    score = _scored(submission_def, form_def, scorer, rollups).score
    return counted._replace(total=score.total, result=score.result, level=score.level, recognised=score.recognised,
                            mandatory_met=score.mandatory_met,
                            unmet=[indicator.code for indicator, met in zip(scorer.rules.indicators, score.met)
                                   if not met], held_back_by=list(score.held_back_by))


def _member_counts(project_id, model, period):
    """{area code: (evaluated, recognised)} of the results of `model` that count in `period`."""
    found = {}
    for row in queries.counted_results(project_id, model, period):
        evaluated, recognised = found.get(row[0].area_code, (0, 0))
        found[row[0].area_code] = (evaluated + 1, recognised + bool(row[0].recognised))
    return found


def _cut(text, length):
    return text[:length] if text else text


def summarise_results(project_id, level, period=None):
    """(AreaSummary per area of `level`, AreaSummary of everything) over the results that count."""
    results = [(score.model, score.area_code, score.recognised)
               for score, *_ in counted_results(project_id, period=period)]
    areas = queries.list_area_rows()
    return summarise(results, areas, level), summarise_all(results, areas)


def import_targets(project_id, table):
    """Create or update the project's plan targets from a Table, keyed by plan, area, year, indicator and
    population; {created, updated, unchanged}. :raise 400.54: with every problem (nothing is stored)."""
    targets, problems = read_targets(table)
    if problems:
        raise table_problems(problems, "target table")
    existing = {_target_key(row): row for row in queries.list_targets(project_id)}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for target in targets:
        values = {"area_level": target.area_level, "area_code": target.area_code,
                  "target_percent": target.target_percent, "comparison": target.comparison, "source": target.source}
        row = existing.get(_target_key(target))
        if row is None:
            row = existing[_target_key(target)] = PlanTarget(
                project_id=project_id, plan=target.plan, area=target.area, year=target.year,
                indicator=target.indicator, population=target.population, **values)
            db.session.add(row)
            counts["created"] += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    db.session.flush()
    return counts


def _target_key(target):
    return target.plan, target.area, target.year, target.indicator, target.population


def target_progress(project_id, year=None):
    """Progress of every target of the project (of `year`), against the results that count in its area:
    the area is the file's area_code, else the area of that level and name in the tree."""
    areas = queries.list_area_rows()
    codes = {area.code for area in areas}
    by_name = {(area.level, _plain_name(area.name)): area.code for area in areas}
    rows, counts = [], {}
    for target in queries.list_targets(project_id, year):
        if target.year not in counts:
            counts[target.year] = _counts_by_area(project_id, target.year, areas)
        code = target.area_code or by_name.get((target.area_level, _plain_name(target.area)))
        model = TARGET_MODELS.get(target.indicator, (None,))[0]
        found = counts[target.year].get((code, model), (0, 0)) if code in codes else None
        rows.append(progress(_as_target(target, code), found))
    return rows


def _counts_by_area(project_id, year, areas):
    """{(area code, model): (evaluated, recognised)} for every area, from the results that count in `year`."""
    results = [(score.model, score.area_code, score.recognised)
               for score, *_ in counted_results(project_id, period=year)]
    found = {}
    for level in ("province", "district", "commune", "hamlet"):
        for summary in summarise(results, areas, level):
            for count in summary.models:
                found[summary.code, count.model] = (count.evaluated, count.recognised)
    return found


def _as_target(row, code):
    return Target(row.plan, row.area, row.area_level, code, row.year, row.indicator, row.population,
                  row.target_percent, row.comparison, row.source)


def _plain_name(name):
    """'Tỉnh Thái Bình' and 'Thái Bình' alike: lower case, without the administrative prefix."""
    name = " ".join(name.lower().split())
    for prefix in ("tỉnh ", "thành phố ", "huyện ", "thị xã ", "quận ", "xã ", "phường ", "thị trấn ", "thôn ",
                   "tổ dân phố ", "ấp ", "bản "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name
