"""Results that draw on their members' results: a hamlet's share of households recognised, a clan's, a
household's citizens. Rules read them as share_recognised('gia_dinh'), count_members(…), count_recognised(…).

Who is whose member (rollup.MEMBER_LINKS): a hamlet's members are the subjects evaluated in it (their area);
a clan's are the households and citizens whose registry entity names it (`dong_ho`, on the citizen or on its
household); a household's are the citizens whose entity names it (`ho`); a unit's, those naming it (`don_vi`).
Members count by their outcome in the same period: the officer's decision where there is one, else the
engine's proposal. Members are rolled up before the subjects that count them (a clan before its hamlet).

Member counts are summed in the database. A result is scored again only for counts it was never scored with:
each (result, counts) is kept in member_scores, so reading the same results twice scores nothing.
"""

from collections import defaultdict
from types import SimpleNamespace
from typing import NamedTuple

from ..db import utcnow
from ..forms.fields import fields_of
from ..submissions.instance import read_instance
from . import queries
from .answers import answer_values
from .area_totals import MEMBER_LINKS, MEMBER_ORDER, member_rollups, members_key
from .scores import current_scorers


class Rolled(NamedTuple):
    """A result scored with its members' counts."""
    score_id: int
    kind: str
    subject: str
    area_code: str | None
    period: int | None
    members: str  # the counts read, e.g. 'gia_dinh=5/3'
    total: float | None
    result: str | None
    level: int | None
    recognised: bool  # the engine's proposal
    outcome: bool  # the officer's decision where there is one, else the proposal
    mandatory_met: bool
    unmet: list | None  # None when not read (with_reasons)
    held_back_by: list | None


class _Pending(NamedTuple):
    row: tuple  # queries.list_counted_of_forms
    counts: dict  # {member model: (evaluated, recognised)}


def rolled_up_results(project_id, period=None, upto=None, outcomes=None, with_reasons=False, subjects=None):
    """{score id: Rolled} for every result that counts (in `period`) and whose rules read roll-ups over its
    members, or only the models needed for `upto` and its members. `outcomes`: queries.count_outcomes of the
    same period, when the caller has them (members linked by area are counted from them). The unmet and
    held-back-by lists are read only `with_reasons` (else None, when they were scored before). `subjects`:
    only those (a commune's hamlets), with their members counted alone, unless a member is rolled up itself."""
    if upto is not None and upto not in MEMBER_ORDER:
        return {}
    order = MEMBER_ORDER[:MEMBER_ORDER.index(upto) + 1] if upto else MEMBER_ORDER
    reading = rolled_up_forms(project_id)
    scorers = {form_def_id: found for form_def_id, found in reading.items() if found[1].rules.kind in order}
    if not scorers:
        return {}
    kinds = sorted({scorer.rules.kind for _, scorer in scorers.values()})
    members = sorted({member for _, scorer in scorers.values() for _, member in scorer.rules.rollups_referenced})
    if subjects is not None and set(members) & set(kinds):
        subjects = None  # a member rolled up itself (a clan in a hamlet) needs its own members: all of them
    by_model, kept, seen = defaultdict(list), {}, set()  # the results, and their member scores kept by counts
    for row in queries.list_counted_of_forms(project_id, list(scorers), kinds, period, with_reasons, subjects):
        if row.score_id not in seen:
            seen.add(row.score_id)
            by_model[row.kind].append(row)
        if row.members is not None:
            kept[row.score_id, row.members] = row
    if outcomes is None:
        outcomes = queries.count_outcomes(project_id, period, list(reading), members, subjects)
    rolled = {}
    for kind in order:
        if by_model.get(kind):
            _roll_up(project_id, kind, by_model[kind], scorers, kept, rolled, period, outcomes, with_reasons,
                     subjects)
    return rolled


def rolled_up_forms(project_id):
    """{form version id: (form version, Scorer)} of the current versions whose rules read roll-ups."""
    return {form_def_id: found for form_def_id, found in current_scorers(project_id).items()
            if found[1].rules.rollups_referenced}


def _roll_up(project_id, kind, rows, scorers, kept, rolled, period, outcomes, with_reasons, subjects):
    """Roll up the results `rows` of one model into `rolled`, scoring those whose counts are new."""
    referenced = {member for form_def_id in {row.form_def_id for row in rows}
                  for _, member in scorers[form_def_id][1].rules.rollups_referenced}
    counts = {member: _member_counts(project_id, kind, member, scorers, rolled, period, outcomes, subjects)
              for member in referenced}
    pending = []
    for row in rows:
        read = {member: counts[member].get((row.period, row.subject), (0, 0))
                for _, member in scorers[row.form_def_id][1].rules.rollups_referenced}
        found = kept.get((row.score_id, members_key(read)))
        if found is None:
            pending.append(_Pending(row, read))
        else:
            rolled[row.score_id] = _rolled(row, found, with_reasons)
    new = _score(pending, scorers)
    queries.add_member_scores([dict(values, scored_at=utcnow()) for values in new])
    for item, values in zip(pending, new):
        rolled[item.row.score_id] = _rolled(item.row, SimpleNamespace(**values), True)


def _member_counts(project_id, kind, member, scorers, rolled, period, outcomes, subjects):
    """{(period, subject): (evaluated, recognised)} of `model`'s `member` results. Members whose own result is
    rolled up (a clan in a hamlet) count as rolled, from `rolled`."""
    link = MEMBER_LINKS[kind]
    rolled_forms = [form_def_id for form_def_id, (_, scorer) in scorers.items() if scorer.rules.kind == member]
    if link.area:
        counts = {(row_period, area_code): (evaluated, recognised)
                  for found, row_period, area_code, evaluated, recognised in outcomes if found == member}
    else:
        counts = {(row_period, group): (evaluated, recognised) for row_period, group, evaluated, recognised
                  in queries.count_members(project_id, member, link, period, rolled_forms, subjects)}
    if rolled_forms:
        for score_id, row_period, group, decided in queries.list_member_groups(project_id, member, link, period,
                                                                                rolled_forms):
            evaluated, recognised = counts.get((row_period, group), (0, 0))
            outcome = decided if decided is not None else rolled[score_id].outcome if score_id in rolled else False
            counts[row_period, group] = (evaluated + 1, recognised + bool(outcome))
    return counts


def _score(pending, scorers):
    """The kept values (dicts of MemberScore's columns) of each pending result, scored with its counts."""
    documents = queries.list_submission_xml(item.row.submission_def_id for item in pending)
    read = {}  # form version id -> the fields its rules read (subject, area and period are on the row)
    found = []
    for item in pending:
        form_def, scorer = scorers[item.row.form_def_id]
        if form_def.id not in read:
            read[form_def.id] = [field for field in fields_of(form_def)
                                 if field.path[-1] in scorer.rules.fields_referenced]
        rollups = member_rollups(scorer.rules.rollups_referenced, item.counts)
        root = read_instance(documents[item.row.submission_def_id].encode("utf-8")).root
        score = scorer.score(answer_values(root, read[form_def.id]), rollups)
        found.append({"score_id": item.row.score_id, "members": members_key(item.counts), "total": score.total,
                      "result": score.result, "level": score.level, "recognised": score.recognised,
                      "mandatory_met": score.mandatory_met, "unmet": scorer.unmet(score),
                      "held_back_by": list(score.held_back_by)})
    return found


def _rolled(row, values, reasons):
    """A Rolled from a counted row and its scored values (with the unmet and held-back lists if `reasons`)."""
    return Rolled(row.score_id, row.kind, row.subject, row.area_code, row.period, values.members, values.total,
                  values.result, values.level, values.recognised,
                  row.decided if row.decided is not None else values.recognised, values.mandatory_met,
                  values.unmet if reasons else None, values.held_back_by if reasons else None)
