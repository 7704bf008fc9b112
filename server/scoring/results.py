"""The results that count: for each subject and period, the latest submission that is not rejected, in its
current version, with its score; hamlets rescored over their members' results; sums per area.

Which score counts is decided when reading, so a review (rejected or not) or an edit changes the results at
once.
"""

from typing import NamedTuple

from ..forms import queries as form_queries
from ..submissions import queries as submission_queries
from . import queries
from .rollup import HAMLET_MODEL, member_rollups, summarise, summarise_all
from .service import score_pending, score_submission_def, scorer_of_form_def


def counted_results(project_id, model=None, period=None, area_code=None):
    """What counts for each subject and period, after scoring what is pending (see module docstring):
    rows of (Counted, instance id, xml form id, review state). A hamlet whose rules read its members'
    results (share_recognised('gia_dinh')…) is scored again here with them, since they change."""
    score_pending(project_id)
    rows = [(Counted.of(score), *rest) for score, *rest in queries.counted_results(project_id, model, period,
                                                                                    area_code)]
    members = {}  # (model, period) -> {area code: (evaluated, recognised)}, read once for every hamlet
    return [(_with_member_rollups(project_id, counted, members), *rest) if counted.model == HAMLET_MODEL
            else (counted, *rest) for counted, *rest in rows]


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


def _with_member_rollups(project_id, counted, members):
    """The hamlet's result rescored with the roll-ups its rules read, over the results that count for the
    subjects evaluated in that hamlet (area = the hamlet) in the same period; unchanged if it reads none.
    `members` caches the member counts per (model, period) across hamlets."""
    form_def = form_queries.get_def(counted.form_def_id)
    scorer = scorer_of_form_def(form_def)
    if scorer is None or not scorer.rules.rollups_referenced:
        return counted
    counts = {}
    for _, model in scorer.rules.rollups_referenced:
        if (model, counted.period) not in members:
            members[model, counted.period] = _member_counts(project_id, model, counted.period)
        counts[model] = members[model, counted.period].get(counted.subject, (0, 0))
    rollups = member_rollups(scorer.rules.rollups_referenced, counts)
    submission_def = submission_queries.get_def(counted.submission_def_id)
    score = score_submission_def(submission_def, form_def, scorer, rollups).score
    return counted._replace(total=score.total, result=score.result, level=score.level, recognised=score.recognised,
                            mandatory_met=score.mandatory_met, unmet=scorer.unmet(score),
                            held_back_by=list(score.held_back_by))


def _member_counts(project_id, model, period):
    """{area code: (evaluated, recognised)} of the results of `model` that count in `period`."""
    found = {}
    for score, *_ in queries.counted_results(project_id, model, period):
        evaluated, recognised = found.get(score.area_code, (0, 0))
        found[score.area_code] = (evaluated + 1, recognised + bool(score.recognised))
    return found


def summarise_results(project_id, level, period=None):
    """(AreaSummary per area of `level`, AreaSummary of everything) over the results that count."""
    results = [(score.model, score.area_code, score.recognised)
               for score, *_ in counted_results(project_id, period=period)]
    areas = queries.list_area_rows()
    return summarise(results, areas, level), summarise_all(results, areas)
