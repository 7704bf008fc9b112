"""The results that count: for each subject and period, the latest submission that is not rejected, in its
current version, with its score (rolled up over its members where its rules read them: member_rollups.py); and their
sums per area.

Which score counts is decided when reading, so a review (rejected or not) or an edit changes the results at
once. Sums per area count the outcome: the officer's decision where there is one, else the proposal.
"""

from collections import defaultdict
from typing import NamedTuple

from ..subject_kinds import CONG_DAN, groups_of
from . import queries
from .area_totals import summarise, summarise_all
from .member_rollups import EVIDENCE, rolled_up_forms, rolled_up_results
from .scores import score_pending

ONLY_SOME = 1000  # up to this many subjects drawing on their members are rolled up alone, else all at once


def counted_results(project_id, kind=None, period=None, area_code=None, within=None, subjects=None):
    """What counts for each subject and period, after scoring what is pending (see module docstring):
    rows of (Counted, instance id, xml form id, review state). `within`: a SELECT of the area codes the
    caller may see (None: all); `subjects`: those only."""
    score_pending(project_id)
    rows = queries.counted_results(project_id, kind, period, area_code, within, subjects)
    reading = rolled_up_forms(project_id)
    wanted = {score.subject for score, *_ in rows if score.form_def_id in reading}
    rolled = rolled_up_results(project_id, period, upto=kind, with_reasons=True,
                               subjects=sorted(wanted) if len(wanted) <= ONLY_SOME else None) if wanted else {}
    return [(held_back(Counted.of(score, rolled.get(score.id)), held), *rest) for score, *rest, held in rows]


def held_back(counted, held):
    """The result as it counts: not recognised while its evidence holds it back (and saying so)."""
    if not held or EVIDENCE in counted.held_back_by:  # (a rolled-up result says so already)
        return counted
    return counted._replace(recognised=False, held_back_by=[*counted.held_back_by, EVIDENCE])


class Counted(NamedTuple):
    """A counted result: a score row's values, or those it has rolled up over its members."""
    id: int
    submission_def_id: int
    form_def_id: int
    ruleset_id: str
    kind: str
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
    error: dict | None  # {"vi", "en"}: why it could not be scored (then it counts in no sum)
    points: dict  # {indicator code: points earned, or null}
    members: dict | None = None  # {member kind: MemberCount} it was rolled up with

    @classmethod
    def of(cls, score, rolled=None):
        counted = cls(*(getattr(score, name) for name in cls._fields[:-1]))
        if rolled is None:
            return counted
        return counted._replace(total=rolled.total, result=rolled.result, level=rolled.level,
                                recognised=rolled.recognised, mandatory_met=rolled.mandatory_met,
                                unmet=rolled.unmet, held_back_by=rolled.held_back_by, points=rolled.points,
                                members=rolled.members)


def outcomes_by_area(project_id, period=None):
    """[(kind, area code, evaluated, recognised)] over the results that count (in `period`): summed in the
    database, with the rolled-up results added (member_rollups.py)."""
    score_pending(project_id)
    outcomes = queries.count_outcomes(project_id, period, list(rolled_up_forms(project_id)))
    rolled = rolled_up_results(project_id, period, outcomes=outcomes)
    summed = defaultdict(lambda: [0, 0])
    for kind, _, area_code, evaluated, recognised in outcomes:
        summed[kind, area_code][0] += evaluated
        summed[kind, area_code][1] += recognised
    for found in rolled.values():
        summed[found.kind, found.area_code][0] += 1
        summed[found.kind, found.area_code][1] += found.outcome
    return [(kind, area_code, evaluated, recognised) for (kind, area_code), (evaluated, recognised) in summed.items()]


def citizens_in_recognised(project_id, period, groups):
    """[(CONG_DAN, area code, evaluated, recognised)] of the citizens whose results count in `period` and
    who belong to a subject of one of `groups` recognised in the end (decision, else proposal): their household
    (`ho`), their clan, the hamlet they were evaluated in, their unit (member_rollups.py)."""
    score_pending(project_id)
    reading = rolled_up_forms(project_id)
    rolled = rolled_up_results(project_id, period) if any(
        scorer.rules.kind in groups for _, scorer in reading.values()) else {}
    recognised = {kind: {*queries.list_recognised_subjects(project_id, kind, period, list(reading)),
                          *(found.subject for found in rolled.values() if found.kind == kind and found.outcome)}
                  for kind in groups}
    summed = defaultdict(lambda: [0, 0])
    for area_code, outcome, *named in queries.list_citizen_groups(project_id, period):
        belongs = dict(zip(groups_of(CONG_DAN), named))
        if any(belongs[kind] in recognised[kind] for kind in groups):
            summed[area_code][0] += 1
            summed[area_code][1] += bool(outcome)
    return [(CONG_DAN, area_code, evaluated, recognised) for area_code, (evaluated, recognised) in summed.items()]


def summarise_results(project_id, level, period=None, within=None):
    """(AreaSummary per area of `level`, AreaSummary of everything) over the results that count; only the
    areas and results in `within` (a set of area codes) when given."""
    outcomes = outcomes_by_area(project_id, period)
    areas = queries.list_area_rows()
    if within is not None:
        outcomes = [row for row in outcomes if row[1] in within]
        areas = [area for area in areas if area.code in within]
    return summarise(outcomes, areas, level), summarise_all(outcomes, areas)
